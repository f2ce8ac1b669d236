//! Declarative test organizations (`tests/scenarios/*.toml`).
//!
//! A scenario describes an organization as a user would draw it: OUs,
//! accounts, and per account the trails, buckets, KMS keys, log groups, log
//! objects and restrictions it has. [`Scenario::load`] parses and validates it
//! completely before anything is seeded; every error names the file, the field
//! and the problem. The format is documented in `tests/scenarios/README.md`.

use std::collections::BTreeSet;
use std::path::Path;

use serde::Deserialize;
use trailaudit_model::regions;

/// The management account's key in a scenario.
pub const MANAGEMENT: &str = "management";

/// A whole scenario.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Short name.
    pub name: String,
    /// What it shows.
    #[serde(default)]
    pub description: String,
    /// Seed for the emulator's generated ids.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// OUs, parents before children.
    #[serde(default)]
    pub ous: Vec<Ou>,
    /// Member accounts (the management account is implicit, key `management`).
    #[serde(default)]
    pub accounts: Vec<AccountSpec>,
    /// Restrictions on the management account itself (the auditor's own account).
    #[serde(default)]
    pub management: ManagementSpec,
    /// KMS keys.
    #[serde(default)]
    pub kms_keys: Vec<KmsKeySpec>,
    /// Buckets.
    #[serde(default)]
    pub buckets: Vec<BucketSpec>,
    /// CloudWatch Logs log groups.
    #[serde(default)]
    pub log_groups: Vec<LogGroupSpec>,
    /// Trails.
    #[serde(default)]
    pub trails: Vec<TrailSpec>,
    /// Log and digest objects placed at CloudTrail's key layout.
    #[serde(default)]
    pub objects: Vec<ObjectSpec>,
}

fn default_seed() -> u64 {
    42
}

fn yes() -> bool {
    true
}

impl Default for ManagementSpec {
    fn default() -> Self {
        ManagementSpec {
            deny_actions: vec![],
            cloudtrail_trusted_access: true,
        }
    }
}

/// An organizational unit.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ou {
    /// Name.
    pub name: String,
    /// Parent path: `Root` or `Root/Workloads`.
    #[serde(default = "root")]
    pub parent: String,
}

fn root() -> String {
    "Root".into()
}

impl Ou {
    /// `Root/.../name`.
    pub fn path(&self) -> String {
        format!("{}/{}", self.parent, self.name)
    }
}

/// A member account.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountSpec {
    /// Reference used in the rest of the scenario.
    pub key: String,
    /// Account name (default: the key).
    #[serde(default)]
    pub name: Option<String>,
    /// OU path (`Root/Prod`), default `Root`.
    #[serde(default = "root")]
    pub ou: String,
    /// `active` or `suspended`.
    #[serde(default)]
    pub status: AccountState,
    /// The auditor may not assume the audit role here.
    #[serde(default)]
    pub assume_denied: bool,
    /// IAM actions the audit role is denied here (`cloudtrail:GetEventSelectors`).
    #[serde(default)]
    pub deny_actions: Vec<String>,
}

/// Restrictions on the management account.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManagementSpec {
    /// IAM actions the auditor is denied in the management account.
    #[serde(default)]
    pub deny_actions: Vec<String>,
    /// Trusted access for CloudTrail in AWS Organizations (default on, as
    /// creating an organization trail requires; `false` shows the drift
    /// where organization trails stop reaching members).
    #[serde(default = "yes")]
    pub cloudtrail_trusted_access: bool,
}

/// Account status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountState {
    /// Active.
    #[default]
    Active,
    /// Closed (suspended).
    Suspended,
}

/// A KMS key.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KmsKeySpec {
    /// Reference used by trails and buckets.
    #[serde(rename = "ref")]
    pub reference: String,
    /// Owning account key.
    pub account: String,
    /// Region.
    pub region: String,
    /// `enabled`, `disabled` or `pending_deletion`.
    #[serde(default)]
    pub state: KeyState,
    /// Automatic rotation.
    #[serde(default)]
    pub rotation: bool,
    /// `cloudtrail` (lets CloudTrail encrypt with it) or `default` (account root only).
    #[serde(default)]
    pub policy: KeyPolicy,
}

/// KMS key state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyState {
    /// Enabled.
    #[default]
    Enabled,
    /// Disabled.
    Disabled,
    /// Scheduled for deletion.
    PendingDeletion,
}

/// KMS key policy template.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyPolicy {
    /// Root plus CloudTrail `GenerateDataKey*`/`DescribeKey`.
    #[default]
    Cloudtrail,
    /// Root only: CloudTrail cannot use the key.
    Default,
}

/// A bucket.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BucketSpec {
    /// Name (global).
    pub name: String,
    /// Owning account key.
    pub account: String,
    /// Region.
    #[serde(default = "us_east_1")]
    pub region: String,
    /// Policy template.
    #[serde(default)]
    pub policy: BucketPolicy,
    /// Versioning enabled.
    #[serde(default)]
    pub versioning: bool,
    /// `AES256` or `aws:kms` default encryption.
    #[serde(default)]
    pub encryption: Option<String>,
    /// KMS key reference for `aws:kms`.
    #[serde(default)]
    pub encryption_key: Option<String>,
    /// All four public access block settings on.
    #[serde(default = "yes")]
    pub public_access_block: bool,
    /// Access-logging target bucket name.
    #[serde(default)]
    pub access_logging: Option<String>,
    /// Object Lock default retention in days (COMPLIANCE mode).
    #[serde(default)]
    pub object_lock_days: Option<i32>,
    /// Lifecycle rules.
    #[serde(default)]
    pub lifecycle: Vec<LifecycleSpec>,
}

fn us_east_1() -> String {
    "us-east-1".into()
}

/// Bucket policy templates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BucketPolicy {
    /// The policy CloudTrail needs for every trail that writes here.
    #[default]
    Cloudtrail,
    /// The CloudTrail policy plus a Deny of `s3:PutObject` to CloudTrail: delivery is blocked.
    CloudtrailDenied,
    /// A policy that lets CloudTrail read the ACL but grants no `PutObject`.
    MissingPut,
    /// The CloudTrail policy plus public read.
    PublicRead,
    /// No policy at all.
    None,
}

/// A lifecycle rule.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LifecycleSpec {
    /// Rule id.
    pub id: String,
    /// Filter prefix (empty: every object).
    #[serde(default)]
    pub prefix: String,
    /// Enabled.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Expire current versions after days.
    #[serde(default)]
    pub expiration_days: Option<i32>,
    /// Expire noncurrent versions after days.
    #[serde(default)]
    pub noncurrent_days: Option<i32>,
    /// Transition after days.
    #[serde(default)]
    pub transition_days: Option<i32>,
    /// Transition storage class (`GLACIER`, `DEEP_ARCHIVE`, `STANDARD_IA`...).
    #[serde(default)]
    pub transition_class: Option<String>,
}

/// A CloudWatch Logs log group.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogGroupSpec {
    /// Name.
    pub name: String,
    /// Owning account key.
    pub account: String,
    /// Region.
    pub region: String,
    /// Retention (none: never expire).
    #[serde(default)]
    pub retention_days: Option<i32>,
}

/// A trail.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrailSpec {
    /// Name.
    pub name: String,
    /// Owning account key.
    pub account: String,
    /// Home region.
    #[serde(default = "us_east_1")]
    pub home_region: String,
    /// Multi-region.
    #[serde(default)]
    pub multi_region: bool,
    /// Organization trail (owner must be the management account).
    #[serde(default)]
    pub organization: bool,
    /// Include global service events.
    #[serde(default = "yes")]
    pub global_service_events: bool,
    /// Log file validation.
    #[serde(default)]
    pub log_file_validation: bool,
    /// Destination bucket name (declared in `buckets`).
    pub bucket: String,
    /// Key prefix.
    #[serde(default)]
    pub prefix: Option<String>,
    /// KMS key reference.
    #[serde(default)]
    pub kms_key: Option<String>,
    /// Log group name (declared in `log_groups`, same account and home region).
    #[serde(default)]
    pub log_group: Option<String>,
    /// Logging on.
    #[serde(default = "yes")]
    pub logging: bool,
    /// Basic event selectors (none and no advanced: all management events).
    #[serde(default)]
    pub event_selectors: Vec<BasicSelectorSpec>,
    /// Advanced event selectors.
    #[serde(default)]
    pub advanced_event_selectors: Vec<AdvancedSelectorSpec>,
    /// Insight types.
    #[serde(default)]
    pub insights: Vec<String>,
}

/// A basic event selector.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BasicSelectorSpec {
    /// `All`, `ReadOnly`, `WriteOnly`.
    #[serde(default = "all")]
    pub read_write: String,
    /// Include management events.
    #[serde(default = "yes")]
    pub management: bool,
    /// Excluded management event sources.
    #[serde(default)]
    pub exclude_sources: Vec<String>,
    /// Data resources.
    #[serde(default)]
    pub data: Vec<DataResourceSpec>,
}

fn all() -> String {
    "All".into()
}

/// A data resource of a basic selector.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataResourceSpec {
    /// `AWS::S3::Object`, `AWS::Lambda::Function`...
    #[serde(rename = "type")]
    pub resource_type: String,
    /// ARN prefixes.
    pub values: Vec<String>,
}

/// An advanced event selector.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdvancedSelectorSpec {
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Field conditions.
    pub fields: Vec<FieldSpec>,
}

/// A field condition.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    /// Field name.
    pub field: String,
    /// Equals.
    #[serde(default)]
    pub equals: Vec<String>,
    /// StartsWith.
    #[serde(default)]
    pub starts_with: Vec<String>,
    /// EndsWith.
    #[serde(default)]
    pub ends_with: Vec<String>,
    /// NotEquals.
    #[serde(default)]
    pub not_equals: Vec<String>,
    /// NotStartsWith.
    #[serde(default)]
    pub not_starts_with: Vec<String>,
    /// NotEndsWith.
    #[serde(default)]
    pub not_ends_with: Vec<String>,
}

/// A log or digest object.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectSpec {
    /// The trail whose destination receives it.
    pub trail: String,
    /// Account whose activity it records.
    pub account: String,
    /// Region whose activity it records.
    pub region: String,
    /// `log` or `digest`.
    #[serde(default)]
    pub kind: ObjectKind,
    /// Delivered this many hours before seeding.
    #[serde(default)]
    pub age_hours: Option<i64>,
    /// Or at this RFC 3339 time.
    #[serde(default)]
    pub time: Option<String>,
    /// Events recorded in it: `eventSource/eventName` (for example `iam.amazonaws.com/CreateUser`).
    #[serde(default)]
    pub events: Vec<String>,
}

/// Object kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    /// A log file.
    #[default]
    Log,
    /// A digest file.
    Digest,
}

/// A scenario that could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    /// The file.
    pub file: String,
    /// The field (`trails[2].bucket`), or `line L, column C` for syntax errors.
    pub field: String,
    /// What is wrong and what to do.
    pub problem: String,
}

impl std::fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}: {}", self.file, self.field, self.problem)
    }
}

impl std::error::Error for ScenarioError {}

impl Scenario {
    /// Reads, parses and validates a scenario file.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ScenarioError {
            file: file.clone(),
            field: "(file)".into(),
            problem: format!("cannot read it: {e}"),
        })?;
        Scenario::parse(&text, &file)
    }

    /// Parses and validates scenario text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
        let s: Scenario = toml::from_str(text).map_err(|e| {
            let (line, col) = e
                .span()
                .map(|sp| {
                    let before = &text[..sp.start.min(text.len())];
                    let line = before.matches('\n').count() + 1;
                    let col = before.len() - before.rfind('\n').map(|i| i + 1).unwrap_or(0) + 1;
                    (line, col)
                })
                .unwrap_or((0, 0));
            ScenarioError {
                file: file.to_string(),
                field: format!("line {line}, column {col}"),
                problem: e.message().to_string(),
            }
        })?;
        s.validate(file)?;
        Ok(s)
    }

    fn validate(&self, file: &str) -> Result<(), ScenarioError> {
        let err = |field: String, problem: String| ScenarioError {
            file: file.to_string(),
            field,
            problem,
        };
        let mut keys: BTreeSet<&str> = BTreeSet::from([MANAGEMENT]);
        let mut ou_paths: BTreeSet<String> = BTreeSet::from(["Root".to_string()]);
        for (i, ou) in self.ous.iter().enumerate() {
            if !ou_paths.contains(&ou.parent) {
                return Err(err(
                    format!("ous[{i}].parent"),
                    format!(
                        "parent `{}` is not `Root` or an OU declared above it",
                        ou.parent
                    ),
                ));
            }
            if !ou_paths.insert(ou.path()) {
                return Err(err(
                    format!("ous[{i}].name"),
                    format!("OU `{}` is declared twice", ou.path()),
                ));
            }
        }
        for (i, a) in self.accounts.iter().enumerate() {
            if !keys.insert(&a.key) {
                return Err(err(
                    format!("accounts[{i}].key"),
                    format!(
                        "account key `{}` is used twice (`management` is reserved)",
                        a.key
                    ),
                ));
            }
            if !ou_paths.contains(&a.ou) {
                return Err(err(
                    format!("accounts[{i}].ou"),
                    format!("OU `{}` is not declared in [[ous]]", a.ou),
                ));
            }
            for (j, act) in a.deny_actions.iter().enumerate() {
                if !act.contains(':') {
                    return Err(err(
                        format!("accounts[{i}].deny_actions[{j}]"),
                        format!("`{act}` is not an IAM action like `cloudtrail:GetEventSelectors`"),
                    ));
                }
            }
        }
        let account = |field: String, key: &str| {
            if keys.contains(key) {
                Ok(())
            } else {
                Err(err(
                    field,
                    format!("account `{key}` is not declared in [[accounts]] (or `management`)"),
                ))
            }
        };
        let region = |field: String, r: &str| {
            if regions::is_known(r) {
                Ok(())
            } else {
                Err(err(field, format!("`{r}` is not a known AWS region")))
            }
        };
        let mut key_refs = BTreeSet::new();
        for (i, k) in self.kms_keys.iter().enumerate() {
            account(format!("kms_keys[{i}].account"), &k.account)?;
            region(format!("kms_keys[{i}].region"), &k.region)?;
            if !key_refs.insert(k.reference.as_str()) {
                return Err(err(
                    format!("kms_keys[{i}].ref"),
                    format!("key ref `{}` is used twice", k.reference),
                ));
            }
        }
        let mut bucket_names = BTreeSet::new();
        for (i, b) in self.buckets.iter().enumerate() {
            account(format!("buckets[{i}].account"), &b.account)?;
            region(format!("buckets[{i}].region"), &b.region)?;
            if b.name.len() < 3
                || b.name.len() > 63
                || b.name.chars().any(|c| {
                    !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
                })
            {
                return Err(err(format!("buckets[{i}].name"), format!("`{}` is not a valid S3 bucket name (3-63 lowercase letters, digits, `-`, `.`)", b.name)));
            }
            if !bucket_names.insert(b.name.as_str()) {
                return Err(err(
                    format!("buckets[{i}].name"),
                    format!("bucket `{}` is declared twice", b.name),
                ));
            }
            match (b.encryption.as_deref(), &b.encryption_key) {
                (None | Some("AES256"), None) => {}
                (Some("aws:kms"), Some(k)) if key_refs.contains(k.as_str()) => {}
                (Some("aws:kms"), Some(k)) => {
                    return Err(err(
                        format!("buckets[{i}].encryption_key"),
                        format!("key ref `{k}` is not declared in [[kms_keys]]"),
                    ))
                }
                (Some("aws:kms"), None) => {
                    return Err(err(
                        format!("buckets[{i}].encryption_key"),
                        "`aws:kms` encryption needs `encryption_key`".into(),
                    ))
                }
                (Some(other), _) => {
                    return Err(err(
                        format!("buckets[{i}].encryption"),
                        format!("`{other}` is not `AES256` or `aws:kms`"),
                    ))
                }
                (None, Some(_)) => {
                    return Err(err(
                        format!("buckets[{i}].encryption_key"),
                        "set `encryption = \"aws:kms\"` to use a key".into(),
                    ))
                }
            }
            for (j, r) in b.lifecycle.iter().enumerate() {
                if r.expiration_days.is_none()
                    && r.noncurrent_days.is_none()
                    && r.transition_days.is_none()
                {
                    return Err(err(
                        format!("buckets[{i}].lifecycle[{j}]"),
                        "a rule needs expiration_days, noncurrent_days or transition_days".into(),
                    ));
                }
                if r.transition_days.is_some() != r.transition_class.is_some() {
                    return Err(err(
                        format!("buckets[{i}].lifecycle[{j}]"),
                        "transition_days and transition_class go together".into(),
                    ));
                }
                for (name, v) in [
                    ("expiration_days", r.expiration_days),
                    ("noncurrent_days", r.noncurrent_days),
                    ("transition_days", r.transition_days),
                ] {
                    if v.is_some_and(|d| d < 1) {
                        return Err(err(
                            format!("buckets[{i}].lifecycle[{j}].{name}"),
                            "must be at least 1".into(),
                        ));
                    }
                }
            }
        }
        for (i, b) in self.buckets.iter().enumerate() {
            if let Some(t) = &b.access_logging {
                if !bucket_names.contains(t.as_str()) {
                    return Err(err(
                        format!("buckets[{i}].access_logging"),
                        format!("target bucket `{t}` is not declared in [[buckets]]"),
                    ));
                }
            }
        }
        let mut groups = BTreeSet::new();
        for (i, g) in self.log_groups.iter().enumerate() {
            account(format!("log_groups[{i}].account"), &g.account)?;
            region(format!("log_groups[{i}].region"), &g.region)?;
            groups.insert((g.name.as_str(), g.account.as_str(), g.region.as_str()));
        }
        let mut trails = BTreeSet::new();
        for (i, t) in self.trails.iter().enumerate() {
            account(format!("trails[{i}].account"), &t.account)?;
            region(format!("trails[{i}].home_region"), &t.home_region)?;
            if t.name.len() < 3 {
                return Err(err(
                    format!("trails[{i}].name"),
                    "a trail name needs at least 3 characters".into(),
                ));
            }
            if !trails.insert((t.account.as_str(), t.name.as_str())) {
                return Err(err(
                    format!("trails[{i}].name"),
                    format!(
                        "trail `{}` is declared twice in account `{}`",
                        t.name, t.account
                    ),
                ));
            }
            if !bucket_names.contains(t.bucket.as_str()) {
                return Err(err(
                    format!("trails[{i}].bucket"),
                    format!("bucket `{}` is not declared in [[buckets]]", t.bucket),
                ));
            }
            if t.organization && t.account != MANAGEMENT {
                return Err(err(
                    format!("trails[{i}].organization"),
                    "an organization trail must belong to `management`".into(),
                ));
            }
            if let Some(k) = &t.kms_key {
                if !key_refs.contains(k.as_str()) {
                    return Err(err(
                        format!("trails[{i}].kms_key"),
                        format!("key ref `{k}` is not declared in [[kms_keys]]"),
                    ));
                }
            }
            if let Some(g) = &t.log_group {
                if !groups.contains(&(g.as_str(), t.account.as_str(), t.home_region.as_str())) {
                    return Err(err(format!("trails[{i}].log_group"), format!("log group `{g}` is not declared in [[log_groups]] for this trail's account and home region")));
                }
            }
            if !t.event_selectors.is_empty() && !t.advanced_event_selectors.is_empty() {
                return Err(err(
                    format!("trails[{i}]"),
                    "a trail uses basic or advanced event selectors, never both".into(),
                ));
            }
            for (j, s) in t.event_selectors.iter().enumerate() {
                if !["All", "ReadOnly", "WriteOnly"].contains(&s.read_write.as_str()) {
                    return Err(err(
                        format!("trails[{i}].event_selectors[{j}].read_write"),
                        format!("`{}` is not All, ReadOnly or WriteOnly", s.read_write),
                    ));
                }
            }
            for (j, ins) in t.insights.iter().enumerate() {
                if !["ApiCallRateInsight", "ApiErrorRateInsight"].contains(&ins.as_str()) {
                    return Err(err(
                        format!("trails[{i}].insights[{j}]"),
                        format!("`{ins}` is not ApiCallRateInsight or ApiErrorRateInsight"),
                    ));
                }
            }
        }
        for (i, o) in self.objects.iter().enumerate() {
            account(format!("objects[{i}].account"), &o.account)?;
            region(format!("objects[{i}].region"), &o.region)?;
            if !self.trails.iter().any(|t| t.name == o.trail) {
                return Err(err(
                    format!("objects[{i}].trail"),
                    format!("trail `{}` is not declared in [[trails]]", o.trail),
                ));
            }
            match (&o.age_hours, &o.time) {
                (Some(_), None) => {}
                (None, Some(t)) => {
                    if chrono::DateTime::parse_from_rfc3339(t).is_err() {
                        return Err(err(
                            format!("objects[{i}].time"),
                            format!("`{t}` is not an RFC 3339 time like 2026-11-21T10:00:00Z"),
                        ));
                    }
                }
                _ => {
                    return Err(err(
                        format!("objects[{i}]"),
                        "give exactly one of age_hours or time".into(),
                    ))
                }
            }
        }
        Ok(())
    }

    /// A member account spec by key.
    pub fn account(&self, key: &str) -> Option<&AccountSpec> {
        self.accounts.iter().find(|a| a.key == key)
    }
}
