//! Trails, their status and event selectors.

use crate::arn::parse_trail_arn;
use crate::fact::Fact;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A trail, once, with its details read from its home region by its owner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trail {
    /// ARN.
    pub arn: String,
    /// Name.
    pub name: String,
    /// Account that owns it (from the ARN).
    pub owner_account_id: String,
    /// Home region.
    pub home_region: String,
    /// `IsMultiRegionTrail`.
    pub is_multi_region: bool,
    /// `IsOrganizationTrail`.
    pub is_organization_trail: bool,
    /// `IncludeGlobalServiceEvents`.
    pub include_global_service_events: bool,
    /// `LogFileValidationEnabled`.
    pub log_file_validation_enabled: bool,
    /// Destination bucket.
    pub s3_bucket_name: Option<String>,
    /// Key prefix in the bucket.
    pub s3_key_prefix: Option<String>,
    /// SSE-KMS key ARN.
    pub kms_key_id: Option<String>,
    /// CloudWatch Logs log group ARN.
    pub cloud_watch_logs_log_group_arn: Option<String>,
    /// Role CloudTrail assumes to write to CloudWatch Logs.
    pub cloud_watch_logs_role_arn: Option<String>,
    /// SNS topic for delivery notifications.
    pub sns_topic_arn: Option<String>,
    /// `HasCustomEventSelectors`.
    pub has_custom_event_selectors: bool,
    /// `HasInsightSelectors`.
    pub has_insight_selectors: bool,
    /// `GetTrailStatus`.
    pub status: Fact<TrailStatus>,
    /// `GetEventSelectors`.
    pub selectors: Fact<Selectors>,
    /// `GetInsightSelectors`: the insight types enabled.
    pub insight_types: Fact<Vec<String>>,
}

impl Trail {
    /// A trail known only by its ARN: owner, home region and name from the
    /// ARN, every flag off, every detail not collected yet. `None` when the
    /// ARN is not a trail ARN.
    pub fn from_arn(arn: &str) -> Option<Trail> {
        let (region, account, name) = parse_trail_arn(arn)?;
        Some(Trail {
            arn: arn.to_string(),
            name: name.to_string(),
            owner_account_id: account.to_string(),
            home_region: region.to_string(),
            is_multi_region: false,
            is_organization_trail: false,
            include_global_service_events: false,
            log_file_validation_enabled: false,
            s3_bucket_name: None,
            s3_key_prefix: None,
            kms_key_id: None,
            cloud_watch_logs_log_group_arn: None,
            cloud_watch_logs_role_arn: None,
            sns_topic_arn: None,
            has_custom_event_selectors: false,
            has_insight_selectors: false,
            status: Fact::not_collected("not read yet"),
            selectors: Fact::not_collected("not read yet"),
            insight_types: Fact::not_collected("not read yet"),
        })
    }
}

/// `GetTrailStatus`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrailStatus {
    /// `IsLogging`.
    pub is_logging: bool,
    /// `StartLoggingTime`.
    pub start_logging_time: Option<DateTime<Utc>>,
    /// `StopLoggingTime`.
    pub stop_logging_time: Option<DateTime<Utc>>,
    /// `LatestDeliveryTime`.
    pub latest_delivery_time: Option<DateTime<Utc>>,
    /// `LatestDeliveryError`.
    pub latest_delivery_error: Option<String>,
    /// `LatestDigestDeliveryTime`.
    pub latest_digest_delivery_time: Option<DateTime<Utc>>,
    /// `LatestDigestDeliveryError`.
    pub latest_digest_delivery_error: Option<String>,
    /// `LatestCloudWatchLogsDeliveryTime`.
    pub latest_cloud_watch_logs_delivery_time: Option<DateTime<Utc>>,
    /// `LatestCloudWatchLogsDeliveryError`.
    pub latest_cloud_watch_logs_delivery_error: Option<String>,
    /// `LatestNotificationError`.
    pub latest_notification_error: Option<String>,
}

/// A trail's event selectors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "selectors", rename_all = "snake_case")]
pub enum Selectors {
    /// None set explicitly: all management events (read and write), no data events.
    Default,
    /// Basic event selectors.
    Basic(Vec<BasicSelector>),
    /// Advanced event selectors.
    Advanced(Vec<AdvancedSelector>),
}

/// `ReadWriteType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadWriteType {
    /// Read and write.
    All,
    /// Read only.
    ReadOnly,
    /// Write only.
    WriteOnly,
}

/// A basic event selector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BasicSelector {
    /// `ReadWriteType`.
    pub read_write_type: ReadWriteType,
    /// `IncludeManagementEvents`.
    pub include_management_events: bool,
    /// `ExcludeManagementEventSources`.
    pub exclude_management_event_sources: Vec<String>,
    /// `DataResources`.
    pub data_resources: Vec<DataResource>,
}

/// A basic selector's data resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataResource {
    /// `AWS::S3::Object`, `AWS::Lambda::Function`, ...
    pub resource_type: String,
    /// ARN prefixes (`arn:aws:s3:::bucket/`, `arn:aws:s3` for all).
    pub values: Vec<String>,
}

/// An advanced event selector: every field condition must hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdvancedSelector {
    /// Name.
    pub name: Option<String>,
    /// Field conditions.
    pub field_selectors: Vec<FieldSelector>,
}

/// One field condition of an advanced selector.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldSelector {
    /// `eventCategory`, `resources.type`, `readOnly`, `eventSource`, `eventName`, `resources.ARN`...
    pub field: String,
    /// `Equals`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub equals: Vec<String>,
    /// `StartsWith`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub starts_with: Vec<String>,
    /// `EndsWith`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ends_with: Vec<String>,
    /// `NotEquals`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_equals: Vec<String>,
    /// `NotStartsWith`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_starts_with: Vec<String>,
    /// `NotEndsWith`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_ends_with: Vec<String>,
}
