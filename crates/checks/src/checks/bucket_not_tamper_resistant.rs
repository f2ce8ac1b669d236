//! Log files can be deleted or overwritten without trace.

use crate::check::*;
use trailaudit_model::Fact;

/// Metadata.
pub const META: CheckMeta = CheckMeta {
    id: "bucket_not_tamper_resistant",
    title: "Log bucket not tamper resistant",
    severity: Severity::Medium,
    what: "The bucket has neither versioning nor Object Lock (medium), or versioning without MFA delete or Object Lock (low): anyone with s3:DeleteObject can remove logs for good. Object Lock with a default retention is noted when present.",
    why: "An intruder with write access to the log bucket can erase the evidence of the intrusion.",
    fix: "aws s3api put-bucket-versioning --bucket LOG_BUCKET --versioning-configuration Status=Enabled\n# Object Lock (bucket created with --object-lock-enabled-for-bucket):\naws s3api put-object-lock-configuration --bucket LOG_BUCKET --object-lock-configuration '{\"ObjectLockEnabled\":\"Enabled\",\"Rule\":{\"DefaultRetention\":{\"Mode\":\"COMPLIANCE\",\"Days\":365}}}'",
};

/// Run.
pub fn run(ctx: &Ctx, out: &mut Out) {
    for b in &ctx.snapshot.buckets {
        let account = b.owner_account_id().unwrap_or_default().to_string();
        let Some(lock) = out.fact(&b.object_lock, &account, "", &b.name, |why| {
            format!("Object Lock of {} unknown: {why}", b.name)
        }) else {
            continue;
        };
        let lock = lock.clone().filter(|l| l.enabled);
        if lock
            .as_ref()
            .is_some_and(|l| l.days.is_some() || l.years.is_some())
        {
            continue; // undeletable for the retention period
        }
        // Object Lock requires versioning: a bucket with Object Lock is versioned.
        let versioning = match (&b.versioning, &lock) {
            (Fact::Collected { value }, _) => value,
            (_, Some(_)) => continue,
            (other, None) => match out.fact(other, &account, "", &b.name, |why| {
                format!("versioning of {} unknown: {why}", b.name)
            }) {
                Some(v) => v,
                None => continue,
            },
        };
        if versioning.status.as_deref() == Some("Enabled") {
            if !versioning.mfa_delete.unwrap_or(false) && lock.is_none() {
                out.push_at(Severity::Low, Status::Fail, &account, "", &b.name,
                    format!("log bucket {} is versioned, but versions can be deleted (no MFA delete, no Object Lock)", b.name));
            }
        } else {
            out.push(
                Status::Fail,
                &account,
                "",
                &b.name,
                format!("log bucket {} has no versioning and no Object Lock", b.name),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::run_one;
    use crate::fixture::*;
    use crate::{Severity, Status};
    use trailaudit_model::{Fact, Versioning};

    #[test]
    fn pass_fail_unknown() {
        assert!(
            run_one("bucket_not_tamper_resistant", &healthy()).is_empty(),
            "Object Lock with retention"
        );
        let mut s = healthy();
        s.buckets[0].object_lock = Fact::Collected { value: None };
        let f = run_one("bucket_not_tamper_resistant", &s);
        assert_eq!(
            (f[0].status, f[0].severity),
            (Status::Fail, Severity::Low),
            "versioned only"
        );
        s.buckets[0].versioning = Fact::Collected {
            value: Versioning::default(),
        };
        let f = run_one("bucket_not_tamper_resistant", &s);
        assert_eq!(
            (f[0].status, f[0].severity),
            (Status::Fail, Severity::Medium)
        );
        s.buckets[0].versioning = denied("s3:GetBucketVersioning");
        assert_eq!(
            run_one("bucket_not_tamper_resistant", &s)[0].status,
            Status::Unknown
        );
    }
}
