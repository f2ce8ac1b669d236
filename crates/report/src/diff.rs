//! Month over month: what changed between two evaluated snapshots.

use serde::Serialize;
use trailaudit_checks::{Evaluation, EventClass, Finding, Status};
use trailaudit_model::Snapshot;

use crate::class_summary;

/// Coverage change of one class.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassChange {
    /// Class.
    pub class: String,
    /// Covered % before.
    pub before_pct: f64,
    /// Covered % now.
    pub after_pct: f64,
}

/// A finding reduced to what identifies it across runs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct FindingRef {
    /// Check id.
    pub check_id: String,
    /// Account.
    pub account_id: String,
    /// Region.
    pub region: String,
    /// Resource.
    pub resource: String,
    /// Severity (current, or last seen for resolved ones).
    pub severity: String,
    /// Message.
    pub message: String,
}

/// What changed since the previous run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Changes {
    /// When the previous snapshot was collected.
    pub previous_collected_at: String,
    /// Coverage per class, before and after.
    pub coverage: Vec<ClassChange>,
    /// Findings present now, not before.
    pub new_findings: Vec<FindingRef>,
    /// Findings present before, not now.
    pub resolved_findings: Vec<FindingRef>,
    /// Findings in both.
    pub persisting_findings: Vec<FindingRef>,
    /// Accounts present now, not before.
    pub accounts_added: Vec<String>,
    /// Accounts present before, not now.
    pub accounts_removed: Vec<String>,
}

fn open(e: &Evaluation) -> Vec<&Finding> {
    e.findings
        .iter()
        .filter(|f| matches!(f.status, Status::Fail | Status::Unknown))
        .collect()
}

fn r(f: &Finding) -> FindingRef {
    FindingRef {
        check_id: f.check_id.clone(),
        account_id: f.account_id.clone(),
        region: f.region.clone(),
        resource: f.resource.clone(),
        severity: f.severity.as_str().to_string(),
        message: f.message.clone(),
    }
}

/// Compares the previous run with the current one. Findings are matched by
/// (check, account, region, resource); only open ones (fail, unknown) count.
pub fn compare(
    prev: &Snapshot,
    prev_eval: &Evaluation,
    cur: &Snapshot,
    cur_eval: &Evaluation,
) -> Changes {
    let before = open(prev_eval);
    let after = open(cur_eval);
    let has = |list: &[&Finding], f: &Finding| list.iter().any(|x| x.key() == f.key());
    let mut new: Vec<FindingRef> = after
        .iter()
        .filter(|f| !has(&before, f))
        .map(|f| r(f))
        .collect();
    let mut resolved: Vec<FindingRef> = before
        .iter()
        .filter(|f| !has(&after, f))
        .map(|f| r(f))
        .collect();
    let mut persisting: Vec<FindingRef> = after
        .iter()
        .filter(|f| has(&before, f))
        .map(|f| r(f))
        .collect();
    new.sort();
    resolved.sort();
    persisting.sort();
    let ids = |s: &Snapshot| s.accounts.iter().map(|a| a.id.clone()).collect::<Vec<_>>();
    let (pa, ca) = (ids(prev), ids(cur));
    Changes {
        previous_collected_at: prev.finished_at.to_rfc3339(),
        coverage: EventClass::ALL
            .iter()
            .map(|c| ClassChange {
                class: c.as_str().to_string(),
                before_pct: class_summary(&prev_eval.coverage, *c).covered_pct,
                after_pct: class_summary(&cur_eval.coverage, *c).covered_pct,
            })
            .collect(),
        new_findings: new,
        resolved_findings: resolved,
        persisting_findings: persisting,
        accounts_added: ca.iter().filter(|a| !pa.contains(a)).cloned().collect(),
        accounts_removed: pa.iter().filter(|a| !ca.contains(a)).cloned().collect(),
    }
}
