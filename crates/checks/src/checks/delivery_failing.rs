//! A trail whose status reports a delivery error.

use crate::check::*;

/// Metadata.
pub const META: CheckMeta = CheckMeta {
    id: "delivery_failing",
    title: "Log delivery is failing",
    severity: Severity::High,
    what: "GetTrailStatus reports a LatestDeliveryError (S3), LatestDigestDeliveryError or LatestCloudWatchLogsDeliveryError: CloudTrail records events but cannot write them.",
    why: "Events that cannot be delivered are retried for a while and then lost; the trail looks enabled while nothing arrives.",
    fix: "aws cloudtrail get-trail-status --name TRAIL_ARN --region HOME_REGION\n# AccessDenied/NoSuchBucket: fix the bucket policy or bucket name\naws s3api get-bucket-policy --bucket LOG_BUCKET\n# KMS errors: let cloudtrail.amazonaws.com use the key\naws kms get-key-policy --key-id KEY_ARN --policy-name default",
};

/// Run.
pub fn run(ctx: &Ctx, out: &mut Out) {
    for t in ctx.trails() {
        if let Some(st) = out.fact(
            &t.status,
            &t.owner_account_id,
            &t.home_region,
            &t.arn,
            |why| format!("delivery state of trail {} unknown: {why}", t.name),
        ) {
            let errs: Vec<String> = [
                ("S3 delivery", &st.latest_delivery_error),
                ("digest delivery", &st.latest_digest_delivery_error),
                (
                    "CloudWatch Logs delivery",
                    &st.latest_cloud_watch_logs_delivery_error,
                ),
            ]
            .iter()
            .filter_map(|(what, e)| e.as_ref().map(|e| format!("{what}: {e}")))
            .collect();
            if !errs.is_empty() {
                out.push(
                    Status::Fail,
                    &t.owner_account_id,
                    &t.home_region,
                    &t.arn,
                    format!("trail {} reports {}", t.name, errs.join("; ")),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::run_one;
    use crate::fixture::*;
    use crate::Status;
    use trailaudit_model::{Fact, TrailStatus};

    #[test]
    fn pass_fail_unknown() {
        assert!(run_one("delivery_failing", &healthy()).is_empty());
        let mut s = healthy();
        s.trails[0].status = Fact::Collected {
            value: TrailStatus {
                is_logging: true,
                latest_delivery_error: Some("NoSuchBucket".into()),
                ..Default::default()
            },
        };
        let f = run_one("delivery_failing", &s);
        assert_eq!(f[0].status, Status::Fail);
        assert!(f[0].message.contains("NoSuchBucket"));
        let mut s = healthy();
        s.trails[0].status = denied("cloudtrail:GetTrailStatus");
        assert_eq!(run_one("delivery_failing", &s)[0].status, Status::Unknown);
    }
}
