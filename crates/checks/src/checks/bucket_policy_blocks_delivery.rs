//! The log bucket's policy does not let CloudTrail deliver for this trail.

use crate::analysis::delivery_decision;
use crate::check::*;
use trailaudit_model::Tri;

/// Metadata.
pub const META: CheckMeta = CheckMeta {
    id: "bucket_policy_blocks_delivery",
    title: "Bucket policy does not allow delivery",
    severity: Severity::High,
    what: "The destination bucket's policy does not allow cloudtrail.amazonaws.com s3:GetBucketAcl on the bucket and s3:PutObject under `[PREFIX/]AWSLogs/ACCOUNT/` (and `AWSLogs/o-ORGID/` for an organization trail), or denies it, or names another trail in aws:SourceArn.",
    why: "CloudTrail cannot write: the trail shows as logging while no file arrives.",
    fix: "aws s3api get-bucket-policy --bucket LOG_BUCKET\n# add the statements from https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html\naws s3api put-bucket-policy --bucket LOG_BUCKET --policy file://policy.json",
};

/// Run.
pub fn run(ctx: &Ctx, out: &mut Out) {
    let s = ctx.snapshot;
    for t in ctx.trails() {
        let Some(name) = &t.s3_bucket_name else {
            continue;
        };
        let Some(b) = s.bucket(name) else { continue };
        let account = b
            .owner_account_id()
            .unwrap_or(&t.owner_account_id)
            .to_string();
        let Some(policy) = out.fact(&b.policy, &account, "", name, |why| {
            format!(
                "cannot tell whether bucket {name} accepts logs from trail {}: {why}",
                t.name
            )
        }) else {
            continue;
        };
        let policy = policy.as_deref();
        // The accounts CloudTrail writes for: the owner, and for an
        // organization trail one member too (its prefix is under o-ORGID/).
        let mut accounts = vec![t.owner_account_id.as_str()];
        if t.is_organization_trail && s.organization_id().is_some() {
            if let Some(m) = s.accounts.iter().find(|a| a.id != t.owner_account_id) {
                accounts.push(&m.id);
            }
        }
        let decisions: Vec<(String, trailaudit_iam::Decision)> = accounts
            .iter()
            .map(|a| {
                (
                    s.trail_log_prefix(t, a, &t.home_region),
                    delivery_decision(s, t, b, policy, a),
                )
            })
            .collect();
        let blocked: Vec<&(String, trailaudit_iam::Decision)> = decisions
            .iter()
            .filter(|(_, d)| d.allowed == Tri::No)
            .collect();
        let maybe = decisions.iter().find(|(_, d)| d.allowed == Tri::Maybe);
        if !blocked.is_empty() {
            out.push(
                Status::Fail,
                &account,
                "",
                name,
                format!(
                    "CloudTrail cannot write {} for trail {}: {}",
                    blocked
                        .iter()
                        .map(|(p, _)| format!("s3://{name}/{p}"))
                        .collect::<Vec<_>>()
                        .join(" and "),
                    t.name,
                    blocked[0].1.reason
                ),
            );
        } else if let Some((p, d)) = maybe {
            out.push(
                Status::Unknown,
                &account,
                "",
                name,
                format!(
                    "cannot tell whether CloudTrail may write s3://{name}/{p} for trail {}: {}",
                    t.name, d.reason
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
    use trailaudit_model::Fact;

    #[test]
    fn pass_fail_unknown() {
        assert!(run_one("bucket_policy_blocks_delivery", &healthy()).is_empty());
        let mut s = healthy();
        s.buckets[0].policy = Fact::Collected {
            value: Some(GOOD_POLICY.replace(
                "\"arn:aws:s3:::org-logs/AWSLogs/o-abc123/*\"",
                "\"arn:aws:s3:::org-logs/other/*\"",
            )),
        };
        let f = run_one("bucket_policy_blocks_delivery", &s);
        assert_eq!(f[0].status, Status::Fail, "organization prefix missing");
        assert!(
            f[0].message.contains("AWSLogs/o-abc123/"),
            "{}",
            f[0].message
        );
        s.buckets[0].policy = Fact::Collected { value: None };
        assert!(run_one("bucket_policy_blocks_delivery", &s)[0]
            .message
            .contains("no bucket policy"));
        s.buckets[0].policy = denied("s3:GetBucketPolicy");
        assert_eq!(
            run_one("bucket_policy_blocks_delivery", &s)[0].status,
            Status::Unknown
        );
    }
}
