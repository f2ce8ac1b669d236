//! The snapshot: everything trailaudit learned about an organization's CloudTrail
//! set-up in one run, as versioned JSON.
//!
//! This crate is the contract between collection (the only stage that talks to
//! AWS) and everything after it (coverage, checks, explain, reports), which are
//! pure functions of a [`Snapshot`]. It does no I/O and knows nothing of the AWS
//! SDK.
//!
//! Fail-closed by construction: every fact read from AWS is a [`Fact`], which is
//! either `collected` with its value or `failed`/`not_collected` with the reason.
//! Nothing unknown can be mistaken for a known value.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub mod index;
pub mod regions;

/// Version of the snapshot format. Bump on any incompatible change; readers
/// refuse snapshots whose version they do not know.
pub const SCHEMA_VERSION: u32 = 1;

/// One run's inventory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Format version, [`SCHEMA_VERSION`] when written by this build.
    pub schema_version: u32,
    /// Version of the tool that wrote the snapshot.
    pub tool_version: String,
    /// The command-line arguments of the run (no secrets are ever passed as arguments).
    pub arguments: Vec<String>,
    /// `organization` (audit org) or `account` (audit account).
    pub mode: Mode,
    /// Who ran the collection.
    pub caller: CallerIdentity,
    /// The role session name of the audit role in member accounts (the
    /// audit's footprints there are made as
    /// `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`); `None` in
    /// single-account runs and older snapshots.
    #[serde(default)]
    pub session_name: Option<String>,
    /// When collection started.
    pub started_at: DateTime<Utc>,
    /// When collection ended (also when it was interrupted).
    pub finished_at: DateTime<Utc>,
    /// False when the run was interrupted: some cells were never collected.
    pub complete: bool,
    /// The region selection as given (`all` or a list of names and globs).
    pub region_selection: Vec<String>,
    /// The organization, when running in organization mode.
    pub organization: Option<Organization>,
    /// Every account in scope, with the regions looked at.
    pub accounts: Vec<Account>,
    /// Every trail seen, once each, keyed by ARN.
    pub trails: Vec<Trail>,
    /// Every destination bucket, once each.
    pub buckets: Vec<Bucket>,
    /// KMS keys used by trails.
    pub kms_keys: Vec<KmsKey>,
    /// CloudWatch Logs log groups used by trails.
    pub log_groups: Vec<LogGroup>,
    /// CloudTrail Lake event data stores.
    pub event_data_stores: Vec<EventDataStore>,
    /// Evidence of delivery (`--probe-delivery`), per account x region.
    pub delivery_probes: Vec<DeliveryProbe>,
    /// Every call that failed, in the order seen.
    pub errors: Vec<CollectionError>,
    /// The earlier run's footprints looked for in the archive
    /// (`--verify-previous`); `None` when not asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<Verification>,
    /// How many times each AWS operation was called (`service:Operation`).
    pub api_calls: BTreeMap<String, u64>,
    /// Lookups by key, built at the first lookup (not serialized).
    #[serde(skip)]
    pub lookup: index::Lookup,
}

/// What kind of run wrote the snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// `audit org`: every account of an organization.
    Organization,
    /// `audit account`: the caller's account only.
    Account,
}

/// The identity of the starting credentials (`sts:GetCallerIdentity`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallerIdentity {
    /// Account id.
    pub account_id: String,
    /// Principal ARN.
    pub arn: String,
}

/// A fact read from AWS, or why it is unknown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Fact<T> {
    /// The value was read.
    Collected {
        /// The value.
        value: T,
    },
    /// The call failed.
    Failed {
        /// Why.
        error: ErrorInfo,
    },
    /// The call was not made, on purpose.
    NotCollected {
        /// Why not (for example "owner account not in audit scope").
        reason: String,
    },
}

impl<T> Fact<T> {
    /// The value, when collected.
    pub fn value(&self) -> Option<&T> {
        match self {
            Fact::Collected { value } => Some(value),
            _ => None,
        }
    }

    /// Why the value is unknown; `None` when collected.
    pub fn unknown_reason(&self) -> Option<String> {
        match self {
            Fact::Collected { .. } => None,
            // The failure itself is reported once (permission gap or
            // collection error); what depends on it points there.
            Fact::Failed { error } => Some(error.pointer()),
            Fact::NotCollected { reason } => Some(reason.clone()),
        }
    }

    /// A fact that was deliberately not collected.
    pub fn not_collected(reason: impl Into<String>) -> Self {
        Fact::NotCollected {
            reason: reason.into(),
        }
    }
}

/// How a call failed, classified so that reports can say what to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The principal lacks permission (`AccessDenied`, `UnauthorizedOperation`, ...).
    AccessDenied,
    /// The audit role could not be assumed in the account.
    RoleNotAssumable,
    /// The region is not enabled for the account (opt-in region).
    RegionNotEnabled,
    /// Throttled and out of retries.
    Throttled,
    /// The endpoint does not implement the API.
    NotImplemented,
    /// The resource does not exist (or is not visible to the caller).
    NotFound,
    /// No answer in time.
    Timeout,
    /// Connection or DNS failure.
    Network,
    /// The run was interrupted before the call completed.
    Interrupted,
    /// Anything else.
    Other,
}

impl ErrorKind {
    /// The snake_case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::AccessDenied => "access_denied",
            ErrorKind::RoleNotAssumable => "role_not_assumable",
            ErrorKind::RegionNotEnabled => "region_not_enabled",
            ErrorKind::Throttled => "throttled",
            ErrorKind::NotImplemented => "not_implemented",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Network => "network",
            ErrorKind::Interrupted => "interrupted",
            ErrorKind::Other => "other",
        }
    }
}

/// A failed call's details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorInfo {
    /// Classification.
    pub kind: ErrorKind,
    /// `service:Operation` that failed.
    pub operation: String,
    /// The AWS error code, when there was one.
    pub code: Option<String>,
    /// The message, as AWS (or the transport) gave it.
    pub message: String,
}

/// Longest cause a report shows for a failure (the snapshot keeps the
/// whole message).
pub const SHORT_CAUSE: usize = 160;

impl ErrorInfo {
    /// One short line for reports: `operation: code-or-kind: cause`, the
    /// cause cut to its first line, before any SDK debug dump (`Name {
    /// prefix: ...`), and to [`SHORT_CAUSE`] characters.
    pub fn describe(&self) -> String {
        format!(
            "{}: {}: {}",
            self.operation,
            self.code_or_kind(),
            short_cause(&self.message)
        )
    }

    /// The AWS error code, or our kind when there is none.
    pub fn code_or_kind(&self) -> &str {
        self.code.as_deref().unwrap_or(self.kind.as_str())
    }

    /// Everything known, for `-v` logs: `kind (operation: code: message)`.
    pub fn full(&self) -> String {
        format!(
            "{} ({}: {}: {})",
            self.kind.as_str(),
            self.operation,
            self.code.as_deref().unwrap_or("no error code"),
            self.message
        )
    }

    /// What a finding that is unknown because of this failure says: the
    /// failed call, pointing at the one finding that describes it.
    pub fn pointer(&self) -> String {
        format!(
            "{} failed ({}; see permission gaps and collection errors)",
            self.operation,
            self.code_or_kind()
        )
    }
}

/// A time as reports show it: UTC to the second (`2026-11-24T02:38:34Z`);
/// snapshots keep full precision.
pub fn utc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A message cut for people: first line, no SDK debug dump, whitespace
/// collapsed, at most [`SHORT_CAUSE`] characters.
pub fn short_cause(message: &str) -> String {
    let first = message.lines().next().unwrap_or_default();
    let cut = first
        .find(" {")
        .map(|i| &first[..i])
        .unwrap_or(first)
        .trim_end_matches([' ', ':', '(']);
    let words: Vec<&str> = cut.split_whitespace().collect();
    let mut s = words.join(" ");
    if s.chars().count() > SHORT_CAUSE {
        s = s.chars().take(SHORT_CAUSE - 1).collect::<String>() + "…";
    }
    s
}

/// A failed call and where it happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionError {
    /// Account whose credentials made the call.
    pub account_id: Option<String>,
    /// Region of the call.
    pub region: Option<String>,
    /// Resource concerned (trail ARN, bucket name, key ARN...).
    pub resource: Option<String>,
    /// What failed.
    pub error: ErrorInfo,
}

/// The organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    /// `o-...`
    pub id: String,
    /// Organization ARN.
    pub arn: String,
    /// The management account.
    pub management_account_id: String,
    /// Organizational units with their paths.
    pub ous: Vec<OrganizationalUnit>,
    /// CloudTrail's delegated administrators (`ListDelegatedAdministrators`
    /// for `cloudtrail.amazonaws.com`), where readable.
    pub delegated_administrators: Fact<Vec<DelegatedAdministrator>>,
    /// Whether Organizations has trusted access enabled for CloudTrail
    /// (`ListAWSServiceAccessForOrganization` lists `cloudtrail.amazonaws.com`).
    /// Without it an organization trail records only the management account.
    #[serde(default = "not_read")]
    pub cloudtrail_trusted_access: Fact<bool>,
}

fn not_read<T>() -> Fact<T> {
    Fact::not_collected("not read by the version of trailaudit that wrote this snapshot")
}

/// An organizational unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationalUnit {
    /// `ou-...` (or `r-...` for the root).
    pub id: String,
    /// Name.
    pub name: String,
    /// Path from the root, `Root/Prod/Web`.
    pub path: String,
}

/// A delegated administrator account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelegatedAdministrator {
    /// Account id.
    pub account_id: String,
    /// Account name.
    pub name: Option<String>,
}

/// Account status in the organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    /// Active.
    Active,
    /// Suspended: cannot be audited, reported as such.
    Suspended,
    /// Closing.
    PendingClosure,
}

/// How the auditor got into an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Access {
    /// The starting credentials belong to this account.
    Caller,
    /// The audit role was assumed.
    Assumed {
        /// Role ARN.
        role_arn: String,
    },
    /// The role could not be assumed, or the account was skipped.
    Failed {
        /// Why.
        error: ErrorInfo,
    },
    /// Not attempted (suspended account, interrupted run...).
    Skipped {
        /// Why.
        reason: String,
    },
}

/// An account in scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// 12-digit id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Email, when known.
    pub email: Option<String>,
    /// Status in the organization.
    pub status: AccountStatus,
    /// OU path (`Root/Prod`), empty outside an organization.
    pub ou_path: String,
    /// Whether this is the organization's management account.
    pub is_management: bool,
    /// How it was accessed.
    pub access: Access,
    /// Regions looked at.
    pub regions: Vec<AccountRegion>,
}

/// What happened in one account x region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRegion {
    /// Region name.
    pub region: String,
    /// Whether DescribeTrails answered.
    pub status: RegionStatus,
    /// Trails `DescribeTrails` returned there (own, multi-region shadows,
    /// organization trails). Meaningful only when `status` is `Collected`:
    /// read it through [`AccountRegion::listed_trails`].
    pub trails: Vec<TrailRef>,
    /// ARNs of the CloudTrail Lake event data stores `ListEventDataStores`
    /// returned in this account-region (details in
    /// [`Snapshot::event_data_stores`]). `Failed` when the listing failed:
    /// a store there might record the account.
    #[serde(default = "not_read")]
    pub event_data_stores: Fact<Vec<String>>,
    /// The audit's own call here (`DescribeTrails`): a management read
    /// event every trail recording the account-region must deliver, so a
    /// later run can look for it in the archive (proof of delivery). `None`
    /// in snapshots written before footprints were recorded, and where
    /// nothing was called.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub footprint: Option<Box<Footprint>>,
}

/// A call whose record is a footprint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FootprintCall {
    /// `cloudtrail:DescribeTrails`.
    DescribeTrails,
}

impl FootprintCall {
    /// `eventSource` of its record.
    pub fn event_source(self) -> &'static str {
        match self {
            FootprintCall::DescribeTrails => "cloudtrail.amazonaws.com",
        }
    }

    /// `eventName` of its record.
    pub fn event_name(self) -> &'static str {
        match self {
            FootprintCall::DescribeTrails => "DescribeTrails",
        }
    }
}

/// One call the audit made, as CloudTrail records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Footprint {
    /// The call (its record's `eventSource` and `eventName`).
    pub call: FootprintCall,
    /// When the request was sent (the record's `eventTime` is between this
    /// and `answered_at`).
    pub sent_at: DateTime<Utc>,
    /// When the answer (or the error) came back.
    pub answered_at: DateTime<Utc>,
    /// The request id AWS returned (`requestID` in the record), when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The AWS error code when the call failed (`errorCode` in the record).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
}

/// Where a covering trail delivers: its bucket and the key root under
/// which every account-region's files are.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct VerifyDestination {
    /// The trail that covered the account-regions for management read
    /// events in the earlier run.
    pub trail_arn: String,
    /// Its bucket.
    pub bucket: String,
    /// The bucket's owner, when an account of the organization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket_owner: Option<String>,
    /// The bucket's region.
    pub bucket_region: String,
    /// `[PREFIX/]AWSLogs/[o-ORGID/]`: an account-region's files are under
    /// `ROOT ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/`.
    pub root: String,
}

impl VerifyDestination {
    /// `ROOT ACCOUNT/CloudTrail/REGION/`.
    pub fn prefix(&self, account: &str, region: &str) -> String {
        format!("{}{account}/CloudTrail/{region}/", self.root)
    }
}

/// What the collector is asked to verify: the [`Verification`] to fill
/// (destinations, principals, one cell per account-region, those left out
/// by `--sample` already `not_sampled`) and, aligned with its cells, the
/// footprint to look for (`None`: not looked for).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyPlan {
    /// The verification to fill in.
    pub verification: Verification,
    /// Per cell, the footprint to look for.
    pub footprints: Vec<Option<Footprint>>,
}

/// The day folders under `prefix` that files delivered in the window after
/// a call made between `from` and `to` can be in.
pub fn day_prefixes(prefix: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<String> {
    let to = to + chrono::Duration::minutes(DELIVERY_WINDOW_MINUTES);
    let mut days = vec![from.date_naive()];
    if to.date_naive() != from.date_naive() {
        days.push(to.date_naive());
    }
    days.iter()
        .map(|d| format!("{prefix}{}/", d.format("%Y/%m/%d")))
        .collect()
}

/// Log files whose delivery time (in the key) lies this many minutes after
/// the footprint are opened (CloudTrail delivers within about 15 minutes;
/// the margin covers late batches).
pub const DELIVERY_WINDOW_MINUTES: i64 = 60;

/// What was found for one account-region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum VerifyOutcome {
    /// The record is in this log file.
    Verified {
        /// Its key below the account-region's prefix (`YYYY/MM/DD/NAME.json.gz`).
        file: String,
    },
    /// The day prefixes were listed and the files delivered in the window
    /// read: the record is not there.
    NotFound {
        /// Log files listed in the window.
        listed: u32,
        /// Log files opened.
        opened: u32,
    },
    /// The archive could not be read (AccessDenied on the bucket or the
    /// KMS key): a permission gap of the auditor, not a delivery failure.
    Unreadable {
        /// The failed call (boxed: most cells have none).
        error: Box<ErrorInfo>,
    },
    /// Another failure (throttling past retries, network...).
    Failed {
        /// The failed call.
        error: Box<ErrorInfo>,
    },
    /// Left out by `--sample`.
    NotSampled,
}

/// One account-region's verification, as the snapshot keeps it (compact:
/// the destination by position, the principal per account).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifiedCell {
    /// Account.
    pub account_id: String,
    /// Region.
    pub region: String,
    /// Position in [`Verification::destinations`].
    pub destination: u32,
    /// When the footprint was made (its `DescribeTrails` call was sent).
    pub sent_at: DateTime<Utc>,
    /// What was found.
    #[serde(flatten)]
    pub outcome: VerifyOutcome,
    /// `ListObjectsV2` pages asked for.
    pub lists: u32,
    /// `GetObject` calls made.
    pub gets: u32,
}

/// The verification of an earlier run's footprints.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    /// When the verified run started.
    pub previous_started_at: DateTime<Utc>,
    /// When the archive was read.
    pub checked_at: DateTime<Utc>,
    /// `--sample N`, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample: Option<usize>,
    /// Every destination looked in, once each.
    pub destinations: Vec<VerifyDestination>,
    /// The principal each account's footprints were made as.
    pub principals: BTreeMap<String, String>,
    /// Every account-region that was covered for management read events
    /// in the earlier run and has a footprint, in planning order.
    pub cells: Vec<VerifiedCell>,
}

impl Verification {
    /// A cell's destination.
    pub fn destination(&self, c: &VerifiedCell) -> Option<&VerifyDestination> {
        self.destinations.get(c.destination as usize)
    }

    /// A cell's prefix (`ROOT ACCOUNT/CloudTrail/REGION/`).
    pub fn prefix(&self, c: &VerifiedCell) -> String {
        self.destination(c)
            .map(|d| d.prefix(&c.account_id, &c.region))
            .unwrap_or_default()
    }

    /// The day prefixes a cell's record can be in (see [`day_prefixes`]).
    pub fn day_prefixes(&self, c: &VerifiedCell, footprint: &Footprint) -> Vec<String> {
        day_prefixes(&self.prefix(c), footprint.sent_at, footprint.answered_at)
    }

    /// The principal a cell's footprint was made as.
    pub fn principal(&self, c: &VerifiedCell) -> &str {
        self.principals
            .get(&c.account_id)
            .map_or("", String::as_str)
    }
}

impl AccountRegion {
    /// The trails listed here, or why the list is unknown (or the region not enabled).
    pub fn listed_trails(&self) -> Result<&[TrailRef], String> {
        match &self.status {
            RegionStatus::Collected => Ok(&self.trails),
            RegionStatus::NotEnabled => Err("region not enabled for the account".into()),
            RegionStatus::Failed { error } => Err(format!(
                "trails in this region could not be listed: {}",
                error.describe()
            )),
            RegionStatus::NotCollected { reason } => {
                Err(format!("trails in this region were not listed: {reason}"))
            }
        }
    }
}

/// Whether a region's trail list is known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum RegionStatus {
    /// DescribeTrails answered.
    Collected,
    /// The region is not enabled for the account.
    NotEnabled,
    /// DescribeTrails failed.
    Failed {
        /// Why.
        error: ErrorInfo,
    },
    /// Not attempted.
    NotCollected {
        /// Why.
        reason: String,
    },
}

/// A trail as listed in an account-region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrailRef {
    /// Trail ARN (key into [`Snapshot::trails`]).
    pub arn: String,
    /// True when this is a shadow copy (home region or owner elsewhere).
    pub shadow: bool,
}

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

/// A KMS key used by a trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KmsKey {
    /// Key ARN as the trail names it.
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

/// Evidence that logs arrive in one account-region (`--probe-delivery`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryProbe {
    /// Account whose logs were looked for.
    pub account_id: String,
    /// Region whose logs were looked for.
    pub region: String,
    /// Trail whose destination was probed.
    pub trail_arn: String,
    /// Bucket.
    pub bucket: String,
    /// The prefix listed (`[PREFIX/]AWSLogs/[o-ORG/]ACCOUNT/CloudTrail/REGION/`).
    pub log_prefix: String,
    /// Newest log object found in the last days probed.
    pub newest_log: Fact<Option<ObjectSeen>>,
    /// Newest digest object.
    pub newest_digest: Fact<Option<ObjectSeen>>,
}

/// An object found by a probe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectSeen {
    /// Key.
    pub key: String,
    /// Delivery time read from the key (UTC).
    pub delivered_at: Option<DateTime<Utc>>,
}

impl Snapshot {
    /// The index of this snapshot (built once, see [`index`]).
    pub fn index(&self) -> std::sync::Arc<index::Index> {
        self.lookup.get(self)
    }

    fn by_key<'a, T>(
        &'a self,
        items: &'a [T],
        pos: impl Fn(&index::Index) -> Option<usize>,
        key: impl Fn(&T) -> &str,
        want: &str,
    ) -> Option<&'a T> {
        let ix = self.lookup.get(self);
        match pos(&ix).and_then(|i| items.get(i)) {
            Some(x) if key(x) == want => Some(x),
            // Edited in place since the index was built: build it again.
            Some(_) => pos(&self.lookup.rebuild(self))
                .and_then(|i| items.get(i))
                .filter(|x| key(x) == want),
            None => None,
        }
    }

    /// A trail by ARN.
    pub fn trail(&self, arn: &str) -> Option<&Trail> {
        self.by_key(&self.trails, |ix| ix.trail(arn), |t| &t.arn, arn)
    }

    /// A bucket by name.
    pub fn bucket(&self, name: &str) -> Option<&Bucket> {
        self.by_key(&self.buckets, |ix| ix.bucket(name), |b| &b.name, name)
    }

    /// A KMS key by the ARN a trail uses.
    pub fn kms_key(&self, arn: &str) -> Option<&KmsKey> {
        self.by_key(&self.kms_keys, |ix| ix.kms_key(arn), |k| &k.arn, arn)
    }

    /// A log group by the ARN a trail uses.
    pub fn log_group(&self, arn: &str) -> Option<&LogGroup> {
        self.by_key(&self.log_groups, |ix| ix.log_group(arn), |g| &g.arn, arn)
    }

    /// An event data store by ARN.
    pub fn event_data_store(&self, arn: &str) -> Option<&EventDataStore> {
        self.by_key(&self.event_data_stores, |ix| ix.store(arn), |e| &e.arn, arn)
    }

    /// An account by id.
    pub fn account(&self, id: &str) -> Option<&Account> {
        self.by_key(&self.accounts, |ix| ix.account(id), |a| &a.id, id)
    }

    /// One account-region.
    pub fn account_region(&self, account: &str, region: &str) -> Option<&AccountRegion> {
        self.account(account)
            .and_then(|a| a.regions.iter().find(|r| r.region == region))
    }

    /// Positions the index gives whose items all pass `ok`; when one does
    /// not (the snapshot was reordered in place since the index was built),
    /// the index is built again. Sorted, each once.
    fn checked<T>(
        &self,
        items: &[T],
        pos: impl Fn(&index::Index) -> Vec<usize>,
        ok: impl Fn(&T) -> bool,
    ) -> Vec<usize> {
        let passes = |p: &[usize]| p.iter().all(|&i| items.get(i).is_some_and(&ok));
        let mut p = pos(&self.lookup.get(self));
        if !passes(&p) {
            p = pos(&self.lookup.rebuild(self));
            p.retain(|&i| items.get(i).is_some_and(&ok));
        }
        p.sort_unstable();
        p.dedup();
        p
    }

    /// The trails `owner` owns, in snapshot order.
    pub fn trails_owned_by<'a>(&'a self, owner: &str) -> impl Iterator<Item = &'a Trail> + 'a {
        self.checked(
            &self.trails,
            |ix| ix.trails_owned_by(owner).to_vec(),
            |t| t.owner_account_id == owner,
        )
        .into_iter()
        .map(|i| &self.trails[i])
    }

    /// The organization trails, in snapshot order.
    pub fn organization_trails(&self) -> impl Iterator<Item = &Trail> + '_ {
        self.checked(
            &self.trails,
            |ix| ix.organization_trails().to_vec(),
            |t| t.is_organization_trail,
        )
        .into_iter()
        .map(|i| &self.trails[i])
    }

    /// The event data stores `owner` owns and the organization event data
    /// stores, each once, in snapshot order.
    pub fn stores_for(&self, owner: &str) -> Vec<&EventDataStore> {
        self.checked(
            &self.event_data_stores,
            |ix| {
                ix.stores_owned_by(owner)
                    .iter()
                    .chain(ix.organization_stores())
                    .copied()
                    .collect()
            },
            |e| e.account_id == owner || e.organization_enabled,
        )
        .into_iter()
        .map(|i| &self.event_data_stores[i])
        .collect()
    }

    /// The organization id, when known.
    pub fn organization_id(&self) -> Option<&str> {
        self.organization.as_ref().map(|o| o.id.as_str())
    }

    /// The trails that record activity of `account` in `region`, each once:
    /// the trails `DescribeTrails` listed there (own, multi-region shadows and
    /// organization trails), the account's own multi-region trails, and the
    /// organization's organization trails, which apply to every member account
    /// whether or not the member can see them, while Organizations' trusted
    /// access for CloudTrail is known to be enabled (disabled, they record
    /// only their owner; unread, whether they reach members is unknown: see
    /// [`Snapshot::organization_trails_reach_members`]).
    pub fn trails_applying(&self, account: &str, region: &str) -> Vec<&Trail> {
        let in_region = |t: &Trail| t.is_multi_region || t.home_region == region;
        let org_member = self.mode == Mode::Organization
            && self.account(account).is_some()
            && self.organization_trails_reach_members() == Some(true);
        let listed: Vec<&str> = self
            .account_region(account, region)
            .and_then(|r| r.listed_trails().ok())
            .map(|l| l.iter().map(|t| t.arn.as_str()).collect())
            .unwrap_or_default();
        // Candidates from the index (the listed ones, the account's own,
        // the organization's), in snapshot order, each once.
        let positions = self.checked(
            &self.trails,
            |ix| {
                let mut p: Vec<usize> = listed.iter().filter_map(|a| ix.trail(a)).collect();
                p.extend(ix.trails_owned_by(account));
                if org_member {
                    p.extend(ix.organization_trails());
                }
                p
            },
            // Why each position was given (not whether it applies: that is
            // decided below); a position that fits none is a stale index.
            |t| {
                listed.contains(&t.arn.as_str())
                    || t.owner_account_id == account
                    || (org_member && t.is_organization_trail)
            },
        );
        let mut out: Vec<&Trail> = Vec::with_capacity(positions.len());
        for t in positions.into_iter().map(|i| &self.trails[i]) {
            let applies = listed.contains(&t.arn.as_str())
                || (t.owner_account_id == account && in_region(t))
                || (t.is_organization_trail && org_member && in_region(t));
            if applies && !out.iter().any(|o| o.arn == t.arn) {
                out.push(t);
            }
        }
        out
    }

    /// Where trail `t` writes `account`'s log files for `region`
    /// ([`log_prefix`], with the `o-ORGID/` level for an organization trail).
    pub fn trail_log_prefix(&self, t: &Trail, account: &str, region: &str) -> String {
        log_prefix(
            t.s3_key_prefix.as_deref(),
            self.trail_org(t),
            account,
            region,
        )
    }

    /// The digest-file counterpart of [`Snapshot::trail_log_prefix`].
    pub fn trail_digest_prefix(&self, t: &Trail, account: &str, region: &str) -> String {
        digest_prefix(
            t.s3_key_prefix.as_deref(),
            self.trail_org(t),
            account,
            region,
        )
    }

    /// The principal the audit's footprints in `account` were made as
    /// (`userIdentity.arn` of their records): the audit role's session in a
    /// member account, the caller itself in its own account; `None` when the
    /// account was not entered.
    pub fn footprint_principal(&self, account: &str) -> Option<String> {
        let a = self.account(account)?;
        match &a.access {
            Access::Caller => Some(self.caller.arn.clone()),
            Access::Assumed { role_arn } => {
                let role = role_arn.rsplit('/').next()?;
                let partition = role_arn.split(':').nth(1).unwrap_or("aws");
                Some(format!(
                    "arn:{partition}:sts::{account}:assumed-role/{role}/{}",
                    self.session_name.as_deref()?
                ))
            }
            _ => None,
        }
    }

    fn trail_org(&self, t: &Trail) -> Option<&str> {
        t.is_organization_trail
            .then(|| self.organization_id())
            .flatten()
    }

    /// Whether organization trails (and organization event data stores)
    /// reach member accounts: Organizations' trusted access for CloudTrail.
    /// `None` when it could not be read.
    pub fn organization_trails_reach_members(&self) -> Option<bool> {
        self.organization
            .as_ref()
            .and_then(|o| o.cloudtrail_trusted_access.value().copied())
    }

    /// Parses a snapshot, refusing unknown schema versions with a clear message.
    pub fn from_json(text: &str) -> Result<Snapshot, SnapshotError> {
        Snapshot::from_slice(text.as_bytes())
    }

    /// Parses a snapshot from bytes (as [`Snapshot::from_json`]). The version
    /// is read first without building a tree of the whole document, so a
    /// snapshot of 10,000 accounts is parsed once, straight into its types.
    pub fn from_slice(bytes: &[u8]) -> Result<Snapshot, SnapshotError> {
        #[derive(Deserialize)]
        struct Version {
            schema_version: Option<serde_json::Value>,
        }
        let v: Version =
            serde_json::from_slice(bytes).map_err(|e| SnapshotError::Json(e.to_string()))?;
        match v.schema_version.as_ref().and_then(|v| v.as_u64()) {
            Some(v) if v == u64::from(SCHEMA_VERSION) => {}
            Some(v) => return Err(SnapshotError::Version(v)),
            None => return Err(SnapshotError::NotASnapshot),
        }
        serde_json::from_slice(bytes).map_err(|e| SnapshotError::Json(e.to_string()))
    }

    /// Writes pretty JSON to `w` as a stream (no copy of the document in memory).
    pub fn write_json<W: std::io::Write>(&self, w: W) -> std::io::Result<()> {
        serde_json::to_writer_pretty(w, self).map_err(std::io::Error::from)
    }
}

/// The fields of a snapshot that say whose run it was and when (to choose
/// the previous run without loading every candidate whole).
#[derive(Debug, Clone, Deserialize)]
pub struct SnapshotHead {
    /// Format version.
    pub schema_version: u32,
    /// Who ran the collection.
    pub caller: CallerIdentity,
    /// When collection started.
    pub started_at: DateTime<Utc>,
    /// When collection ended.
    pub finished_at: DateTime<Utc>,
    organization: Option<OrgHead>,
}

#[derive(Debug, Clone, Deserialize)]
struct OrgHead {
    id: String,
}

impl SnapshotHead {
    /// Reads the head of a snapshot this build can load; `None` otherwise.
    pub fn from_slice(bytes: &[u8]) -> Option<SnapshotHead> {
        let head: SnapshotHead = serde_json::from_slice(bytes).ok()?;
        (head.schema_version == SCHEMA_VERSION).then_some(head)
    }

    /// The organization id, when the run was an organization's.
    pub fn organization_id(&self) -> Option<&str> {
        self.organization.as_ref().map(|o| o.id.as_str())
    }
}

/// Why a snapshot file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotError {
    /// Not JSON, or JSON of the wrong shape.
    Json(String),
    /// No `schema_version`: not a trailaudit snapshot.
    NotASnapshot,
    /// A version this build does not read.
    Version(u64),
}

impl std::fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SnapshotError::Json(e) => write!(f, "not a valid trailaudit snapshot: {e}"),
            SnapshotError::NotASnapshot => write!(
                f,
                "not a trailaudit snapshot (no schema_version field); pass a snapshot.json written by `audit org`"
            ),
            SnapshotError::Version(v) => write!(
                f,
                "snapshot schema_version {v} is not supported by this build (it reads version {SCHEMA_VERSION}); re-run the collection or use a matching trailaudit version"
            ),
        }
    }
}

impl std::error::Error for SnapshotError {}

/// Parses a trail ARN `arn:PARTITION:cloudtrail:REGION:ACCOUNT:trail/NAME` into
/// (region, account, name).
pub fn parse_trail_arn(arn: &str) -> Option<(&str, &str, &str)> {
    let mut parts = arn.splitn(6, ':');
    let (_arn, _partition, service, region, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    if service != "cloudtrail" {
        return None;
    }
    let name = resource.strip_prefix("trail/")?;
    Some((region, account, name))
}

/// Parses any ARN into (service, region, account, resource).
pub fn parse_arn(arn: &str) -> Option<(&str, &str, &str, &str)> {
    let mut parts = arn.splitn(6, ':');
    if parts.next()? != "arn" {
        return None;
    }
    let _partition = parts.next()?;
    Some((parts.next()?, parts.next()?, parts.next()?, parts.next()?))
}

/// True for a 12-digit AWS account id.
pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// `[PREFIX/]AWSLogs/`: the root of every log and digest file of a trail.
pub fn logs_root(key_prefix: Option<&str>) -> String {
    match key_prefix.filter(|k| !k.is_empty()) {
        Some(k) => format!("{}/AWSLogs/", k.trim_end_matches('/')),
        None => "AWSLogs/".to_string(),
    }
}

/// The S3 prefix under which CloudTrail writes one account-region's log files:
/// `[PREFIX/]AWSLogs/[o-ORGID/]ACCOUNT/CloudTrail/REGION/`.
pub fn log_prefix(
    key_prefix: Option<&str>,
    org_id: Option<&str>,
    account: &str,
    region: &str,
) -> String {
    let mut p = logs_root(key_prefix);
    if let Some(o) = org_id {
        p.push_str(o);
        p.push('/');
    }
    p.push_str(account);
    p.push_str("/CloudTrail/");
    p.push_str(region);
    p.push('/');
    p
}

/// The digest-file counterpart of [`log_prefix`] (`CloudTrail-Digest`).
pub fn digest_prefix(
    key_prefix: Option<&str>,
    org_id: Option<&str>,
    account: &str,
    region: &str,
) -> String {
    log_prefix(key_prefix, org_id, account, region).replacen(
        &format!("/CloudTrail/{region}/"),
        &format!("/CloudTrail-Digest/{region}/"),
        1,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_follow_cloudtrail_layout() {
        assert_eq!(
            log_prefix(Some("org/"), Some("o-abc"), "111122223333", "eu-west-1"),
            "org/AWSLogs/o-abc/111122223333/CloudTrail/eu-west-1/"
        );
        assert_eq!(
            log_prefix(None, None, "111122223333", "us-east-1"),
            "AWSLogs/111122223333/CloudTrail/us-east-1/"
        );
        assert_eq!(
            digest_prefix(None, None, "111122223333", "us-east-1"),
            "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/"
        );
    }

    #[test]
    fn arns_parse() {
        assert_eq!(
            parse_trail_arn("arn:aws:cloudtrail:us-east-1:111122223333:trail/org"),
            Some(("us-east-1", "111122223333", "org"))
        );
        assert_eq!(parse_trail_arn("arn:aws:s3:::bucket"), None);
        assert!(is_account_id("012345678901"));
        assert!(!is_account_id("12345"));
        assert!(!is_account_id("01234567890a"));
    }

    #[test]
    fn unknown_schema_version_is_refused_with_advice() {
        let err = Snapshot::from_json(r#"{"schema_version": 99}"#).unwrap_err();
        assert_eq!(err, SnapshotError::Version(99));
        assert!(err.to_string().contains("re-run the collection"));
        let err = Snapshot::from_json(r#"{"hello": 1}"#).unwrap_err();
        assert_eq!(err, SnapshotError::NotASnapshot);
        assert!(matches!(
            Snapshot::from_json("not json"),
            Err(SnapshotError::Json(_))
        ));
    }

    #[test]
    fn facts_say_why_they_are_unknown() {
        let f: Fact<bool> = Fact::Failed {
            error: ErrorInfo {
                kind: ErrorKind::AccessDenied,
                operation: "cloudtrail:GetTrailStatus".into(),
                code: Some("AccessDeniedException".into()),
                message: "no".into(),
            },
        };
        assert_eq!(f.value(), None);
        assert_eq!(
            f.unknown_reason().unwrap(),
            "cloudtrail:GetTrailStatus failed (AccessDeniedException; see permission gaps and collection errors)"
        );
        // Reports get one short line; logs the whole text.
        let dump = ErrorInfo {
            kind: ErrorKind::Other,
            operation: "s3:GetBucketVersioning".into(),
            code: None,
            message: format!(
                "the response could not be read (error parsing XML: encountered invalid XML root: expected VersioningConfiguration but got StartEl {{ name: Name {{ prefix: \"\", local: \"GetBucketVersioningResponse\" }} }}. This is likely a bug in the SDK.)\n{}",
                "x".repeat(500)
            ),
        };
        assert_eq!(
            dump.describe(),
            "s3:GetBucketVersioning: other: the response could not be read (error parsing XML: encountered invalid XML root: expected VersioningConfiguration but got StartEl"
        );
        assert!(dump.full().contains("This is likely a bug"));
        let long = short_cause(&"word ".repeat(100));
        assert_eq!(long.chars().count(), SHORT_CAUSE);
        assert!(long.ends_with('…'));
        let json = serde_json::to_string(&Fact::Collected { value: 3 }).unwrap();
        assert_eq!(json, r#"{"state":"collected","value":3}"#);
    }
}

/// What `audit why` needs probed live, decided from the snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhyPlan {
    /// The account whose event is looked for (its credentials test readability).
    pub asking_account: String,
    /// The bucket holding the logs.
    pub bucket: String,
    /// The bucket's owner, when an audited account.
    pub bucket_owner: Option<String>,
    /// The bucket's region.
    pub bucket_region: String,
    /// Day prefixes where the log file should be.
    pub prefixes: Vec<String>,
    /// Log files delivered in this window may hold the event.
    pub delivered_from: DateTime<Utc>,
    /// End of that window.
    pub delivered_to: DateTime<Utc>,
    /// Event time window for matching records.
    pub event_from: DateTime<Utc>,
    /// End of the event window.
    pub event_to: DateTime<Utc>,
    /// `eventName`.
    pub event_name: String,
    /// `eventSource`, when known.
    pub event_source: Option<String>,
    /// Region where `LookupEvents` should be asked (None: not a management event within 90 days).
    pub lookup_region: Option<String>,
}

/// What the live probes of `audit why` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhyProbes {
    /// Keys under the prefixes, listed with the bucket owner's credentials.
    pub owner_listing: Fact<Vec<String>>,
    /// The same listing with the asking account's credentials.
    pub account_listing: Fact<Vec<String>>,
    /// The log file that holds the event, if one was found.
    pub record_key: Fact<Option<String>>,
    /// Whether `LookupEvents` returned the event.
    pub lookup_found: Fact<bool>,
}

impl WhyProbes {
    /// Nothing probed (offline, from a snapshot).
    pub fn offline() -> WhyProbes {
        WhyProbes::not_probed("not probed: working offline from a snapshot")
    }

    /// Nothing probed, for the reason given.
    pub fn not_probed(r: &str) -> WhyProbes {
        WhyProbes {
            owner_listing: Fact::not_collected(r),
            account_listing: Fact::not_collected(r),
            record_key: Fact::not_collected(r),
            lookup_found: Fact::not_collected(r),
        }
    }
}
