//! Reports: pure renderings of a snapshot and its evaluation (and, month over
//! month, of the previous run) into the files a governance team hands on:
//! `findings.csv`, `coverage.csv`, `report.json`, `report.md`, `report.html`,
//! `findings.ocsf.json`. No file I/O: each report in [`REPORTS`] writes to
//! any `io::Write` as a stream (the CLI gives it a temporary file and renames
//! it into place); [`render_all`] collects them in memory for tests.

pub mod diff;
pub mod format;
pub mod history;
mod html;
pub mod inputs;
mod markdown;
mod ocsf;
pub mod summary;

use std::io::{self, Write};

use trailaudit_checks::{Evaluation, Severity};
use trailaudit_model::Snapshot;

pub use diff::{Changes, ClassChange};
pub use inputs::Inputs;
pub use summary::*;

/// Version of `report.json`'s format.
pub const REPORT_SCHEMA: &str = format::SCHEMA;

/// Writes one report to a stream.
pub type Writer = fn(&Inputs, &mut dyn Write) -> io::Result<()>;

/// Every report file: (file name, how to write it).
pub const REPORTS: &[(&str, Writer)] = &[
    ("findings.csv", |i, w| write_findings_csv(i.evaluation, w)),
    ("coverage.csv", |i, w| {
        write_coverage_csv(i.snapshot, i.evaluation, w)
    }),
    ("resources.csv", |i, w| write_resources_csv(i.evaluation, w)),
    ("report.json", format::write),
    ("report.md", markdown::write),
    ("report.html", |i, w| {
        w.write_all(html::render(i).as_bytes())
    }),
    ("findings.ocsf.json", |i, w| {
        ocsf::write(i.snapshot, i.evaluation, w)
    }),
];

/// Every report file: (file name, contents), in memory (for tests and
/// small runs; the CLI streams [`REPORTS`] to files instead).
pub fn render_all(i: &Inputs) -> Vec<(&'static str, Vec<u8>)> {
    REPORTS
        .iter()
        .map(|(name, write)| {
            let mut buf = Vec::new();
            write(i, &mut buf).expect("writing to memory");
            (*name, buf)
        })
        .collect()
}

/// `findings.csv`, as a stream.
pub fn write_findings_csv(e: &Evaluation, w: &mut dyn Write) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(w);
    w.write_record([
        "account_id",
        "account_name",
        "ou_path",
        "region",
        "check_id",
        "severity",
        "status",
        "resource",
        "message",
        "remediation",
        "compliance",
        "changed_by",
        "changed_at",
        "since",
        "change",
    ])?;
    for f in &e.findings {
        let a = f.attribution.as_ref();
        w.write_record([
            f.account_id.as_str(),
            &f.account_name,
            &f.ou_path,
            &f.region,
            &f.check_id,
            f.severity.as_str(),
            f.status.as_str(),
            &f.resource,
            &f.message,
            f.remediation(),
            &f.compliance().join(";"),
            &a.map(|a| a.changed_by()).unwrap_or_default(),
            &a.map(|a| a.changed_at()).unwrap_or_default(),
            &a.and_then(|a| a.since(e.as_of)).unwrap_or_default(),
            &a.map(|a| a.describe()).unwrap_or_default(),
        ])?;
    }
    w.flush()
}

/// `coverage.csv`, as a stream: one row per cell, written as it is read
/// from the packed matrix.
pub fn write_coverage_csv(s: &Snapshot, e: &Evaluation, w: &mut dyn Write) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(w);
    w.write_record([
        "account_id",
        "account_name",
        "ou_path",
        "region",
        "event_class",
        "state",
        "trails",
        "reason",
    ])?;
    // Source names once per distinct source list.
    let names: Vec<String> = e
        .coverage
        .source_sets()
        .iter()
        .map(|set| {
            set.iter()
                .map(|arn| {
                    s.trail(arn)
                        .map(|t| t.name.as_str())
                        .unwrap_or(arn.as_str())
                })
                .collect::<Vec<_>>()
                .join(";")
        })
        .collect();
    for (k, id) in e.coverage.accounts().iter().enumerate() {
        let (name, ou) = s
            .account(id)
            .map(|a| (a.name.as_str(), a.ou_path.as_str()))
            .unwrap_or(("", ""));
        for c in e.coverage.of_account_at(k) {
            w.write_record([
                c.account_id,
                name,
                ou,
                c.region,
                c.class.as_str(),
                c.state.as_str(),
                &names[c.sources_id],
                c.reason,
            ])?;
        }
    }
    w.flush()
}

/// `resources.csv`: one row per required resource and region (the
/// policy's `[data_events] resources`), with the sources that record its
/// data events; only the header when the policy names none.
pub fn write_resources_csv(e: &Evaluation, w: &mut dyn Write) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(w);
    w.write_record([
        "account_id",
        "region",
        "resource",
        "resource_type",
        "access",
        "state",
        "sources",
        "reason",
    ])?;
    for r in &e.resources {
        w.write_record([
            r.account_id.as_str(),
            &r.region,
            &r.resource,
            &r.resource_type,
            r.access.as_str(),
            r.state.as_str(),
            &r.sources.join(";"),
            &r.reason,
        ])?;
    }
    w.flush()
}

/// The short table printed at the end of a run.
pub fn terminal_summary(s: &Snapshot, e: &Evaluation, changes: Option<&Changes>) -> String {
    let sum = summary(s, e);
    let mut out = String::new();
    out.push_str(&format!(
        "{} accounts ({} not audited), {} account-regions, {} trails{}\n\n",
        sum.accounts,
        sum.accounts_not_audited,
        sum.account_regions,
        sum.trails,
        if s.complete {
            ""
        } else {
            " — INCOMPLETE (interrupted)"
        }
    ));
    let wide = sum
        .coverage
        .iter()
        .map(|c| c.class.len())
        .max()
        .unwrap_or(0)
        .max(18);
    out.push_str(&format!(
        "{:<wide$} {:>9} {:>8} {:>6} {:>8} {:>12}\n",
        "event class", "covered", "partial", "gap", "unknown", "not enabled"
    ));
    for c in &sum.coverage {
        out.push_str(&format!(
            "{:<wide$} {:>8.1}% {:>8} {:>6} {:>8} {:>12}\n",
            c.class, c.covered_pct, c.partial, c.gap, c.unknown, c.not_enabled
        ));
    }
    if let Some(v) = &sum.verification {
        out.push_str(&format!("\n{}\n", v.line()));
    }
    if let Some(i) = &sum.integrity {
        out.push_str(&format!("\n{}\n", i.line()));
    }
    if let Some(h) = &sum.history {
        out.push_str(&format!("\n{}\n", h.line()));
        let changes = history::timeline(e, None);
        for c in changes.iter().rev().take(5) {
            out.push_str(&format!("  {}\n", c.line()));
        }
        if changes.len() > 5 {
            out.push_str(&format!(
                "  ...and {} earlier change(s): see report.md\n",
                changes.len() - 5
            ));
        }
    }
    out.push_str("\nfindings (fail + unknown): ");
    let parts: Vec<String> = Severity::DESCENDING
        .iter()
        .map(|sev| {
            format!(
                "{} {}",
                sum.findings_by_severity
                    .get(sev.as_str())
                    .copied()
                    .unwrap_or(0),
                sev.as_str()
            )
        })
        .collect();
    out.push_str(&parts.join(", "));
    out.push_str(&format!(
        "\nunknown cells: {}; failed calls during collection: {}\n",
        sum.unknown_cells, sum.collection_errors
    ));
    if let Some(c) = changes {
        out.push_str(&format!(
            "since {}: {} new, {} resolved, {} persisting findings; {} accounts added, {} removed\n",
            c.previous_collected_at,
            c.new_findings.len(),
            c.resolved_findings.len(),
            c.persisting_findings.len(),
            c.accounts_added.len(),
            c.accounts_removed.len()
        ));
        if let Some(l) = c.lost_verification_line(5) {
            out.push_str(&format!("{l}\n"));
        }
    }
    out
}
