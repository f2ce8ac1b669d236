//! `report.md`: for wikis and tickets. Written as a stream; long lists
//! (findings, notes, changes) stop after [`LIST_LIMIT`] lines and say how
//! many more are in findings.csv.

use std::io::{self, Write};

use trailaudit_checks::{Severity, Status};

use crate::inputs::Inputs;
use crate::summary::summary;

/// At most this many lines in one list of the report.
pub const LIST_LIMIT: usize = 1000;

fn more(w: &mut dyn Write, total: usize, what: &str) -> io::Result<()> {
    if total > LIST_LIMIT {
        writeln!(
            w,
            "\n…and {} more {what}: see findings.csv.",
            total - LIST_LIMIT
        )?;
    }
    Ok(())
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// Writes the Markdown report.
pub fn write(i: &Inputs, w: &mut dyn Write) -> io::Result<()> {
    let e = i.evaluation;
    w.write_all(head(i).as_bytes())?;
    gaps(w, e)?;
    resources(w, e)?;
    findings(w, e)?;
    if let Some(c) = i.changes {
        changes(w, c)?;
    }
    Ok(())
}

/// The title, the coverage per class, proof of delivery and the findings
/// per severity and per check (short: built in memory).
fn head(i: &Inputs) -> String {
    let s = i.snapshot;
    let e = i.evaluation;
    let sum = summary(s, e);
    let mut o = String::new();
    let org = if sum.organization_id.is_empty() {
        format!("account {}", s.caller.account_id)
    } else {
        format!("organization {}", sum.organization_id)
    };
    o.push_str(&format!("# CloudTrail coverage report: {org}\n\n"));
    o.push_str(&format!(
        "Collected {} to {} by `{}`. {} accounts ({} not audited), {} account-regions, {} trails.{}\n\n",
        sum.collected_from, sum.collected_to, s.caller.arn, sum.accounts, sum.accounts_not_audited, sum.account_regions, sum.trails,
        if s.complete { "" } else { " **Incomplete: the run was interrupted; cells not collected are unknown.**" }
    ));
    o.push_str("## Coverage\n\n| event class | covered | partial | gap | unknown | not enabled |\n|---|---:|---:|---:|---:|---:|\n");
    for c in &sum.coverage {
        o.push_str(&format!(
            "| {} | {:.1}% ({}) | {} | {} | {} | {} |\n",
            c.class, c.covered_pct, c.covered, c.partial, c.gap, c.unknown, c.not_enabled
        ));
    }
    o.push_str(&format!(
        "\n{} cells are unknown: unknown is never counted as covered.\n\n",
        sum.unknown_cells
    ));
    if let Some(v) = &sum.verification {
        o.push_str(&format!(
            "**Proof of delivery:** {} ({} list and {} get calls).\n\n",
            v.line(),
            v.lists,
            v.gets
        ));
    }
    if let Some(i) = &sum.integrity {
        o.push_str(&format!("**Integrity:** {}.\n\n", i.line()));
    }
    if let Some(h) = &sum.history {
        o.push_str(&format!("**Who changed coverage:** {}.\n\n", h.line()));
    }

    o.push_str("## Findings by severity\n\n| severity | fail | unknown | info | suppressed |\n|---|---:|---:|---:|---:|\n");
    for sev in Severity::DESCENDING {
        let n = |st: Status| {
            e.findings
                .iter()
                .filter(|f| f.severity == sev && f.status == st)
                .count()
        };
        o.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            sev.as_str(),
            n(Status::Fail),
            n(Status::Unknown),
            n(Status::Info),
            n(Status::Suppressed)
        ));
    }

    o.push_str("\n## Findings by check\n\n| check | severity | fail | unknown | info | suppressed |\n|---|---|---:|---:|---:|---:|\n");
    for c in trailaudit_checks::checks::CATALOGUE {
        let of: Vec<_> = e
            .findings
            .iter()
            .filter(|f| f.check_id == c.meta.id)
            .collect();
        if of.is_empty() {
            continue;
        }
        let n = |st: Status| of.iter().filter(|f| f.status == st).count();
        o.push_str(&format!(
            "| `{}` {} | {} | {} | {} | {} | {} |\n",
            c.meta.id,
            cell(c.meta.title),
            of[0].severity.as_str(),
            n(Status::Fail),
            n(Status::Unknown),
            n(Status::Info),
            n(Status::Suppressed)
        ));
    }

    o
}

/// Permission gaps and collection errors, identical failures grouped.
fn gaps(w: &mut dyn Write, e: &trailaudit_checks::Evaluation) -> io::Result<()> {
    let gaps = crate::summary::failure_groups(e);
    w.write_all(b"\n## Permission gaps and collection errors\n\n")?;
    if gaps.is_empty() {
        writeln!(w, "None: every account and API in scope was readable.")?;
    } else {
        // Identical failures across accounts are one line; every finding
        // is in findings.csv.
        for g in gaps.iter().take(LIST_LIMIT) {
            writeln!(w, "- **{}** {}", g.status.as_str(), cell(&g.line(10)))?;
        }
        more(
            w,
            gaps.len(),
            "groups of permission gaps and collection errors",
        )?;
    }

    Ok(())
}

/// The required resources that are not covered.
fn resources(w: &mut dyn Write, e: &trailaudit_checks::Evaluation) -> io::Result<()> {
    if !e.resources.is_empty() {
        let open: Vec<_> = e
            .resources
            .iter()
            .filter(|r| !r.state.is_covered())
            .collect();
        write!(
            w,
            "\n## Required resources\n\n{} of {} required resource-regions are covered (the policy's `[data_events] resources`; every row in resources.csv).\n\n",
            e.resources.len() - open.len(),
            e.resources.len()
        )?;
        if !open.is_empty() {
            w.write_all(b"| account | region | resource | events | state | recorded by | why |\n|---|---|---|---|---|---|---|\n")?;
            for r in open.iter().take(LIST_LIMIT) {
                writeln!(
                    w,
                    "| {} | {} | `{}` | {} {} | {} | {} | {} |",
                    r.account_id,
                    r.region,
                    cell(&r.resource),
                    r.resource_type,
                    r.access,
                    r.state.as_str(),
                    cell(&r.sources.join(", ")),
                    cell(&r.reason)
                )?;
            }
            more(w, open.len(), "uncovered resources")?;
        }
    }

    Ok(())
}

/// Every open finding (fail, unknown), then the notes (info).
fn findings(w: &mut dyn Write, e: &trailaudit_checks::Evaluation) -> io::Result<()> {
    w.write_all(b"\n## Findings\n\n| severity | status | account | region | check | resource | finding |\n|---|---|---|---|---|---|---|\n")?;
    let open: Vec<_> = e
        .findings
        .iter()
        .filter(|f| f.status != Status::Info)
        .collect();
    for f in open.iter().take(LIST_LIMIT) {
        let message = match &f.attribution {
            Some(a) => format!(
                "{} — {}{}",
                f.message,
                a.describe(),
                a.since(e.as_of)
                    .map(|s| format!("; {s}"))
                    .unwrap_or_default()
            ),
            None => f.message.clone(),
        };
        let acct = if f.account_name.is_empty() {
            f.account_id.clone()
        } else {
            format!("{} ({})", f.account_name, f.account_id)
        };
        writeln!(
            w,
            "| {} | {} | {} | {} | `{}` | {} | {} |",
            f.severity.as_str(),
            f.status.as_str(),
            cell(&acct),
            f.region,
            f.check_id,
            cell(&f.resource),
            cell(&message)
        )?;
    }
    more(w, open.len(), "findings")?;
    who_changed(w, e)?;
    let infos: Vec<_> = e
        .findings
        .iter()
        .filter(|f| f.status == Status::Info)
        .collect();
    if !infos.is_empty() {
        w.write_all(b"\n## Notes\n\n")?;
        for f in infos.iter().take(LIST_LIMIT) {
            writeln!(
                w,
                "- `{}` {}: {}",
                f.check_id,
                f.account_id,
                cell(&f.message)
            )?;
        }
        more(w, infos.len(), "notes")?;
    }
    Ok(())
}

/// The changes behind the open findings, oldest first (when the event
/// history was looked up and found any).
fn who_changed(w: &mut dyn Write, e: &trailaudit_checks::Evaluation) -> io::Result<()> {
    let all = crate::history::timeline(e, None);
    if all.is_empty() {
        return Ok(());
    }
    w.write_all(b"\n## Who changed coverage\n\nFrom CloudTrail's event history, oldest first; each change once with the findings it explains.\n\n")?;
    for t in all.iter().take(LIST_LIMIT) {
        writeln!(w, "- {} (event {})", cell(&t.line()), t.event_id)?;
    }
    more(w, all.len(), "changes")
}

/// Month over month.
fn changes(w: &mut dyn Write, c: &crate::diff::Changes) -> io::Result<()> {
    write!(
        w,
        "\n## Changes since {}\n\n| event class | before | now |\n|---|---:|---:|\n",
        c.previous_collected_at
    )?;
    for k in &c.coverage {
        writeln!(
            w,
            "| {} | {:.1}% | {:.1}% |",
            k.class, k.before_pct, k.after_pct
        )?;
    }
    let accounts = |list: &[String]| {
        if list.is_empty() {
            "none".to_string()
        } else if list.len() > LIST_LIMIT {
            format!(
                "{} (and {} more)",
                list[..LIST_LIMIT].join(", "),
                list.len() - LIST_LIMIT
            )
        } else {
            list.join(", ")
        }
    };
    writeln!(
        w,
        "\n{} new, {} resolved, {} persisting findings. Accounts added: {}. Accounts removed: {}.",
        c.new_findings.len(),
        c.resolved_findings.len(),
        c.persisting_findings.len(),
        accounts(&c.accounts_added),
        accounts(&c.accounts_removed),
    )?;
    if let Some(l) = c.lost_verification_line(LIST_LIMIT) {
        writeln!(w, "\n**Lost verification:** {l}.")?;
    }
    if !c.timeline.is_empty() {
        w.write_all(b"\n### What changed coverage this month\n\n")?;
        for t in c.timeline.iter().take(LIST_LIMIT) {
            writeln!(w, "- {}", cell(&t.line()))?;
        }
        more(w, c.timeline.len(), "changes")?;
    }
    for (title, list) in [("New", &c.new_findings), ("Resolved", &c.resolved_findings)] {
        if !list.is_empty() {
            write!(w, "\n### {title}\n\n")?;
            for f in list.iter().take(LIST_LIMIT) {
                writeln!(
                    w,
                    "- `{}` {} {} {}: {}",
                    f.check_id,
                    f.account_id,
                    f.region,
                    cell(&f.resource),
                    cell(&f.message)
                )?;
            }
            more(w, list.len(), &format!("{} findings", title.to_lowercase()))?;
        }
    }
    Ok(())
}
