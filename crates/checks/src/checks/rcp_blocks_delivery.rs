//! A resource control policy of the organization keeps CloudTrail from
//! writing to the log bucket or using the key.

use crate::analysis::{bucket_rcp_decision, key_rcp_decision};
use crate::check::*;
use trailaudit_model::Tri;

/// Metadata.
pub const META: CheckMeta = CheckMeta {
    id: "rcp_blocks_delivery",
    title: "Resource control policy blocks delivery",
    severity: Severity::High,
    what: "A resource control policy (RCP) attached to the root, an OU or the account that owns the log bucket or the KMS key denies cloudtrail.amazonaws.com s3:GetBucketAcl / s3:PutObject or kms:GenerateDataKey, or no RCP at some level allows it. RCPs apply to service principals; only the management account's resources are exempt.",
    why: "CloudTrail cannot write: the trail shows as logging while no file arrives. Data-perimeter RCPs that deny principals outside the organization without an aws:PrincipalIsAWSService or aws:SourceOrgID exception are the usual cause.",
    fix: "aws organizations list-policies-for-target --target-id ACCOUNT_OR_OU --filter RESOURCE_CONTROL_POLICY\naws organizations describe-policy --policy-id p-...\n# exempt CloudTrail: add \"BoolIfExists\": {\"aws:PrincipalIsAWSService\": \"false\"} to the Deny, or allow aws:SourceOrgID = o-...",
};

/// Run.
pub fn run(ctx: &Ctx, out: &mut Out) {
    let s = ctx.snapshot;
    for t in ctx.trails() {
        let bucket = t.s3_bucket_name.as_deref().and_then(|n| s.bucket(n));
        // (owner, resource, what it is, decision)
        let on_bucket = bucket.and_then(|b| {
            bucket_rcp_decision(s, t, b, &t.owner_account_id)
                .map(|(owner, d)| (owner, b.name.clone(), format!("bucket {}", b.name), d))
        });
        let on_key = key_rcp_decision(s, t)
            .map(|(owner, arn, d)| (owner, arn.clone(), format!("KMS key {arn}"), d));
        for (owner, resource, what, d) in on_bucket.into_iter().chain(on_key) {
            match d.allowed {
                Tri::No => out.push(
                    Status::Fail,
                    &owner,
                    "",
                    &resource,
                    format!(
                        "CloudTrail cannot use {what} of account {owner} for trail {}: {}",
                        t.name, d.reason
                    ),
                ),
                Tri::Maybe => out.push(
                    Status::Unknown,
                    &owner,
                    "",
                    &resource,
                    format!(
                        "cannot tell whether the resource control policies let CloudTrail use {what} of account {owner} for trail {}: {}",
                        t.name, d.reason
                    ),
                ),
                Tri::Yes => {}
            }
        }
    }
}
