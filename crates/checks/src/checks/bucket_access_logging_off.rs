//! S3 server access logging off on the log bucket.

use crate::check::*;

/// Metadata.
pub const META: CheckMeta = CheckMeta {
    id: "bucket_access_logging_off",
    title: "Access logging off on the log bucket",
    severity: Severity::Low,
    what: "S3 server access logging is not enabled on the bucket that receives CloudTrail logs.",
    why: "Who read or deleted log files is itself audit evidence; object reads are not in CloudTrail unless S3 data events are on.",
    fix: "aws s3api put-bucket-logging --bucket LOG_BUCKET --bucket-logging-status '{\"LoggingEnabled\":{\"TargetBucket\":\"ACCESS_LOG_BUCKET\",\"TargetPrefix\":\"LOG_BUCKET/\"}}'",
};

/// Run.
pub fn run(ctx: &Ctx, out: &mut Out) {
    for b in &ctx.snapshot.buckets {
        let account = b.owner_account_id().unwrap_or_default().to_string();
        let target = out.fact(&b.access_logging_target, &account, "", &b.name, |why| {
            format!("access logging of {} unknown: {why}", b.name)
        });
        if target == Some(&None) {
            out.push(
                Status::Fail,
                &account,
                "",
                &b.name,
                format!("log bucket {} has server access logging off", b.name),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::run_one;
    use crate::fixture::*;
    use crate::Status;
    use trailaudit_model::Fact;

    #[test]
    fn pass_fail_unknown() {
        assert!(run_one("bucket_access_logging_off", &healthy()).is_empty());
        let mut s = healthy();
        s.buckets[0].access_logging_target = Fact::Collected { value: None };
        assert_eq!(
            run_one("bucket_access_logging_off", &s)[0].status,
            Status::Fail
        );
        s.buckets[0].access_logging_target = denied("s3:GetBucketLogging");
        assert_eq!(
            run_one("bucket_access_logging_off", &s)[0].status,
            Status::Unknown
        );
    }
}
