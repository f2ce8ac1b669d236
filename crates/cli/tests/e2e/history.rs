//! Who changed coverage: the event history the compat layer records of
//! the calls that reach the emulator (principal resolved from the access
//! key), read back with LookupEvents by `audit org` and `audit why`.

use std::collections::BTreeMap;

use aws_config::SdkConfig;
use trailaudit_model::{HistoryAnswer, Snapshot};
use trailaudit_testkit::actors::{assumed_role, iam_user};
use trailaudit_testkit::emulator::shared;
use trailaudit_testkit::seed::MANAGEMENT_ACCOUNT_ID;
use trailaudit_testkit::{bundled, Seeded};

use crate::{audit, seed, Run};

const ORG_TRAIL: &str = "org-trail";

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().expect("runtime")
}

/// Stops the organization trail as `actor`.
fn stop_org_trail(actor: &SdkConfig) {
    rt().block_on(async {
        aws_sdk_cloudtrail::Client::new(actor)
            .stop_logging()
            .name(format!(
                "arn:aws:cloudtrail:us-east-1:{MANAGEMENT_ACCOUNT_ID}:trail/{ORG_TRAIL}"
            ))
            .send()
            .await
            .expect("stop logging");
    });
}

fn break_glass(endpoint: &str) -> SdkConfig {
    rt().block_on(assumed_role(
        endpoint,
        MANAGEMENT_ACCOUNT_ID,
        "BreakGlass",
        "alice",
    ))
    .expect("role")
}

fn rows_of<'a>(
    rows: &'a [BTreeMap<String, String>],
    check: &str,
) -> Vec<&'a BTreeMap<String, String>> {
    rows.iter().filter(|r| r["check_id"] == check).collect()
}

fn org(emu: &trailaudit_testkit::Emulator, seeded: &Seeded, test: &str) -> Run {
    let run = audit(emu, seeded, test, &["org", "--regions", "us-east-1"]);
    assert!(
        run.code == 0 || run.code == 1,
        "exit {}; stderr:\n{}",
        run.code,
        run.stderr
    );
    run
}

#[test]
fn an_organization_trail_stopped_by_a_named_role_is_reported_with_role_session_and_time() {
    let emu = shared().expect("emulator");
    let seeded = seed(&emu, &bundled("clean"));
    // Last month's run: covered, nothing to attribute.
    let last = org(&emu, &seeded, "history-last-month");
    assert!(rows_of(&last.csv("findings.csv"), "trail_not_logging").is_empty());
    let before = chrono::Utc::now() - chrono::Duration::seconds(2);
    stop_org_trail(&break_glass(&emu.endpoint()));
    let after = chrono::Utc::now() + chrono::Duration::seconds(2);

    let previous = last.out_dir.join("snapshot.json");
    let run = audit(
        &emu,
        &seeded,
        "history-stopped",
        &[
            "org",
            "--regions",
            "us-east-1",
            "--previous",
            previous.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 1, "stderr:\n{}", run.stderr);
    let rows = run.csv("findings.csv");
    let stopped = rows_of(&rows, "trail_not_logging");
    assert_eq!(stopped.len(), 1, "{rows:#?}");
    let row = stopped[0];
    assert_eq!(row["changed_by"], "role/BreakGlass (session alice)");
    let at: chrono::DateTime<chrono::Utc> = row["changed_at"].parse().expect("changed_at");
    assert!(before <= at && at <= after, "{at} not in {before}..{after}");
    assert!(
        row["change"].contains(&format!(
            "StopLogging by role/BreakGlass (session alice) (arn:aws:sts::{MANAGEMENT_ACCOUNT_ID}:assumed-role/BreakGlass/alice)"
        )) && row["change"].contains("from 127.0.0.1"),
        "{}",
        row["change"]
    );
    assert!(row["since"].starts_with("since "), "{}", row["since"]);
    // Every member account-region it left unrecorded names the same change.
    let lost = rows_of(&rows, "region_not_logged");
    assert_eq!(lost.len(), 4, "management + 3 members: {rows:#?}");
    for r in &lost {
        assert_eq!(r["changed_by"], "role/BreakGlass (session alice)", "{r:?}");
        assert_eq!(r["changed_at"], row["changed_at"]);
    }
    // One lookup for the trail, not one per cell.
    let snap = run.snapshot();
    let h = snap.history.as_ref().expect("history looked up");
    let stops: Vec<_> = h
        .queries
        .iter()
        .filter(|q| q.event_name == "StopLogging")
        .collect();
    assert_eq!(stops.len(), 1, "{:#?}", h.queries);
    assert_eq!(stops[0].account_id, MANAGEMENT_ACCOUNT_ID);
    assert_eq!(stops[0].region, "us-east-1");
    assert!(snap.api_calls["cloudtrail:LookupEvents"] >= 1);
    assert_eq!(
        u64::from(h.lookups),
        snap.api_calls["cloudtrail:LookupEvents"]
    );

    let md = std::fs::read_to_string(run.out_dir.join("report.md")).unwrap();
    assert!(md.contains("## Who changed coverage"), "{md}");
    let line = md
        .lines()
        .find(|l| l.contains("StopLogging on arn:aws:cloudtrail:us-east-1:123456789012:trail/org-trail by role/BreakGlass (session alice)"))
        .unwrap_or_else(|| panic!("no timeline line: {md}"));
    assert!(
        line.contains("region_not_logged")
            && line.contains("trail_not_logging")
            && line.contains("in 4 account-region(s)"),
        "{line}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.out_dir.join("report.json")).unwrap())
            .unwrap();
    let f = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check_id"] == "trail_not_logging")
        .unwrap();
    assert_eq!(f["changed_by"], "role/BreakGlass (session alice)");
    assert_eq!(f["attribution"]["change"]["session"], "alice");
    // The month-over-month comparison: what changed coverage this month.
    let timeline = json["changes"]["timeline"].as_array().expect("timeline");
    assert_eq!(timeline.len(), 1, "{timeline:#?}");
    assert_eq!(timeline[0]["event_name"], "StopLogging");
    assert_eq!(timeline[0]["actor"], "role/BreakGlass (session alice)");
    assert_eq!(timeline[0]["account_regions"], 4);
    let this_month = md
        .split("### What changed coverage this month")
        .nth(1)
        .unwrap_or_else(|| panic!("no timeline in the comparison: {md}"));
    assert!(
        this_month.contains("StopLogging on arn:aws:cloudtrail:us-east-1:123456789012:trail/org-trail by role/BreakGlass (session alice)"),
        "{this_month}"
    );
    let html = std::fs::read_to_string(run.out_dir.join("report.html")).unwrap();
    assert!(
        html.contains("<h2 id=\"changed-this-month\">What changed coverage this month</h2>")
            && html.contains("role/BreakGlass (session alice)"),
        "no timeline in report.html"
    );
    let ocsf: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(run.out_dir.join("findings.ocsf.json")).unwrap(),
    )
    .unwrap();
    let ev = ocsf
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["finding_info"]["types"][0] == "trail_not_logging")
        .unwrap();
    assert_eq!(ev["actor"]["session"]["uid"], "alice");
    assert_eq!(
        ev["actor"]["session"]["issuer"],
        format!("arn:aws:iam::{MANAGEMENT_ACCOUNT_ID}:role/BreakGlass")
    );
    assert!(
        run.stdout.contains("event history: ")
            && run.stdout.contains("finding(s) attributed to a change"),
        "{}",
        run.stdout
    );

    // `audit why` about an event in a member after the stop names the stop.
    let member = seeded.id("workload-a");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_audit"))
        .args([
            "why",
            "--account",
            member,
            "--event-name",
            "RunInstances",
            "--event-source",
            "ec2.amazonaws.com",
            "--region",
            "us-east-1",
            "--time",
            &after.to_rfc3339(),
            "--endpoint-url",
            &emu.endpoint(),
        ])
        .envs(seeded.audit_env(&emu.endpoint()))
        .output()
        .expect("audit why");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("who changed the trails (event history):")
            && out.contains("before the event: StopLogging by role/BreakGlass (session alice)"),
        "{out}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn a_lifecycle_rule_shortened_by_another_principal_names_that_principal_and_the_days() {
    let emu = shared().expect("emulator");
    let seeded = seed(&emu, &bundled("clean"));
    let archive = seeded.id("log-archive").to_string();
    let admin = rt()
        .block_on(iam_user(&emu.endpoint(), &archive, "storage-admin"))
        .expect("user");
    rt().block_on(async {
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&admin)
                .force_path_style(true)
                .build(),
        );
        trailaudit_testkit::seed::expire_after(
            &s3,
            "clean-org-cloudtrail-logs",
            "save-money",
            "",
            30,
        )
        .await
        .expect("put lifecycle");
    });
    let run = org(&emu, &seeded, "history-lifecycle");
    let rows = run.csv("findings.csv");
    let short = rows_of(&rows, "retention_short");
    assert_eq!(short.len(), 1, "{rows:#?}");
    assert_eq!(short[0]["changed_by"], "user/storage-admin");
    assert!(
        short[0]["change"].contains(&format!(
            "PutBucketLifecycle (expiration after 30 days) by user/storage-admin (arn:aws:iam::{archive}:user/storage-admin)"
        )),
        "{}",
        short[0]["change"]
    );
    // Looked up where S3 records it: the bucket owner's account, the bucket's region.
    let snap = run.snapshot();
    let q = snap
        .history
        .as_ref()
        .unwrap()
        .query(&archive, "us-east-1", "PutBucketLifecycle")
        .expect("lifecycle query");
    assert_eq!(q.resources, vec!["clean-org-cloudtrail-logs".to_string()]);
}

#[test]
fn a_change_older_than_the_history_says_so() {
    let emu = shared().expect("emulator");
    let seeded = seed(&emu, &bundled("clean"));
    stop_org_trail(&break_glass(&emu.endpoint()));
    // The stop happened 91 days ago: out of the history's reach.
    emu.age_history(MANAGEMENT_ACCOUNT_ID, 91).expect("age");
    let run = org(&emu, &seeded, "history-older");
    let rows = run.csv("findings.csv");
    let stopped = rows_of(&rows, "trail_not_logging");
    assert_eq!(stopped.len(), 1);
    assert_eq!(stopped[0]["changed_by"], "", "never a guessed actor");
    assert_eq!(stopped[0]["changed_at"], "");
    assert!(
        stopped[0]["change"]
            .starts_with("no such change (StopLogging) in the 90 days of event history"),
        "{}",
        stopped[0]["change"]
    );
    assert!(
        stopped[0]["since"].starts_with("since before "),
        "{}",
        stopped[0]["since"]
    );
    let md = std::fs::read_to_string(run.out_dir.join("report.md")).unwrap();
    assert!(md.contains("in the 90 days of event history"), "{md}");
    assert!(!md.contains("## Who changed coverage"), "{md}");
}

#[test]
fn event_history_denied_is_unknown_and_a_permission_gap_never_a_guessed_actor() {
    let emu = shared().expect("emulator");
    let mut scenario = bundled("clean");
    scenario.management.deny_actions = vec!["cloudtrail:LookupEvents".into()];
    let seeded = seed(&emu, &scenario);
    // The change is made with enforcement off (the role's policy allows it
    // anyway), then the auditor is denied the history.
    emu.set_iam_enforcement(false).unwrap();
    stop_org_trail(&break_glass(&emu.endpoint()));
    emu.set_iam_enforcement(true).unwrap();
    let run = org(&emu, &seeded, "history-denied");
    let rows = run.csv("findings.csv");
    let stopped = rows_of(&rows, "trail_not_logging");
    assert_eq!(stopped.len(), 1, "{rows:#?}");
    assert_eq!(stopped[0]["changed_by"], "");
    assert!(
        stopped[0]["change"]
            .starts_with("event history not readable (cloudtrail:LookupEvents: AccessDenied"),
        "{}",
        stopped[0]["change"]
    );
    // (No start from the history; a run beside it may bound it: below.)
    assert!(
        !stopped[0]["since"].starts_with("since 2"),
        "{}",
        stopped[0]["since"]
    );
    let gaps = rows_of(&rows, "permission_gap");
    assert!(
        gaps.iter().any(|g| g["account_id"] == MANAGEMENT_ACCOUNT_ID
            && g["message"].contains("cloudtrail:LookupEvents")),
        "{gaps:#?}"
    );
    let snap: Snapshot = run.snapshot();
    let snap_finished = snap.finished_at;
    assert!(snap
        .history
        .unwrap()
        .queries
        .iter()
        .filter(|q| q.account_id == MANAGEMENT_ACCOUNT_ID)
        .all(|q| matches!(q.answer, HistoryAnswer::Unreadable { .. })));

    // A month later, still unreadable: the gap began before the run that
    // already had it open.
    let previous = run.out_dir.join("snapshot.json");
    let again = audit(
        &emu,
        &seeded,
        "history-denied-again",
        &[
            "org",
            "--regions",
            "us-east-1",
            "--previous",
            previous.to_str().unwrap(),
        ],
    );
    let rows = again.csv("findings.csv");
    let stopped = rows_of(&rows, "trail_not_logging");
    assert_eq!(stopped[0]["changed_by"], "");
    assert!(
        stopped[0]["since"].starts_with(&format!(
            "since before {} (open in the previous run",
            trailaudit_model::utc(snap_finished)
        )),
        "{}",
        stopped[0]["since"]
    );

    // --no-history: no lookup, no attribution, no gap for it.
    let quiet = audit(
        &emu,
        &seeded,
        "history-none",
        &["org", "--regions", "us-east-1", "--no-history"],
    );
    assert_eq!(quiet.code, 1, "stderr:\n{}", quiet.stderr);
    let snap = quiet.snapshot();
    assert!(snap.history.is_none());
    assert!(!snap.api_calls.contains_key("cloudtrail:LookupEvents"));
    let rows = quiet.csv("findings.csv");
    assert!(rows.iter().all(|r| r["change"].is_empty()), "{rows:#?}");
    assert!(!rows
        .iter()
        .any(|g| g["check_id"] == "permission_gap" && g["message"].contains("LookupEvents")));
    assert!(!quiet.stdout.contains("event history:"), "{}", quiet.stdout);
}

#[test]
fn throttling_is_absorbed_and_the_answer_is_the_same() {
    let emu = shared().expect("emulator");
    let seeded = seed(&emu, &bundled("clean"));
    let actor = break_glass(&emu.endpoint());
    stop_org_trail(&actor);
    rt().block_on(async {
        aws_sdk_cloudtrail::Client::new(&actor)
            .update_trail()
            .name(ORG_TRAIL)
            .enable_log_file_validation(false)
            .send()
            .await
            .expect("update trail");
    });
    let attributed = |run: &Run| -> Vec<(String, String, String)> {
        run.csv("findings.csv")
            .into_iter()
            .filter(|r| !r["changed_by"].is_empty())
            .map(|r| {
                (
                    r["check_id"].clone(),
                    r["changed_by"].clone(),
                    r["change"].clone(),
                )
            })
            .collect()
    };
    let calm = org(&emu, &seeded, "history-calm");
    // Another caller shares the account-region's quota: 1 request a second
    // is left, and the audit's 2 a second are throttled.
    emu.set_lookup_rate(1).unwrap();
    let busy = org(&emu, &seeded, "history-throttled");
    let h = busy.snapshot().history.unwrap();
    assert!(h.throttled > 0, "no request was throttled: {h:#?}");
    assert!(h
        .queries
        .iter()
        .all(|q| matches!(q.answer, HistoryAnswer::Read { .. })));
    let (a, b) = (attributed(&calm), attributed(&busy));
    assert!(
        a.iter().any(|(c, _, d)| c == "log_validation_off"
            && d.contains("UpdateTrail (enableLogFileValidation=false)")),
        "{a:#?}"
    );
    assert_eq!(a, b);
}

/// The compat layer's LookupEvents, through the real SDK: lookup
/// attributes, time range, paging, newest first, errors and the quota.
#[test]
fn the_emulator_answers_lookup_events_as_aws_does() {
    use aws_sdk_cloudtrail::types::{LookupAttribute, LookupAttributeKey};
    let emu = shared().expect("emulator");
    let _seeded = seed(&emu, &bundled("clean"));
    let cfg = trailaudit_testkit::seed::emulator_config(
        &emu.endpoint(),
        trailaudit_testkit::seed::management_credentials(),
    );
    let ct = aws_sdk_cloudtrail::Client::from_conf(
        aws_sdk_cloudtrail::config::Builder::from(&cfg)
            .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(1))
            .build(),
    );
    let by = |k: LookupAttributeKey, v: &str| {
        LookupAttribute::builder()
            .attribute_key(k)
            .attribute_value(v)
            .build()
            .unwrap()
    };
    rt().block_on(async {
        for _ in 0..3 {
            ct.stop_logging().name(ORG_TRAIL).send().await.unwrap();
            ct.start_logging().name(ORG_TRAIL).send().await.unwrap();
        }
        // Paging: 3 stops, 2 a page, newest first.
        let p1 = ct
            .lookup_events()
            .lookup_attributes(by(LookupAttributeKey::EventName, "StopLogging"))
            .max_results(2)
            .send()
            .await
            .unwrap();
        assert_eq!(p1.events().len(), 2);
        let t = p1.next_token().expect("a second page").to_string();
        assert!(p1.events()[0].event_time() >= p1.events()[1].event_time());
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        let p2 = ct
            .lookup_events()
            .lookup_attributes(by(LookupAttributeKey::EventName, "StopLogging"))
            .max_results(2)
            .next_token(t)
            .send()
            .await
            .unwrap();
        assert_eq!(p2.events().len(), 1);
        assert!(p2.next_token().is_none());
        // The unknown key acts as the account's root; the record is CloudTrail's.
        let e = &p2.events()[0];
        assert_eq!(e.username(), Some("root"));
        assert_eq!(e.event_source(), Some("cloudtrail.amazonaws.com"));
        let record: serde_json::Value =
            serde_json::from_str(e.cloud_trail_event().unwrap()).unwrap();
        assert_eq!(record["userIdentity"]["type"], "Root");
        assert_eq!(record["requestParameters"]["name"], ORG_TRAIL);
        assert_eq!(record["awsRegion"], "us-east-1");
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        // By resource name; a time range after them finds nothing.
        let named = ct
            .lookup_events()
            .lookup_attributes(by(LookupAttributeKey::ResourceName, ORG_TRAIL))
            .send()
            .await
            .unwrap();
        assert!(named.events().len() >= 6, "{:?}", named.events());
        assert!(named.events().iter().all(|e| e
            .resources()
            .iter()
            .any(|r| r.resource_name() == Some(ORG_TRAIL))));
        let later = ct
            .lookup_events()
            .start_time(aws_sdk_cloudtrail::primitives::DateTime::from_secs(
                chrono::Utc::now().timestamp() + 3600,
            ))
            .end_time(aws_sdk_cloudtrail::primitives::DateTime::from_secs(
                chrono::Utc::now().timestamp() + 7200,
            ))
            .send()
            .await
            .unwrap();
        assert!(later.events().is_empty());
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        // MaxResults above 50 is refused.
        let err = ct.lookup_events().max_results(51).send().await.unwrap_err();
        assert_eq!(
            aws_sdk_cloudtrail::error::ProvideErrorMetadata::code(&err),
            Some("InvalidMaxResultsException")
        );
        // Past 2 requests a second in one account-region: ThrottlingException.
        let west = aws_sdk_cloudtrail::Client::from_conf(
            aws_sdk_cloudtrail::config::Builder::from(&cfg)
                .region(aws_config::Region::new("eu-west-1"))
                .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(1))
                .build(),
        );
        let mut codes = Vec::new();
        for _ in 0..3 {
            codes.push(match west.lookup_events().send().await {
                Ok(_) => "ok".to_string(),
                Err(e) => aws_sdk_cloudtrail::error::ProvideErrorMetadata::code(&e)
                    .unwrap_or("?")
                    .to_string(),
            });
        }
        assert_eq!(codes, vec!["ok", "ok", "ThrottlingException"]);
    });
}

/// A key disabled in its account and region, and trusted access for
/// CloudTrail disabled in Organizations (recorded in us-east-1 of the
/// management account): both name the role that did it.
#[test]
fn a_disabled_key_and_disabled_trusted_access_name_who_did_it() {
    let emu = shared().expect("emulator");
    let seeded = seed(&emu, &bundled("clean"));
    let actor = break_glass(&emu.endpoint());
    rt().block_on(async {
        let kms = aws_sdk_kms::Client::new(&actor);
        let keys = kms.list_keys().send().await.unwrap();
        let mut disabled = 0;
        for k in keys.keys() {
            let id = k.key_id().unwrap();
            let d = kms.describe_key().key_id(id).send().await.unwrap();
            if d.key_metadata().and_then(|m| m.description())
                == Some("trailaudit scenario key org-trail-key")
            {
                kms.disable_key().key_id(id).send().await.unwrap();
                disabled += 1;
            }
        }
        assert_eq!(disabled, 1, "the organization trail's key");
        aws_sdk_organizations::Client::new(&actor)
            .disable_aws_service_access()
            .service_principal("cloudtrail.amazonaws.com")
            .send()
            .await
            .unwrap();
    });
    let run = org(&emu, &seeded, "history-key-and-access");
    let rows = run.csv("findings.csv");
    for check in ["kms_key_unusable", "org_trail_not_reaching_members"] {
        let found = rows_of(&rows, check);
        assert_eq!(found.len(), 1, "{check}: {rows:#?}");
        assert_eq!(
            found[0]["changed_by"], "role/BreakGlass (session alice)",
            "{check}: {}",
            found[0]["change"]
        );
    }
    // The members the organization trail no longer reaches name it too.
    let lost: Vec<_> = rows_of(&rows, "region_not_logged")
        .into_iter()
        .filter(|r| r["account_id"] != MANAGEMENT_ACCOUNT_ID)
        .collect();
    assert_eq!(lost.len(), 3, "the 3 members: {rows:#?}");
    for r in &lost {
        assert!(
            r["change"].starts_with("changed: DisableAWSServiceAccess")
                && r["changed_by"] == "role/BreakGlass (session alice)",
            "{r:?}"
        );
    }
    let snap = run.snapshot();
    let h = snap.history.unwrap();
    let access = h
        .query(
            MANAGEMENT_ACCOUNT_ID,
            "us-east-1",
            "DisableAWSServiceAccess",
        )
        .expect("looked up in us-east-1 of the management account");
    assert_eq!(
        access.resources,
        vec!["cloudtrail.amazonaws.com".to_string()]
    );
}
