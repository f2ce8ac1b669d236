//! `report.md`: for wikis and tickets.

use trailaudit_checks::{Severity, Status};

use crate::{summary, Inputs};

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// Renders the Markdown report.
pub fn render(i: &Inputs) -> String {
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

    let gaps: Vec<_> = e
        .findings
        .iter()
        .filter(|f| f.check_id == "permission_gap" || f.check_id == "collection_error")
        .collect();
    o.push_str("\n## Permission gaps and collection errors\n\n");
    if gaps.is_empty() {
        o.push_str("None: every account and API in scope was readable.\n");
    } else {
        for f in gaps {
            o.push_str(&format!(
                "- **{}** {} `{}`: {}\n",
                f.status.as_str(),
                f.account_id,
                f.resource,
                cell(&f.message)
            ));
        }
    }

    o.push_str("\n## Findings\n\n| severity | status | account | region | check | resource | finding |\n|---|---|---|---|---|---|---|\n");
    for f in e.findings.iter().filter(|f| f.status != Status::Info) {
        let acct = if f.account_name.is_empty() {
            f.account_id.clone()
        } else {
            format!("{} ({})", f.account_name, f.account_id)
        };
        o.push_str(&format!(
            "| {} | {} | {} | {} | `{}` | {} | {} |\n",
            f.severity.as_str(),
            f.status.as_str(),
            cell(&acct),
            f.region,
            f.check_id,
            cell(&f.resource),
            cell(&f.message)
        ));
    }
    let infos: Vec<_> = e
        .findings
        .iter()
        .filter(|f| f.status == Status::Info)
        .collect();
    if !infos.is_empty() {
        o.push_str("\n## Notes\n\n");
        for f in infos {
            o.push_str(&format!(
                "- `{}` {}: {}\n",
                f.check_id,
                f.account_id,
                cell(&f.message)
            ));
        }
    }
    if let Some(c) = i.changes {
        o.push_str(&format!(
            "\n## Changes since {}\n\n| event class | before | now |\n|---|---:|---:|\n",
            c.previous_collected_at
        ));
        for k in &c.coverage {
            o.push_str(&format!(
                "| {} | {:.1}% | {:.1}% |\n",
                k.class, k.before_pct, k.after_pct
            ));
        }
        o.push_str(&format!(
            "\n{} new, {} resolved, {} persisting findings. Accounts added: {}. Accounts removed: {}.\n",
            c.new_findings.len(), c.resolved_findings.len(), c.persisting_findings.len(),
            if c.accounts_added.is_empty() { "none".into() } else { c.accounts_added.join(", ") },
            if c.accounts_removed.is_empty() { "none".into() } else { c.accounts_removed.join(", ") },
        ));
        for (title, list) in [("New", &c.new_findings), ("Resolved", &c.resolved_findings)] {
            if !list.is_empty() {
                o.push_str(&format!("\n### {title}\n\n"));
                for f in list {
                    o.push_str(&format!(
                        "- `{}` {} {} {}: {}\n",
                        f.check_id,
                        f.account_id,
                        f.region,
                        cell(&f.resource),
                        cell(&f.message)
                    ));
                }
            }
        }
    }
    o
}
