//! The monthly schedule of docs/schedule.md, its shell step
//! (examples/monthly-audit.sh) run as the workflow runs it, against the
//! emulator: month 1 of a clean organization passes; the organization trail
//! stopped before month 2 fails the job with the new findings; month 3, with
//! nothing new since month 2, passes again although the problem persists.

use std::process::Command;

use trailaudit_testkit::emulator::{shared, workspace_root};
use trailaudit_testkit::seed::{emulator_config, management_credentials};
use trailaudit_testkit::{bundled, Emulator, Seeded};

use crate::{out_dir, seed};

fn month(
    emu: &Emulator,
    seeded: &Seeded,
    reports: &std::path::Path,
    date: &str,
) -> (i32, String, String) {
    let summary = reports.join(format!("summary-{date}.md"));
    let o = Command::new("bash")
        .arg(workspace_root().join("examples/monthly-audit.sh"))
        .current_dir(reports.parent().unwrap())
        .env("AUDIT", env!("CARGO_BIN_EXE_audit"))
        .env("REPORTS_DIR", reports)
        .env("REPORT_DATE", date)
        .env(
            "AUDIT_ARGS",
            format!(
                "--regions us-east-1,eu-west-1 --endpoint-url {}",
                emu.endpoint()
            ),
        )
        .env("GITHUB_STEP_SUMMARY", &summary)
        .envs(seeded.audit_env(&emu.endpoint()))
        .env_remove("AWS_PROFILE")
        .output()
        .expect("run the schedule step");
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    let written = std::fs::read_to_string(&summary).unwrap_or_default();
    if o.status.code().is_some_and(|c| c < 2) {
        assert!(
            written.starts_with("# "),
            "report.md goes to the job summary:\n{written}\n{err}"
        );
    }
    (o.status.code().unwrap_or(-1), out, err)
}

#[test]
fn monthly_schedule_fails_only_on_new_high_findings() {
    let emu = shared().expect("emulator");
    let seeded = seed(&emu, &bundled("clean"));
    let base = out_dir("schedule");
    let reports = base.join("reports");

    let (code, out, err) = month(&emu, &seeded, &reports, "2026-10-01");
    assert_eq!(code, 0, "a clean organization passes:\n{out}\n{err}");
    assert!(out.contains("no previous run"), "{out}");

    // Someone stops the organization trail.
    let ct = aws_sdk_cloudtrail::Client::new(&emulator_config(
        &emu.endpoint(),
        management_credentials(),
    ));
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        ct.stop_logging()
            .name(format!(
                "arn:aws:cloudtrail:us-east-1:{}:trail/org-trail",
                seeded.id("management")
            ))
            .send()
            .await
            .expect("stop logging")
    });
    let (code, out, err) = month(&emu, &seeded, &reports, "2026-11-01");
    assert_eq!(code, 1, "new high findings fail the job:\n{out}\n{err}");
    assert!(
        out.contains("comparing with the previous run") && out.contains("2026-10-01/snapshot.json"),
        "{out}"
    );
    assert!(
        out.contains("new since the previous run at or above high"),
        "{out}"
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(reports.join("2026-11-01/report.json")).unwrap())
            .unwrap();
    let new: Vec<&str> = report["changes"]["new_findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "high" || f["severity"] == "critical")
        .map(|f| f["check_id"].as_str().unwrap())
        .collect();
    assert!(new.contains(&"trail_not_logging"), "{new:?}");

    // A month later, still stopped, but nothing new: the job passes and the
    // report still lists the persisting findings.
    let (code, out, err) = month(&emu, &seeded, &reports, "2026-12-01");
    assert_eq!(code, 0, "nothing new since last month:\n{out}\n{err}");
    assert!(out.contains("2026-11-01/snapshot.json"), "{out}");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(reports.join("2026-12-01/report.json")).unwrap())
            .unwrap();
    assert!(report["changes"]["persisting_findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["check_id"] == "trail_not_logging"));

    // Old runs are pruned to KEEP_RUNS.
    let o = Command::new("bash")
        .arg(workspace_root().join("examples/monthly-audit.sh"))
        .env("AUDIT", "/bin/false")
        .env("REPORTS_DIR", &reports)
        .env("REPORT_DATE", "2027-01-01")
        .env("KEEP_RUNS", "2")
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(1),
        "the audit's exit code is the step's"
    );
    let mut runs: Vec<String> = std::fs::read_dir(&reports)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    runs.sort();
    assert_eq!(runs, ["2026-11-01", "2026-12-01"]);
}
