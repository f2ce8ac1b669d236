//! No recent log or digest object where delivery was probed.

use super::*;
use trailaudit_model::Fact;

/// Metadata.
pub const META: CheckMeta = CheckMeta {
    id: "delivery_stale",
    title: "No recent log files (delivery probe)",
    severity: Severity::Medium,
    what: "With --probe-delivery, the newest log file and the newest digest file under the account-region's prefix are older than `delivery.stale_hours` (default 24), or there are none. Digest files arrive hourly even when nothing happens.",
    why: "The only proof that logging works end to end is a file in the bucket; a configuration can look perfect while nothing arrives.",
    fix: "aws cloudtrail get-trail-status --name TRAIL_ARN --region HOME_REGION\naws s3 ls s3://LOG_BUCKET/PREFIX/AWSLogs/ --recursive | tail",
};

/// Run.
pub fn run(ctx: &Ctx, out: &mut Out) {
    let limit = chrono::Duration::hours(ctx.policy.delivery.stale_hours);
    for p in &ctx.snapshot.delivery_probes {
        let resource = format!("s3://{}/{}", p.bucket, p.log_prefix);
        let newest = [&p.newest_log, &p.newest_digest];
        if let Some(reason) = newest.iter().find_map(|f| f.unknown_reason()) {
            out.push(
                Status::Unknown,
                &p.account_id,
                &p.region,
                &resource,
                format!("could not look for recent log files: {reason}"),
            );
            continue;
        }
        let times: Vec<_> = newest
            .iter()
            .filter_map(|f| match f {
                Fact::Collected { value: Some(o) } => o.delivered_at,
                _ => None,
            })
            .collect();
        let fresh = times.iter().any(|t| ctx.now - *t <= limit);
        if !fresh {
            let last = times
                .iter()
                .max()
                .map(|t| format!("the newest is from {}", t.to_rfc3339()))
                .unwrap_or_else(|| "none found since yesterday (UTC)".into());
            out.push(
                Status::Fail,
                &p.account_id,
                &p.region,
                &resource,
                format!(
                    "no log or digest file newer than {} h under {resource}: {last}",
                    ctx.policy.delivery.stale_hours
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
    use trailaudit_model::{DeliveryProbe, Fact, ObjectSeen};

    fn probe(hours_ago: Option<i64>) -> DeliveryProbe {
        let seen = hours_ago.map(|h| ObjectSeen {
            key: "k".into(),
            delivered_at: Some(now() - chrono::Duration::hours(h)),
        });
        DeliveryProbe {
            account_id: MEMBER.into(),
            region: "eu-west-1".into(),
            trail_arn: ORG_TRAIL.into(),
            bucket: "org-logs".into(),
            log_prefix: "AWSLogs/o-abc123/222222222222/CloudTrail/eu-west-1/".into(),
            newest_log: Fact::Collected {
                value: seen.clone(),
            },
            newest_digest: Fact::Collected { value: seen },
        }
    }

    #[test]
    fn pass_fail_unknown() {
        let mut s = healthy();
        s.delivery_probes.push(probe(Some(1)));
        assert!(run_one("delivery_stale", &s).is_empty());
        s.delivery_probes[0] = probe(Some(30));
        assert_eq!(run_one("delivery_stale", &s)[0].status, Status::Fail);
        s.delivery_probes[0] = probe(None);
        assert!(run_one("delivery_stale", &s)[0]
            .message
            .contains("none found"));
        s.delivery_probes[0].newest_log = denied("s3:ListBucket");
        assert_eq!(run_one("delivery_stale", &s)[0].status, Status::Unknown);
    }
}
