//! `audit verify --integrity` end to end on the emulator. moto writes no
//! log or digest files and has no ListPublicKeys: the test kit's delivery
//! model writes the log files of a first `audit org` run, its digest writer
//! (`trailaudit_testkit::digests`) writes four hours of chained digests per
//! account-region signed with a test key pair, and the compatibility layer
//! serves that key's public half as CloudTrail's (documented with the other
//! compat answers). Then the archive is tampered with, one account-region
//! per kind of tampering, and the real binary judges it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, Duration, DurationRound, Utc};
use serde_json::{json, Value};
use trailaudit_model::{IntegrityDepth, IntegrityVerdict, Snapshot};
use trailaudit_testkit::delivery::deliver;
use trailaudit_testkit::digests::{link, put, put_digest, write_chain, Chain, SigningKey, Written};
use trailaudit_testkit::emulator::shared;
use trailaudit_testkit::proxy::Proxy;
use trailaudit_testkit::seed::emulator_s3;
use trailaudit_testkit::{bundled, Emulator, Seeded};

use crate::{out_dir, seed};

const REGIONS: &str = "us-east-1,eu-west-1";
const HOURS: usize = 4;

fn s3(emu: &Emulator) -> aws_sdk_s3::Client {
    emulator_s3(&emu.endpoint())
}

struct Archive {
    seeded: Seeded,
    first: PathBuf,
    start: DateTime<Utc>,
    /// Per account-region: its chain and the digests written.
    chains: Vec<(Chain, Vec<Written>)>,
}

/// The clean organization audited once through the recording proxy, its
/// calls delivered as log files, and `HOURS` hours of digests ending with
/// the current hour written for every account-region of the org trail.
fn archive(emu: &Emulator, name: &str) -> Archive {
    let seeded = seed(emu, &bundled("clean"));
    let dir = out_dir(&format!("integrity-{name}"));
    let proxy = Proxy::recording(emu.port()).expect("proxy");
    let first = dir.join("first");
    let o = Command::new(env!("CARGO_BIN_EXE_audit"))
        .args([
            "org",
            "--regions",
            REGIONS,
            "--endpoint-url",
            &proxy.endpoint(),
        ])
        .arg("--out-dir")
        .arg(&first)
        .current_dir(&dir)
        .envs(seeded.audit_env(&proxy.endpoint()))
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap();
    assert!(
        o.status.code().unwrap_or(9) < 2,
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    if seeded.iam_enforced {
        emu.set_iam_enforcement(false).unwrap();
    }
    let delivered = rt
        // Two hours ago: the files land inside the digests' hours whatever
        // the minute now (a delivery at :58 is keyed in the next hour).
        .block_on(deliver(&emu.endpoint(), &proxy.seen(), Duration::hours(2)))
        .unwrap();
    assert!(!delivered.files.is_empty());
    let now = Utc::now();
    let start = now.duration_trunc(Duration::hours(1)).unwrap() - Duration::hours(HOURS as i64 - 1);
    // The emulator's trail started logging when it was seeded: the run saw
    // it logging since a day before the digests begin (as a trail that has
    // long been logging would be).
    let path = first.join("snapshot.json");
    let mut snap = Snapshot::from_json(&std::fs::read_to_string(&path).unwrap()).unwrap();
    for t in &mut snap.trails {
        if let trailaudit_model::Fact::Collected { value } = &mut t.status {
            value.start_logging_time = Some(start - Duration::days(1));
        }
    }
    let mut out = Vec::new();
    snap.write_json(&mut out).unwrap();
    std::fs::write(&path, out).unwrap();
    let plan =
        trailaudit_checks::integrity::plan(&snap, start, now, IntegrityDepth::Digests, None, 0);
    let client = s3(emu);
    let mut chains = Vec::new();
    for (c, t) in plan.integrity.cells.iter().zip(&plan.targets) {
        let t = t.as_ref().expect("the org trail validates");
        let chain = Chain {
            bucket: c.bucket.clone(),
            root: c
                .digest_prefix
                .strip_suffix(&format!("{}/CloudTrail-Digest/{}/", c.account_id, c.region))
                .unwrap()
                .to_string(),
            account: c.account_id.clone(),
            region: c.region.clone(),
            trail_name: t.trail_name.clone(),
            home_region: t.home_region.clone(),
        };
        // The scenario's placeholder digest objects are not CloudTrail's.
        rt.block_on(async {
            let listed = client
                .list_objects_v2()
                .bucket(&chain.bucket)
                .prefix(chain.digest_prefix())
                .send()
                .await
                .unwrap();
            for k in listed.contents().iter().filter_map(|o| o.key()) {
                client
                    .delete_object()
                    .bucket(&chain.bucket)
                    .key(k)
                    .send()
                    .await
                    .unwrap();
            }
        });
        let written = rt
            .block_on(write_chain(
                &client,
                &chain,
                start,
                HOURS,
                &SigningKey::test(),
            ))
            .unwrap();
        chains.push((chain, written));
    }
    Archive {
        seeded,
        first: first.join("snapshot.json"),
        start,
        chains,
    }
}

struct Verified {
    code: i32,
    output: String,
    snapshot: Snapshot,
    dir: PathBuf,
}

impl Verified {
    /// Verdict names by `account region`.
    fn verdicts(&self) -> BTreeMap<String, String> {
        self.snapshot
            .integrity
            .as_ref()
            .expect("an integrity check")
            .cells
            .iter()
            .map(|c| {
                (
                    format!("{} {}", c.account_id, c.region),
                    c.verdict.name().to_string(),
                )
            })
            .collect()
    }

    fn findings(&self, check: &str) -> Vec<BTreeMap<String, String>> {
        let mut r = csv::Reader::from_path(self.dir.join("findings.csv")).unwrap();
        r.deserialize::<BTreeMap<String, String>>()
            .map(|x| x.unwrap())
            .filter(|x| x["check_id"] == check)
            .collect()
    }
}

fn verify(emu: &Emulator, a: &Archive, snapshot: &Path, depth: &str, name: &str) -> Verified {
    let dir = out_dir(&format!("integrity-{name}-verify"));
    let o = Command::new(env!("CARGO_BIN_EXE_audit"))
        .args(["verify", "--snapshot"])
        .arg(snapshot)
        .args(["--integrity", depth, "--from", &a.start.to_rfc3339()])
        .args(["--endpoint-url", &emu.endpoint(), "--out-dir"])
        .arg(&dir)
        .envs(a.seeded.audit_env(&emu.endpoint()))
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap();
    let output = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let snapshot = Snapshot::from_json(
        &std::fs::read_to_string(dir.join("snapshot.json"))
            .unwrap_or_else(|e| panic!("no snapshot ({e}):\n{output}")),
    )
    .unwrap();
    Verified {
        code: o.status.code().unwrap_or(-1),
        output,
        snapshot,
        dir,
    }
}

fn cell(a: &Archive, i: usize) -> String {
    format!("{} {}", a.chains[i].0.account, a.chains[i].0.region)
}

#[test]
fn every_kind_of_tampering_is_its_own_verdict_and_an_untouched_archive_is_intact() {
    let emu = shared().expect("emulator");
    let a = archive(&emu, "kinds");
    assert!(a.chains.len() >= 6, "{} account-regions", a.chains.len());
    let v = verify(&emu, &a, &a.first, "digests", "intact");
    assert_eq!(v.code, 0, "{}", v.output);
    assert!(
        v.verdicts().values().all(|x| x == "intact"),
        "{:?}\n{}",
        v.verdicts(),
        v.output
    );
    assert!(
        v.output.contains("digests read and verified"),
        "{}",
        v.output
    );
    let cells = &v.snapshot.integrity.as_ref().unwrap().cells;
    assert!(
        cells.iter().all(|c| c.digests_read as usize == HOURS),
        "{cells:#?}"
    );
    assert!(cells.iter().map(|c| c.log_files_checked).sum::<u32>() > 0);

    let client = s3(&emu);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let with_log = |i: usize| a.chains[i].1.iter().flat_map(|w| w.logs.clone()).next();
    // Roles: two account-regions whose digests list a log file, then any.
    let (logged, rest): (Vec<usize>, Vec<usize>) =
        (0..a.chains.len()).partition(|&i| with_log(i).is_some());
    assert!(
        logged.len() >= 2,
        "log files delivered in two account-regions"
    );
    let order: Vec<usize> = logged[..2]
        .iter()
        .chain(&rest)
        .chain(&logged[2..])
        .copied()
        .collect();
    let cell = |k: usize| cell(&a, order[k]);
    let chain = |k: usize| &a.chains[order[k]];
    // 0: a log file deleted.
    let deleted = with_log(order[0]).expect("a log file");
    // 1: a log file rewritten.
    let modified = with_log(order[1]).expect("a log file");
    let (c2, w2) = chain(2);
    let (c3, w3) = chain(3);
    let (c4, w4) = chain(4);
    rt.block_on(async {
        client
            .delete_object()
            .bucket(&chain(0).0.bucket)
            .key(&deleted)
            .send()
            .await
            .unwrap();
        put(
            &client,
            &chain(1).0.bucket,
            &modified,
            r#"{"Records":[{"eventName":"RewrittenAfterDelivery"}]}"#,
            None,
        )
        .await
        .unwrap();
        // 2: two consecutive hours' digests deleted.
        for w in &w2[1..3] {
            client
                .delete_object()
                .bucket(&c2.bucket)
                .key(&w.key)
                .send()
                .await
                .unwrap();
        }
        // 3: a digest re-signed with a key CloudTrail never had.
        let w = &w3[1];
        put_digest(
            &client,
            c3,
            w.end - Duration::hours(1),
            w.end,
            Some(link(&w3[0])),
            w.json["logFiles"].as_array().unwrap().clone(),
            &SigningKey::other(),
        )
        .await
        .unwrap();
        // 4: a digest signed by CloudTrail's key that names another
        // previous signature: the chain is broken there.
        let w = &w4[2];
        let mut wrong = link(&w4[1]);
        wrong.1 = "ab".repeat(256);
        put_digest(
            &client,
            c4,
            w.end - Duration::hours(1),
            w.end,
            Some(wrong),
            w.json["logFiles"].as_array().unwrap().clone(),
            &SigningKey::test(),
        )
        .await
        .unwrap();
    });
    let v = verify(&emu, &a, &a.first, "digests", "tampered");
    assert_eq!(v.code, 1, "{}", v.output);
    let got = v.verdicts();
    assert_eq!(got[&cell(0)], "log_file_deleted", "{got:?}");
    // Without downloading, a rewritten file still exists: only `full` sees it.
    assert_eq!(got[&cell(1)], "intact", "{got:?}");
    assert_eq!(got[&cell(2)], "digest_missing", "{got:?}");
    assert_eq!(got[&cell(3)], "signature_invalid", "{got:?}");
    assert_eq!(got[&cell(4)], "chain_broken", "{got:?}");
    assert_eq!(got[&cell(5)], "intact", "{got:?}");
    // Both missing hours named, not one gap.
    let gaps = v.findings("digest_gap");
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert!(
        gaps[0]["message"].starts_with("2 hour(s) without a digest"),
        "{gaps:?}"
    );
    assert_eq!(gaps[0]["severity"], "high");
    let tampered = v.findings("log_files_tampered");
    assert_eq!(tampered.len(), 3, "{tampered:?}");
    assert!(tampered
        .iter()
        .all(|f| f["severity"] == "critical" && f["status"] == "fail"));
    assert!(
        tampered.iter().any(|f| f["message"].contains(&deleted)),
        "{tampered:?}"
    );
    let md = std::fs::read_to_string(v.dir.join("report.md")).unwrap();
    assert!(
        md.contains("log_files_tampered"),
        "report.md names the finding"
    );
    assert!(
        md.contains("**Integrity:** integrity of"),
        "report.md has the summary"
    );
    let html = std::fs::read_to_string(v.dir.join("report.html")).unwrap();
    assert!(html.contains("id=\"integrity\""));
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(v.dir.join("report.json")).unwrap()).unwrap();
    assert_eq!(
        json["summary"]["integrity"]["verdicts"]["log_file_deleted"], 1,
        "{}",
        json["summary"]
    );
    assert_eq!(
        json["summary"]["integrity"]["verdicts"]["digest_missing"],
        1
    );
    let ocsf = std::fs::read_to_string(v.dir.join("findings.ocsf.json")).unwrap();
    assert!(ocsf.contains("log_files_tampered"));

    let v = verify(&emu, &a, &a.first, "full", "full");
    assert_eq!(v.verdicts()[&cell(1)], "log_file_modified", "{}", v.output);
    assert!(v.output.contains("MB/s"), "{}", v.output);
    assert!(v
        .findings("log_files_tampered")
        .iter()
        .any(|f| f["message"].contains(&modified)));
}

#[test]
fn validation_off_is_not_validated_and_an_unreadable_archive_is_unknown() {
    let emu = shared().expect("emulator");
    let a = archive(&emu, "unreadable");
    // The trail as the run saw it, with validation off: nothing is read.
    let mut snap: Value =
        serde_json::from_str(&std::fs::read_to_string(&a.first).unwrap()).unwrap();
    for t in snap["trails"].as_array_mut().unwrap() {
        t["log_file_validation_enabled"] = json!(false);
    }
    let off = a.first.with_file_name("validation-off.json");
    std::fs::write(&off, snap.to_string()).unwrap();
    let v = verify(&emu, &a, &off, "digests", "off");
    assert_eq!(v.code, 0, "{}", v.output);
    assert!(
        v.verdicts().values().all(|x| x == "not_validated"),
        "{:?}",
        v.verdicts()
    );
    let cells = &v.snapshot.integrity.as_ref().unwrap().cells;
    assert!(cells.iter().all(|c| c.digests_read == 0));
    let off_findings = v.findings("log_validation_off");
    assert_eq!(off_findings.len(), 1, "{off_findings:?}");
    assert!(
        off_findings[0]["message"].contains("could not verify its 8 account-region(s)"),
        "{off_findings:?}"
    );

    // The digests denied to every reader: unknown, never intact.
    let bucket = a.chains[0].0.bucket.clone();
    let client = s3(&emu);
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let p = client
            .get_bucket_policy()
            .bucket(&bucket)
            .send()
            .await
            .unwrap();
        let mut doc: Value = serde_json::from_str(p.policy().unwrap()).unwrap();
        doc["Statement"].as_array_mut().unwrap().push(json!({
            "Sid": "NoDigestReads", "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
            "Resource": format!("arn:aws:s3:::{bucket}/*CloudTrail-Digest*")
        }));
        client
            .put_bucket_policy()
            .bucket(&bucket)
            .policy(doc.to_string())
            .send()
            .await
            .unwrap();
    });
    let v = verify(&emu, &a, &a.first, "digests", "denied");
    assert_eq!(v.code, 1, "{}", v.output);
    assert!(
        v.verdicts().values().all(|x| x == "unknown"),
        "{:?}\n{}",
        v.verdicts(),
        v.output
    );
    let unknown = v.findings("log_files_tampered");
    assert!(
        !unknown.is_empty() && unknown.iter().all(|f| f["status"] == "unknown"),
        "{unknown:?}"
    );
    assert!(
        !v.snapshot.errors.is_empty(),
        "the failed reads are recorded"
    );
    assert!(
        v.output.contains("not evidence of tampering"),
        "{}",
        v.output
    );
    let cells = &v.snapshot.integrity.as_ref().unwrap().cells;
    assert!(cells
        .iter()
        .all(|c| matches!(c.verdict, IntegrityVerdict::Unknown { .. })));
}
