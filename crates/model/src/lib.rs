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

mod arn;
mod fact;
mod history;
pub mod index;
mod integrity;
mod org;
mod probe;
pub mod regions;
mod resources;
mod trail;
mod tri;
mod verify;

pub use arn::*;
pub use fact::*;
pub use history::*;
pub use integrity::*;
pub use org::*;
pub use probe::*;
pub use resources::*;
pub use trail::*;
pub use tri::Tri;
pub use verify::*;

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
    /// What a check of the archive's digest files found (`audit verify
    /// --integrity`); `None` when none was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integrity: Option<Integrity>,
    /// What CloudTrail's event history said about the changes behind the
    /// findings; `None` when it was not looked up (`--no-history`, or an
    /// older snapshot).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<History>,
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

impl Snapshot {
    /// The collections the index is built over.
    fn tables(&self) -> index::Tables<'_> {
        index::Tables {
            accounts: &self.accounts,
            trails: &self.trails,
            buckets: &self.buckets,
            kms_keys: &self.kms_keys,
            log_groups: &self.log_groups,
            event_data_stores: &self.event_data_stores,
        }
    }

    /// The index of this snapshot (built once, see [`index`]).
    pub fn index(&self) -> std::sync::Arc<index::Index> {
        self.lookup.get(&self.tables())
    }

    fn by_key<'a, T>(
        &'a self,
        items: &'a [T],
        pos: impl Fn(&index::Index) -> Option<usize>,
        key: impl Fn(&T) -> &str,
        want: &str,
    ) -> Option<&'a T> {
        let ix = self.lookup.get(&self.tables());
        match pos(&ix).and_then(|i| items.get(i)) {
            Some(x) if key(x) == want => Some(x),
            // Edited in place since the index was built: build it again.
            Some(_) => pos(&self.lookup.rebuild(&self.tables()))
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
        let mut p = pos(&self.lookup.get(&self.tables()));
        if !passes(&p) {
            p = pos(&self.lookup.rebuild(&self.tables()));
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
