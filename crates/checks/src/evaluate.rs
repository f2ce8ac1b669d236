//! [`evaluate`]: the coverage matrix, the per-resource answers and every
//! check for one snapshot and audit policy.

use chrono::{DateTime, Utc};
use trailaudit_model::Snapshot;

use crate::audit_policy::AuditPolicy;
use crate::check::Ctx;
use crate::checks;
use crate::coverage::{self, Coverage};
use crate::finding::{Finding, Severity, Status};
use crate::footprints;
use crate::history;
use crate::requirements::{self, Requirements, ResourceCell};

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
pub fn evaluate(snapshot: &Snapshot, policy: &AuditPolicy) -> Evaluation {
    let requirements = Requirements::resolve(policy, snapshot);
    let mut coverage = coverage::matrix_with(snapshot, &requirements.classes());
    if let Some(v) = &snapshot.verification {
        coverage.apply_verification(v);
    }
    let resources = requirements::resource_matrix(snapshot, &requirements);
    let footprint_misses = footprints::diagnose_all(snapshot);
    let ctx = Ctx {
        snapshot,
        policy,
        requirements: &requirements,
        coverage: &coverage,
        resources: &resources,
        footprint_misses: &footprint_misses,
        now: snapshot.finished_at,
    };
    let mut findings = checks::run_all(&ctx);
    history::attribute(&mut findings, snapshot);
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
