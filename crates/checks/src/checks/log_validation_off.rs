//! Log file validation (digest files) off.

use trailaudit_model::IntegrityVerdict;

use crate::check::*;

/// Metadata.
pub const META: CheckMeta = CheckMeta {
    id: "log_validation_off",
    title: "Log file validation off",
    severity: Severity::Medium,
    what: "The trail's LogFileValidationEnabled is false: no hourly digest files, so nobody can prove a log file was not altered or deleted. Raised when `require.log_file_validation` is true (default).",
    why: "Evidence that cannot be shown untampered is weak evidence; digests are also the hourly heartbeat that proves delivery works.",
    fix: "aws cloudtrail update-trail --name TRAIL_ARN --region HOME_REGION --enable-log-file-validation",
};

/// Run. The setting comes with the trail listing, so it is never unknown for
/// a trail that was seen; trails in accounts that could not be entered are
/// reported by `permission_gap`.
pub fn run(ctx: &Ctx, out: &mut Out) {
    for t in ctx
        .trails()
        .iter()
        .filter(|t| !t.log_file_validation_enabled)
    {
        let (required, who) = ctx.strictest(&[t], |e| e.log_file_validation, false);
        if !required {
            continue;
        }
        // Evidence from an integrity check of the archive, when one ran.
        let unverifiable = ctx.snapshot.integrity.as_ref().map(|i| {
            let n = i
                .cells
                .iter()
                .filter(|c| c.trail_arn == t.arn && c.verdict == IntegrityVerdict::NotValidated)
                .count();
            format!(
                "; the integrity check of {} to {} could not verify its {n} account-region(s): there are no digests",
                i.from.format("%Y-%m-%dT%H:%MZ"),
                i.to.format("%Y-%m-%dT%H:%MZ")
            )
        });
        out.push(
            Status::Fail,
            &t.owner_account_id,
            &t.home_region,
            &t.arn,
            format!(
                "trail {} has log file validation off{}{}",
                t.name,
                ctx.origin(&who, "require.log_file_validation"),
                unverifiable.unwrap_or_default()
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::{run_one, run_one_with};
    use crate::fixture::*;
    use crate::{AuditPolicy, Status};

    #[test]
    fn pass_fail_and_no_false_pass_for_unreadable_accounts() {
        assert!(run_one("log_validation_off", &healthy()).is_empty());
        let mut s = healthy();
        s.trails[0].log_file_validation_enabled = false;
        assert_eq!(run_one("log_validation_off", &s)[0].status, Status::Fail);
        let mut p = AuditPolicy::default();
        p.require.log_file_validation = Some(false);
        assert!(run_one_with("log_validation_off", &s, &p).is_empty());
        // Unknown: an account whose role failed has no trails to judge; the
        // account shows up as unknown in permission_gap, not as a pass here.
        let mut s = snapshot();
        s.accounts[1].access = trailaudit_model::Access::Failed {
            error: access_denied("sts:AssumeRole"),
        };
        assert!(run_one("log_validation_off", &s).is_empty());
        assert_eq!(run_one("permission_gap", &s)[0].status, Status::Unknown);
    }
}
