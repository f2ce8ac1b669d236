//! Lifecycle rules (or an expiry date) that delete log files before the policy allows.

use crate::analysis::rules_touching;
use crate::check::*;

/// Metadata.
pub const META: CheckMeta = CheckMeta {
    id: "retention_short",
    title: "Log retention shorter than the policy",
    severity: Severity::High,
    what: "An enabled S3 lifecycle rule whose filter matches the trail's log prefix expires log files (current versions, or noncurrent versions on a versioned bucket) sooner than `retention.days` (default 365), or on a fixed date.",
    why: "Investigations routinely reach back months; PCI DSS asks for at least one year of audit logs, many organizations keep seven. Expired logs cannot be recovered.",
    fix: "aws s3api get-bucket-lifecycle-configuration --bucket LOG_BUCKET\n# raise Expiration.Days (and NoncurrentVersionExpiration) to at least the required retention:\naws s3api put-bucket-lifecycle-configuration --bucket LOG_BUCKET --lifecycle-configuration file://lifecycle.json",
};

/// Run.
pub fn run(ctx: &Ctx, out: &mut Out) {
    for (bucket, root, trails) in ctx.destinations() {
        let (need, who) = ctx.strictest(&trails, |e| e.retention_days, false);
        let account = ctx.bucket_account(bucket, &trails);
        let Some(b) = ctx.snapshot.bucket(bucket) else {
            continue;
        };
        let resource = format!("s3://{bucket}/{root}");
        let Some(rules) = out.fact(&b.lifecycle_rules, &account, "", &resource, |why| {
            format!("retention of {resource} unknown: {why}")
        }) else {
            continue;
        };
        let versioned = b.versioning.value().and_then(|v| v.status.as_deref()) == Some("Enabled")
            || b.object_lock
                .value()
                .cloned()
                .flatten()
                .is_some_and(|l| l.enabled);
        let mut problems = Vec::new();
        for r in rules_touching(rules, &root) {
            let id = r.id.as_deref().unwrap_or("(no id)");
            if let Some(d) = r.expiration_days.filter(|d| i64::from(*d) < need) {
                problems.push(format!("rule {id} deletes log files after {d} days"));
            }
            if let Some(date) = r.expiration_date {
                problems.push(format!(
                    "rule {id} deletes log files on {}",
                    date.date_naive()
                ));
            }
            if let Some(d) = r.noncurrent_expiration_days.filter(|d| {
                versioned
                    && i64::from(*d) < need
                    && r.expiration_days.is_some_and(|e| i64::from(e) < need)
            }) {
                problems.push(format!("rule {id} removes deleted versions after {d} days"));
            }
        }
        if !problems.is_empty() {
            out.push(
                Status::Fail,
                &account,
                b.region.value().map(String::as_str).unwrap_or(""),
                &resource,
                format!(
                    "{} (policy requires {need} days{}) for logs of {}",
                    problems.join("; "),
                    ctx.origin(&who, "retention.days"),
                    trails
                        .iter()
                        .map(|t| t.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::run_one;
    use crate::fixture::*;
    use crate::Status;
    use trailaudit_model::{Fact, LifecycleRule};

    #[test]
    fn pass_fail_unknown() {
        let mut s = healthy();
        s.buckets[0].lifecycle_rules = Fact::Collected {
            value: vec![LifecycleRule {
                id: Some("keep".into()),
                enabled: true,
                expiration_days: Some(2557),
                ..Default::default()
            }],
        };
        assert!(run_one("retention_short", &s).is_empty());
        s.buckets[0].lifecycle_rules = Fact::Collected {
            value: vec![LifecycleRule {
                id: Some("expire".into()),
                enabled: true,
                expiration_days: Some(30),
                ..Default::default()
            }],
        };
        let f = run_one("retention_short", &s);
        assert_eq!(f[0].status, Status::Fail);
        assert!(
            f[0].message.contains("after 30 days") && f[0].message.contains("365"),
            "{}",
            f[0].message
        );
        assert_eq!(f[0].account_id, MGMT);
        // A rule for another prefix does not touch the logs.
        s.buckets[0].lifecycle_rules = Fact::Collected {
            value: vec![LifecycleRule {
                enabled: true,
                prefix: "tmp/".into(),
                expiration_days: Some(1),
                ..Default::default()
            }],
        };
        assert!(run_one("retention_short", &s).is_empty());
        s.buckets[0].lifecycle_rules = denied("s3:GetLifecycleConfiguration");
        assert_eq!(run_one("retention_short", &s)[0].status, Status::Unknown);
    }
}
