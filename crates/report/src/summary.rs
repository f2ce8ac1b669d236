//! The figures every report shows: coverage per event class, findings by
//! severity, the verification of footprints, and the failures grouped.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use trailaudit_checks::{Coverage, Evaluation, EventClass, Severity, State, Status};
use trailaudit_model::Snapshot;

/// Coverage counts for one event class.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClassSummary {
    /// Event class.
    pub class: String,
    /// Cells covered.
    pub covered: usize,
    /// Cells partial.
    pub partial: usize,
    /// Cells with a gap.
    pub gap: usize,
    /// Cells unknown.
    pub unknown: usize,
    /// Cells in regions not enabled.
    pub not_enabled: usize,
    /// Of the covered cells, those proven by a delivered footprint
    /// (management read events, with `--verify-previous`).
    #[serde(default)]
    pub verified: usize,
    /// covered / (all cells but not_enabled), in percent.
    pub covered_pct: f64,
}

/// The headline numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Organization id, or empty.
    pub organization_id: String,
    /// Accounts in scope.
    pub accounts: usize,
    /// Accounts that could not be audited (role, suspended, skipped).
    pub accounts_not_audited: usize,
    /// Account-regions looked at.
    pub account_regions: usize,
    /// Trails seen.
    pub trails: usize,
    /// Coverage per class.
    pub coverage: Vec<ClassSummary>,
    /// Unknown cells (all classes).
    pub unknown_cells: usize,
    /// Fail + unknown findings by severity (`critical`... `info`).
    pub findings_by_severity: BTreeMap<String, usize>,
    /// Findings by status.
    pub findings_by_status: BTreeMap<String, usize>,
    /// Failed calls during collection.
    pub collection_errors: usize,
    /// Whether the snapshot is complete.
    pub complete: bool,
    /// Collection window.
    pub collected_from: String,
    /// Collection window end.
    pub collected_to: String,
    /// The earlier run's footprints looked for (`--verify-previous`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<VerificationSummary>,
    /// The archive's integrity check (`audit verify --integrity`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integrity: Option<IntegritySummary>,
    /// Who changed coverage: the event-history lookups, counted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<crate::history::HistorySummary>,
}

/// What `audit verify --integrity` found, counted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntegritySummary {
    /// The window's start.
    pub from: String,
    /// The window's end.
    pub to: String,
    /// `digests` or `full`.
    pub depth: String,
    /// Account-regions per verdict (`intact`, `log_file_deleted`...).
    pub verdicts: BTreeMap<String, usize>,
    /// Digests read and verified.
    pub digests_read: u64,
    /// Log files checked.
    pub log_files_checked: u64,
}

impl IntegritySummary {
    /// One line: "integrity of 2026-11-01T00:00Z to ...: 7 intact, 1 log_file_deleted (168 digests, 1000 log files checked)".
    pub fn line(&self) -> String {
        format!(
            "integrity of {} to {} ({}): {} ({} digests verified, {} log files checked)",
            self.from,
            self.to,
            self.depth,
            self.verdicts
                .iter()
                .map(|(k, n)| format!("{n} {k}"))
                .collect::<Vec<_>>()
                .join(", "),
            self.digests_read,
            self.log_files_checked
        )
    }
}

/// Counts of the integrity check, when the snapshot has one.
pub fn integrity_summary(s: &Snapshot) -> Option<IntegritySummary> {
    let i = s.integrity.as_ref()?;
    let mut out = IntegritySummary {
        from: trailaudit_model::utc(i.from),
        to: trailaudit_model::utc(i.to),
        depth: match i.depth {
            trailaudit_model::IntegrityDepth::Digests => "digests".into(),
            trailaudit_model::IntegrityDepth::Full => "full".into(),
        },
        ..Default::default()
    };
    for c in &i.cells {
        *out.verdicts
            .entry(c.verdict.name().to_string())
            .or_default() += 1;
        out.digests_read += u64::from(c.digests_read);
        out.log_files_checked += u64::from(c.log_files_checked);
    }
    Some(out)
}

/// What `--verify-previous` found, counted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationSummary {
    /// When the verified run started.
    pub previous_run: String,
    /// Management read cells covered now.
    pub covered: usize,
    /// Of those, verified by a delivered footprint.
    pub verified: usize,
    /// Account-regions looked for.
    pub looked_for: usize,
    /// Footprints found.
    pub found: usize,
    /// Not delivered.
    pub not_delivered: usize,
    /// Not found in the files opened, the cap on files opened having
    /// stopped the search (unknown, not "not delivered").
    #[serde(default)]
    pub not_found_capped: usize,
    /// Delivered, then deleted by a lifecycle rule.
    pub expired: usize,
    /// The archive could not be read (permission gap).
    pub unreadable: usize,
    /// Other failures.
    pub failed: usize,
    /// Left out by `--sample`.
    pub not_sampled: usize,
    /// `ListObjectsV2` pages and `GetObject` calls it took.
    pub lists: u64,
    /// `GetObject` calls.
    pub gets: u64,
}

impl VerificationSummary {
    /// "N of M covered account-regions verified by delivered footprints ...".
    pub fn line(&self) -> String {
        let mut parts = vec![];
        for (n, what) in [
            (self.not_delivered, "not delivered"),
            (
                self.not_found_capped,
                "not found in the files opened (busy archive: the cap stopped the search)",
            ),
            (self.expired, "expired"),
            (self.unreadable, "unreadable (permission gap)"),
            (self.failed, "failed"),
            (self.not_sampled, "not sampled"),
        ] {
            if n > 0 {
                parts.push(format!("{n} {what}"));
            }
        }
        format!(
            "{} of {} covered account-regions verified by delivered footprints of the run of {}{}",
            self.verified,
            self.covered,
            self.previous_run,
            if parts.is_empty() {
                String::new()
            } else {
                format!(" ({})", parts.join(", "))
            }
        )
    }
}

/// Counts of the verification, when the snapshot has one.
pub fn verification_summary(s: &Snapshot, e: &Evaluation) -> Option<VerificationSummary> {
    use trailaudit_checks::footprints::Miss;
    use trailaudit_model::VerifyOutcome;
    let v = s.verification.as_ref()?;
    let mut out = VerificationSummary {
        previous_run: trailaudit_model::utc(v.previous_started_at),
        ..Default::default()
    };
    for c in e.coverage.of_class(EventClass::ManagementRead) {
        if c.state.is_covered() {
            out.covered += 1;
        }
        if c.state == State::Verified {
            out.verified += 1;
        }
    }
    for (i, c) in v.cells.iter().enumerate() {
        out.lists += u64::from(c.lists);
        out.gets += u64::from(c.gets);
        if !matches!(c.outcome, VerifyOutcome::NotSampled) {
            out.looked_for += 1;
        }
        match &c.outcome {
            VerifyOutcome::Verified { .. } => out.found += 1,
            VerifyOutcome::NotFound { .. } => match e.footprint_misses.get(i).cloned().flatten() {
                Some(Miss::Expired(_)) => out.expired += 1,
                _ if c.outcome.capped() => out.not_found_capped += 1,
                _ => out.not_delivered += 1,
            },
            VerifyOutcome::Unreadable { .. } => out.unreadable += 1,
            VerifyOutcome::Failed { .. } => out.failed += 1,
            VerifyOutcome::NotSampled => out.not_sampled += 1,
        }
    }
    Some(out)
}

/// Headline numbers of an evaluation.
pub fn summary(s: &Snapshot, e: &Evaluation) -> Summary {
    let coverage = e
        .coverage
        .classes()
        .iter()
        .map(|c| class_summary(&e.coverage, *c))
        .collect();
    let mut by_sev = BTreeMap::new();
    for sev in Severity::DESCENDING {
        by_sev.insert(sev.as_str().to_string(), 0);
    }
    let mut by_status = BTreeMap::new();
    for f in &e.findings {
        *by_status.entry(f.status.as_str().to_string()).or_insert(0) += 1;
        if matches!(f.status, Status::Fail | Status::Unknown) {
            *by_sev.entry(f.severity.as_str().to_string()).or_insert(0) += 1;
        }
    }
    Summary {
        organization_id: s.organization_id().unwrap_or_default().to_string(),
        accounts: s.accounts.len(),
        accounts_not_audited: s
            .accounts
            .iter()
            .filter(|a| {
                !matches!(
                    a.access,
                    trailaudit_model::Access::Caller | trailaudit_model::Access::Assumed { .. }
                )
            })
            .count(),
        account_regions: s.accounts.iter().map(|a| a.regions.len()).sum(),
        trails: s.trails.len(),
        coverage,
        unknown_cells: e
            .coverage
            .iter()
            .filter(|c| c.state == State::Unknown)
            .count(),
        findings_by_severity: by_sev,
        findings_by_status: by_status,
        collection_errors: s.errors.len(),
        complete: s.complete,
        collected_from: trailaudit_model::utc(s.started_at),
        collected_to: trailaudit_model::utc(s.finished_at),
        verification: verification_summary(s, e),
        integrity: integrity_summary(s),
        history: crate::history::history_summary(s, e),
    }
}

/// Coverage counts of one class.
pub fn class_summary(cells: &Coverage, class: EventClass) -> ClassSummary {
    let mut c = ClassSummary {
        class: class.as_str().to_string(),
        ..Default::default()
    };
    for cell in cells.of_class(class) {
        match cell.state {
            State::Covered => c.covered += 1,
            State::Verified => {
                c.covered += 1;
                c.verified += 1;
            }
            State::Partial => c.partial += 1,
            State::Gap => c.gap += 1,
            State::Unknown => c.unknown += 1,
            State::NotEnabled => c.not_enabled += 1,
        }
    }
    let denom = c.covered + c.partial + c.gap + c.unknown;
    c.covered_pct = if denom == 0 {
        0.0
    } else {
        (c.covered as f64 * 1000.0 / denom as f64).round() / 10.0
    };
    c
}

/// Identical failures across accounts, reported together: the same check,
/// the same call (or account access) and the same outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailureGroup<'a> {
    /// `permission_gap` or `collection_error`.
    pub check_id: &'a str,
    /// Unknown or info.
    pub status: Status,
    /// The failed call (`s3:GetBucketVersioning`), or `account access`.
    pub what: &'a str,
    /// The accounts (names, else ids), in report order.
    pub accounts: Vec<&'a str>,
    /// One of the findings, as the example.
    pub example: &'a trailaudit_checks::Finding,
}

/// The permission gaps and collection errors, grouped (largest group first).
pub fn failure_groups(e: &Evaluation) -> Vec<FailureGroup<'_>> {
    let mut groups: Vec<FailureGroup> = Vec::new();
    let mut at: std::collections::HashMap<(&str, Status, &str), usize> =
        std::collections::HashMap::new();
    for f in e
        .findings
        .iter()
        .filter(|f| f.check_id == "permission_gap" || f.check_id == "collection_error")
    {
        // A denied or failed call names its operation; an account that could
        // not be entered names itself.
        let what = if f.resource.contains(':') {
            f.resource.as_str()
        } else {
            "account access"
        };
        let who = if f.account_name.is_empty() {
            f.account_id.as_str()
        } else {
            f.account_name.as_str()
        };
        let key = (f.check_id.as_str(), f.status, what);
        match at.get(&key) {
            Some(&i) => {
                if !groups[i].accounts.contains(&who) {
                    groups[i].accounts.push(who);
                }
            }
            None => {
                at.insert(key, groups.len());
                groups.push(FailureGroup {
                    check_id: &f.check_id,
                    status: f.status,
                    what,
                    accounts: vec![who],
                    example: f,
                });
            }
        }
    }
    groups.sort_by_key(|g| std::cmp::Reverse(g.accounts.len()));
    groups
}

impl FailureGroup<'_> {
    /// One line: `s3:GetBucketVersioning failed in 7 accounts (a, b, ...):
    /// example message`.
    pub fn line(&self, list: usize) -> String {
        let n = self.accounts.len();
        let shown: Vec<&str> = self.accounts.iter().take(list).copied().collect();
        let more = if n > list {
            format!(", {} more", n - list)
        } else {
            String::new()
        };
        let verb = if self.what == "account access" {
            "could not be audited"
        } else if self.check_id == "permission_gap" {
            "was denied"
        } else {
            "failed"
        };
        let subject = if self.what == "account access" {
            format!("{n} account(s)")
        } else {
            format!("{} {verb} in {n} account(s)", self.what)
        };
        if self.what == "account access" {
            format!(
                "{subject} {verb} ({}{more}); for example: {}",
                shown.join(", "),
                self.example.message
            )
        } else {
            format!(
                "{subject} ({}{more}); for example: {}",
                shown.join(", "),
                self.example.message
            )
        }
    }
}
