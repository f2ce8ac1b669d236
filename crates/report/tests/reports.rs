//! Reports rendered from a stored `demo` snapshot (a real emulator run,
//! trimmed to three regions): snapshot tests of the Markdown, CSV and JSON
//! outputs, the exact month-over-month changes for known edits, and size
//! bounds on the HTML.

use trailaudit_checks::{evaluate, Policy};
use trailaudit_model::{Fact, Snapshot, TrailStatus};
use trailaudit_report::{diff, render_all, Inputs};

fn demo() -> Snapshot {
    Snapshot::from_json(include_str!("fixtures/demo.snapshot.json")).expect("fixture")
}

fn file(name: &str) -> String {
    let s = demo();
    let e = evaluate(&s, &Policy::default());
    let files = render_all(&Inputs {
        snapshot: &s,
        evaluation: &e,
        changes: None,
    });
    let (_, bytes) = files.into_iter().find(|(n, _)| *n == name).expect(name);
    String::from_utf8(bytes).unwrap()
}

#[test]
fn markdown_report() {
    insta::assert_snapshot!("report.md", file("report.md"));
}

#[test]
fn findings_csv() {
    insta::assert_snapshot!("findings.csv", file("findings.csv"));
}

#[test]
fn coverage_csv() {
    insta::assert_snapshot!("coverage.csv", file("coverage.csv"));
}

#[test]
fn report_json() {
    insta::assert_snapshot!("report.json", file("report.json"));
}

#[test]
fn html_is_self_contained() {
    let html = file("report.html");
    for external in ["src=\"http", "href=\"http", "<script", "@import", "url("] {
        assert!(
            !html.contains(external),
            "report.html references {external}"
        );
    }
    assert!(html.contains("id=\"heatmap\""));
}

fn account_id(s: &Snapshot, name: &str) -> String {
    s.accounts
        .iter()
        .find(|a| a.name == name)
        .unwrap()
        .id
        .clone()
}

#[test]
fn month_over_month_lists_exactly_what_changed() {
    let before = demo();
    let mut after = demo();
    // Fixed: prod-web's stopped trail now logs.
    let prod_web = account_id(&after, "prod-web");
    let t = after
        .trails
        .iter_mut()
        .find(|t| t.owner_account_id == prod_web)
        .unwrap();
    t.status = Fact::Collected {
        value: TrailStatus {
            is_logging: true,
            ..Default::default()
        },
    };
    // Broken: the organization trail lost log file validation.
    after
        .trails
        .iter_mut()
        .find(|t| t.name == "org-trail")
        .unwrap()
        .log_file_validation_enabled = false;
    // dev-data left the organization; a new account joined.
    let dev_data = account_id(&after, "dev-data");
    after.accounts.retain(|a| a.id != dev_data);
    let mut newcomer = after
        .accounts
        .iter()
        .find(|a| a.name == "security-tooling")
        .unwrap()
        .clone();
    newcomer.id = "999999999999".into();
    newcomer.name = "newcomer".into();
    after.accounts.push(newcomer);
    after.finished_at += chrono::Duration::days(30);

    let (pe, ce) = (
        evaluate(&before, &Policy::default()),
        evaluate(&after, &Policy::default()),
    );
    let c = diff::compare(&before, &pe, &after, &ce);
    let keys = |l: &[diff::FindingRef]| {
        l.iter()
            .map(|f| (f.check_id.clone(), f.account_id.clone()))
            .collect::<Vec<_>>()
    };
    let mgmt = account_id(&after, "master");
    assert_eq!(
        keys(&c.new_findings),
        vec![
            ("duplicate_management_trails".to_string(), prod_web.clone()),
            ("log_validation_off".to_string(), mgmt),
        ],
        "a logging prod-web trail now duplicates the organization trail's management events"
    );
    assert_eq!(
        keys(&c.resolved_findings),
        vec![("trail_not_logging".to_string(), prod_web)]
    );
    let open_before = pe
        .findings
        .iter()
        .filter(|f| {
            matches!(
                f.status,
                trailaudit_checks::Status::Fail | trailaudit_checks::Status::Unknown
            )
        })
        .count();
    assert_eq!(c.persisting_findings.len(), open_before - 1);
    assert_eq!(c.accounts_added, vec!["999999999999".to_string()]);
    assert_eq!(c.accounts_removed, vec![dev_data]);
    let mw = c
        .coverage
        .iter()
        .find(|k| k.class == "management_write")
        .unwrap();
    // One covered account left, one covered account joined: 10 of 12 either way.
    assert_eq!((mw.before_pct, mw.after_pct), (83.3, 83.3));
}
