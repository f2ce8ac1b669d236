//! Who changed coverage, for the reports: the event-history lookups
//! counted ([`HistorySummary`]) and the changes behind the open findings
//! as a timeline ([`timeline`]), each change once with the findings and
//! account-regions it explains.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use trailaudit_checks::{Evaluation, Status};
use trailaudit_model::{Attribution, HistoryAnswer, Snapshot};

/// The event-history lookups of a run, counted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HistorySummary {
    /// Queries planned (account-region x event name).
    pub queries: usize,
    /// Of them, unreadable (denied, throttled out, role not assumable).
    pub unreadable_queries: usize,
    /// `LookupEvents` requests sent (pages and retries).
    pub lookups: u32,
    /// Requests throttled and retried.
    pub throttled: u32,
    /// Seconds the lookups took.
    pub seconds: f64,
    /// Open findings whose change was found.
    pub findings_attributed: usize,
    /// Open findings whose change is older than the history.
    pub findings_older_than_history: usize,
    /// Open findings whose change could not be looked for (unknown).
    pub findings_unknown: usize,
}

impl HistorySummary {
    /// One line: "event history: 3 findings attributed, 1 older than the
    /// 90 days, 0 unknown (4 queries, 5 lookups, 1 throttled, 2.1 s)".
    pub fn line(&self) -> String {
        format!(
            "event history: {} finding(s) attributed to a change, {} older than the {} days of history, {} unknown ({} queries, {} unreadable; {} LookupEvents calls, {} throttled and retried, {:.1} s)",
            self.findings_attributed,
            self.findings_older_than_history,
            trailaudit_model::HISTORY_DAYS,
            self.findings_unknown,
            self.queries,
            self.unreadable_queries,
            self.lookups,
            self.throttled,
            self.seconds
        )
    }
}

/// The lookups of the snapshot, counted with the evaluation's findings.
pub fn history_summary(s: &Snapshot, e: &Evaluation) -> Option<HistorySummary> {
    let h = s.history.as_ref()?;
    let mut out = HistorySummary {
        queries: h.queries.len(),
        unreadable_queries: h
            .queries
            .iter()
            .filter(|q| matches!(q.answer, HistoryAnswer::Unreadable { .. }))
            .count(),
        lookups: h.lookups,
        throttled: h.throttled,
        seconds: h.seconds,
        ..Default::default()
    };
    for f in e.findings.iter().filter(|f| f.status == Status::Fail) {
        match &f.attribution {
            Some(Attribution::Changed { .. }) => out.findings_attributed += 1,
            Some(Attribution::NotInHistory { .. }) => out.findings_older_than_history += 1,
            Some(_) => out.findings_unknown += 1,
            None => {}
        }
    }
    Some(out)
}

/// One change behind open findings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    /// When (RFC 3339).
    pub time: String,
    /// The event name.
    pub event_name: String,
    /// Who, short (`role/NAME (session S)`).
    pub actor: String,
    /// The principal's ARN.
    pub principal_arn: String,
    /// The account the change is recorded in.
    pub account_id: String,
    /// Its region.
    pub region: String,
    /// The resource changed.
    pub resource: String,
    /// The part of the request that mattered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Source IP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_ip: Option<String>,
    /// CloudTrail's event id.
    pub event_id: String,
    /// The checks of the findings it explains.
    pub checks: Vec<String>,
    /// Open findings it explains.
    pub findings: usize,
    /// Distinct account-regions of those findings (coverage lost).
    pub account_regions: usize,
}

impl TimelineEntry {
    /// One line for the reports.
    pub fn line(&self) -> String {
        format!(
            "{} {}{} on {} by {} ({}){}: {} finding(s) ({}){}",
            self.time,
            self.event_name,
            self.detail
                .as_ref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default(),
            self.resource,
            self.actor,
            self.principal_arn,
            self.source_ip
                .as_ref()
                .map(|ip| format!(" from {ip}"))
                .unwrap_or_default(),
            self.findings,
            self.checks.join(", "),
            self.cells()
        )
    }

    /// " in N account-region(s)", or nothing for account-wide findings.
    pub fn cells(&self) -> String {
        match self.account_regions {
            0 => String::new(),
            n => format!(" in {n} account-region(s)"),
        }
    }
}

/// The changes behind the open findings, oldest first, each once; only
/// those at or after `since` when given (this month's).
pub fn timeline(e: &Evaluation, since: Option<DateTime<Utc>>) -> Vec<TimelineEntry> {
    type Acc<'a> = (
        &'a trailaudit_model::Change,
        BTreeSet<String>,
        usize,
        BTreeSet<(String, String)>,
    );
    let mut by_event: BTreeMap<(DateTime<Utc>, String, String), Acc> = BTreeMap::new();
    for f in e.findings.iter().filter(|f| f.status == Status::Fail) {
        let Some(c) = f.attribution.as_ref().and_then(Attribution::change) else {
            continue;
        };
        if since.is_some_and(|t| c.event_time < t) {
            continue;
        }
        let entry = by_event
            .entry((c.event_time, c.event_id.clone(), c.resource.clone()))
            .or_insert_with(|| (c, BTreeSet::new(), 0, BTreeSet::new()));
        entry.1.insert(f.check_id.clone());
        entry.2 += 1;
        if !f.region.is_empty() {
            entry.3.insert((f.account_id.clone(), f.region.clone()));
        }
    }
    by_event
        .into_values()
        .map(|(c, checks, findings, cells)| TimelineEntry {
            time: trailaudit_model::utc(c.event_time),
            event_name: c.event_name.clone(),
            actor: c.actor(),
            principal_arn: c.principal_arn.clone(),
            account_id: c.account_id.clone(),
            region: c.region.clone(),
            resource: c.resource.clone(),
            detail: c.detail.clone(),
            source_ip: c.source_ip.clone(),
            event_id: c.event_id.clone(),
            checks: checks.into_iter().collect(),
            findings,
            account_regions: cells.len(),
        })
        .collect()
}
