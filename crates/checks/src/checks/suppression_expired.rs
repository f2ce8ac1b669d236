//! Suppressions: applied to matching findings; expired ones are reported.

use crate::check::*;
use trailaudit_model::regions::glob_match;

/// Metadata.
pub const META: CheckMeta = CheckMeta {
    id: "suppression_expired",
    title: "Suppression expired",
    severity: Severity::Low,
    what: "A suppression in audit.toml is past its `expires` date. It no longer hides anything; its findings are reported again.",
    why: "Accepted risks need review; an expiry date forces it.",
    fix: "# review the finding, then fix it or extend the suppression in audit.toml:\n# [[suppress]] check = \"...\" reason = \"...\" expires = \"YYYY-MM-DD\"",
};

/// The check itself reports nothing on its own; see [`apply`].
pub fn run(_ctx: &Ctx, _out: &mut Out) {}

/// Marks findings matched by a live suppression, and reports expired ones.
pub fn apply(ctx: &Ctx, findings: &mut Vec<Finding>) {
    let today = ctx.now.date_naive();
    let mut out = Out::new(META, ctx.policy);
    for s in &ctx.policy.suppress {
        let expired = s.expires.is_some_and(|d| d < today);
        if expired {
            out.push(Status::Fail, &ctx.snapshot.caller.account_id, "", &format!("suppress {}", s.check), format!(
                "the suppression of {} (account {}, region {}, resource {}) expired on {}: \"{}\"",
                s.check, s.account, s.region, s.resource, s.expires.map(|d| d.to_string()).unwrap_or_default(), s.reason
            ));
            continue;
        }
        for f in findings.iter_mut() {
            if f.check_id == s.check
                && glob_match(&s.account, &f.account_id)
                && glob_match(&s.region, &f.region)
                && glob_match(&s.resource, &f.resource)
            {
                f.status = Status::Suppressed;
                f.message = format!(
                    "{} [suppressed: {}{}]",
                    f.message,
                    s.reason,
                    s.expires
                        .map(|d| format!(", until {d}"))
                        .unwrap_or_default()
                );
            }
        }
    }
    findings.extend(out.findings);
}

#[cfg(test)]
mod tests {
    use crate::fixture::*;
    use crate::{evaluate, Status};

    #[test]
    fn live_suppressions_hide_and_expired_ones_are_reported() {
        let p = crate::checks::parse_policy(
            "[[suppress]]\ncheck = \"insights_off\"\nreason = \"cost\"\nexpires = \"2027-01-01\"\n[[suppress]]\ncheck = \"kms_rotation_off\"\nreason = \"legacy\"\nexpires = \"2026-01-01\"\n",
            "audit.toml",
        ).unwrap();
        let e = evaluate(&healthy(), &p);
        let ins = e
            .findings
            .iter()
            .find(|f| f.check_id == "insights_off")
            .unwrap();
        assert_eq!(ins.status, Status::Suppressed);
        let exp = e
            .findings
            .iter()
            .find(|f| f.check_id == "suppression_expired")
            .unwrap();
        assert_eq!(exp.status, Status::Fail);
        assert!(exp.message.contains("2026-01-01"));
    }
}
