//! Proof of delivery end to end: a first `audit org` run through the
//! recording proxy leaves its footprints (its own read calls); the testkit's
//! delivery model (`trailaudit_testkit::delivery`: the emulator never writes
//! log files) turns the recorded requests into CloudTrail log files for the
//! trails that record them, as configured after whatever the case changes;
//! a second run with `--verify-previous` looks for the first run's
//! footprints. A healthy organization verifies every covered cell; a trail
//! stopped after the first run, a bucket policy that started denying
//! CloudTrail, a lifecycle rule that expired the footprints, and an archive
//! the auditor cannot read each give their own finding. `audit why` finds
//! a footprint in the delivered files (its `found` cause).

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::Duration;
use serde_json::Value;
use trailaudit_model::{Snapshot, VerifyOutcome};
use trailaudit_testkit::delivery::{age_snapshot, deliver, Delivered};
use trailaudit_testkit::emulator::shared;
use trailaudit_testkit::proxy::Proxy;
use trailaudit_testkit::seed::{emulator_config, management_credentials};
use trailaudit_testkit::{bundled, Emulator, Seeded};

use crate::{out_dir, seed};

const REGIONS: &str = "us-east-1,eu-west-1";
const BUCKET: &str = "clean-org-cloudtrail-logs";

struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
    dir: PathBuf,
    delivered: Delivered,
    first: Snapshot,
    /// What the second run sent (through the proxy).
    sent: Vec<trailaudit_testkit::proxy::Seen>,
}

impl Outcome {
    fn snapshot(&self) -> Snapshot {
        Snapshot::from_json(&std::fs::read_to_string(self.dir.join("snapshot.json")).unwrap())
            .unwrap()
    }
    fn report(&self) -> Value {
        serde_json::from_str(&std::fs::read_to_string(self.dir.join("report.json")).unwrap())
            .unwrap()
    }
    fn findings(&self, check: &str) -> Vec<String> {
        let mut r = csv::Reader::from_path(self.dir.join("findings.csv")).unwrap();
        r.deserialize::<std::collections::BTreeMap<String, String>>()
            .map(|x| x.unwrap())
            .filter(|x| x["check_id"] == check && x["status"] != "suppressed")
            .map(|x| x["message"].clone())
            .collect()
    }
    fn outcomes(&self) -> Vec<VerifyOutcome> {
        let v = self.snapshot().verification.expect("a verification");
        v.cells.into_iter().map(|c| c.outcome).collect()
    }
    /// `audit verify --snapshot FIRST` (no new audit): exit code and output.
    fn verify_alone(&self, emu: &Emulator, seeded: &Seeded) -> (i32, String) {
        let first = self.dir.parent().unwrap().join("first/snapshot.json");
        let o = Command::new(env!("CARGO_BIN_EXE_audit"))
            .args(["verify", "--snapshot"])
            .arg(&first)
            .args(["--endpoint-url", &emu.endpoint()])
            .envs(seeded.audit_env(&emu.endpoint()))
            .env_remove("AWS_PROFILE")
            .output()
            .unwrap();
        (
            o.status.code().unwrap_or(-1),
            format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            ),
        )
    }
    fn context(&self) -> String {
        format!(
            "exit {}\n{}\n{}\ndelivered: {:?}",
            self.code, self.stdout, self.stderr, self.delivered
        )
    }
}

fn run_audit(
    regions: &str,
    endpoint: &str,
    seeded: &Seeded,
    cwd: &Path,
    out: &Path,
    extra: &[&str],
) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_audit"))
        .args(["org", "--regions", regions, "--endpoint-url", endpoint])
        .arg("--out-dir")
        .arg(out)
        .args(extra)
        .current_dir(cwd)
        .envs(seeded.audit_env(endpoint))
        .env_remove("AWS_PROFILE")
        .output()
        .expect("run audit");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).to_string(),
        String::from_utf8_lossy(&o.stderr).to_string(),
    )
}

/// Seeds the clean organization, runs the first audit through the proxy,
/// applies `change`, delivers the first run's requests as if made `age`
/// ago, then runs the second audit with `--verify-previous`.
fn two_runs(
    emu: &Emulator,
    name: &str,
    scenario: &str,
    regions: &str,
    change: impl FnOnce(&Emulator, &Seeded),
    age: Duration,
    extra: &[&str],
) -> (Outcome, Seeded) {
    let seeded = seed(emu, &bundled(scenario));
    let base = out_dir(&format!("verify-{name}"));
    let reports = base.join("reports");
    let proxy = Proxy::recording(emu.port()).expect("proxy");
    let (code, out, err) = run_audit(
        regions,
        &proxy.endpoint(),
        &seeded,
        &base,
        &reports.join("first"),
        &[],
    );
    assert!(code < 2, "first run: {out}\n{err}");
    let seen = proxy.seen();
    change(emu, &seeded);
    let rt = tokio::runtime::Runtime::new().unwrap();
    // CloudTrail is not subject to the auditor's IAM restrictions: the
    // model reads and writes as the emulator's root.
    if seeded.iam_enforced {
        emu.set_iam_enforcement(false).unwrap();
    }
    let delivered = rt
        .block_on(deliver(&emu.endpoint(), &seen, age))
        .expect("delivery model");
    if seeded.iam_enforced {
        emu.set_iam_enforcement(true).unwrap();
    }
    let first_path = reports.join("first/snapshot.json");
    if age > Duration::zero() {
        age_snapshot(&first_path, age).expect("age the first run");
    }
    let first = Snapshot::from_json(&std::fs::read_to_string(&first_path).unwrap()).unwrap();
    let second = reports.join("second");
    let mut args = vec!["--verify-previous"];
    args.extend_from_slice(extra);
    let before = proxy.seen().len();
    let (code, stdout, stderr) =
        run_audit(regions, &proxy.endpoint(), &seeded, &base, &second, &args);
    let sent = proxy.seen()[before..].to_vec();
    (
        Outcome {
            code,
            stdout,
            stderr,
            dir: second,
            delivered,
            first,
            sent,
        },
        seeded,
    )
}

fn with_s3<T>(emu: &Emulator, f: impl AsyncFnOnce(aws_sdk_s3::Client) -> T) -> T {
    let s3 = trailaudit_testkit::seed::emulator_s3(&emu.endpoint());
    tokio::runtime::Runtime::new().unwrap().block_on(f(s3))
}

/// Adds a statement to the log bucket's policy.
fn add_statement(emu: &Emulator, statement: Value) {
    with_s3(emu, async |s3| {
        let p = s3.get_bucket_policy().bucket(BUCKET).send().await.unwrap();
        let mut doc: Value = serde_json::from_str(p.policy().unwrap()).unwrap();
        doc["Statement"].as_array_mut().unwrap().push(statement);
        s3.put_bucket_policy()
            .bucket(BUCKET)
            .policy(doc.to_string())
            .send()
            .await
            .unwrap();
    })
}

#[test]
fn a_healthy_organization_verifies_every_covered_cell_and_why_finds_a_footprint() {
    let emu = shared().expect("emulator");
    let (o, seeded) = two_runs(
        &emu,
        "healthy",
        "clean",
        REGIONS,
        |_, _| {},
        Duration::zero(),
        &[],
    );
    assert_eq!(o.code, 0, "{}", o.context());
    assert!(
        o.delivered.blocked.is_empty() && !o.delivered.files.is_empty(),
        "{:?}",
        o.delivered
    );
    let report = o.report();
    let v = &report["summary"]["verification"];
    let covered = v["covered"].as_u64().unwrap();
    assert_eq!(covered, 8, "4 accounts x 2 regions covered: {v}");
    assert_eq!(v["verified"], covered, "{v}");
    assert_eq!(v["looked_for"], covered, "{v}");
    assert!(
        o.stdout
            .contains("8 of 8 covered account-regions verified by delivered footprints"),
        "{}",
        o.context()
    );
    // The evidence: the object key under the organization trail's prefix.
    let s = o.snapshot();
    let org = s.organization_id().unwrap().to_string();
    let ver = s.verification.as_ref().unwrap();
    assert_eq!(ver.destinations.len(), 1, "the organization trail's bucket");
    for c in &ver.cells {
        let VerifyOutcome::Verified { file } = &c.outcome else {
            panic!("{c:?}");
        };
        assert_eq!(
            ver.prefix(c),
            format!(
                "org/AWSLogs/{org}/{}/CloudTrail/{}/",
                c.account_id, c.region
            )
        );
        assert!(
            file.starts_with(&format!(
                "{}/{}_CloudTrail_{}_",
                c.sent_at.format("%Y/%m/%d"),
                c.account_id,
                c.region
            )) && file.ends_with(".json.gz"),
            "{file}"
        );
        assert!(c.lists >= 1 && c.gets >= 1, "{c:?}");
    }
    let (lists, gets) = (v["lists"].as_u64().unwrap(), v["gets"].as_u64().unwrap());
    println!("verify calls for {covered} cells: {lists} ListObjectsV2, {gets} GetObject");
    assert!(
        lists <= 2 * covered && gets <= 3 * covered,
        "bounded calls: {lists} lists, {gets} gets"
    );
    // Every format says verified.
    let md = std::fs::read_to_string(o.dir.join("report.md")).unwrap();
    assert!(md.contains("**Proof of delivery:** 8 of 8"), "{md}");
    let html = std::fs::read_to_string(o.dir.join("report.html")).unwrap();
    assert!(
        html.contains("id=\"verification\"") && html.contains("verified (footprint delivered)")
    );
    let mut rd = csv::Reader::from_path(o.dir.join("coverage.csv")).unwrap();
    let rows: Vec<std::collections::BTreeMap<String, String>> =
        rd.deserialize().map(|r| r.unwrap()).collect();
    let mr: Vec<_> = rows
        .iter()
        .filter(|r| r["event_class"] == "management_read")
        .collect();
    assert_eq!(mr.len(), 8);
    assert!(mr.iter().all(|r| r["state"] == "verified"), "{mr:?}");
    assert!(rows
        .iter()
        .filter(|r| r["event_class"] == "management_write")
        .all(|r| r["state"] == "covered"));
    assert!(o.findings("footprints_not_delivered").is_empty());
    // Verification sends only reads (the proxy names every operation).
    let lists = o
        .sent
        .iter()
        .filter(|x| x.operation == "ListObjectsV2")
        .count();
    let gets = o.sent.iter().filter(|x| x.operation == "GetObject").count();
    assert_eq!(
        (lists as u64, gets as u64),
        (v["lists"].as_u64().unwrap(), v["gets"].as_u64().unwrap())
    );
    for x in &o.sent {
        assert!(
            ["Describe", "Get", "List", "Lookup", "Head", "AssumeRole"]
                .iter()
                .any(|p| x.operation.starts_with(p)),
            "not a read: {x:?}"
        );
    }
    let (code, text) = o.verify_alone(&emu, &seeded);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.starts_with("8 of 8 covered account-regions verified"),
        "{text}"
    );

    // `audit why` for one footprint: found, in the delivered file.
    let member = seeded.id("workload-a");
    let f = o
        .first
        .account(member)
        .unwrap()
        .regions
        .iter()
        .find(|r| r.region == "eu-west-1")
        .and_then(|r| r.footprint.clone())
        .unwrap();
    let w = Command::new(env!("CARGO_BIN_EXE_audit"))
        .args(["why", "--account", member, "--region", "eu-west-1"])
        .args([
            "--event-name",
            "DescribeTrails",
            "--event-source",
            "cloudtrail.amazonaws.com",
        ])
        .args(["--time", &f.sent_at.to_rfc3339(), "--json"])
        .args(["--endpoint-url", &emu.endpoint()])
        .envs(seeded.audit_env(&emu.endpoint()))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&w.stdout);
    let j: Value = serde_json::from_str(&text)
        .unwrap_or_else(|_| panic!("{text}\n{}", String::from_utf8_lossy(&w.stderr)));
    assert_eq!(j["verdict"]["cause"], "found", "{j:#}");
    assert!(
        j["verdict"]["summary"]
            .as_str()
            .unwrap()
            .contains(&format!("/{member}/CloudTrail/eu-west-1/")),
        "{j:#}"
    );
}

#[test]
fn a_trail_stopped_after_the_previous_run_is_not_delivered() {
    let emu = shared().expect("emulator");
    let (o, seeded) = two_runs(
        &emu,
        "stopped",
        "clean",
        REGIONS,
        |emu, seeded| {
            stop_org_trail(emu, seeded);
        },
        Duration::zero(),
        &[],
    );
    assert!(
        o.delivered.files.is_empty(),
        "a stopped trail delivers nothing: {:?}",
        o.delivered
    );
    let f = o.findings("footprints_not_delivered");
    assert_eq!(
        f.len(),
        4,
        "one finding per account whose footprints are missing: {f:?}\n{}",
        o.context()
    );
    for m in &f {
        assert!(
            m.contains("in 2 of 2 account-region(s) checked (")
                && m.contains("stopped logging at")
                && m.contains("before the footprints were delivered")
                && m.contains("(trail org-trail, for example"),
            "{m}"
        );
        // With an example footprint made as the principal that made it.
        assert!(m.starts_with("footprints of the run of"), "{m}");
    }
    // Members' footprints were made as the audit role's session, the
    // management account's as the auditor itself.
    assert_eq!(
        f.iter()
            .filter(|m| m.contains(":assumed-role/OrganizationAccountAccessRole/trailaudit"))
            .count(),
        3,
        "{f:?}"
    );
    assert_eq!(
        f.iter()
            .filter(|m| m.contains(":user/trailaudit-auditor"))
            .count(),
        1,
        "{f:?}"
    );
    let rows = {
        let mut r = csv::Reader::from_path(o.dir.join("findings.csv")).unwrap();
        r.deserialize::<std::collections::BTreeMap<String, String>>()
            .map(|x| x.unwrap())
            .filter(|x| x["check_id"] == "footprints_not_delivered")
            .collect::<Vec<_>>()
    };
    // Filed against each account whose footprints are missing, never the
    // management account alone; every missing account-region is named in
    // findings.csv and report.md.
    let mut accounts: Vec<&str> = rows.iter().map(|r| r["account_id"].as_str()).collect();
    accounts.sort();
    let mut want: Vec<&str> = seeded.accounts.values().map(String::as_str).collect();
    want.sort();
    assert_eq!(accounts, want);
    let md = std::fs::read_to_string(o.dir.join("report.md")).unwrap();
    for c in o.snapshot().verification.unwrap().cells {
        let named = |text: &str| {
            text.lines().any(|l| {
                l.contains("footprints_not_delivered")
                    && l.contains(&c.account_id)
                    && l.contains(&c.region)
            })
        };
        assert!(named(&md), "{} {} not in report.md", c.account_id, c.region);
        assert!(
            rows.iter()
                .any(|r| r["account_id"] == c.account_id && r["message"].contains(&c.region)),
            "{} {} not in findings.csv",
            c.account_id,
            c.region
        );
    }
    assert!(o
        .outcomes()
        .iter()
        .all(|x| matches!(x, VerifyOutcome::NotFound { .. })));
    assert!(o.findings("footprints_expired").is_empty());
    assert_eq!(o.code, 1, "{}", o.context());
    // Alone, the causes come from the verified run's configuration (the
    // trail was logging then): not delivered, cause not in it.
    let (code, text) = o.verify_alone(&emu, &seeded);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("footprints_not_delivered (high)")
            && text.contains("no cause shows in the configuration"),
        "{text}"
    );
}

#[test]
fn a_bucket_policy_that_started_denying_cloudtrail_is_not_delivered() {
    let (o, _) = two_runs(
        &shared().expect("emulator"),
        "denied",
        "clean",
        REGIONS,
        |emu, _| {
            add_statement(
                emu,
                serde_json::json!({"Sid": "NoMoreCloudTrail", "Effect": "Deny",
                    "Principal": {"Service": "cloudtrail.amazonaws.com"},
                    "Action": "s3:PutObject", "Resource": format!("arn:aws:s3:::{BUCKET}/*")}),
            )
        },
        Duration::zero(),
        &[],
    );
    assert!(
        o.delivered.files.is_empty() && !o.delivered.blocked.is_empty(),
        "{:?}",
        o.delivered
    );
    let f = o.findings("footprints_not_delivered");
    assert_eq!(f.len(), 4, "one per account: {f:?}\n{}", o.context());
    assert!(
        f[0].contains(&format!(
            "the policy of bucket {BUCKET} does not let CloudTrail write"
        )),
        "{}",
        f[0]
    );
    assert!(!o.findings("bucket_policy_blocks_delivery").is_empty());
}

#[test]
fn a_lifecycle_rule_that_expired_the_footprints_is_its_own_finding() {
    let (o, _) = two_runs(
        &shared().expect("emulator"),
        "expired",
        "clean",
        REGIONS,
        |emu, _| {
            with_s3(emu, async |s3| {
                trailaudit_testkit::seed::expire_after(&s3, BUCKET, "thirty-days", "org/", 30)
                    .await
                    .unwrap();
            })
        },
        Duration::days(40),
        &[],
    );
    assert!(
        o.delivered.files.is_empty() && !o.delivered.expired.is_empty(),
        "{:?}",
        o.delivered
    );
    let f = o.findings("footprints_expired");
    assert_eq!(f.len(), 4, "one per account: {f:?}\n{}", o.context());
    assert!(
        f[0].contains("lifecycle rule thirty-days")
            && f[0].contains("after 30 day(s); the footprints are 40 day(s) old"),
        "{}",
        f[0]
    );
    assert!(
        o.findings("footprints_not_delivered").is_empty(),
        "{}",
        o.context()
    );
}

#[test]
fn an_archive_the_auditor_cannot_read_is_a_permission_gap_and_a_sample_is_spread() {
    let (o, _) = two_runs(
        &shared().expect("emulator"),
        "unreadable",
        "clean",
        REGIONS,
        |emu, _| {
            add_statement(
                emu,
                serde_json::json!({"Sid": "NobodyReads", "Effect": "Deny", "Principal": "*",
                    "Action": "s3:GetObject", "Resource": format!("arn:aws:s3:::{BUCKET}/*")}),
            )
        },
        Duration::zero(),
        &["--sample", "3"],
    );
    assert!(!o.delivered.files.is_empty(), "{:?}", o.delivered);
    let outcomes = o.outcomes();
    let looked: Vec<_> = outcomes
        .iter()
        .filter(|x| !matches!(x, VerifyOutcome::NotSampled))
        .collect();
    assert_eq!(
        looked.len(),
        3,
        "--sample 3 for the one destination: {outcomes:?}"
    );
    assert!(
        looked
            .iter()
            .all(|x| matches!(x, VerifyOutcome::Unreadable { .. })),
        "{outcomes:?}"
    );
    let gaps = o.findings("permission_gap");
    assert!(
        gaps.iter().any(|g| g.contains("s3:GetObject")),
        "{gaps:?}\n{}",
        o.context()
    );
    assert!(
        o.findings("footprints_not_delivered").is_empty(),
        "unreadable is not undelivered"
    );
    let v = &o.report()["summary"]["verification"];
    assert_eq!(
        (v["unreadable"].as_u64(), v["not_sampled"].as_u64()),
        (Some(3), Some(5)),
        "{v}"
    );
}

#[test]
fn verify_previous_without_an_earlier_run_is_refused() {
    let emu = shared().expect("emulator");
    let seeded = seed(&emu, &bundled("clean"));
    let base = out_dir("verify-none");
    let (code, out, err) = run_audit(
        REGIONS,
        &emu.endpoint(),
        &seeded,
        &base,
        &base.join("reports/only"),
        &["--verify-previous"],
    );
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(
        err.contains("--verify-previous: no earlier snapshot.json"),
        "{err}"
    );
    assert!(
        !base.join("reports/only/snapshot.json").exists(),
        "nothing written"
    );
    let (code, _, err) = run_audit(
        REGIONS,
        &emu.endpoint(),
        &seeded,
        &base,
        &base.join("reports/zero"),
        &["--verify-previous", "--sample", "0"],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--sample must be at least 1"), "{err}");
}

/// The cost of verification on the bundled demo organization (every
/// enabled region): list and get calls per account-region looked for,
/// counted by the tool and by its call guard (which names calls by their
/// IAM action: ListObjectsV2 is `s3:ListBucket`).
#[test]
fn demo_verification_costs_about_one_list_and_one_get_per_cell() {
    let emu = shared().expect("emulator");
    let (o, _) = two_runs(
        &emu,
        "demo",
        "demo",
        "all",
        |_, _| {},
        Duration::zero(),
        &[],
    );
    assert!(o.code < 2, "{}", o.context());
    let report = o.report();
    let v = &report["summary"]["verification"];
    let n = |k: &str| v[k].as_u64().unwrap();
    let looked = n("looked_for");
    assert!(looked > 50, "{v}");
    println!(
        "demo: {} account-regions looked for, {} verified, {} not delivered, {} expired, {} unreadable; {} ListObjectsV2 and {} GetObject ({:.2} and {:.2} per cell)",
        looked,
        n("found"),
        n("not_delivered"),
        n("expired"),
        n("unreadable"),
        n("lists"),
        n("gets"),
        n("lists") as f64 / looked as f64,
        n("gets") as f64 / looked as f64
    );
    assert!(
        n("found") > 0
            && n("found") + n("not_delivered") + n("expired") + n("unreadable") + n("failed")
                == looked,
        "{v}"
    );
    assert!(
        n("lists") <= 2 * looked && n("gets") <= 3 * looked,
        "bounded: {v}"
    );
    let calls = &o.snapshot().api_calls;
    assert_eq!(
        calls.get("s3:ListBucket").copied(),
        Some(n("lists")),
        "{calls:?}"
    );
    assert_eq!(
        calls.get("s3:GetObject").copied().unwrap_or(0),
        n("gets"),
        "{calls:?}"
    );
}

/// Stops the `clean` organization's organization trail.
fn stop_org_trail(emu: &Emulator, seeded: &Seeded) {
    let ct = aws_sdk_cloudtrail::Client::new(&emulator_config(
        &emu.endpoint(),
        management_credentials(),
    ));
    let arn = format!(
        "arn:aws:cloudtrail:us-east-1:{}:trail/org-trail",
        seeded.id("management")
    );
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(ct.stop_logging().name(arn).send())
        .unwrap();
}

/// Makes the first run's archive busy: `files` more log files in the hour
/// after every footprint of the organization trail's account-regions (as a
/// busy account-region delivers them, `trailaudit_testkit::delivery::busy_prefix`).
fn make_busy(emu: &Emulator, name: &str, files: usize) {
    let first = trailaudit_testkit::emulator::workspace_root()
        .join("target/e2e-out")
        .join(format!("verify-{name}"))
        .join("reports/first/snapshot.json");
    let snap = Snapshot::from_json(&std::fs::read_to_string(first).unwrap()).unwrap();
    let org_trail = snap
        .trails
        .iter()
        .find(|t| t.is_organization_trail)
        .expect("the organization trail");
    with_s3(emu, async |s3| {
        for a in &snap.accounts {
            for r in &a.regions {
                let Some(f) = &r.footprint else { continue };
                trailaudit_testkit::delivery::busy_prefix(
                    &s3,
                    BUCKET,
                    &snap.trail_log_prefix(org_trail, &a.id, &r.region),
                    &a.id,
                    &r.region,
                    f.sent_at,
                    files,
                )
                .await
                .unwrap();
            }
        }
    });
}

#[test]
fn a_busy_archive_costs_at_most_the_cap_and_a_search_it_stops_is_unknown() {
    const FILES: usize = 300;
    let emu = shared().expect("emulator");
    // Footprints delivered among 300 other files each: found, within the cap.
    let (o, _) = two_runs(
        &emu,
        "busy",
        "clean",
        REGIONS,
        |emu, _| make_busy(emu, "busy", FILES),
        Duration::zero(),
        &[],
    );
    let v = o.snapshot().verification.expect("a verification");
    assert_eq!(v.cells.len(), 8);
    for c in &v.cells {
        assert!(
            matches!(c.outcome, VerifyOutcome::Verified { .. }),
            "{c:?}\n{}",
            o.context()
        );
        assert!(
            c.gets >= 1 && c.gets <= trailaudit_model::FILES_OPENED_CAP,
            "{c:?}"
        );
    }
    assert!(o.findings("footprints_not_delivered").is_empty());

    // The trail stopped: nothing delivered, 300 other files each. The search
    // stops at the cap, and says so: unknown, not "not delivered".
    emu.reset().expect("reset the emulator");
    let (o, seeded) = two_runs(
        &emu,
        "busy-stopped",
        "clean",
        REGIONS,
        |emu, seeded| {
            make_busy(emu, "busy-stopped", FILES);
            stop_org_trail(emu, seeded);
        },
        Duration::zero(),
        &[],
    );
    let v = o.snapshot().verification.expect("a verification");
    for c in &v.cells {
        // Every file of the hour after it is listed (those of the batch
        // delivered past the hour are not), a hundred opened.
        assert!(
            matches!(c.outcome, VerifyOutcome::NotFound { listed, opened }
                if listed > 250 && listed <= FILES as u32 && opened == trailaudit_model::FILES_OPENED_CAP),
            "{c:?}"
        );
        assert!(c.outcome.capped());
        assert_eq!(c.gets, trailaudit_model::FILES_OPENED_CAP);
    }
    let rows: Vec<_> = {
        let mut r = csv::Reader::from_path(o.dir.join("findings.csv")).unwrap();
        r.deserialize::<std::collections::BTreeMap<String, String>>()
            .map(|x| x.unwrap())
            .filter(|x| x["check_id"] == "footprints_not_delivered")
            .collect()
    };
    assert_eq!(rows.len(), seeded.accounts.len(), "{rows:#?}");
    for r in &rows {
        assert_eq!(r["status"], "unknown", "{r:?}");
        assert!(
            r["message"].contains("only the first 100 of ")
                && r["message"].contains("(the cap per account-region)"),
            "{}",
            r["message"]
        );
    }
}

/// With digest files (the trail validates log files; the test kit writes
/// them, moto does not), a busy archive costs a few reads per account-region:
/// the digests of the hour after the footprint name the log files whose
/// event times hold it, and only those are opened. When the footprint was
/// not delivered, the digests say so without the cap: not delivered, not
/// unknown.
#[test]
fn digests_find_footprints_in_a_few_reads_on_a_busy_archive() {
    use trailaudit_testkit::digests::{write_chain, Chain, SigningKey};
    const FILES: usize = 300;
    let emu = shared().expect("emulator");
    let seeded = seed(&emu, &bundled("clean"));
    let name = "busy-digests";
    let base = out_dir(&format!("verify-{name}"));
    let first = base.join("reports/first");
    let proxy = Proxy::recording(emu.port()).expect("proxy");
    let (code, out, err) = run_audit(REGIONS, &proxy.endpoint(), &seeded, &base, &first, &[]);
    assert!(code < 2, "{out}\n{err}");
    make_busy(&emu, name, FILES);
    if seeded.iam_enforced {
        emu.set_iam_enforcement(false).unwrap();
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    let delivered = rt
        .block_on(deliver(&emu.endpoint(), &proxy.seen(), Duration::zero()))
        .unwrap();
    let snap = Snapshot::from_json(&std::fs::read_to_string(first.join("snapshot.json")).unwrap())
        .unwrap();
    let org = snap
        .trails
        .iter()
        .find(|t| t.is_organization_trail)
        .unwrap();
    let write_digests = || {
        with_s3(&emu, async |s3| {
            for a in &snap.accounts {
                for r in &a.regions {
                    let Some(f) = &r.footprint else { continue };
                    let prefix = snap.trail_log_prefix(org, &a.id, &r.region);
                    let chain = Chain {
                        bucket: BUCKET.into(),
                        root: prefix
                            .strip_suffix(&format!("{}/CloudTrail/{}/", a.id, r.region))
                            .unwrap()
                            .to_string(),
                        account: a.id.clone(),
                        region: r.region.clone(),
                        trail_name: org.name.clone(),
                        home_region: org.home_region.clone(),
                    };
                    use chrono::DurationRound;
                    let start = f.sent_at.duration_trunc(Duration::hours(1)).unwrap();
                    write_chain(&s3, &chain, start, 3, &SigningKey::test())
                        .await
                        .unwrap();
                }
            }
        });
    };
    write_digests();
    let verify = || {
        let o = Command::new(env!("CARGO_BIN_EXE_audit"))
            .args(["verify", "--snapshot"])
            .arg(first.join("snapshot.json"))
            .args(["--json", "-q", "--endpoint-url", &emu.endpoint()])
            .envs(seeded.audit_env(&emu.endpoint()))
            .env_remove("AWS_PROFILE")
            .output()
            .unwrap();
        let v: trailaudit_model::Verification = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)));
        (o.status.code().unwrap_or(-1), v)
    };
    let (code, v) = verify();
    assert_eq!(code, 0);
    assert_eq!(v.cells.len(), 8);
    for c in &v.cells {
        assert!(matches!(c.outcome, VerifyOutcome::Verified { .. }), "{c:?}");
        assert!(
            c.gets >= 1 && c.gets <= 3,
            "at most 3 log files opened: {c:?}"
        );
        assert!(
            c.digests >= 1 && c.digests <= 3,
            "digests counted apart: {c:?}"
        );
    }
    // The footprints gone (as if never delivered): the digests list no file
    // that holds them; a handful of reads, not the cap, and not unknown.
    with_s3(&emu, async |s3| {
        for url in &delivered.files {
            let (bucket, key) = url.trim_start_matches("s3://").split_once('/').unwrap();
            s3.delete_object()
                .bucket(bucket)
                .key(key)
                .send()
                .await
                .unwrap();
        }
    });
    let (code, v) = verify();
    assert_eq!(code, 1);
    for c in &v.cells {
        assert!(
            matches!(c.outcome, VerifyOutcome::NotFound { .. }) && !c.outcome.capped(),
            "{c:?}"
        );
        assert!(c.gets <= 3, "{c:?}");
    }
}
