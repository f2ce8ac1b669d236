//! `report.html`: one self-contained page (inline CSS and script, no CDN)
//! with the organization summary, coverage per event class, an OU x region
//! heatmap for any event class whose OUs expand to their accounts that are
//! not covered, findings by severity and by check, the accounts with
//! findings, and the permission gaps. Built to stay small at 10,000
//! accounts: the heatmap is drawn from compact data (accounts with the same
//! states share one pattern), long lists are capped, the CSVs have it all.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

use trailaudit_checks::{Finding, Severity, State, Status};

use crate::inputs::Inputs;
use crate::summary::summary;

const CSS: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d232a}h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}table{border-collapse:collapse}td,th{padding:3px 8px;border:1px solid #e3e3e3;text-align:left}th{background:#f5f6f8}.n{text-align:right}.cards{display:flex;gap:12px;flex-wrap:wrap}.card{border:1px solid #ddd;border-radius:6px;padding:8px 14px}.card b{display:block;font-size:20px}.bar{display:inline-block;height:10px;background:#2e7d32}.hm td{width:14px;height:14px;padding:0;border:1px solid #fff}.hm th{font-size:11px;font-weight:normal;white-space:nowrap}.hm .r{writing-mode:vertical-rl;transform:rotate(180deg);height:80px}.C{background:#2e7d32}.V{background:#0d47a1}.P{background:#f9a825}.G{background:#c62828}.U{background:#7b1fa2}.R{background:#d81b60}.S{background:#78909c}.X{background:repeating-linear-gradient(45deg,#cfd8dc 0 3px,#fff 3px 6px)}.X.c{color:#37474f}.lg{white-space:nowrap;margin-right:10px}.N{background:#cfd8dc}.sw{display:inline-block;width:12px;height:12px;vertical-align:middle}.hm td.c{width:auto;min-width:18px;font-size:10px;color:#fff;text-align:center}.hm tr.acct th{font-weight:normal;padding-left:18px}.hm th,.hm td.n{white-space:nowrap}.hm a{text-decoration:none;color:inherit}.sev-critical{color:#b71c1c;font-weight:bold}.sev-high{color:#c62828}.sev-medium{color:#ef6c00}.sev-low{color:#546e7a}.sev-info{color:#78909c}details{margin:4px 0}summary{cursor:pointer}.muted{color:#78909c}";

fn code(s: State) -> &'static str {
    match s {
        State::Covered => "C",
        State::Partial => "P",
        State::Gap => "G",
        State::Unknown => "U",
        State::NotEnabled => "N",
        State::Verified => "V",
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
    if let Some(v) = &sum.verification {
        let _ = write!(
            o,
            "<p id=\"verification\"><b>Proof of delivery:</b> {}.</p>",
            esc(&v.line())
        );
    }
    if let Some(i) = &sum.integrity {
        let _ = write!(
            o,
            "<p id=\"integrity\"><b>Integrity:</b> {}.</p>",
            esc(&i.line())
        );
    }
    if let Some(h) = &sum.history {
        let _ = write!(
            o,
            "<p id=\"history\"><b>Who changed coverage:</b> {}.</p>",
            esc(&h.line())
        );
    }

    // Heatmap: per OU x region, every class, failing accounts on demand.
    heatmap(&mut o, i);

    findings_tables(&mut o, e);
    timeline(
        &mut o,
        "who-changed",
        "Who changed coverage",
        &crate::history::timeline(e, None),
    );
    gaps(&mut o, e);
    resources(&mut o, e);
    if let Some(c) = i.changes {
        changes(&mut o, c);
    }
    accounts_with_findings(&mut o, i);
    o.push_str("</body></html>\n");
    o
}

/// Findings by severity, and by check with how to fix them.
fn findings_tables(o: &mut String, e: &trailaudit_checks::Evaluation) {
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
}

/// Permission gaps and collection errors, identical failures grouped.
fn gaps(o: &mut String, e: &trailaudit_checks::Evaluation) {
    // Permission gaps.
    o.push_str("<h2 id=\"gaps\">Permission gaps and collection errors</h2>");
    let gaps = crate::summary::failure_groups(e);
    if gaps.is_empty() {
        o.push_str("<p>None: every account and API in scope was readable.</p>");
    } else {
        o.push_str("<ul>");
        for g in gaps.iter().take(LIST_LIMIT) {
            let _ = write!(
                o,
                "<li><b>{}</b> {}</li>",
                g.status.as_str(),
                esc(&g.line(10))
            );
        }
        o.push_str("</ul>");
        if gaps.len() > LIST_LIMIT {
            let _ = write!(
                o,
                "<p class=\"muted\">{} more in findings.csv.</p>",
                gaps.len() - LIST_LIMIT
            );
        }
    }
}

/// The required resources that are not covered.
fn resources(o: &mut String, e: &trailaudit_checks::Evaluation) {
    // Required resources.
    if !e.resources.is_empty() {
        let open: Vec<_> = e
            .resources
            .iter()
            .filter(|r| !r.state.is_covered())
            .collect();
        let _ = write!(
            o,
            "<h2 id=\"resources\">Required resources</h2><p>{} of {} required resource-regions are covered; resources.csv has every row.</p>",
            e.resources.len() - open.len(),
            e.resources.len()
        );
        if !open.is_empty() {
            o.push_str("<table><tr><th>account</th><th>region</th><th>resource</th><th>events</th><th>state</th><th>recorded by</th><th>why</th></tr>");
            for r in open.iter().take(LIST_LIMIT) {
                let _ = write!(
                    o,
                    "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{} {}</td><td><span class=\"{} sw\"></span> {}</td><td>{}</td><td>{}</td></tr>",
                    esc(&r.account_id),
                    esc(&r.region),
                    esc(&r.resource),
                    esc(&r.resource_type),
                    esc(r.access.as_str()),
                    code(r.state),
                    r.state.as_str(),
                    esc(&r.sources.join(", ")),
                    esc(&r.reason)
                );
            }
            o.push_str("</table>");
            if open.len() > LIST_LIMIT {
                let _ = write!(
                    o,
                    "<p class=\"muted\">{} more in resources.csv.</p>",
                    open.len() - LIST_LIMIT
                );
            }
        }
    }
}

/// Month over month.
fn changes(o: &mut String, c: &crate::diff::Changes) {
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
    if let Some(l) = c.lost_verification_line(LIST_LIMIT) {
        let _ = write!(o, "<p id=\"lost-verification\">{}.</p>", esc(&l));
    }
    timeline(
        o,
        "changed-this-month",
        "What changed coverage this month",
        &c.timeline,
    );
}

/// Changes from the event history as a table, oldest first.
fn timeline(o: &mut String, id: &str, title: &str, entries: &[crate::history::TimelineEntry]) {
    if entries.is_empty() {
        return;
    }
    let _ = write!(o, "<h2 id=\"{id}\">{}</h2><table><tr><th>when</th><th>change</th><th>by</th><th>resource</th><th>explains</th></tr>", esc(title));
    for t in entries.iter().take(LIST_LIMIT) {
        let _ = write!(
            o,
            "<tr><td>{}</td><td><b>{}</b>{}</td><td>{}<br><span class=\"muted\">{}{}</span></td><td>{}<br><span class=\"muted\">{} {}</span></td><td>{} finding(s) ({}){}<br><span class=\"muted\">event {}</span></td></tr>",
            esc(&t.time),
            esc(&t.event_name),
            t.detail.as_ref().map(|d| format!(" ({})", esc(d))).unwrap_or_default(),
            esc(&t.actor),
            esc(&t.principal_arn),
            t.source_ip.as_ref().map(|ip| format!(" from {}", esc(ip))).unwrap_or_default(),
            esc(&t.resource),
            t.account_id,
            esc(&t.region),
            t.findings,
            esc(&t.checks.join(", ")),
            t.cells(),
            esc(&t.event_id)
        );
    }
    o.push_str("</table>");
}

/// At most this many items in a list of the page; the rest are in the CSVs.
const LIST_LIMIT: usize = 200;

/// One account's states of one class as run-length codes over `regions`
/// (`17C`, `C16.`; `.` = no cell there).
/// The heatmap's states, worst last (the order the page ranks them in).
const LEGEND: [(char, &str); 9] = [
    ('N', "not enabled"),
    ('V', "verified (footprint delivered)"),
    ('C', "covered"),
    ('S', "suspended account"),
    ('X', "not audited (excluded or skipped)"),
    ('P', "partial"),
    ('R', "role not assumable"),
    ('U', "unknown"),
    ('G', "gap"),
];

/// How an account that was not audited shows: suspended, skipped or
/// excluded, role not assumable; `U` (unknown) otherwise.
fn account_code(a: &trailaudit_model::Account) -> char {
    use trailaudit_model::{Access, AccountStatus};
    match (&a.status, &a.access) {
        (AccountStatus::Suspended, _) => 'S',
        (_, Access::Failed { .. }) => 'R',
        (_, Access::Skipped { .. }) => 'X',
        _ => 'U',
    }
}

/// One account's codes for one class, run-length encoded; `unknown` is
/// the code of its unknown cells (the account's own state when it was not
/// audited: suspended, excluded, role not assumable).
fn codes(cells: &[(usize, State)], regions: usize, unknown: char) -> String {
    let mut line = vec!['.'; regions];
    for (r, st) in cells {
        line[*r] = match st {
            State::Unknown => unknown,
            other => code(*other).chars().next().unwrap_or('.'),
        };
    }
    let mut out = String::new();
    let mut k = 0;
    while k < line.len() {
        let ch = line[k];
        let n = line[k..].iter().take_while(|c| **c == ch).count();
        if n > 1 {
            let _ = write!(out, "{n}");
        }
        out.push(ch);
        k += n;
    }
    out
}

#[derive(serde::Serialize)]
struct HeatmapData<'a> {
    regions: &'a [String],
    classes: Vec<&'static str>,
    ous: Vec<&'a str>,
    /// Distinct per-account code lines: one RLE string per class, joined by `|`.
    patterns: Vec<String>,
    /// `[name, id, ou, pattern]`.
    accounts: Vec<(&'a str, &'a str, usize, usize)>,
}

/// The heatmap: one row per OU and one column per region for the selected
/// event class, each cell coloured by the worst state among the OU's
/// accounts and showing how many are not covered; an OU expands to its
/// accounts that are not fully covered. Rendered by a small inline script
/// from compact data (a few dozen bytes an account), so the page stays small
/// and opens fast at 10,000 accounts.
fn heatmap(o: &mut String, i: &Inputs) {
    let s = i.snapshot;
    let cov = &i.evaluation.coverage;
    let regions = cov.regions();
    let mut ous: Vec<&str> = Vec::new();
    let mut ou_pos: HashMap<&str, usize> = HashMap::new();
    let mut patterns: Vec<String> = Vec::new();
    let mut pattern_pos: HashMap<String, usize> = HashMap::new();
    let mut accounts = Vec::with_capacity(cov.accounts().len());
    for (k, id) in cov.accounts().iter().enumerate() {
        let (name, ou) = s
            .account(id)
            .map(|a| (a.name.as_str(), a.ou_path.as_str()))
            .unwrap_or(("", ""));
        let ou_ix = *ou_pos.entry(ou).or_insert_with(|| {
            ous.push(ou);
            ous.len() - 1
        });
        let unknown = s.account(id).map_or('U', account_code);
        let mut per_class: Vec<Vec<(usize, State)>> = vec![Vec::new(); cov.classes().len()];
        for c in cov.of_account_at(k) {
            let cls = cov
                .classes()
                .iter()
                .position(|x| *x == c.class)
                .unwrap_or(0);
            per_class[cls].push((c.region_id, c.state));
        }
        let line = per_class
            .iter()
            .map(|cells| codes(cells, regions.len(), unknown))
            .collect::<Vec<_>>()
            .join("|");
        let p = match pattern_pos.get(&line) {
            Some(p) => *p,
            None => {
                patterns.push(line.clone());
                pattern_pos.insert(line, patterns.len() - 1);
                patterns.len() - 1
            }
        };
        accounts.push((name, id.as_str(), ou_ix, p));
    }
    let data = HeatmapData {
        regions,
        classes: cov.classes().iter().map(|c| c.as_str()).collect(),
        ous,
        patterns,
        accounts,
    };
    let json = serde_json::to_string(&data)
        .expect("serializable")
        .replace("</", "<\\/");
    o.push_str("<h2 id=\"heatmap\">Heatmap: OU x region</h2>");
    o.push_str("<p><label>Event class <select id=\"hm-class\">");
    for c in cov.classes() {
        let _ = write!(o, "<option value=\"{0}\">{0}</option>", c.as_str());
    }
    o.push_str("</select></label></p><p id=\"hm-legend\">");
    for (code, what) in LEGEND {
        let _ = write!(
            o,
            "<span class=\"lg\" data-state=\"{code}\"><span class=\"{code} sw\"></span> {what}</span> "
        );
    }
    o.push_str("</p><p class=\"muted\">A cell shows how many of the OU's accounts are not covered there (its colour: the worst state among them; every state but verified, covered and not enabled counts as not covered). Click an OU to list its accounts that are not fully covered.</p>");
    o.push_str("<noscript><p>The heatmap needs JavaScript; coverage.csv has every cell.</p></noscript><div id=\"hm\" data-render-ms=\"\"></div>");
    let _ = write!(
        o,
        "<script type=\"application/json\" id=\"hm-data\">{json}</script><script>{HEATMAP_JS}</script>"
    );
}

/// Renders the heatmap from `#hm-data`. `#class=NAME&ou=N` in the address
/// selects a class and expands an OU (links can be shared).
const HEATMAP_JS: &str = include_str!("heatmap.js");

/// The accounts with open findings (fail or unknown), worst first, each
/// with its findings grouped by check; at most [`LIST_LIMIT`] accounts.
fn accounts_with_findings(o: &mut String, i: &Inputs) {
    let s = i.snapshot;
    let e = i.evaluation;
    let mut by_account: HashMap<&str, Vec<&Finding>> = HashMap::new();
    for f in &e.findings {
        by_account.entry(f.account_id.as_str()).or_default().push(f);
    }
    let mut listed: Vec<(Option<Severity>, &trailaudit_model::Account, Vec<&Finding>)> = s
        .accounts
        .iter()
        .filter_map(|a| {
            let of = by_account.remove(a.id.as_str())?;
            let worst = of
                .iter()
                .filter(|f| matches!(f.status, Status::Fail | Status::Unknown))
                .map(|f| f.severity)
                .max();
            Some((worst, a, of))
        })
        .collect();
    listed.sort_by(|x, y| y.0.cmp(&x.0).then_with(|| x.1.name.cmp(&y.1.name)));
    let _ = write!(
        o,
        "<h2>Accounts with findings</h2><p class=\"muted\">{} of {} accounts have findings{}.</p>",
        listed.len(),
        s.accounts.len(),
        if listed.len() > LIST_LIMIT {
            format!("; the {LIST_LIMIT} with the worst are listed, findings.csv has all")
        } else {
            String::new()
        }
    );
    for (worst, a, of) in listed.into_iter().take(LIST_LIMIT) {
        let _ = write!(o, "<details><summary><b>{}</b> {} <span class=\"muted\">{}</span> — {} findings{}</summary>",
            esc(&a.name), a.id, esc(&a.ou_path), of.len(),
            worst.map(|w| format!(", worst <span class=\"sev-{0}\">{0}</span>", w.as_str())).unwrap_or_default());
        o.push_str("<ul>");
        let mut by_check: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
        for f in &of {
            by_check.entry(f.check_id.as_str()).or_default().push(f);
        }
        for (check, fs) in by_check {
            let first = fs[0];
            let where_: Vec<&str> = fs
                .iter()
                .map(|f| {
                    if f.region.is_empty() {
                        f.resource.as_str()
                    } else {
                        f.region.as_str()
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
                esc(&match &first.attribution {
                    Some(a) => format!("{} — {}", first.message, a.describe()),
                    None => first.message.clone(),
                }),
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
        o.push_str("</ul></details>");
    }
}

/// Escapes text for HTML.
pub(crate) fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}
