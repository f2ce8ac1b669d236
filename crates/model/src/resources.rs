//! Where logs land: buckets, KMS keys, log groups, event data stores.

use crate::fact::{not_read, Fact};
use crate::trail::AdvancedSelector;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A destination bucket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bucket {
    /// Name.
    pub name: String,
    /// Owning account: `Some` when an audited account owns it, `None` when
    /// every audited account's `ListBuckets` answered and none has it (logs in
    /// another organization, or a deleted bucket); unknown when it was not
    /// found and some listing failed. Read it through
    /// [`Bucket::owner_account_id`] and [`Bucket::is_external`].
    #[serde(default = "not_read")]
    pub owner: Fact<Option<String>>,
    /// Region.
    pub region: Fact<String>,
    /// Bucket policy JSON; `None` when the bucket has none.
    pub policy: Fact<Option<String>>,
    /// Lifecycle rules; empty when the bucket has none (kept forever).
    pub lifecycle_rules: Fact<Vec<LifecycleRule>>,
    /// Versioning.
    pub versioning: Fact<Versioning>,
    /// Default encryption; `None` when not configured.
    pub encryption: Fact<Option<BucketEncryption>>,
    /// Public access block; `None` when not configured.
    pub public_access_block: Fact<Option<PublicAccessBlock>>,
    /// ACL grants to everyone / any authenticated AWS user.
    pub public_acl_grants: Fact<Vec<String>>,
    /// Access-logging target bucket; `None` when off.
    pub access_logging_target: Fact<Option<String>>,
    /// Object Lock; `None` when not configured.
    pub object_lock: Fact<Option<ObjectLock>>,
    /// Requester Pays (`GetBucketRequestPayment` answers `Requester`):
    /// CloudTrail cannot deliver to such a bucket.
    #[serde(default = "not_read")]
    pub requester_pays: Fact<bool>,
}

impl Bucket {
    /// The owning account, when known to be an audited account.
    pub fn owner_account_id(&self) -> Option<&str> {
        self.owner.value().and_then(|o| o.as_deref())
    }

    /// True only when it is known that no audited account owns the bucket.
    pub fn is_external(&self) -> bool {
        matches!(self.owner, Fact::Collected { value: None })
    }

    /// The customer managed KMS key of the bucket's default encryption
    /// (SSE-KMS or DSSE-KMS), as an ARN: a key id or alias is qualified
    /// with the bucket's region and owner. `None` when the bucket encrypts
    /// with S3-managed keys, has no default encryption, uses the AWS
    /// managed key `aws/s3`, or its encryption, region or owner is unknown.
    pub fn default_kms_key_arn(&self) -> Option<String> {
        let enc = self.encryption.value()?.as_ref()?;
        if !enc.sse_algorithm.starts_with("aws:kms") {
            return None;
        }
        let id = enc.kms_master_key_id.as_deref()?;
        if id.starts_with("arn:") {
            return (!id.ends_with(":alias/aws/s3")).then(|| id.to_string());
        }
        if id == "alias/aws/s3" {
            return None;
        }
        let region = self.region.value()?;
        let owner = self.owner_account_id()?;
        let partition = if region.starts_with("cn-") {
            "aws-cn"
        } else if region.starts_with("us-gov-") {
            "aws-us-gov"
        } else {
            "aws"
        };
        Some(if id.starts_with("alias/") {
            format!("arn:{partition}:kms:{region}:{owner}:{id}")
        } else {
            format!("arn:{partition}:kms:{region}:{owner}:key/{id}")
        })
    }

    /// Whether the default encryption is SSE-KMS with the AWS managed key
    /// `aws/s3` (no key named, or the alias).
    pub fn uses_aws_managed_s3_key(&self) -> bool {
        self.encryption
            .value()
            .and_then(|e| e.as_ref())
            .is_some_and(|e| {
                e.sse_algorithm.starts_with("aws:kms")
                    && e.kms_master_key_id
                        .as_deref()
                        .is_none_or(|id| id == "alias/aws/s3" || id.ends_with(":alias/aws/s3"))
            })
    }
}

/// An S3 lifecycle rule, reduced to what matters for log retention.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifecycleRule {
    /// Rule id.
    pub id: Option<String>,
    /// `Status = Enabled`.
    pub enabled: bool,
    /// Filter prefix (empty = every object).
    pub prefix: String,
    /// The filter also requires tags (log objects carry none, so it does not apply).
    pub has_tag_filter: bool,
    /// `ObjectSizeGreaterThan`.
    pub object_size_greater_than: Option<i64>,
    /// `ObjectSizeLessThan`.
    pub object_size_less_than: Option<i64>,
    /// `Expiration.Days`.
    pub expiration_days: Option<i32>,
    /// `Expiration.Date`.
    pub expiration_date: Option<DateTime<Utc>>,
    /// `NoncurrentVersionExpiration.NoncurrentDays`.
    pub noncurrent_expiration_days: Option<i32>,
    /// `Transitions`.
    pub transitions: Vec<Transition>,
}

/// A lifecycle transition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    /// After how many days.
    pub days: Option<i32>,
    /// Target storage class (`GLACIER`, `DEEP_ARCHIVE`, `STANDARD_IA`...).
    pub storage_class: String,
}

/// Bucket versioning.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Versioning {
    /// `Enabled`, `Suspended`, or `None` when never enabled.
    pub status: Option<String>,
    /// MFA delete enabled; `None` when not read (versioning derived from Object Lock).
    pub mfa_delete: Option<bool>,
}

/// Bucket default encryption.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketEncryption {
    /// `AES256`, `aws:kms`, `aws:kms:dsse`.
    pub sse_algorithm: String,
    /// KMS key, for SSE-KMS.
    pub kms_master_key_id: Option<String>,
}

/// Public access block settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicAccessBlock {
    /// `BlockPublicAcls`.
    pub block_public_acls: bool,
    /// `IgnorePublicAcls`.
    pub ignore_public_acls: bool,
    /// `BlockPublicPolicy`.
    pub block_public_policy: bool,
    /// `RestrictPublicBuckets`.
    pub restrict_public_buckets: bool,
}

impl PublicAccessBlock {
    /// All four settings on.
    pub fn all_on(&self) -> bool {
        self.block_public_acls
            && self.ignore_public_acls
            && self.block_public_policy
            && self.restrict_public_buckets
    }
}

/// Object Lock configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectLock {
    /// Object Lock enabled on the bucket.
    pub enabled: bool,
    /// Default retention mode (`GOVERNANCE`, `COMPLIANCE`).
    pub mode: Option<String>,
    /// Default retention in days.
    pub days: Option<i32>,
    /// Default retention in years.
    pub years: Option<i32>,
}

/// A KMS key used by a trail, or by a log bucket's default encryption.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KmsKey {
    /// Key ARN as the trail (or the bucket's default encryption) names it;
    /// may be an alias ARN.
    pub arn: String,
    /// Owning account (from the ARN).
    pub account_id: String,
    /// Region (from the ARN).
    pub region: String,
    /// `KeyState`: `Enabled`, `Disabled`, `PendingDeletion`...
    pub key_state: Fact<String>,
    /// Rotation enabled.
    pub rotation_enabled: Fact<bool>,
    /// Key policy JSON.
    pub policy: Fact<String>,
}

/// A CloudWatch Logs log group used by a trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogGroup {
    /// ARN as the trail names it.
    pub arn: String,
    /// Name.
    pub name: String,
    /// Owning account.
    pub account_id: String,
    /// Region.
    pub region: String,
    /// `retentionInDays`; `None` = never expire. The fact fails when the group is gone.
    pub retention_in_days: Fact<Option<i32>>,
}

/// A CloudTrail Lake event data store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventDataStore {
    /// ARN.
    pub arn: String,
    /// Name.
    pub name: String,
    /// Owning account.
    pub account_id: String,
    /// Region.
    pub region: String,
    /// `ENABLED`, `STOPPED_INGESTION`...
    pub status: String,
    /// Collects from every region.
    pub multi_region: bool,
    /// Collects from every account of the organization.
    pub organization_enabled: bool,
    /// Retention in days.
    pub retention_days: Option<i32>,
    /// Its advanced selectors.
    pub selectors: Vec<AdvancedSelector>,
}
