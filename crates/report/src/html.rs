//! `report.html`: one self-contained page (inline CSS, no script, no CDN) with
//! the organization summary, coverage per event class, an account x region
//! heatmap, findings by severity and by check, a section per account, and the
//! permission gaps. Built to stay small: a cell is a few bytes, and findings
//! are grouped per account and check.

use std::collections::BTreeMap;
use std::fmt::Write;

use trailaudit_checks::{EventClass, Finding, Severity, State, Status};

use crate::{esc, summary, Inputs};

const CSS: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d232a}h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}table{border-collapse:collapse}td,th{padding:3px 8px;border:1px solid #e3e3e3;text-align:left}th{background:#f5f6f8}.n{text-align:right}.cards{display:flex;gap:12px;flex-wrap:wrap}.card{border:1px solid #ddd;border-radius:6px;padding:8px 14px}.card b{display:block;font-size:20px}.bar{display:inline-block;height:10px;background:#2e7d32}.hm td{width:14px;height:14px;padding:0;border:1px solid #fff}.hm th{font-size:11px;font-weight:normal;white-space:nowrap}.hm .r{writing-mode:vertical-rl;transform:rotate(180deg);height:80px}.C{background:#2e7d32}.P{background:#f9a825}.G{background:#c62828}.U{background:#7b1fa2}.N{background:#cfd8dc}.sev-critical{color:#b71c1c;font-weight:bold}.sev-high{color:#c62828}.sev-medium{color:#ef6c00}.sev-low{color:#546e7a}.sev-info{color:#78909c}details{margin:4px 0}summary{cursor:pointer}.muted{color:#78909c}";

fn code(s: State) -> &'static str {
    match s {
        State::Covered => "C",
        State::Partial => "P",
        State::Gap => "G",
        State::Unknown => "U",
        State::NotEnabled => "N",
    }
}

/// Renders the page.
pub fn render(i: &Inputs) -> String {
    let s = i.snapshot;
    let e = i.evaluation;
    let sum = summary(s, e);
    let mut o = String::with_capacity(64 * 1024);
    let title = if sum.organization_id.is_empty() {
        format!("account {}", s.caller.account_id)
    } else {
        format!("organization {}", sum.organization_id)
    };
    let _ = write!(o, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>CloudTrail coverage: {}</title><style>{CSS}</style></head><body>", esc(&title));
    let _ = write!(o, "<h1>CloudTrail coverage: {}</h1><p class=\"muted\">Collected {} to {} by {}. trailaudit {}.{}</p>",
        esc(&title), esc(&sum.collected_from), esc(&sum.collected_to), esc(&s.caller.arn), esc(&s.tool_version),
        if s.complete { "" } else { " <b>Incomplete: the run was interrupted.</b>" });

    // Summary cards.
    let open = |sev: Severity| {
        sum.findings_by_severity
            .get(sev.as_str())
            .copied()
            .unwrap_or(0)
    };
    o.push_str("<section id=\"summary\"><div class=\"cards\">");
    for (label, v) in [
        ("accounts", sum.accounts.to_string()),
        ("not audited", sum.accounts_not_audited.to_string()),
        ("account-regions", sum.account_regions.to_string()),
        ("trails", sum.trails.to_string()),
        ("critical", open(Severity::Critical).to_string()),
        ("high", open(Severity::High).to_string()),
        ("medium", open(Severity::Medium).to_string()),
        ("unknown cells", sum.unknown_cells.to_string()),
    ] {
        let _ = write!(o, "<div class=\"card\"><b>{v}</b>{label}</div>");
    }
    o.push_str("</div></section>");

    // Coverage per class.
    o.push_str("<h2>Coverage per event class</h2><table><tr><th>event class</th><th>covered</th><th></th><th class=n>partial</th><th class=n>gap</th><th class=n>unknown</th><th class=n>not enabled</th></tr>");
    for c in &sum.coverage {
        let _ = write!(o, "<tr><td>{}</td><td class=n>{:.1}%</td><td><span class=\"bar\" style=\"width:{}px\"></span></td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td></tr>",
            c.class, c.covered_pct, c.covered_pct.round() as u32, c.partial, c.gap, c.unknown, c.not_enabled);
    }
    o.push_str("</table>");

    // Heatmap: management write coverage per account x region.
    let mut regions: Vec<&str> = s
        .accounts
        .iter()
        .flat_map(|a| a.regions.iter().map(|r| r.region.as_str()))
        .collect();
    regions.sort();
    regions.dedup();
    let mut grid: BTreeMap<(&str, &str), State> = BTreeMap::new();
    for c in e
        .coverage
        .iter()
        .filter(|c| c.class == EventClass::ManagementWrite)
    {
        grid.insert((c.account_id.as_str(), c.region.as_str()), c.state);
    }
    o.push_str("<h2 id=\"heatmap\">Heatmap: management write events, account x region</h2><p><span class=\"C\">&nbsp;&nbsp;&nbsp;</span> covered <span class=\"P\">&nbsp;&nbsp;&nbsp;</span> partial <span class=\"G\">&nbsp;&nbsp;&nbsp;</span> gap <span class=\"U\">&nbsp;&nbsp;&nbsp;</span> unknown <span class=\"N\">&nbsp;&nbsp;&nbsp;</span> not enabled</p><table class=\"hm\"><tr><th></th>");
    for r in &regions {
        let _ = write!(o, "<th><div class=\"r\">{r}</div></th>");
    }
    o.push_str("</tr>");
    for a in &s.accounts {
        let _ = write!(
            o,
            "<tr><th>{} <span class=\"muted\">{}</span></th>",
            esc(&a.name),
            a.id
        );
        for r in &regions {
            match grid.get(&(a.id.as_str(), *r)) {
                Some(st) => {
                    let _ = write!(o, "<td class=\"{}\"></td>", code(*st));
                }
                None => o.push_str("<td></td>"),
            }
        }
        o.push_str("</tr>");
    }
    o.push_str("</table>");

    // Findings by severity and by check.
    o.push_str("<h2>Findings by severity</h2><table><tr><th>severity</th><th class=n>fail</th><th class=n>unknown</th><th class=n>info</th><th class=n>suppressed</th></tr>");
    for sev in Severity::DESCENDING {
        let n = |st: Status| {
            e.findings
                .iter()
                .filter(|f| f.severity == sev && f.status == st)
                .count()
        };
        let _ = write!(o, "<tr><td class=\"sev-{0}\">{0}</td><td class=n>{1}</td><td class=n>{2}</td><td class=n>{3}</td><td class=n>{4}</td></tr>",
            sev.as_str(), n(Status::Fail), n(Status::Unknown), n(Status::Info), n(Status::Suppressed));
    }
    o.push_str("</table><h2>Findings by check</h2><table><tr><th>check</th><th>severity</th><th class=n>findings</th><th>how to fix</th></tr>");
    for c in trailaudit_checks::checks::CATALOGUE {
        let of: Vec<&Finding> = e
            .findings
            .iter()
            .filter(|f| f.check_id == c.meta.id)
            .collect();
        if of.is_empty() {
            continue;
        }
        let _ = write!(o, "<tr><td><b>{}</b><br><span class=\"muted\">{}</span></td><td class=\"sev-{2}\">{2}</td><td class=n>{3}</td><td><details><summary>commands</summary><pre>{4}</pre></details></td></tr>",
            esc(c.meta.title), c.meta.id, of[0].severity.as_str(), of.len(), esc(c.meta.fix));
    }
    o.push_str("</table>");

    // Permission gaps.
    o.push_str("<h2 id=\"gaps\">Permission gaps and collection errors</h2>");
    let gaps: Vec<&Finding> = e
        .findings
        .iter()
        .filter(|f| f.check_id == "permission_gap" || f.check_id == "collection_error")
        .collect();
    if gaps.is_empty() {
        o.push_str("<p>None: every account and API in scope was readable.</p>");
    } else {
        o.push_str("<ul>");
        for f in gaps {
            let _ = write!(
                o,
                "<li><b>{}</b> {} {}: {}</li>",
                f.status.as_str(),
                f.account_id,
                esc(&f.resource),
                esc(&f.message)
            );
        }
        o.push_str("</ul>");
    }

    // Changes.
    if let Some(c) = i.changes {
        let _ = write!(o, "<h2>Changes since {}</h2><table><tr><th>event class</th><th class=n>before</th><th class=n>now</th></tr>", esc(&c.previous_collected_at));
        for k in &c.coverage {
            let _ = write!(
                o,
                "<tr><td>{}</td><td class=n>{:.1}%</td><td class=n>{:.1}%</td></tr>",
                k.class, k.before_pct, k.after_pct
            );
        }
        let _ = write!(o, "</table><p>{} new, {} resolved, {} persisting findings; {} accounts added, {} removed.</p>",
            c.new_findings.len(), c.resolved_findings.len(), c.persisting_findings.len(), c.accounts_added.len(), c.accounts_removed.len());
    }

    // One section per account, findings grouped by check.
    o.push_str("<h2>Accounts</h2>");
    for a in &s.accounts {
        let of: Vec<&Finding> = e.findings.iter().filter(|f| f.account_id == a.id).collect();
        let worst = of
            .iter()
            .filter(|f| matches!(f.status, Status::Fail | Status::Unknown))
            .map(|f| f.severity)
            .max();
        let _ = write!(o, "<details><summary><b>{}</b> {} <span class=\"muted\">{}</span> — {} findings{}</summary>",
            esc(&a.name), a.id, esc(&a.ou_path), of.len(),
            worst.map(|w| format!(", worst <span class=\"sev-{0}\">{0}</span>", w.as_str())).unwrap_or_default());
        if !of.is_empty() {
            o.push_str("<ul>");
            let mut by_check: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
            for f in &of {
                by_check.entry(f.check_id.as_str()).or_default().push(f);
            }
            for (check, fs) in by_check {
                let first = fs[0];
                let where_: Vec<String> = fs
                    .iter()
                    .map(|f| {
                        if f.region.is_empty() {
                            f.resource.clone()
                        } else {
                            f.region.clone()
                        }
                    })
                    .collect();
                let _ = write!(
                    o,
                    "<li><span class=\"sev-{}\">{}</span> {} <b>{}</b>: {}{}</li>",
                    first.severity.as_str(),
                    first.severity.as_str(),
                    first.status.as_str(),
                    check,
                    esc(&first.message),
                    if fs.len() > 1 {
                        format!(
                            " <span class=\"muted\">({} places: {})</span>",
                            fs.len(),
                            esc(&where_.join(", "))
                        )
                    } else {
                        String::new()
                    }
                );
            }
            o.push_str("</ul>");
        }
        o.push_str("</details>");
    }
    o.push_str("</body></html>\n");
    o
}
