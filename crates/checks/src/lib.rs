//! Coverage matrix and check catalogue: pure functions of a [`Snapshot`] and a
//! [`Policy`]. No I/O, no AWS calls; the same snapshot always gives the same
//! result ("now" is the snapshot's `finished_at`).
//!
//! - [`coverage::matrix`]: for every account x region x event class, one
//!   [`coverage::State`] and the trails that provide it.
//! - [`checks::CATALOGUE`]: every check, one file each under `checks/`, with
//!   its metadata; [`compliance`] maps check ids to frameworks, apart from
//!   the checks.
//! - [`evaluate`]: both, plus severity overrides and suppressions.

pub mod analysis;
pub mod checks;
pub mod compliance;
pub mod coverage;
pub mod events;
pub mod footprints;
pub mod iam;
pub mod policy;
pub mod rcp;
pub mod requirements;
pub mod selectors;
pub mod sources;

#[cfg(test)]
pub(crate) mod fixture;
#[cfg(test)]
mod published_policies;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use trailaudit_model::Snapshot;

pub use coverage::{Cell, Coverage, EventClass, State};
pub use policy::Policy;
pub use requirements::{Requirements, ResourceCell};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Informational: worth knowing, nothing to fix.
    Info,
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

impl Severity {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Parses a lower-case name.
    pub fn parse(s: &str) -> Option<Severity> {
        [
            Severity::Info,
            Severity::Low,
            Severity::Medium,
            Severity::High,
            Severity::Critical,
        ]
        .into_iter()
        .find(|v| v.as_str() == s.to_ascii_lowercase())
    }

    /// Every severity, highest first.
    pub const DESCENDING: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];
}

/// What a finding says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The check failed.
    Fail,
    /// The check could not tell (permission gap, failed call): never a pass.
    Unknown,
    /// Informational note.
    Info,
    /// Accepted by a suppression in the policy.
    Suppressed,
}

impl Status {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Fail => "fail",
            Status::Unknown => "unknown",
            Status::Info => "info",
            Status::Suppressed => "suppressed",
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable check id (its title, fix and compliance controls are the
    /// check's: [`Finding::title`], [`Finding::remediation`],
    /// [`Finding::compliance`]; not repeated in every finding).
    pub check_id: String,
    /// Severity (after overrides).
    pub severity: Severity,
    /// Fail, unknown, info or suppressed.
    pub status: Status,
    /// Account the finding is reported against (a trail's or bucket's owner).
    pub account_id: String,
    /// Account name.
    pub account_name: String,
    /// OU path.
    pub ou_path: String,
    /// Region, empty for account-wide or global findings.
    pub region: String,
    /// Resource (trail ARN, bucket, key ARN, account).
    pub resource: String,
    /// What was found, with the evidence.
    pub message: String,
}

impl Finding {
    /// The check's title.
    pub fn title(&self) -> &'static str {
        checks::find(&self.check_id).map_or("", |c| c.meta.title)
    }

    /// How to fix it (the check's commands).
    pub fn remediation(&self) -> &'static str {
        checks::find(&self.check_id).map_or("", |c| c.meta.fix)
    }

    /// Framework controls that cite the check.
    pub fn compliance(&self) -> &'static [&'static str] {
        compliance::controls(&self.check_id)
    }

    /// Sort and identity key: the same problem in two runs has the same key.
    pub fn key(&self) -> (String, String, String, String) {
        (
            self.check_id.clone(),
            self.account_id.clone(),
            self.region.clone(),
            self.resource.clone(),
        )
    }
}

/// Everything the checks concluded from a snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// The coverage matrix (the base classes and every class the policy
    /// requires somewhere).
    pub coverage: Coverage,
    /// The answers for every resource the policy names.
    pub resources: Vec<ResourceCell>,
    /// The policy resolved per account.
    pub requirements: Requirements,
    /// Findings, most severe first.
    pub findings: Vec<Finding>,
    /// The time the checks took as "now" (the snapshot's end).
    pub as_of: DateTime<Utc>,
    /// What each missing footprint of the snapshot's verification means
    /// (aligned with its cells; empty without one).
    pub footprint_misses: Vec<Option<footprints::Miss>>,
}

impl Evaluation {
    /// Findings that count against `--fail-on` (fail or unknown, at or above it).
    pub fn failing_at(&self, threshold: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| {
                matches!(f.status, Status::Fail | Status::Unknown) && f.severity >= threshold
            })
            .count()
    }
}

/// Runs the coverage matrix and every check.
pub fn evaluate(snapshot: &Snapshot, policy: &Policy) -> Evaluation {
    let requirements = Requirements::resolve(policy, snapshot);
    let mut coverage = coverage::matrix_with(snapshot, &requirements.classes());
    if let Some(v) = &snapshot.verification {
        coverage.apply_verification(v);
    }
    let resources = requirements::resource_matrix(snapshot, &requirements);
    let footprint_misses = footprints::diagnose_all(snapshot);
    let ctx = checks::Ctx {
        snapshot,
        policy,
        requirements: &requirements,
        coverage: &coverage,
        resources: &resources,
        footprint_misses: &footprint_misses,
        now: snapshot.finished_at,
    };
    let mut findings = checks::run_all(&ctx);
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.status.cmp(&b.status))
            .then_with(|| a.key().cmp(&b.key()))
    });
    Evaluation {
        coverage,
        resources,
        requirements,
        findings,
        as_of: snapshot.finished_at,
        footprint_misses,
    }
}
