//! What a collection is asked to do ([`CollectOptions`]), how it reports
//! progress ([`Reporter`]), how it is stopped ([`Cancel`]) and what ends it
//! ([`FatalError`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use trailaudit_model::regions::RegionSelection;
use trailaudit_model::{CollectionError, Mode};

/// What to collect.
#[derive(Debug, Clone)]
pub struct CollectOptions {
    /// Organization or single account.
    pub mode: Mode,
    /// `--regions`.
    pub regions: RegionSelection,
    /// Only these account ids (empty: all).
    pub accounts: Vec<String>,
    /// Never these account ids.
    pub exclude_accounts: Vec<String>,
    /// Only accounts under these OUs (id `ou-...`, name, or path `Root/Prod`).
    pub ous: Vec<String>,
    /// Role to assume in each account.
    pub role_name: String,
    /// External id for the role assumption.
    pub external_id: Option<String>,
    /// Role session name.
    pub session_name: String,
    /// Calls in flight at once, across accounts and regions.
    pub concurrency: usize,
    /// Calls per second per account-region (CloudTrail allows about 10).
    pub rate_per_account_region: u32,
    /// Look for the newest log and digest objects per account-region.
    pub probe_delivery: bool,
    /// The command line, recorded in the snapshot.
    pub arguments: Vec<String>,
    /// The named profile in use, if any (named in credential errors).
    pub profile: Option<String>,
}

impl Default for CollectOptions {
    fn default() -> Self {
        CollectOptions {
            mode: Mode::Organization,
            regions: RegionSelection::All,
            accounts: vec![],
            exclude_accounts: vec![],
            ous: vec![],
            role_name: "OrganizationAccountAccessRole".into(),
            external_id: None,
            session_name: "trailaudit".into(),
            concurrency: 32,
            rate_per_account_region: 10,
            probe_delivery: false,
            arguments: vec![],
            profile: None,
        }
    }
}

/// Progress callbacks; the CLI draws bars with them, libraries stay silent.
pub trait Reporter: Send + Sync {
    /// A phase starts with `total` units (`accounts`, `regions`, `resources`,
    /// `probes`, `footprints`, `digests`, `history`).
    fn phase(&self, _name: &str, _total: usize) {}
    /// One unit of the current phase is done.
    fn step(&self, _name: &str) {}
    /// `n` more units in a phase whose total grows as work is found (the
    /// accounts of an organization still being walked).
    fn grow(&self, _name: &str, _n: usize) {}
    /// A call failed (recorded in the snapshot).
    fn error(&self, _error: &CollectionError) {}
}

/// A reporter that reports nothing.
pub struct Silent;
impl Reporter for Silent {}

/// Why collection could not run at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FatalError {
    /// The starting credentials do not work.
    #[error("the starting AWS credentials cannot be used: {0}")]
    Credentials(String),
    /// Organization mode, but the organization cannot be read.
    #[error("cannot read the AWS Organization: {0}")]
    Organization(String),
    /// `--accounts`, `--exclude-accounts` or `--ou` name something the
    /// organization does not have.
    #[error("{0}")]
    Scope(String),
}

/// Set to stop a run early: units not yet started are recorded as not
/// collected and the snapshot is marked incomplete.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// Requests the stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    /// Whether a stop was requested.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}
