//! Month over month: what changed between two evaluated snapshots.

use serde::{Deserialize, Serialize};
use trailaudit_checks::{Evaluation, EventClass, Finding, Status};
use trailaudit_model::Snapshot;

use crate::class_summary;

/// Coverage change of one class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassChange {
    /// Class.
    pub class: String,
    /// Covered % before.
    pub before_pct: f64,
    /// Covered % now.
    pub after_pct: f64,
}

/// A finding reduced to what identifies it across runs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    let keys = |list: &[&Finding]| {
        list.iter()
            .map(|f| f.key())
            .collect::<std::collections::HashSet<_>>()
    };
    let (before_keys, after_keys) = (keys(&before), keys(&after));
    let mut new: Vec<FindingRef> = after
        .iter()
        .filter(|f| !before_keys.contains(&f.key()))
        .map(|f| r(f))
        .collect();
    let mut resolved: Vec<FindingRef> = before
        .iter()
        .filter(|f| !after_keys.contains(&f.key()))
        .map(|f| r(f))
        .collect();
    let mut persisting: Vec<FindingRef> = after
        .iter()
        .filter(|f| before_keys.contains(&f.key()))
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
        accounts_added: {
            let before: std::collections::HashSet<&String> = pa.iter().collect();
            ca.iter().filter(|a| !before.contains(a)).cloned().collect()
        },
        accounts_removed: {
            let after: std::collections::HashSet<&String> = ca.iter().collect();
            pa.iter().filter(|a| !after.contains(a)).cloned().collect()
        },
    }
}
