//! Lifecycle transitions that move log files to Glacier-class storage.

use crate::analysis::{needs_restore, rules_touching};
use crate::check::*;

/// Metadata.
pub const META: CheckMeta = CheckMeta {
    id: "logs_need_restore",
    title: "Older logs archived to Glacier: restore needed to read",
    severity: Severity::Low,
    what: "An enabled lifecycle rule matching the log prefix transitions log files to GLACIER or DEEP_ARCHIVE. The data is kept, but cannot be read (or queried with Athena) until restored, which takes hours.",
    why: "During an incident, hours of restore time on exactly the logs you need is a real cost; know it in advance.",
    fix: "aws s3api get-bucket-lifecycle-configuration --bucket LOG_BUCKET\n# restore one object when needed:\naws s3api restore-object --bucket LOG_BUCKET --key KEY --restore-request Days=7",
};

/// Run.
pub fn run(ctx: &Ctx, out: &mut Out) {
    for (bucket, root, trails) in ctx.destinations() {
        let Some(b) = ctx.snapshot.bucket(bucket) else {
            continue;
        };
        let resource = format!("s3://{bucket}/{root}");
        let account = ctx.bucket_account(bucket, &trails);
        if let Some(value) = out.fact(&b.lifecycle_rules, &account, "", &resource, |why| {
            format!("lifecycle of {bucket} unknown: {why}")
        }) {
            for r in rules_touching(value, &root) {
                for t in r
                    .transitions
                    .iter()
                    .filter(|t| needs_restore(&t.storage_class))
                {
                    out.push(
                        Status::Fail,
                        &account,
                        "",
                        &resource,
                        format!(
                        "rule {} moves log files to {} after {} days: restore needed to read them",
                        r.id.as_deref().unwrap_or("(no id)"), t.storage_class, t.days.unwrap_or(0)
                    ),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::run_one;
    use crate::fixture::*;
    use crate::Status;
    use trailaudit_model::{Fact, LifecycleRule, Transition};

    #[test]
    fn pass_fail_unknown() {
        assert!(run_one("logs_need_restore", &healthy()).is_empty());
        let mut s = healthy();
        s.buckets[0].lifecycle_rules = Fact::Collected {
            value: vec![LifecycleRule {
                id: Some("archive".into()),
                enabled: true,
                transitions: vec![Transition {
                    days: Some(90),
                    storage_class: "DEEP_ARCHIVE".into(),
                }],
                ..Default::default()
            }],
        };
        let f = run_one("logs_need_restore", &s);
        assert_eq!(f[0].status, Status::Fail);
        assert!(f[0].message.contains("DEEP_ARCHIVE after 90 days"));
        s.buckets[0].lifecycle_rules = denied("s3:GetLifecycleConfiguration");
        assert_eq!(run_one("logs_need_restore", &s)[0].status, Status::Unknown);
    }
}
