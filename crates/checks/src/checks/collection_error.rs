//! Calls that failed for reasons other than permissions.

use crate::check::*;
use trailaudit_model::ErrorKind;

/// Metadata.
pub const META: CheckMeta = CheckMeta {
    id: "collection_error",
    title: "Collection error: throttled, timed out, or API unavailable",
    severity: Severity::Medium,
    what: "A read call failed after the SDK's retries: throttling, a timeout, a network error, or an API the endpoint does not implement (informational when it is an optional API such as CloudTrail Lake or the Account API).",
    why: "What the call would have said is unknown; the affected cells are unknown, not covered.",
    fix: "# re-run, with fewer calls in flight if throttled:\naudit org --concurrency 8\n# raise the SDK's retries:\nexport AWS_MAX_ATTEMPTS=6",
};

const OPTIONAL: [&str; 3] = [
    "account:ListRegions",
    "cloudtrail:ListEventDataStores",
    "cloudtrail:GetEventDataStore",
];

/// Run: one finding per (account, API, kind of failure).
pub fn run(ctx: &Ctx, out: &mut Out) {
    let mut seen: std::collections::HashSet<(&str, &str, ErrorKind)> =
        std::collections::HashSet::new();
    for e in &ctx.snapshot.errors {
        if matches!(
            e.error.kind,
            ErrorKind::AccessDenied | ErrorKind::RoleNotAssumable
        ) {
            continue;
        }
        let account = e.account_id.clone().unwrap_or_default();
        let key = (
            e.account_id.as_deref().unwrap_or_default(),
            e.error.operation.as_str(),
            e.error.kind,
        );
        if !seen.insert(key) {
            continue;
        }
        let optional = e.error.kind == ErrorKind::NotImplemented
            && OPTIONAL.contains(&e.error.operation.as_str());
        let msg = format!(
            "{}{}",
            e.error.describe(),
            e.region
                .as_ref()
                .map(|r| format!(" (in {r})"))
                .unwrap_or_default(),
        );
        if optional {
            out.push_at(
                Severity::Info,
                Status::Info,
                &account,
                e.region.as_deref().unwrap_or(""),
                &e.error.operation,
                format!("{msg}; left out of this run"),
            );
        } else {
            out.push(
                Status::Unknown,
                &account,
                e.region.as_deref().unwrap_or(""),
                &e.error.operation,
                msg,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::run_one;
    use crate::fixture::*;
    use crate::Status;
    use trailaudit_model::{CollectionError, ErrorInfo, ErrorKind};

    fn err(kind: ErrorKind, op: &str) -> CollectionError {
        CollectionError {
            account_id: Some(MEMBER.into()),
            region: Some("eu-west-1".into()),
            resource: None,
            error: ErrorInfo {
                kind,
                operation: op.into(),
                code: None,
                message: "x".into(),
            },
        }
    }

    #[test]
    fn pass_unknown_info() {
        assert!(run_one("collection_error", &healthy()).is_empty());
        let mut s = healthy();
        s.errors
            .push(err(ErrorKind::Throttled, "cloudtrail:DescribeTrails"));
        s.errors
            .push(err(ErrorKind::Throttled, "cloudtrail:DescribeTrails"));
        s.errors.push(err(
            ErrorKind::NotImplemented,
            "cloudtrail:ListEventDataStores",
        ));
        let f = run_one("collection_error", &s);
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].status, Status::Unknown);
        assert_eq!(f[1].status, Status::Info);
    }
}
