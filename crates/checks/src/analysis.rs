//! Shared judgements the coverage matrix and several checks rely on: whether
//! a trail is really recording for an account, what a bucket or key policy
//! lets CloudTrail do, whether a bucket is public, which lifecycle rules touch
//! the log prefix.

use serde_json::Value;
use trailaudit_model::{Bucket, Fact, LifecycleRule, Snapshot, Trail};

use crate::iam::{evaluate, Caller, Context, Decision, Request};
use crate::selectors::Tri;

/// Whether a trail records and delivers for one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    /// Logging and nothing known to block delivery.
    Recording,
    /// Not logging, or delivery known to fail: the reason.
    NotRecording(String),
    /// Cannot tell: the reason.
    Unknown(String),
}

/// How long ago a delivery still counts as evidence that logs arrive.
pub const DELIVERY_EVIDENCE_HOURS: i64 = 24;

/// The health of `t` for `account`'s logs.
///
/// - not logging, a delivery error, a key that is not `Enabled`, or a bucket
///   or key policy that denies CloudTrail's request: not recording;
/// - a policy statement that may deny it (a condition on a key whose value
///   cannot be known): unknown, naming the statement;
/// - a bucket, key or policy that could not be read: recording only with
///   delivery evidence (`LatestDeliveryTime` within
///   [`DELIVERY_EVIDENCE_HOURS`] of the snapshot's end and no delivery
///   error), otherwise unknown.
pub fn trail_health(s: &Snapshot, t: &Trail, account: &str) -> Health {
    let status = match &t.status {
        Fact::Collected { value } => value,
        other => {
            return Health::Unknown(format!(
                "status of trail {} unknown: {}",
                t.name,
                other.unknown_reason().unwrap_or_default()
            ))
        }
    };
    if !status.is_logging {
        return Health::NotRecording(format!("trail {} is not logging", t.name));
    }
    if let Some(e) = &status.latest_delivery_error {
        return Health::NotRecording(format!("trail {} fails to deliver: {e}", t.name));
    }
    let mut unread: Vec<String> = Vec::new();
    if let Some(arn) = &t.kms_key_id {
        match s.kms_key(arn) {
            None => unread.push(format!("KMS key {arn} was not read")),
            Some(key) => {
                match &key.key_state {
                    Fact::Collected { value } if value != "Enabled" => {
                        return Health::NotRecording(format!(
                            "trail {}'s KMS key is {value}: CloudTrail cannot encrypt log files",
                            t.name
                        ))
                    }
                    Fact::Collected { .. } => {}
                    other => unread.push(format!(
                        "state of KMS key {arn} unknown: {}",
                        other.unknown_reason().unwrap_or_default()
                    )),
                }
                match &key.policy {
                    Fact::Collected { value } => {
                        let d = key_decision(s, t, arn, value);
                        match d.allowed {
                            Tri::No => {
                                return Health::NotRecording(format!(
                                    "trail {}'s KMS key policy does not let CloudTrail use the key: {}",
                                    t.name, d.reason
                                ))
                            }
                            Tri::Maybe => {
                                return Health::Unknown(format!(
                                    "cannot tell whether trail {}'s KMS key policy lets CloudTrail use the key: {}",
                                    t.name, d.reason
                                ))
                            }
                            Tri::Yes => {}
                        }
                    }
                    other => unread.push(format!(
                        "policy of KMS key {arn} unknown: {}",
                        other.unknown_reason().unwrap_or_default()
                    )),
                }
            }
        }
    }
    if let Some(name) = t.s3_bucket_name.as_deref() {
        match s.bucket(name) {
            None => unread.push(format!("bucket {name} was not read")),
            Some(b) => match &b.policy {
                Fact::Collected { value: policy } => {
                    let d = delivery_decision(s, t, b, policy.as_deref(), account);
                    match d.allowed {
                        Tri::No => {
                            return Health::NotRecording(format!(
                                "bucket {name}'s policy does not let CloudTrail deliver for trail {}: {}",
                                t.name, d.reason
                            ))
                        }
                        Tri::Maybe => {
                            return Health::Unknown(format!(
                                "cannot tell whether bucket {name}'s policy lets CloudTrail deliver for trail {}: {}",
                                t.name, d.reason
                            ))
                        }
                        Tri::Yes => {}
                    }
                }
                other => unread.push(format!(
                    "policy of bucket {name} unknown: {}",
                    other.unknown_reason().unwrap_or_default()
                )),
            },
        }
    }
    if unread.is_empty() {
        return Health::Recording;
    }
    let recent = status
        .latest_delivery_time
        .is_some_and(|d| s.finished_at - d <= chrono::Duration::hours(DELIVERY_EVIDENCE_HOURS));
    if recent {
        Health::Recording
    } else {
        Health::Unknown(format!(
            "{}; and trail {} shows no delivery in the last {DELIVERY_EVIDENCE_HOURS} hours",
            unread.join("; "),
            t.name
        ))
    }
}

/// CloudTrail's legacy per-region AWS accounts, which bucket policies written
/// before service principals name as `arn:aws:iam::ACCOUNT:root`; still
/// accepted for the regions listed (CloudTrail User Guide, "CloudTrail
/// supported Regions"; regions launched later only accept the service
/// principal).
pub const LEGACY_CLOUDTRAIL_ACCOUNTS: [(&str, &str); 23] = [
    ("us-east-1", "086441151436"),
    ("us-east-2", "475085895292"),
    ("us-west-1", "388731089494"),
    ("us-west-2", "113285607260"),
    ("ca-central-1", "819402241893"),
    ("sa-east-1", "814480443879"),
    ("eu-west-1", "859597730677"),
    ("eu-west-2", "282025262664"),
    ("eu-west-3", "262312530599"),
    ("eu-central-1", "035351147821"),
    ("eu-north-1", "829690693026"),
    ("eu-south-1", "669305197877"),
    ("ap-south-1", "977081816279"),
    ("ap-northeast-1", "216624486486"),
    ("ap-northeast-2", "492519147666"),
    ("ap-northeast-3", "765225791966"),
    ("ap-southeast-1", "903692715234"),
    ("ap-southeast-2", "284668455005"),
    ("me-south-1", "034638983726"),
    ("cn-north-1", "193415116832"),
    ("cn-northwest-1", "681348832753"),
    ("us-gov-east-1", "608710470296"),
    ("us-gov-west-1", "608710470296"),
];

/// CloudTrail as the sender of requests from `region`.
pub fn cloudtrail_caller(region: &str) -> Caller {
    Caller {
        service: "cloudtrail.amazonaws.com".into(),
        accounts: LEGACY_CLOUDTRAIL_ACCOUNTS
            .iter()
            .filter(|(r, _)| *r == region)
            .map(|(_, a)| a.to_string())
            .collect(),
    }
}

/// The request context of any request CloudTrail sends for trail `t`, as the
/// IAM User Guide's "AWS global condition context keys" describe a service
/// principal's request: the source keys are present, principal keys absent.
/// `aws:SourceOrgID` is known when the trail's owner is in the audited
/// organization; keys not set here cannot be known.
pub fn cloudtrail_context(s: &Snapshot, t: &Trail) -> Context {
    let mut c = Context::default();
    c.set("aws:SourceArn", t.arn.clone())
        .set("aws:SourceAccount", t.owner_account_id.clone())
        .set("aws:PrincipalIsAWSService", "true")
        .set("aws:PrincipalServiceName", "cloudtrail.amazonaws.com")
        .set_many(
            "aws:PrincipalServiceNamesList",
            &["cloudtrail.amazonaws.com"],
        )
        .set("aws:SecureTransport", "true")
        .set("aws:ViaAWSService", "false")
        .absent(&[
            "aws:PrincipalOrgID",
            "aws:PrincipalAccount",
            "aws:PrincipalArn",
            "aws:PrincipalOrgPaths",
            "aws:PrincipalTag/",
            "aws:userid",
            "aws:username",
            "aws:SourceVpc",
            "aws:SourceVpce",
            "aws:VpcSourceIp",
            "aws:SourceIdentity",
            "aws:FederatedProvider",
            "aws:MultiFactorAuthPresent",
            "aws:MultiFactorAuthAge",
            "aws:TokenIssueTime",
            "aws:CalledVia",
            "aws:CalledViaFirst",
            "aws:CalledViaLast",
        ]);
    if let Some(org) = &s.organization {
        let member = t.owner_account_id == org.management_account_id
            || s.account(&t.owner_account_id).is_some();
        if member {
            c.set("aws:SourceOrgID", org.id.clone());
        }
    }
    c
}

fn combine(decisions: Vec<Decision>) -> Decision {
    if let Some(d) = decisions.iter().find(|d| d.allowed == Tri::No) {
        return d.clone();
    }
    if let Some(d) = decisions.iter().find(|d| d.allowed == Tri::Maybe) {
        return d.clone();
    }
    Decision {
        allowed: Tri::Yes,
        reason: decisions
            .iter()
            .map(|d| d.reason.clone())
            .collect::<Vec<_>>()
            .join("; "),
    }
}

/// Whether bucket `b`'s policy (`None`: the bucket has none) lets CloudTrail
/// deliver trail `t`'s log files for `account`: `s3:GetBucketAcl` on the
/// bucket and `s3:PutObject` of a log file under the account's prefix
/// (`[PREFIX/]AWSLogs/[o-ORGID/]ACCOUNT/CloudTrail/REGION/`).
pub fn delivery_decision(
    s: &Snapshot,
    t: &Trail,
    b: &Bucket,
    policy: Option<&str>,
    account: &str,
) -> Decision {
    let Some(policy) = policy else {
        return Decision {
            allowed: Tri::No,
            reason: format!("bucket {} has no bucket policy", b.name),
        };
    };
    let region = &t.home_region;
    let prefix = s.trail_log_prefix(t, account, region);
    let when = s.finished_at;
    let object = format!(
        "arn:aws:s3:::{}/{prefix}{}/{account}_CloudTrail_{region}_{}_0123456789abcdef.json.gz",
        b.name,
        when.format("%Y/%m/%d"),
        when.format("%Y%m%dT%H%MZ")
    );
    let bucket_arn = format!("arn:aws:s3:::{}", b.name);
    let caller = cloudtrail_caller(region);
    let mut ctx = cloudtrail_context(s, t);
    match b.owner_account_id() {
        Some(owner) => {
            ctx.set("aws:ResourceAccount", owner);
            if let Some(o) = &s.organization {
                ctx.set("aws:ResourceOrgID", o.id.clone());
            }
        }
        None => {
            ctx.unknown("aws:ResourceAccount");
        }
    }
    let acl = evaluate(
        policy,
        &Request {
            caller: &caller,
            action: "s3:GetBucketAcl",
            resource: &bucket_arn,
            context: &ctx,
        },
    );
    ctx.set("s3:x-amz-acl", "bucket-owner-full-control");
    match &t.kms_key_id {
        Some(k) => {
            ctx.set("s3:x-amz-server-side-encryption", "aws:kms");
            if k.starts_with("arn:") && k.contains(":key/") {
                ctx.set("s3:x-amz-server-side-encryption-aws-kms-key-id", k.clone());
            }
        }
        None => {
            ctx.absent(&[
                "s3:x-amz-server-side-encryption",
                "s3:x-amz-server-side-encryption-aws-kms-key-id",
            ]);
        }
    }
    let put = evaluate(
        policy,
        &Request {
            caller: &caller,
            action: "s3:PutObject",
            resource: &object,
            context: &ctx,
        },
    );
    combine(vec![acl, put])
}

/// Whether key `key_arn`'s policy lets CloudTrail encrypt log files for
/// trail `t`: `kms:GenerateDataKey` with the trail's encryption context.
/// (`kms:DescribeKey`, which the published policies also grant, is checked
/// by CloudTrail when the trail is created or updated, not on delivery.)
pub fn key_decision(s: &Snapshot, t: &Trail, key_arn: &str, policy: &str) -> Decision {
    let caller = cloudtrail_caller(&t.home_region);
    let mut ctx = cloudtrail_context(s, t);
    ctx.set("kms:EncryptionContext:aws:cloudtrail:arn", t.arn.clone())
        .set_many(
            "kms:EncryptionContextKeys",
            &["aws:cloudtrail:arn", "aws:s3:arn"],
        );
    evaluate(
        policy,
        &Request {
            caller: &caller,
            action: "kms:GenerateDataKey",
            resource: key_arn,
            context: &ctx,
        },
    )
}

fn statements(policy: &str) -> Vec<Value> {
    match serde_json::from_str::<Value>(policy) {
        Ok(v) => match v.get("Statement") {
            Some(Value::Array(a)) => a.clone(),
            Some(o @ Value::Object(_)) => vec![o.clone()],
            _ => vec![],
        },
        Err(_) => vec![],
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        _ => vec![],
    }
}

/// Principal is anyone (`"*"` or `{"AWS": "*"}`).
fn principal_anyone(st: &Value) -> bool {
    match st.get("Principal") {
        Some(Value::String(s)) => s == "*",
        Some(Value::Object(o)) => strings(o.get("AWS")).iter().any(|a| a == "*"),
        _ => false,
    }
}

/// Why a bucket is public, if it is. `Err` when it cannot be told.
pub fn public_exposure(b: &Bucket) -> Result<Vec<String>, String> {
    let pab = b
        .public_access_block
        .value()
        .cloned()
        .flatten()
        .unwrap_or_default();
    let mut reasons = Vec::new();
    match &b.policy {
        Fact::Collected { value: Some(p) } => {
            let open = statements(p).iter().any(|st| {
                st.get("Effect").and_then(Value::as_str) == Some("Allow")
                    && principal_anyone(st)
                    && st.get("Condition").is_none()
            });
            if open && !(pab.block_public_policy || pab.restrict_public_buckets) {
                reasons.push(
                    "its bucket policy allows anyone (Principal \"*\") without conditions"
                        .to_string(),
                );
            }
        }
        Fact::Collected { value: None } => {}
        other => return Err(other.unknown_reason().unwrap_or_default()),
    }
    match &b.public_acl_grants {
        Fact::Collected { value } if !value.is_empty() && !pab.ignore_public_acls => {
            reasons.push(format!("its ACL grants {}", value.join(", ")));
        }
        Fact::Collected { .. } => {}
        other => return Err(other.unknown_reason().unwrap_or_default()),
    }
    Ok(reasons)
}

/// Enabled lifecycle rules whose filter matches a log object under `prefix`.
pub fn rules_touching<'a>(rules: &'a [LifecycleRule], prefix: &str) -> Vec<&'a LifecycleRule> {
    rules
        .iter()
        .filter(|r| {
            r.enabled
                && !r.has_tag_filter
                && (prefix.starts_with(&r.prefix) || r.prefix.starts_with(prefix))
                // Log files are small (KBs to a few MB): a rule for objects larger
                // than 1 GiB never touches them.
                && r.object_size_greater_than.is_none_or(|n| n < 1 << 30)
        })
        .collect()
}

/// Storage classes that need a restore before the object can be read.
pub fn needs_restore(storage_class: &str) -> bool {
    matches!(storage_class, "GLACIER" | "DEEP_ARCHIVE")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifecycle_rules_touch_matching_prefixes_only() {
        let r = |prefix: &str| LifecycleRule {
            enabled: true,
            prefix: prefix.into(),
            expiration_days: Some(30),
            ..Default::default()
        };
        let rules = vec![
            r(""),
            r("org/AWSLogs/"),
            r("other/"),
            LifecycleRule {
                has_tag_filter: true,
                ..r("")
            },
        ];
        let hit = rules_touching(
            &rules,
            "org/AWSLogs/o-abc/111111111111/CloudTrail/us-east-1/",
        );
        assert_eq!(hit.len(), 2);
    }
}
