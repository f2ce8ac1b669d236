//! `audit why` on the emulator: one organization, one account per cause.
//! Trails on the emulator start logging when seeded, so each question is
//! asked about an event right after seeding, with `--now` later where the
//! cause depends on the event's age (delivery delay, lifecycle expiry).

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use trailaudit_testkit::emulator::shared;
use trailaudit_testkit::{Scenario, Seeded};

use crate::{audit_offline, seed};

const SCENARIO: &str = r#"
name = "why"
[[accounts]]
key = "bare"
[[accounts]]
key = "stopped"
[[accounts]]
key = "plain"
[[accounts]]
key = "blocked"
[[accounts]]
key = "short"
[[accounts]]
key = "cold"
[[accounts]]
key = "reader"
deny_actions = ["s3:ListBucket"]
[[accounts]]
key = "writer"
deny_actions = ["s3:ListBucket"]
[[accounts]]
key = "archive"
[[accounts]]
key = "found"

[[buckets]]
name = "why-stopped"
account = "stopped"
[[trails]]
name = "stopped-trail"
account = "stopped"
bucket = "why-stopped"
logging = false

[[buckets]]
name = "why-plain"
account = "plain"
[[trails]]
name = "plain-trail"
account = "plain"
multi_region = true
bucket = "why-plain"

[[buckets]]
name = "why-blocked"
account = "blocked"
policy = "cloudtrail_denied"
[[trails]]
name = "blocked-trail"
account = "blocked"
bucket = "why-blocked"

[[buckets]]
name = "why-short"
account = "short"
lifecycle = [{ id = "thirty-days", expiration_days = 30 }]
[[trails]]
name = "short-trail"
account = "short"
bucket = "why-short"

[[buckets]]
name = "why-cold"
account = "cold"
lifecycle = [{ id = "to-glacier", transition_days = 30, transition_class = "GLACIER" }]
[[trails]]
name = "cold-trail"
account = "cold"
bucket = "why-cold"

[[buckets]]
name = "why-reader"
account = "reader"
[[trails]]
name = "reader-trail"
account = "reader"
bucket = "why-reader"

[[buckets]]
name = "why-archive"
account = "archive"
[[trails]]
name = "writer-trail"
account = "writer"
bucket = "why-archive"

[[buckets]]
name = "why-found"
account = "found"
[[trails]]
name = "found-trail"
account = "found"
bucket = "why-found"
[[objects]]
trail = "found-trail"
account = "found"
region = "us-east-1"
age_hours = 0
events = ["ec2.amazonaws.com/RunInstances"]
"#;

fn rfc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

struct Ask<'a> {
    emu: &'a trailaudit_testkit::Emulator,
    seeded: &'a Seeded,
    t: DateTime<Utc>,
}

impl Ask<'_> {
    /// Runs `audit why`; returns (cause, text output). With `json`, the cause
    /// comes from `--json` and the text run is checked to agree.
    fn ask(
        &self,
        account: &str,
        event: &str,
        region: &str,
        later: Duration,
        json: bool,
    ) -> (String, String) {
        let base = |json: bool| {
            let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_audit"));
            cmd.args([
                "why",
                "--account",
                self.seeded.id(account),
                "--event-name",
                event,
                "--region",
                region,
            ])
            .args([
                "--time",
                &rfc(self.t),
                "--now",
                &rfc(self.t + later),
                "--endpoint-url",
                &self.emu.endpoint(),
            ])
            .envs(self.seeded.audit_env(&self.emu.endpoint()));
            if json {
                cmd.arg("--json");
            }
            let o = cmd.output().expect("run audit why");
            assert_eq!(
                o.status.code(),
                Some(0),
                "{account}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            String::from_utf8_lossy(&o.stdout).to_string()
        };
        let text = base(false);
        let cause = text
            .strip_prefix("verdict: ")
            .and_then(|l| l.split(':').next())
            .unwrap_or_default()
            .to_string();
        if json {
            let v: serde_json::Value = serde_json::from_str(&base(true)).expect("json");
            assert_eq!(
                v["verdict"]["cause"].as_str(),
                Some(cause.as_str()),
                "--json and text disagree"
            );
            let first_holding = v["checklist"]
                .as_array()
                .and_then(|c| c.iter().find(|x| x["result"] == "holds"))
                .map(|x| x["cause"].as_str().unwrap_or_default().to_string());
            if cause != "found" && cause != "unknown" {
                assert_eq!(first_holding.as_deref(), Some(cause.as_str()), "{v:#}");
            }
        }
        (cause, text)
    }
}

/// (account key, event, region, asked how long after, expected cause, expected location).
type Case<'a> = (&'a str, &'a str, &'a str, Duration, &'a str, Option<String>);

#[test]
fn every_cause_on_the_emulator() {
    let emu = shared().expect("emulator");
    let seeded = seed(&emu, &Scenario::parse(SCENARIO, "why.toml").unwrap());
    let t = Utc::now();
    let a = Ask {
        emu: &emu,
        seeded: &seeded,
        t,
    };
    let day = t.format("%Y/%m/%d").to_string();
    let loc = |bucket: &str, key: &str| {
        format!(
            "s3://{bucket}/AWSLogs/{}/CloudTrail/us-east-1/{day}/",
            seeded.id(key)
        )
    };
    let minutes20 = Duration::minutes(20);

    let cases: Vec<Case> = vec![
        (
            "bare",
            "RunInstances",
            "us-east-1",
            minutes20,
            "no_trail",
            None,
        ),
        (
            "stopped",
            "RunInstances",
            "us-east-1",
            minutes20,
            "not_logging",
            Some(loc("why-stopped", "stopped")),
        ),
        (
            "plain",
            "GetObject",
            "us-east-1",
            minutes20,
            "not_selected",
            Some(loc("why-plain", "plain")),
        ),
        (
            "plain",
            "CreateUser",
            "eu-west-1",
            minutes20,
            "wrong_region",
            Some(loc("why-plain", "plain")),
        ),
        (
            "plain",
            "RunInstances",
            "us-east-1",
            Duration::minutes(3),
            "too_recent",
            Some(loc("why-plain", "plain")),
        ),
        (
            "blocked",
            "RunInstances",
            "us-east-1",
            minutes20,
            "delivery_failing",
            Some(loc("why-blocked", "blocked")),
        ),
        (
            "short",
            "RunInstances",
            "us-east-1",
            Duration::days(60),
            "expired",
            Some(loc("why-short", "short")),
        ),
        (
            "cold",
            "RunInstances",
            "us-east-1",
            Duration::days(60),
            "archived",
            Some(loc("why-cold", "cold")),
        ),
        (
            "writer",
            "RunInstances",
            "us-east-1",
            minutes20,
            "other_account_bucket",
            Some(loc("why-archive", "writer")),
        ),
        (
            "reader",
            "RunInstances",
            "us-east-1",
            minutes20,
            "access_denied",
            Some(loc("why-reader", "reader")),
        ),
        (
            "found",
            "RunInstances",
            "us-east-1",
            minutes20,
            "found",
            Some(loc("why-found", "found")),
        ),
        (
            "plain",
            "RunInstances",
            "us-east-1",
            minutes20,
            "unknown",
            Some(loc("why-plain", "plain")),
        ),
    ];
    let mut failures = Vec::new();
    for (i, (account, event, region, later, want, location)) in cases.into_iter().enumerate() {
        let (cause, text) = a.ask(account, event, region, later, i == 0 || want == "found");
        if cause != want {
            failures.push(format!(
                "{account} {event} {region}: want {want}, got {cause}\n{text}"
            ));
            continue;
        }
        assert!(text.starts_with(&format!("verdict: {want}")), "{text}");
        if let Some(l) = location {
            assert!(
                text.contains(&l),
                "{account}: expected location {l} in\n{text}"
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn bad_questions_exit_2_with_a_clear_message() {
    let future = rfc(Utc::now() + Duration::days(2));
    let bad_file = std::env::temp_dir().join("trailaudit-bad-event.txt");
    std::fs::write(&bad_file, "this is not an event").unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![
                "--account".into(),
                "12345".into(),
                "--event-name".into(),
                "X".into(),
                "--time".into(),
                "2026-01-01T00:00:00Z".into(),
            ],
            "not an AWS account id",
        ),
        (
            vec![
                "--account".into(),
                "123456789012".into(),
                "--event-name".into(),
                "CreateUser".into(),
                "--time".into(),
                future,
            ],
            "in the future",
        ),
        (
            vec![
                "--account".into(),
                "123456789012".into(),
                "--event-name".into(),
                "X".into(),
                "--time".into(),
                "yesterday".into(),
            ],
            "not an RFC 3339 time",
        ),
        (
            vec!["--event-file".into(), bad_file.display().to_string()],
            "neither a CloudTrail record",
        ),
        (
            vec![
                "--account".into(),
                "123456789012".into(),
                "--event-name".into(),
                "RunInstances".into(),
                "--time".into(),
                "2026-01-01T00:00:00Z".into(),
            ],
            "--region is needed",
        ),
    ];
    for (args, message) in cases {
        let mut full = vec!["why".to_string()];
        full.extend(args);
        let refs: Vec<&str> = full.iter().map(String::as_str).collect();
        let (code, _, stderr) = audit_offline(&refs);
        assert_eq!(code, 2, "{full:?}: {stderr}");
        assert!(stderr.contains(message), "{full:?}: {stderr}");
    }
}

/// `--athena` offline, from a stored snapshot (the demo's): the table over
/// the organization trail's archive and the query for one member's event.
#[test]
fn athena_table_and_query_from_a_snapshot() {
    let snap = trailaudit_testkit::emulator::workspace_root()
        .join("crates/report/tests/fixtures/demo.snapshot.json")
        .to_string_lossy()
        .to_string();
    let (code, out, err) = crate::audit_offline(&[
        "why",
        "--from-snapshot",
        &snap,
        "--account",
        "937452991241",
        "--region",
        "eu-west-1",
        "--event-name",
        "RunInstances",
        "--time",
        "2026-11-21T23:50:00Z",
        "--athena",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("CREATE EXTERNAL TABLE IF NOT EXISTS cloudtrail_"),
        "{out}"
    );
    assert!(
        out.contains("/AWSLogs/o-hbrpoig8f1/${account}/CloudTrail/${region}/${timestamp}"),
        "{out}"
    );
    assert!(
        out.contains("account = '937452991241'") && out.contains("region = 'eu-west-1'"),
        "{out}"
    );
    // Delivery can cross midnight: the next day's partition is included.
    assert!(
        out.contains("\"timestamp\" BETWEEN '2026/11/21' AND '2026/11/22'"),
        "{out}"
    );
}
