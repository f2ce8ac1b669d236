//! The audit could not enter an account or was denied a read: its own verdict.

use crate::check::*;
use trailaudit_model::{Access, ErrorKind};

/// Metadata.
pub const META: CheckMeta = CheckMeta {
    id: "permission_gap",
    title: "Permission gap: account or API not readable",
    severity: Severity::High,
    what: "The audit role could not be assumed in the account, or a read API answered AccessDenied. What depends on it is reported as unknown, never as covered.",
    why: "An account the auditor cannot see is exactly where problems hide; fix the access before trusting the report.",
    fix: "# the trust policy of the audit role in the member account must allow the auditor:\naws iam get-role --role-name OrganizationAccountAccessRole\n# grant the read-only policy printed by: audit policy\naws iam put-role-policy --role-name ROLE --policy-name trailaudit --policy-document file://trailaudit-policy.json",
};

/// Run: one finding per account that could not be entered, and one per
/// (account, API) that was denied.
pub fn run(ctx: &Ctx, out: &mut Out) {
    for a in &ctx.snapshot.accounts {
        if let Access::Failed { error } = &a.access {
            out.push(
                Status::Unknown,
                &a.id,
                "",
                &a.id,
                format!(
                    "account {} ({}) could not be audited: {}",
                    a.name,
                    a.id,
                    error.describe()
                ),
            );
        }
    }
    // Denied calls per (account, operation), counted in one pass.
    let mut counts: std::collections::HashMap<(&str, &str), usize> =
        std::collections::HashMap::new();
    for e in &ctx.snapshot.errors {
        if e.error.kind == ErrorKind::AccessDenied {
            *counts
                .entry((
                    e.account_id.as_deref().unwrap_or_default(),
                    e.error.operation.as_str(),
                ))
                .or_default() += 1;
        }
    }
    let mut seen: std::collections::HashSet<(&str, &str)> = std::collections::HashSet::new();
    for e in &ctx.snapshot.errors {
        if e.error.kind != ErrorKind::AccessDenied {
            continue;
        }
        let account = e.account_id.clone().unwrap_or_default();
        let key = (
            e.account_id.as_deref().unwrap_or_default(),
            e.error.operation.as_str(),
        );
        if !seen.insert(key) {
            continue;
        }
        let count = counts[&key];
        out.push(
            Status::Unknown,
            &account,
            e.region.as_deref().unwrap_or(""),
            &e.error.operation,
            format!(
                "{} was denied {} time(s) in account {account}{}: {}",
                e.error.operation,
                count,
                e.resource
                    .as_ref()
                    .map(|r| format!(" (e.g. on {r})"))
                    .unwrap_or_default(),
                trailaudit_model::short_cause(&e.error.message)
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::run_one;
    use crate::fixture::*;
    use crate::Status;
    use trailaudit_model::{Access, CollectionError};

    #[test]
    fn pass_and_unknown() {
        assert!(run_one("permission_gap", &healthy()).is_empty());
        let mut s = healthy();
        s.accounts[1].access = Access::Failed {
            error: access_denied("sts:AssumeRole"),
        };
        for _ in 0..2 {
            s.errors.push(CollectionError {
                account_id: Some(MGMT.into()),
                region: Some("us-east-1".into()),
                resource: Some(ORG_TRAIL.into()),
                error: access_denied("cloudtrail:GetEventSelectors"),
            });
        }
        let f = run_one("permission_gap", &s);
        assert_eq!(f.len(), 2, "{f:#?}");
        assert!(f.iter().all(|f| f.status == Status::Unknown));
        assert!(f[1].message.contains("denied 2 time(s)"));
    }
}
