//! Shared judgements the coverage matrix and several checks rely on: whether
//! a trail is really recording for an account, what a bucket or key policy
//! lets CloudTrail do, whether a bucket is public, which lifecycle rules touch
//! the log prefix.

use serde_json::Value;
use trailaudit_model::{Bucket, Fact, LifecycleRule, Snapshot, Trail};

use trailaudit_iam::{evaluate, Caller, Context, Decision, Request};
use trailaudit_model::Tri;

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
/// - not logging, a delivery error, a key that is not `Enabled`, a Requester
///   Pays bucket, or a bucket policy, key policy (the trail's key, else the
///   key of the bucket's default encryption) or resource control policy
///   that denies CloudTrail's request: not recording;
/// - a policy statement that may deny it (a condition on a key whose value
///   cannot be known), or a bucket whose default encryption is the AWS
///   managed key `aws/s3`: unknown, naming the statement;
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
    let bucket = t.s3_bucket_name.as_deref().and_then(|n| s.bucket(n));
    if let Some(name) = t.s3_bucket_name.as_deref() {
        if bucket.is_none() {
            unread.push(format!("bucket {name} was not read"));
        }
    }
    // The key CloudTrail's writes are encrypted with: the trail's, else the
    // bucket's default SSE-KMS key (S3 asks KMS as CloudTrail).
    if t.kms_key_id.is_none() {
        if let Some(h) = bucket.and_then(aws_managed_key_health) {
            return h;
        }
    }
    if let Some((arn, usage)) = &encrypting_key(t, bucket) {
        if let Some(h) = key_health(s, t, bucket, arn, *usage, &mut unread) {
            return h;
        }
    }
    if let Some(b) = bucket {
        if let Some(h) = bucket_health(s, t, b, account, &mut unread) {
            return h;
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

/// Which key encrypts a trail's log files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyUse {
    /// The trail's own KMS key (`KmsKeyId`).
    Trail,
    /// The bucket's default encryption key (the trail names none).
    BucketDefault,
}

/// A decision turned into a health: `None` when it allows.
fn judged(d: &Decision, denied: impl FnOnce() -> String) -> Option<Health> {
    match d.allowed {
        Tri::No => Some(Health::NotRecording(format!("{}: {}", denied(), d.reason))),
        Tri::Maybe => Some(Health::Unknown(format!(
            "cannot tell whether {}: {}",
            denied().replacen(" does not let", " lets", 1),
            d.reason
        ))),
        Tri::Yes => None,
    }
}

/// The key's state and key policy (CloudTrail's `kms:GenerateDataKey`),
/// then the resource control policies above its account.
fn key_health(
    s: &Snapshot,
    t: &Trail,
    bucket: Option<&Bucket>,
    arn: &str,
    usage: KeyUse,
    unread: &mut Vec<String>,
) -> Option<Health> {
    if let Some(h) = key_policy_health(s, t, bucket, arn, usage, unread) {
        return Some(h);
    }
    match key_rcp(s, t, bucket, arn, usage)? {
        (_, Err(why)) => {
            unread.push(why);
            None
        }
        (owner, Ok(d)) => judged(&d, || {
            format!(
                "the resource control policies of account {owner} do not let CloudTrail use {}",
                whose_key(t, bucket, usage)
            )
        }),
    }
}

/// The key CloudTrail's writes of trail `t` are encrypted with: the
/// trail's, else the bucket's default SSE-KMS key (S3 asks KMS as
/// CloudTrail).
fn encrypting_key(t: &Trail, bucket: Option<&Bucket>) -> Option<(String, KeyUse)> {
    match (&t.kms_key_id, bucket) {
        (Some(arn), _) => Some((arn.clone(), KeyUse::Trail)),
        (None, Some(b)) => b.default_kms_key_arn().map(|k| (k, KeyUse::BucketDefault)),
        (None, None) => None,
    }
}

/// What the resource control policies above `owner` decide for
/// CloudTrail's requests (read once for all of them, and made only when
/// some RCP applies); `Err` when they could not be read.
fn rcp_over<'r>(
    s: &Snapshot,
    owner: &str,
    requests: impl FnOnce() -> Vec<Request<'r>>,
) -> Result<Decision, String> {
    Ok(match crate::rcp::above(s, owner)? {
        None => Decision {
            allowed: Tri::Yes,
            reason: format!("no resource control policy applies to account {owner}'s resources"),
        },
        Some(levels) => combine(requests().iter().map(|r| levels.decide(owner, r)).collect()),
    })
}

/// An unreadable verdict as a decision: cannot tell, and why.
fn or_unknown(d: Result<Decision, String>) -> Decision {
    d.unwrap_or_else(|why| Decision {
        allowed: Tri::Maybe,
        reason: why,
    })
}

/// The RCPs above the key's account for CloudTrail's `kms:GenerateDataKey`,
/// with that account; `None` when the key was not read.
fn key_rcp(
    s: &Snapshot,
    t: &Trail,
    bucket: Option<&Bucket>,
    arn: &str,
    usage: KeyUse,
) -> Option<(String, Result<Decision, String>)> {
    let key = s.kms_key(arn)?;
    let (caller, ctx) = key_request_context(s, t, bucket, usage, arn);
    let req = Request {
        caller: &caller,
        action: "kms:GenerateDataKey",
        resource: arn,
        context: &ctx,
    };
    Some((
        key.account_id.clone(),
        rcp_over(s, &key.account_id, || vec![req]),
    ))
}

/// The RCPs above bucket `b`'s account for CloudTrail's delivery of `t`'s
/// log files for `account`, with that account; `None` when the bucket's
/// owner is not an audited account.
fn bucket_rcp(
    s: &Snapshot,
    t: &Trail,
    b: &Bucket,
    account: &str,
) -> Option<(String, Result<Decision, String>)> {
    let owner = b.owner_account_id()?;
    let requests = std::cell::OnceCell::new();
    let decision = rcp_over(s, owner, || {
        requests
            .get_or_init(|| delivery_requests(s, t, b, account))
            .iter()
            .map(DeliveryRequest::request)
            .collect()
    });
    Some((owner.to_string(), decision))
}

/// "trail T's KMS key" or "bucket B's default encryption key".
fn whose_key(t: &Trail, bucket: Option<&Bucket>, usage: KeyUse) -> String {
    match (usage, bucket) {
        (KeyUse::BucketDefault, Some(b)) => format!("bucket {}'s default encryption key", b.name),
        _ => format!("trail {}'s KMS key", t.name),
    }
}

/// The key's state and its policy for CloudTrail's `kms:GenerateDataKey`
/// (what could not be read goes to `unread`).
fn key_policy_health(
    s: &Snapshot,
    t: &Trail,
    bucket: Option<&Bucket>,
    arn: &str,
    usage: KeyUse,
    unread: &mut Vec<String>,
) -> Option<Health> {
    let whose = whose_key(t, bucket, usage);
    let Some(key) = s.kms_key(arn) else {
        unread.push(format!("KMS key {arn} was not read"));
        return None;
    };
    match &key.key_state {
        Fact::Collected { value } if value != "Enabled" => {
            return Some(Health::NotRecording(format!(
                "{whose} is {value}: CloudTrail cannot encrypt log files"
            )))
        }
        Fact::Collected { .. } => {}
        other => unread.push(format!(
            "state of KMS key {arn} unknown: {}",
            other.unknown_reason().unwrap_or_default()
        )),
    }
    match &key.policy {
        Fact::Collected { value } => {
            let (caller, ctx) = key_request_context(s, t, bucket, usage, arn);
            let d = evaluate(
                value,
                &Request {
                    caller: &caller,
                    action: "kms:GenerateDataKey",
                    resource: arn,
                    context: &ctx,
                },
            );
            judged(&d, || {
                format!("{whose} policy does not let CloudTrail use the key")
            })
        }
        other => {
            unread.push(format!(
                "policy of KMS key {arn} unknown: {}",
                other.unknown_reason().unwrap_or_default()
            ));
            None
        }
    }
}

/// Requester Pays, the bucket policy and the resource control policies
/// above the bucket's account, for CloudTrail's `s3:GetBucketAcl` and
/// `s3:PutObject`.
fn bucket_health(
    s: &Snapshot,
    t: &Trail,
    b: &Bucket,
    account: &str,
    unread: &mut Vec<String>,
) -> Option<Health> {
    let name = &b.name;
    match &b.requester_pays {
        Fact::Collected { value: true } => {
            return Some(Health::NotRecording(format!(
                "bucket {name} is Requester Pays: CloudTrail cannot deliver to it"
            )))
        }
        Fact::Collected { value: false } => {}
        other => unread.push(format!(
            "Requester Pays of bucket {name} unknown: {}",
            other.unknown_reason().unwrap_or_default()
        )),
    }
    match &b.policy {
        Fact::Collected { value: policy } => {
            let d = delivery_decision(s, t, b, policy.as_deref(), account);
            if let Some(h) = judged(&d, || {
                format!(
                    "bucket {name}'s policy does not let CloudTrail deliver for trail {}",
                    t.name
                )
            }) {
                return Some(h);
            }
        }
        other => unread.push(format!(
            "policy of bucket {name} unknown: {}",
            other.unknown_reason().unwrap_or_default()
        )),
    }
    match bucket_rcp(s, t, b, account)? {
        (_, Err(why)) => {
            unread.push(why);
            None
        }
        (owner, Ok(d)) => judged(&d, || {
            format!(
                "the resource control policies of account {owner} do not let CloudTrail deliver to bucket {name} for trail {}",
                t.name
            )
        }),
    }
}

/// What the resource control policies above bucket `b`'s account decide
/// for CloudTrail's delivery of `t`'s log files for `account` (unknown when
/// they could not be read), with that account; `None` when the bucket's
/// owner is not an audited account.
pub fn bucket_rcp_decision(
    s: &Snapshot,
    t: &Trail,
    b: &Bucket,
    account: &str,
) -> Option<(String, Decision)> {
    bucket_rcp(s, t, b, account).map(|(owner, d)| (owner, or_unknown(d)))
}

/// What the resource control policies above the account of the key that
/// encrypts `t`'s log files (the trail's, else the bucket's default key)
/// decide for CloudTrail's `kms:GenerateDataKey` (unknown when they could
/// not be read), with that account and the key's ARN; `None` without such
/// a key or when it was not read.
pub fn key_rcp_decision(s: &Snapshot, t: &Trail) -> Option<(String, String, Decision)> {
    let bucket = t.s3_bucket_name.as_deref().and_then(|n| s.bucket(n));
    let (arn, usage) = encrypting_key(t, bucket)?;
    let (owner, d) = key_rcp(s, t, bucket, &arn, usage)?;
    Some((owner, arn, or_unknown(d)))
}

/// Whether the bucket's default encryption lets CloudTrail write trail
/// `t`'s log files when the trail names no KMS key of its own: the AWS
/// managed key `aws/s3` (unknown), or a customer managed key that is not
/// enabled or whose policy does not let CloudTrail generate data keys
/// through S3. `None` when it does not bear on delivery or allows it;
/// keys or policies not read are left to [`trail_health`].
pub fn bucket_encryption_health(s: &Snapshot, t: &Trail) -> Option<Health> {
    if t.kms_key_id.is_some() {
        return None;
    }
    let b = s.bucket(t.s3_bucket_name.as_deref()?)?;
    if let Some(h) = aws_managed_key_health(b) {
        return Some(h);
    }
    let arn = b.default_kms_key_arn()?;
    key_policy_health(s, t, Some(b), &arn, KeyUse::BucketDefault, &mut Vec::new())
}

/// A bucket whose default encryption is the AWS managed key `aws/s3`:
/// unknown (its policy only admits principals of the bucket's account).
fn aws_managed_key_health(b: &Bucket) -> Option<Health> {
    b.uses_aws_managed_s3_key().then(|| {
        Health::Unknown(format!(
            "bucket {}'s default encryption is SSE-KMS with the AWS managed key aws/s3, whose policy only lets principals of the bucket's account use it: CloudTrail (a service principal) may not be able to write",
            b.name
        ))
    })
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

/// One request CloudTrail sends to deliver a log file.
pub struct DeliveryRequest {
    /// CloudTrail, from the trail's home region.
    pub caller: Caller,
    /// `s3:GetBucketAcl` or `s3:PutObject`.
    pub action: &'static str,
    /// The bucket, or the log file's object ARN.
    pub resource: String,
    /// The request context.
    pub context: Context,
}

impl DeliveryRequest {
    /// As an IAM request.
    pub fn request(&self) -> Request<'_> {
        Request {
            caller: &self.caller,
            action: self.action,
            resource: &self.resource,
            context: &self.context,
        }
    }
}

/// The requests CloudTrail sends to deliver trail `t`'s log files for
/// `account` into bucket `b`: `s3:GetBucketAcl` on the bucket and
/// `s3:PutObject` of a log file under the account's prefix
/// (`[PREFIX/]AWSLogs/[o-ORGID/]ACCOUNT/CloudTrail/REGION/`).
pub fn delivery_requests(
    s: &Snapshot,
    t: &Trail,
    b: &Bucket,
    account: &str,
) -> [DeliveryRequest; 2] {
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
    let acl_ctx = ctx.clone();
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
    [
        DeliveryRequest {
            caller: cloudtrail_caller(region),
            action: "s3:GetBucketAcl",
            resource: bucket_arn,
            context: acl_ctx,
        },
        DeliveryRequest {
            caller: cloudtrail_caller(region),
            action: "s3:PutObject",
            resource: object,
            context: ctx,
        },
    ]
}

/// Whether bucket `b`'s policy (`None`: the bucket has none) lets CloudTrail
/// deliver trail `t`'s log files for `account` (see [`delivery_requests`]).
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
    combine(
        delivery_requests(s, t, b, account)
            .iter()
            .map(|r| evaluate(policy, &r.request()))
            .collect(),
    )
}

/// CloudTrail's `kms:GenerateDataKey` request context: with the trail's own
/// key, the trail's encryption context; with the bucket's default key, S3
/// asks KMS on CloudTrail's behalf (`kms:ViaService`) with the object's
/// encryption context.
fn key_request_context(
    s: &Snapshot,
    t: &Trail,
    bucket: Option<&Bucket>,
    usage: KeyUse,
    key_arn: &str,
) -> (Caller, Context) {
    let caller = cloudtrail_caller(&t.home_region);
    let mut ctx = cloudtrail_context(s, t);
    // The key's account (from its ARN), and its organization when it is an
    // audited account or the management account.
    match trailaudit_model::parse_arn(key_arn) {
        Some((_, _, account, _)) if !account.is_empty() => {
            ctx.set("aws:ResourceAccount", account);
            if let Some(o) = &s.organization {
                if account == o.management_account_id || s.account(account).is_some() {
                    ctx.set("aws:ResourceOrgID", o.id.clone());
                }
            }
        }
        _ => {
            ctx.unknown("aws:ResourceAccount");
        }
    }
    match (usage, bucket) {
        (KeyUse::BucketDefault, Some(b)) => {
            let region = b.region.value().cloned().unwrap_or_default();
            ctx.set("kms:ViaService", format!("s3.{region}.amazonaws.com"))
                .set_many("kms:EncryptionContextKeys", &["aws:s3:arn"])
                .unknown("kms:EncryptionContext:aws:s3:arn")
                .unknown("kms:CallerAccount");
        }
        _ => {
            ctx.set("kms:EncryptionContext:aws:cloudtrail:arn", t.arn.clone())
                .set_many(
                    "kms:EncryptionContextKeys",
                    &["aws:cloudtrail:arn", "aws:s3:arn"],
                );
        }
    }
    (caller, ctx)
}

/// Whether key `key_arn`'s policy lets CloudTrail encrypt log files for
/// trail `t`: `kms:GenerateDataKey` with the trail's encryption context.
/// (`kms:DescribeKey`, which the published policies also grant, is checked
/// by CloudTrail when the trail is created or updated, not on delivery.)
pub fn key_decision(s: &Snapshot, t: &Trail, key_arn: &str, policy: &str) -> Decision {
    let (caller, ctx) = key_request_context(s, t, None, KeyUse::Trail, key_arn);
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
