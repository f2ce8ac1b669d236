//! Month over month: what changed between two evaluated snapshots.

use serde::{Deserialize, Serialize};
use trailaudit_checks::{Evaluation, EventClass, Finding, Severity, Status};
use trailaudit_model::Snapshot;

use crate::summary::class_summary;

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
    pub severity: Severity,
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
    /// Account-regions verified by delivered footprints in the previous
    /// run that are not verified now, with their state now (`covered`: not
    /// proven this time; `gap`, `unknown`...: coverage lost too).
    #[serde(default)]
    pub lost_verification: Vec<LostVerification>,
    /// What changed coverage since the previous run: the changes found in
    /// the event history behind the open findings, oldest first.
    #[serde(default)]
    pub timeline: Vec<crate::history::TimelineEntry>,
}

impl Changes {
    /// "N account-region(s) lost verification (...)", or `None`.
    pub fn lost_verification_line(&self, limit: usize) -> Option<String> {
        if self.lost_verification.is_empty() {
            return None;
        }
        let shown: Vec<String> = self
            .lost_verification
            .iter()
            .take(limit)
            .map(|l| format!("{} {} (now {})", l.account_id, l.region, l.state_now))
            .collect();
        let more = self.lost_verification.len().saturating_sub(limit);
        Some(format!(
            "{} account-region(s) verified by delivered footprints last time are not verified now: {}{}",
            self.lost_verification.len(),
            shown.join(", "),
            if more > 0 { format!(" and {more} more") } else { String::new() }
        ))
    }
}

/// An account-region that lost its proof of delivery.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LostVerification {
    /// Account.
    pub account_id: String,
    /// Region.
    pub region: String,
    /// Management read state now.
    pub state_now: String,
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
        severity: f.severity,
        message: f.message.clone(),
    }
}

/// What the comparison needs of the previous run, without its snapshot or
/// evaluation: taken as soon as the previous run is read, so at most one
/// full run is held in memory.
#[derive(Debug, Clone, PartialEq)]
pub struct Previous {
    collected_at: String,
    covered_pct: Vec<(EventClass, f64)>,
    open: Vec<FindingRef>,
    accounts: Vec<String>,
    verified: Vec<(String, String)>,
}

impl Previous {
    /// The digest of an evaluated run.
    pub fn of(prev: &Snapshot, prev_eval: &Evaluation) -> Previous {
        Previous {
            collected_at: trailaudit_model::utc(prev.finished_at),
            covered_pct: prev_eval
                .coverage
                .classes()
                .iter()
                .map(|c| (*c, class_summary(&prev_eval.coverage, *c).covered_pct))
                .collect(),
            open: open(prev_eval).into_iter().map(r).collect(),
            accounts: prev.accounts.iter().map(|a| a.id.clone()).collect(),
            verified: prev_eval
                .coverage
                .of_class(EventClass::ManagementRead)
                .filter(|c| c.state == trailaudit_checks::State::Verified)
                .map(|c| (c.account_id.to_string(), c.region.to_string()))
                .collect(),
        }
    }
}

impl Previous {
    /// Bounds the start of every open finding whose change could not be
    /// looked for (history unreadable or read in part) by this run, when
    /// the finding was already open in it: "since before" its time.
    pub fn bound_unknown_starts(&self, e: &mut Evaluation) {
        use std::collections::HashSet;
        let Ok(at) = self.collected_at.parse() else {
            return;
        };
        let before: HashSet<_> = self.open.iter().map(ref_key).collect();
        for f in e.findings.iter_mut() {
            let key = (
                f.check_id.as_str(),
                f.account_id.as_str(),
                f.region.as_str(),
                f.resource.as_str(),
            );
            if before.contains(&key) {
                if let Some(a) = f.attribution.as_mut() {
                    a.open_in_previous_run(at);
                }
            }
        }
    }
}

fn ref_key(f: &FindingRef) -> (&str, &str, &str, &str) {
    (&f.check_id, &f.account_id, &f.region, &f.resource)
}

fn finding_key(f: &Finding) -> (&str, &str, &str, &str) {
    (&f.check_id, &f.account_id, &f.region, &f.resource)
}

/// Compares the previous run with the current one. Findings are matched by
/// (check, account, region, resource); only open ones (fail, unknown) count.
pub fn compare(
    prev: &Snapshot,
    prev_eval: &Evaluation,
    cur: &Snapshot,
    cur_eval: &Evaluation,
) -> Changes {
    compare_with(&Previous::of(prev, prev_eval), cur, cur_eval)
}

/// [`compare`] against the digest of the previous run.
pub fn compare_with(prev: &Previous, cur: &Snapshot, cur_eval: &Evaluation) -> Changes {
    use std::collections::HashSet;
    let after = open(cur_eval);
    let before_keys: HashSet<_> = prev.open.iter().map(ref_key).collect();
    let after_keys: HashSet<_> = after.iter().map(|f| finding_key(f)).collect();
    let mut new: Vec<FindingRef> = after
        .iter()
        .filter(|f| !before_keys.contains(&finding_key(f)))
        .map(|f| r(f))
        .collect();
    let mut resolved: Vec<FindingRef> = prev
        .open
        .iter()
        .filter(|f| !after_keys.contains(&ref_key(f)))
        .cloned()
        .collect();
    let mut persisting: Vec<FindingRef> = after
        .iter()
        .filter(|f| before_keys.contains(&finding_key(f)))
        .map(|f| r(f))
        .collect();
    new.sort();
    resolved.sort();
    persisting.sort();
    let before: HashSet<&String> = prev.accounts.iter().collect();
    let now: HashSet<&String> = cur.accounts.iter().map(|a| &a.id).collect();
    Changes {
        previous_collected_at: prev.collected_at.clone(),
        // Classes both runs have (a class required only this month has no
        // figure to compare with).
        coverage: prev
            .covered_pct
            .iter()
            .filter(|(c, _)| cur_eval.coverage.classes().contains(c))
            .map(|(c, before_pct)| ClassChange {
                class: c.as_str().to_string(),
                before_pct: *before_pct,
                after_pct: class_summary(&cur_eval.coverage, *c).covered_pct,
            })
            .collect(),
        new_findings: new,
        resolved_findings: resolved,
        persisting_findings: persisting,
        accounts_added: cur
            .accounts
            .iter()
            .map(|a| &a.id)
            .filter(|a| !before.contains(a))
            .cloned()
            .collect(),
        accounts_removed: prev
            .accounts
            .iter()
            .filter(|a| !now.contains(a))
            .cloned()
            .collect(),
        lost_verification: prev
            .verified
            .iter()
            .filter_map(|(a, r)| {
                let state = cur_eval
                    .coverage
                    .get(a, r, EventClass::ManagementRead)
                    .map_or("not audited", |c| c.state.as_str());
                (state != "verified").then(|| LostVerification {
                    account_id: a.clone(),
                    region: r.clone(),
                    state_now: state.to_string(),
                })
            })
            .collect(),
        timeline: crate::history::timeline(cur_eval, prev.collected_at.parse().ok()),
    }
}
