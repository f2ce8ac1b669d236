//! Opens report.html in headless Chromium (Debian's `chromium`, installed by
//! `cargo xtask ci` / `.ci/run`), checks that the page logs no console error,
//! and saves a screenshot of the heatmap to target/report-screenshots/.

use std::process::Command;

use trailaudit_checks::{evaluate, AuditPolicy};
use trailaudit_model::Snapshot;
use trailaudit_report::{render_all, Inputs};

fn chromium() -> String {
    for c in ["chromium", "chromium-browser", "/usr/bin/chromium"] {
        if Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return c.to_string();
        }
    }
    panic!("Chromium is required for this test: `apt-get install chromium` (cargo xtask ci installs it)");
}

/// The demo snapshot, its evaluation and its report.html.
fn demo_page() -> (Snapshot, trailaudit_checks::Evaluation, Vec<u8>) {
    let s = Snapshot::from_json(include_str!("fixtures/demo.snapshot.json")).unwrap();
    let e = evaluate(&s, &AuditPolicy::default());
    let html = render_all(&Inputs {
        snapshot: &s,
        evaluation: &e,
        changes: None,
    })
    .into_iter()
    .find(|(n, _)| *n == "report.html")
    .unwrap()
    .1;
    (s, e, html)
}

/// The OU order of the page: first seen in the evaluation's account order.
fn page_ous(s: &Snapshot, e: &trailaudit_checks::Evaluation) -> Vec<String> {
    let mut ous: Vec<String> = Vec::new();
    for id in e.coverage.accounts() {
        let ou = s.account(id).unwrap().ou_path.clone();
        if !ous.contains(&ou) {
            ous.push(ou);
        }
    }
    ous
}

/// target/report-screenshots, created.
fn out_dir() -> std::path::PathBuf {
    let root =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/report-screenshots");
    std::fs::create_dir_all(&root).unwrap();
    root.canonicalize().unwrap()
}

/// Headless Chromium with a throw-away profile and no background traffic.
fn headless(profile: &std::path::Path) -> Command {
    let mut c = Command::new(chromium());
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
        "--disable-quic",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    c
}

#[test]
fn report_html_renders_without_console_errors() {
    let (_, _, html) = demo_page();
    let root = out_dir();
    let page = root.join("report.html");
    std::fs::write(&page, html).unwrap();
    let shot = root.join("heatmap.png");
    let _ = std::fs::remove_file(&shot);
    let profile = root.join(format!("profile-{}", std::process::id()));
    let out = headless(&profile)
        .args([
            "--enable-logging=stderr",
            "--v=0",
            "--hide-scrollbars",
            "--window-size=1400,1800",
        ])
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}#heatmap", page.display()))
        .output()
        .expect("run chromium");
    let _ = std::fs::remove_dir_all(&profile);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let console_errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("CONSOLE") || l.contains("Uncaught") || l.contains("Refused to"))
        .collect();
    assert!(
        console_errors.is_empty(),
        "console errors:\n{}",
        console_errors.join("\n")
    );
    let png = std::fs::read(&shot)
        .unwrap_or_else(|e| panic!("no screenshot ({e}); chromium said:\n{stderr}"));
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "screenshot too small: {} bytes",
        png.len()
    );
}

/// The heatmap as a user drives it: the address selects an event class and
/// expands an OU (`#class=NAME&ou=N`, the same state the select box and a
/// click give). The dumped DOM must list exactly the OU's accounts that are
/// not fully covered in that class, per the evaluation, for two classes.
#[test]
fn heatmap_selects_a_class_and_expands_an_ou_to_its_failing_accounts() {
    use std::collections::BTreeSet;
    use trailaudit_checks::{EventClass, State};
    let (s, e, html) = demo_page();
    let ous = page_ous(&s, &e);
    let root = out_dir();
    let page = root.join("heatmap-drive.html");
    std::fs::write(&page, &html).unwrap();
    let mut checked = 0;
    for class in [EventClass::ManagementWrite, EventClass::S3Data] {
        // The OU with the most accounts not covered in this class.
        let failing_in = |ou: &str| -> BTreeSet<String> {
            e.coverage
                .iter()
                .filter(|c| {
                    c.class == class
                        && matches!(c.state, State::Gap | State::Partial | State::Unknown)
                        && s.account(c.account_id).unwrap().ou_path == ou
                })
                .map(|c| c.account_id.to_string())
                .collect()
        };
        let (oi, want) = ous
            .iter()
            .enumerate()
            .map(|(k, ou)| (k, failing_in(ou)))
            .max_by_key(|(_, f)| f.len())
            .unwrap();
        assert!(
            !want.is_empty(),
            "the demo has accounts not covered in {class:?}"
        );
        let profile = root.join(format!("profile-drive-{}", std::process::id()));
        let out = headless(&profile)
            .arg("--dump-dom")
            .arg(format!(
                "file://{}#class={}&ou={oi}",
                page.display(),
                class.as_str()
            ))
            .output()
            .expect("run chromium");
        let _ = std::fs::remove_dir_all(&profile);
        let dom = String::from_utf8_lossy(&out.stdout);
        assert!(
            dom.contains("data-render-ms=\""),
            "heatmap not drawn:\n{dom}"
        );
        // The drawn table only (the page's script contains the same markup).
        let drawn = dom
            .split("<div id=\"hm\"")
            .nth(1)
            .and_then(|d| d.split("</table>").next())
            .unwrap_or_default();
        let shown: BTreeSet<String> = drawn
            .split("<tr class=\"acct\"><th>")
            .skip(1)
            .filter_map(|row| {
                row.split("<span class=\"muted\">")
                    .nth(1)
                    .and_then(|r| r.split('<').next())
                    .map(str::to_string)
            })
            .collect();
        assert_eq!(shown, want, "{class:?}, OU {}", ous[oi]);
        checked += 1;
    }
    assert_eq!(checked, 2);
}

/// Suspended accounts, accounts whose role could not be assumed, and
/// unknown cells look different: the legend names every state, and the
/// drawn rows of the demo's Dev OU (a suspended account and one whose role
/// is denied) carry their own state; the class switch offers every class of
/// the matrix.
#[test]
fn heatmap_legend_and_states_are_distinct() {
    let (s, e, html) = demo_page();
    let ous = page_ous(&s, &e);
    let dev = ous.iter().position(|o| o == "Root/Dev").expect("a Dev OU");
    let root = out_dir();
    let page = root.join("heatmap-states.html");
    std::fs::write(&page, &html).unwrap();
    let profile = root.join(format!("profile-states-{}", std::process::id()));
    let out = headless(&profile)
        .arg("--dump-dom")
        .arg(format!(
            "file://{}#class=management_write&ou={dev}",
            page.display()
        ))
        .output()
        .expect("run chromium");
    let _ = std::fs::remove_dir_all(&profile);
    let dom = String::from_utf8_lossy(&out.stdout);
    let legend = dom
        .split("id=\"hm-legend\"")
        .nth(1)
        .and_then(|l| l.split("</p>").next())
        .unwrap_or_default();
    for (state, words) in [
        ("S", "suspended account"),
        ("X", "not audited"),
        ("R", "role not assumable"),
        ("U", "unknown"),
        ("G", "gap"),
        ("C", "covered"),
        ("V", "verified"),
    ] {
        assert!(
            legend.contains(&format!("data-state=\"{state}\"")) && legend.contains(words),
            "legend lacks {state} {words}:\n{legend}"
        );
    }
    for c in e.coverage.classes() {
        assert!(
            dom.contains(&format!("<option value=\"{0}\">{0}</option>", c.as_str())),
            "{c}"
        );
    }
    let drawn = dom
        .split("<div id=\"hm\"")
        .nth(1)
        .and_then(|d| d.split("</table>").next())
        .unwrap_or_default();
    let row_of = |name: &str| -> String {
        drawn
            .split("<tr class=\"acct\"><th>")
            .find(|r| r.starts_with(name))
            .unwrap_or_else(|| panic!("no row for {name}:\n{drawn}"))
            .to_string()
    };
    let suspended = s
        .accounts
        .iter()
        .find(|a| a.status == trailaudit_model::AccountStatus::Suspended)
        .unwrap();
    let denied = s
        .accounts
        .iter()
        .find(|a| matches!(a.access, trailaudit_model::Access::Failed { .. }))
        .unwrap();
    assert!(
        row_of(&suspended.name).contains("<td class=\"S\""),
        "{}",
        row_of(&suspended.name)
    );
    assert!(
        row_of(&denied.name).contains("<td class=\"R\""),
        "{}",
        row_of(&denied.name)
    );
    assert!(!row_of(&denied.name).contains("<td class=\"U\""));
}
