//! Proof for security teams: only read-only operations leave the process,
//! faults never turn into "covered", interrupted runs say so, secrets never
//! reach outputs, and misuse gets a clear message and exit 2. A recording,
//! fault-injecting proxy (`trailaudit_testkit::proxy`) sits between `audit`
//! and the emulator and sees every request independently of the tool.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use trailaudit_collect::allowlist;
use trailaudit_testkit::emulator::shared;
use trailaudit_testkit::proxy::{Fault, Proxy};
use trailaudit_testkit::{bundled, Seeded};

use crate::{audit_offline, out_dir, seed};

const REGIONS: &str = "us-east-1,eu-west-1";

fn run_via(
    proxy: &Proxy,
    seeded: &Seeded,
    test: &str,
    args: &[&str],
) -> (i32, String, String, std::path::PathBuf) {
    let out = out_dir(test);
    // Output goes to files, not pipes: a verbose run must never block on a full pipe.
    let logs = out_dir(&format!("{test}-logs"));
    let (so, se) = (logs.join("stdout"), logs.join("stderr"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_audit"))
        .args(args)
        .arg("--endpoint-url")
        .arg(proxy.endpoint())
        .arg("--out-dir")
        .arg(&out)
        .envs(seeded.audit_env(&proxy.endpoint()))
        .stdout(std::fs::File::create(&so).unwrap())
        .stderr(std::fs::File::create(&se).unwrap())
        .spawn()
        .expect("spawn audit");
    // Nothing may hang: every call has a timeout. Fail (not hang) after 5 minutes.
    let start = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed() > Duration::from_secs(300) {
            let _ = child.kill();
            panic!("audit {args:?} hung");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let code = child.wait().expect("wait").code().unwrap_or(-1);
    let read =
        |p: &Path| String::from_utf8_lossy(&std::fs::read(p).unwrap_or_default()).to_string();
    (code, read(&so), read(&se), out)
}

fn sdk_service(signing: &str) -> &str {
    match signing {
        "logs" => "CloudWatch Logs",
        other => other,
    }
}

#[test]
fn only_allowlisted_read_operations_are_sent_by_any_command() {
    let emu = shared().expect("emulator");
    // The demo's log file is dated an hour before seeding: ask about that
    // time (not an hour before now: the audits below take a while).
    let seeded_at = chrono::Utc::now();
    let seeded = seed(&emu, &bundled("demo"));
    let proxy = Proxy::recording(emu.port()).unwrap();
    let (code, _, err, out) = run_via(
        &proxy,
        &seeded,
        "prove-org",
        &[
            "org",
            "--regions",
            REGIONS,
            "--probe-delivery",
            "--exit-zero",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let (code, _, err, _) = run_via(
        &proxy,
        &seeded,
        "prove-account",
        &["account", "--regions", REGIONS, "--exit-zero"],
    );
    assert_eq!(code, 0, "{err}");
    // The demo holds a log file with an IAM CreateUser of the management
    // account, delivered an hour before seeding: `why` opens it (GetObject).
    let an_hour_ago = seeded_at - chrono::Duration::hours(1);
    let why = Command::new(env!("CARGO_BIN_EXE_audit"))
        .args([
            "why",
            "--account",
            seeded.id("management"),
            "--event-name",
            "CreateUser",
        ])
        .args([
            "--time",
            &an_hour_ago.to_rfc3339(),
            "--endpoint-url",
            &proxy.endpoint(),
        ])
        .envs(seeded.audit_env(&proxy.endpoint()))
        .output()
        .unwrap();
    assert_eq!(
        why.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&why.stderr)
    );
    // (The seeded trail started logging after that file's time, so the verdict
    // is not_logging; what matters here is that the file was opened and read.)
    assert!(
        String::from_utf8_lossy(&why.stdout).contains("holds the event"),
        "{}",
        String::from_utf8_lossy(&why.stdout)
    );
    let (code, _, err) = audit_offline(&[
        "report",
        "--snapshot",
        out.join("snapshot.json").to_str().unwrap(),
        "--exit-zero",
        "-q",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, policy, _) = audit_offline(&["policy"]);
    assert_eq!(code, 0);
    let seen = proxy.seen();
    assert!(
        seen.len() > 100,
        "the proxy saw the traffic: {}",
        seen.len()
    );
    let mut ops: Vec<String> = seen
        .iter()
        .map(|s| format!("{}:{}", s.service, s.operation))
        .collect();
    ops.sort();
    ops.dedup();
    for s in &seen {
        assert!(
            allowlist::is_allowed(sdk_service(&s.service), &s.operation),
            "{}:{} reached AWS but is not on the allowlist; all operations: {ops:?}",
            s.service,
            s.operation
        );
        // And every one of them is granted by the policy `audit policy` prints.
        let action = allowlist::iam_action(sdk_service(&s.service), &s.operation).unwrap();
        assert!(
            policy.contains(action),
            "{action} missing from `audit policy`"
        );
    }
    for must in [
        "cloudtrail:DescribeTrails",
        "s3:ListObjectsV2",
        "s3:GetObject",
        "sts:AssumeRole",
    ] {
        assert!(
            ops.iter().any(|o| o == must),
            "{must} not exercised; ops: {ops:?}"
        );
    }
}

fn normalized(out: &Path) -> serde_json::Value {
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("snapshot.json")).unwrap()).unwrap();
    for k in ["started_at", "finished_at", "api_calls", "arguments"] {
        v.as_object_mut().unwrap().remove(k);
    }
    // The event history's answers must agree; its clock and call counts
    // (retries included) differ.
    if let Some(h) = v["history"].as_object_mut() {
        for k in ["looked_up_at", "oldest", "lookups", "throttled", "seconds"] {
            h.remove(k);
        }
    }
    for t in v["trails"].as_array_mut().unwrap() {
        if let Some(st) = t["status"]["value"].as_object_mut() {
            st.retain(|k, _| !k.ends_with("_time"));
        }
    }
    // The audit's own calls (times, request ids) differ in every run.
    for a in v["accounts"].as_array_mut().unwrap() {
        for r in a["regions"].as_array_mut().unwrap() {
            r.as_object_mut().unwrap().remove("footprint");
        }
    }
    v
}

#[test]
fn transient_faults_change_nothing_and_persistent_ones_are_unknown_never_covered() {
    let emu = shared().expect("emulator");
    let seeded = seed(&emu, &bundled("demo"));
    let clean = Proxy::recording(emu.port()).unwrap();
    let (code, _, err, clean_out) = run_via(
        &clean,
        &seeded,
        "faults-clean",
        &["org", "--regions", REGIONS, "--exit-zero"],
    );
    assert_eq!(code, 0, "{err}");

    // Transient: the first attempt of every 7th request is throttled, answered
    // 500, dropped or slowed; one hangs until the SDK's attempt timeout. Retries
    // (attempt 2+) pass, as transient faults do.
    let flaky = Proxy::start(
        emu.port(),
        Arc::new(
            |s: &trailaudit_testkit::proxy::Seen| match (s.attempt, s.index) {
                (1, 25) => Some(Fault::Hang),
                (1, i) if i % 7 == 1 => Some(
                    [
                        Fault::Throttle,
                        Fault::ServerError,
                        Fault::Drop,
                        Fault::Latency(Duration::from_millis(300)),
                    ][(i / 7) % 4],
                ),
                _ => None,
            },
        ),
    )
    .unwrap();
    let (code, _, err, flaky_out) = run_via(
        &flaky,
        &seeded,
        "faults-transient",
        &["org", "--regions", REGIONS, "--exit-zero"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        flaky.seen().len() > clean.seen().len(),
        "faults were injected and retried"
    );
    let (a, b) = (normalized(&clean_out), normalized(&flaky_out));
    if a != b {
        let dump = |v: &serde_json::Value, n: &str| {
            std::fs::write(clean_out.join(n), serde_json::to_string_pretty(v).unwrap()).unwrap()
        };
        dump(&a, "normalized-clean.json");
        dump(&b, "normalized-flaky.json");
        panic!(
            "transient faults changed the snapshot: diff {}/normalized-*.json",
            clean_out.display()
        );
    }

    // Persistent: GetTrailStatus always fails. Nothing that depends on it is covered.
    let broken = Proxy::start(
        emu.port(),
        Arc::new(|s: &trailaudit_testkit::proxy::Seen| {
            (s.operation == "GetTrailStatus").then_some(Fault::ServerError)
        }),
    )
    .unwrap();
    let (code, _, err, out) = run_via(
        &broken,
        &seeded,
        "faults-persistent",
        &["org", "--regions", REGIONS, "--exit-zero"],
    );
    assert_eq!(code, 0, "{err}");
    let mut r = csv::Reader::from_path(out.join("coverage.csv")).unwrap();
    let cells: Vec<std::collections::BTreeMap<String, String>> =
        r.deserialize().map(|x| x.unwrap()).collect();
    assert!(!cells.is_empty());
    assert!(
        cells.iter().all(|c| c["state"] != "covered"),
        "a cell is covered although no trail status could be read"
    );
    let mw: Vec<_> = cells
        .iter()
        .filter(|c| c["event_class"] == "management_write")
        .collect();
    assert!(mw.iter().all(|c| c["state"] == "unknown"), "{mw:?}");
    assert!(
        mw.iter()
            .any(|c| c["reason"].contains("status of trail org-trail unknown")),
        "{mw:?}"
    );
}

#[test]
fn an_interrupted_run_writes_a_partial_snapshot_marked_incomplete() {
    let emu = shared().expect("emulator");
    let seeded = seed(&emu, &bundled("demo"));
    let slow = Proxy::start(
        emu.port(),
        Arc::new(|_: &trailaudit_testkit::proxy::Seen| {
            Some(Fault::Latency(Duration::from_millis(400)))
        }),
    )
    .unwrap();
    let out = out_dir("interrupted");
    let child = Command::new(env!("CARGO_BIN_EXE_audit"))
        .args([
            "org",
            "--regions",
            "all",
            "--concurrency",
            "4",
            "--endpoint-url",
            &slow.endpoint(),
            "--out-dir",
        ])
        .arg(&out)
        .envs(seeded.audit_env(&slow.endpoint()))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until collection is under way, then interrupt as Ctrl-C would.
    let start = Instant::now();
    while slow
        .seen()
        .iter()
        .filter(|s| s.operation == "DescribeTrails")
        .count()
        < 5
        && start.elapsed() < Duration::from_secs(60)
    {
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let o = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    let s = trailaudit_model::Snapshot::from_json(
        &std::fs::read_to_string(out.join("snapshot.json")).unwrap(),
    )
    .unwrap();
    assert!(!s.complete);
    assert!(s.accounts.iter().flat_map(|a| &a.regions).any(|r| matches!(
        r.status,
        trailaudit_model::RegionStatus::NotCollected { .. }
    )));
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "half-written files: {leftovers:?}");
}

#[test]
fn credentials_and_session_tokens_never_reach_logs_snapshots_or_reports() {
    let emu = shared().expect("emulator");
    let seeded = seed(&emu, &bundled("demo"));
    let proxy = Proxy::recording(emu.port()).unwrap();
    let (code, stdout, stderr, out) = run_via(
        &proxy,
        &seeded,
        "secrets",
        &[
            "org",
            "--regions",
            REGIONS,
            "--probe-delivery",
            "--exit-zero",
            "-vvv",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let mut secrets = vec![
        seeded.auditor_access_key_id.clone(),
        seeded.auditor_secret_access_key.clone(),
    ];
    for s in proxy.seen() {
        secrets.push(s.access_key.clone());
        secrets.extend(s.session_token.clone());
    }
    secrets.retain(|s| s.len() >= 16);
    secrets.sort();
    secrets.dedup();
    assert!(
        secrets.len() > 3,
        "assumed-role keys and tokens were collected from the wire"
    );
    let mut outputs = vec![
        ("stdout".to_string(), stdout),
        ("stderr".to_string(), stderr.clone()),
    ];
    for f in std::fs::read_dir(&out).unwrap().flatten() {
        outputs.push((
            f.path().display().to_string(),
            std::fs::read_to_string(f.path()).unwrap_or_default(),
        ));
    }
    assert!(stderr.len() > 1000, "-vvv produced logs to search");
    for (name, text) in &outputs {
        for secret in &secrets {
            assert!(
                !text.contains(secret.as_str()),
                "a credential ({}...) appears in {name}",
                &secret[..4]
            );
        }
    }
}

/// (arguments, environment, expected part of the message).
type Misuse<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>, &'a str);

#[test]
fn misuse_gets_a_clear_message_exit_2_and_nothing_half_written() {
    let tmp = out_dir("misuse");
    let corrupt = tmp.join("corrupt.json");
    std::fs::write(&corrupt, "{\"schema_version\": 1, \"oops\": true}").unwrap();
    let bad_policy = tmp.join("audit.toml");
    std::fs::write(&bad_policy, "[retention]\ndays = \"a year\"\n").unwrap();
    let empty_config = tmp.join("aws-config");
    std::fs::write(&empty_config, "").unwrap();
    let unwritable = "/proc/trailaudit-cannot-write-here";
    let out = tmp.join("out");
    let out_s = out.to_str().unwrap().to_string();
    let cases: Vec<Misuse> = vec![
        (
            vec![
                "org",
                "--regions",
                "us-east-1,atlantis-1",
                "--out-dir",
                &out_s,
            ],
            vec![],
            "unknown region `atlantis-1`",
        ),
        (
            vec!["org", "--accounts", "12ab", "--out-dir", &out_s],
            vec![],
            "not an AWS account id",
        ),
        (
            vec![
                "org",
                "--from-snapshot",
                "/nonexistent/snapshot.json",
                "--out-dir",
                &out_s,
            ],
            vec![],
            "cannot read the snapshot",
        ),
        (
            vec![
                "org",
                "--from-snapshot",
                corrupt.to_str().unwrap(),
                "--out-dir",
                &out_s,
            ],
            vec![],
            "not a valid trailaudit snapshot",
        ),
        (
            vec![
                "org",
                "--policy",
                bad_policy.to_str().unwrap(),
                "--out-dir",
                &out_s,
            ],
            vec![],
            "line 2",
        ),
        (vec!["org", "--out-dir", unwritable], vec![], "--out-dir"),
        (
            vec!["org", "--profile", "no-such-profile", "--out-dir", &out_s],
            vec![
                ("AWS_CONFIG_FILE", empty_config.to_str().unwrap()),
                (
                    "AWS_SHARED_CREDENTIALS_FILE",
                    empty_config.to_str().unwrap(),
                ),
                ("NO_CREDS", "1"),
            ],
            "no-such-profile",
        ),
        (
            vec!["org", "--out-dir", &out_s],
            vec![
                ("AWS_CONFIG_FILE", empty_config.to_str().unwrap()),
                (
                    "AWS_SHARED_CREDENTIALS_FILE",
                    empty_config.to_str().unwrap(),
                ),
                ("NO_CREDS", "1"),
            ],
            "aws sso login",
        ),
    ];
    for (args, env, message) in cases {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_audit"));
        cmd.args(&args)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
            .env_remove("AWS_PROFILE");
        if env.iter().any(|(k, _)| *k == "NO_CREDS") {
            cmd.env_remove("AWS_ACCESS_KEY_ID")
                .env_remove("AWS_SECRET_ACCESS_KEY")
                .env_remove("AWS_SESSION_TOKEN");
        } else {
            cmd.env("AWS_ACCESS_KEY_ID", "AKIAMISUSETEST00000")
                .env("AWS_SECRET_ACCESS_KEY", "x");
        }
        for (k, v) in env.iter().filter(|(k, _)| *k != "NO_CREDS") {
            cmd.env(k, v);
        }
        let o = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(message),
            "{args:?}: expected `{message}` in: {stderr}"
        );
        let written: Vec<_> = std::fs::read_dir(&out)
            .map(|d| d.flatten().map(|e| e.file_name()).collect())
            .unwrap_or_default();
        assert!(
            written.is_empty(),
            "{args:?} left files behind: {written:?}"
        );
    }
}
