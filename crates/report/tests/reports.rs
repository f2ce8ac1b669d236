//! Reports rendered from a stored `demo` snapshot (a real emulator run,
//! trimmed to three regions): snapshot tests of the Markdown, CSV and JSON
//! outputs, the exact month-over-month changes for known edits, and size
//! bounds on the HTML.

use trailaudit_checks::{evaluate, AuditPolicy};
use trailaudit_model::{Fact, Snapshot, TrailStatus};
use trailaudit_report::{diff, render_all, Inputs};

fn demo() -> Snapshot {
    Snapshot::from_json(include_str!("fixtures/demo.snapshot.json")).expect("fixture")
}

fn file(name: &str) -> String {
    let s = demo();
    let e = evaluate(&s, &AuditPolicy::default());
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

/// The compact report.json read back through its documented types gives
/// exactly the evaluation's cells, summary and findings.
#[test]
fn report_json_reads_back_with_its_schema() {
    use trailaudit_report::format;
    let s = demo();
    let e = evaluate(&s, &AuditPolicy::default());
    let json = file("report.json");
    let r = format::read(json.as_bytes()).expect("format 2");
    assert_eq!(r.schema, format::SCHEMA);
    assert_eq!(r.summary, trailaudit_report::summary(&s, &e));
    assert_eq!(r.findings, e.findings);
    let mut read: Vec<(String, String, String, String, Vec<String>, String)> = r
        .cells()
        .into_iter()
        .map(|c| {
            (
                c.account_id.to_string(),
                c.region.to_string(),
                c.class.to_string(),
                c.state.as_str().to_string(),
                c.sources.to_vec(),
                c.reason.to_string(),
            )
        })
        .collect();
    let mut want: Vec<_> = e
        .coverage
        .iter()
        .map(|c| {
            (
                c.account_id.to_string(),
                c.region.to_string(),
                c.class.as_str().to_string(),
                c.state.as_str().to_string(),
                c.trails.to_vec(),
                c.reason.to_string(),
            )
        })
        .collect();
    read.sort();
    want.sort();
    assert_eq!(read.len(), e.coverage.len());
    assert_eq!(read, want);
    // Runs are compact: fewer runs than cells (the demo has three regions).
    let runs: usize = r
        .coverage
        .accounts
        .iter()
        .flat_map(|a| a.runs.values())
        .map(Vec::len)
        .sum();
    assert!(
        runs < e.coverage.len(),
        "{runs} runs for {} cells",
        e.coverage.len()
    );
}

/// A report.json of format 1 (one object per cell) is refused with what to do.
#[test]
fn report_json_of_format_1_is_refused_clearly() {
    let old = r#"{"schema":"trailaudit-report/1","coverage":[]}"#;
    let err = trailaudit_report::format::read(old.as_bytes())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("trailaudit-report/1") && err.contains("audit report --snapshot"),
        "{err}"
    );
}

#[test]
fn html_is_self_contained() {
    let html = file("report.html");
    for external in [
        "src=\"http",
        "href=\"http",
        "<script src",
        "@import",
        "url(",
    ] {
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
        evaluate(&before, &AuditPolicy::default()),
        evaluate(&after, &AuditPolicy::default()),
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

/// A run whose footprints were found marks its covered management read
/// cells `verified` in every format; the next run without that proof
/// lists them as having lost verification.
#[test]
fn verified_cells_show_and_lost_verification_is_listed() {
    use trailaudit_model::{Verification, VerifiedCell, VerifyDestination, VerifyOutcome};
    let mut prev = demo();
    let e0 = evaluate(&prev, &AuditPolicy::default());
    let covered: Vec<(String, String)> = e0
        .coverage
        .of_class(trailaudit_checks::EventClass::ManagementRead)
        .filter(|c| c.state.is_covered())
        .map(|c| (c.account_id.to_string(), c.region.to_string()))
        .collect();
    assert!(covered.len() > 3);
    let at = prev.started_at;
    prev.verification = Some(Verification {
        previous_started_at: at,
        checked_at: prev.finished_at,
        destinations: vec![VerifyDestination {
            trail_arn: String::new(),
            bucket: "b".into(),
            bucket_owner: None,
            bucket_region: "us-east-1".into(),
            root: "AWSLogs/".into(),
        }],
        cells: covered
            .iter()
            .enumerate()
            .map(|(i, (a, r))| VerifiedCell {
                account_id: a.clone(),
                region: r.clone(),
                destination: 0,
                sent_at: at,
                outcome: if i == 0 {
                    VerifyOutcome::NotSampled
                } else {
                    VerifyOutcome::Verified { file: "k".into() }
                },
                lists: 1,
                gets: 1,
                digests: 0,
            })
            .collect(),
        ..Default::default()
    });
    let pe = evaluate(&prev, &AuditPolicy::default());
    let files = render_all(&Inputs {
        snapshot: &prev,
        evaluation: &pe,
        changes: None,
    });
    let text = |n: &str| {
        String::from_utf8(files.iter().find(|(f, _)| *f == n).unwrap().1.clone()).unwrap()
    };
    let n = covered.len();
    let line = format!("{} of {n} covered account-regions verified", n - 1);
    assert!(text("report.md").contains(&line), "{}", text("report.md"));
    assert!(text("report.html").contains(&line));
    assert_eq!(
        text("coverage.csv")
            .matches(",management_read,verified,")
            .count(),
        n - 1
    );
    let r = trailaudit_report::format::read(text("report.json").as_bytes()).unwrap();
    assert_eq!(r.summary.verification.as_ref().unwrap().verified, n - 1);

    let cur = demo();
    let ce = evaluate(&cur, &AuditPolicy::default());
    let c = diff::compare(&prev, &pe, &cur, &ce);
    assert_eq!(
        c.lost_verification.len(),
        n - 1,
        "{:?}",
        c.lost_verification
    );
    assert!(c.lost_verification.iter().all(|l| l.state_now == "covered"));
    let md = String::from_utf8(
        render_all(&Inputs {
            snapshot: &cur,
            evaluation: &ce,
            changes: Some(&c),
        })
        .into_iter()
        .find(|(f, _)| *f == "report.md")
        .unwrap()
        .1,
    )
    .unwrap();
    assert!(
        md.contains(&format!(
            "**Lost verification:** {} account-region(s)",
            n - 1
        )),
        "{md}"
    );
}

/// Findings attributed to changes: the timeline groups each change once,
/// counts the findings and account-regions it explains, keeps only this
/// month's in the comparison, and every format carries the actor.
#[test]
fn who_changed_coverage_in_every_format() {
    use trailaudit_model::{Attribution, Change};
    let s = demo();
    let mut e = evaluate(&s, &AuditPolicy::default());
    let change = |id: &str, days_ago: i64| Change {
        event_id: id.into(),
        event_name: "StopLogging".into(),
        event_time: s.finished_at - chrono::Duration::days(days_ago),
        account_id: "111111111111".into(),
        region: "us-east-1".into(),
        resource: "arn:aws:cloudtrail:us-east-1:111111111111:trail/t".into(),
        principal_arn: "arn:aws:sts::111111111111:assumed-role/Ops/night".into(),
        role_arn: Some("arn:aws:iam::111111111111:role/Ops".into()),
        session: Some("night".into()),
        source_ip: Some("198.51.100.7".into()),
        user_agent: None,
        detail: None,
    };
    let failing: Vec<usize> = (0..e.findings.len())
        .filter(|&i| e.findings[i].status == trailaudit_checks::Status::Fail)
        .take(3)
        .collect();
    assert_eq!(failing.len(), 3);
    // Two findings share a change of 2 days ago, one has a change of 40.
    for (k, &i) in failing.iter().enumerate() {
        e.findings[i].attribution = Some(Attribution::Changed {
            change: Box::new(if k < 2 {
                change("recent", 2)
            } else {
                change("old", 40)
            }),
        });
    }
    let all = trailaudit_report::history::timeline(&e, None);
    assert_eq!(
        all.iter()
            .map(|t| (t.event_id.as_str(), t.findings))
            .collect::<Vec<_>>(),
        vec![("old", 1), ("recent", 2)],
        "oldest first, each change once"
    );
    let month =
        trailaudit_report::history::timeline(&e, Some(s.finished_at - chrono::Duration::days(30)));
    assert_eq!(month.len(), 1);
    assert_eq!(month[0].actor, "role/Ops (session night)");
    let files = render_all(&Inputs {
        snapshot: &s,
        evaluation: &e,
        changes: None,
    });
    let text = |name: &str| {
        String::from_utf8(files.iter().find(|(n, _)| *n == name).unwrap().1.clone()).unwrap()
    };
    let md = text("report.md");
    assert!(md.contains("## Who changed coverage"), "{md}");
    assert!(md.contains("StopLogging on arn:aws:cloudtrail:us-east-1:111111111111:trail/t by role/Ops (session night)"));
    let csv = text("findings.csv");
    assert_eq!(
        csv.matches(",role/Ops (session night),").count(),
        3,
        "{csv}"
    );
    let html = text("report.html");
    assert!(html.contains("<h2 id=\"who-changed\">Who changed coverage</h2>"));
    let ocsf: serde_json::Value = serde_json::from_str(&text("findings.ocsf.json")).unwrap();
    let actors = ocsf
        .as_array()
        .unwrap()
        .iter()
        .filter(|ev| ev["actor"]["session"]["uid"] == "night")
        .count();
    assert_eq!(actors, 3);
}
