//! The log bucket's policy does not let CloudTrail deliver for this trail.

use super::*;
use crate::analysis::delivery_allowed;
use crate::selectors::Tri;
use trailaudit_model::Fact;

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
            .owner_account_id
            .clone()
            .unwrap_or_else(|| t.owner_account_id.clone());
        let policy = match &b.policy {
            Fact::Collected { value } => value.as_deref(),
            other => {
                out.push(
                    Status::Unknown,
                    &account,
                    "",
                    name,
                    format!(
                        "cannot tell whether bucket {name} accepts logs from trail {}: {}",
                        t.name,
                        other.unknown_reason().unwrap_or_default()
                    ),
                );
                continue;
            }
        };
        // The prefixes CloudTrail writes for this trail: the owner's, and for an
        // organization trail the organization's (checked with one member).
        let org = t
            .is_organization_trail
            .then(|| s.organization_id())
            .flatten();
        let mut prefixes = vec![trailaudit_model::log_prefix(
            t.s3_key_prefix.as_deref(),
            org,
            &t.owner_account_id,
            &t.home_region,
        )];
        if org.is_some() {
            if let Some(m) = s.accounts.iter().find(|a| a.id != t.owner_account_id) {
                prefixes.push(trailaudit_model::log_prefix(
                    t.s3_key_prefix.as_deref(),
                    org,
                    &m.id,
                    &t.home_region,
                ));
            }
        }
        let blocked: Vec<&String> = prefixes
            .iter()
            .filter(|p| delivery_allowed(policy, name, p, t) == Tri::No)
            .collect();
        if !blocked.is_empty() {
            let why = if policy.is_none() {
                "the bucket has no policy"
            } else {
                "the policy does not grant (or denies) it"
            };
            out.push(
                Status::Fail,
                &account,
                "",
                name,
                format!(
                    "CloudTrail cannot write {} for trail {}: {why}",
                    blocked
                        .iter()
                        .map(|p| format!("s3://{name}/{p}"))
                        .collect::<Vec<_>>()
                        .join(" and "),
                    t.name
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
            .contains("no policy"));
        s.buckets[0].policy = denied("s3:GetBucketPolicy");
        assert_eq!(
            run_one("bucket_policy_blocks_delivery", &s)[0].status,
            Status::Unknown
        );
    }
}
