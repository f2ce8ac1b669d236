//! End-to-end tests: the real `audit` binary and the real AWS SDK against the
//! moto emulator over HTTP on 127.0.0.1. One emulator per test process,
//! handed to one test at a time and reset before each (see
//! `trailaudit_testkit::emulator::shared`).

mod collector;
mod findings;
mod foundation;
mod history;
mod integrity;
mod prove;
mod requirements;
mod schedule;
mod verify;
mod why;

use std::path::PathBuf;
use std::process::Command;

use trailaudit_model::Snapshot;
use trailaudit_testkit::{Emulator, Scenario, Seeded};

/// Seeds a scenario into the (reset) emulator.
pub fn seed(emu: &Emulator, scenario: &Scenario) -> Seeded {
    tokio::runtime::Runtime::new()
        .expect("runtime")
        .block_on(trailaudit_testkit::seed(emu, scenario))
        .unwrap_or_else(|e| panic!("seeding {} failed: {e:#}", scenario.name))
}

/// What one `audit` run produced.
pub struct Run {
    /// Exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// Where the run wrote its files.
    pub out_dir: PathBuf,
}

impl Run {
    /// The snapshot the run wrote.
    pub fn snapshot(&self) -> Snapshot {
        let text = std::fs::read_to_string(self.out_dir.join("snapshot.json"))
            .unwrap_or_else(|e| panic!("no snapshot ({e}); stderr:\n{}", self.stderr));
        Snapshot::from_json(&text).expect("valid snapshot")
    }

    /// Rows of a CSV report, by column name.
    pub fn csv(&self, name: &str) -> Vec<std::collections::BTreeMap<String, String>> {
        let mut r = csv::Reader::from_path(self.out_dir.join(name)).expect(name);
        r.deserialize().map(|row| row.expect("csv row")).collect()
    }
}

/// A fresh, empty directory under target/ for one test's output.
pub fn out_dir(test: &str) -> PathBuf {
    let d = trailaudit_testkit::emulator::workspace_root()
        .join("target")
        .join("e2e-out")
        .join(test);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("out dir");
    d
}

/// Runs `audit ARGS --endpoint-url EMU --out-dir DIR` as the seeded auditor.
pub fn audit(emu: &Emulator, seeded: &Seeded, test: &str, args: &[&str]) -> Run {
    let out = out_dir(test);
    let o = Command::new(env!("CARGO_BIN_EXE_audit"))
        .args(args)
        .arg("--endpoint-url")
        .arg(emu.endpoint())
        .arg("--out-dir")
        .arg(&out)
        .envs(seeded.audit_env(&emu.endpoint()))
        .env_remove("AWS_PROFILE")
        .output()
        .expect("run audit");
    Run {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).to_string(),
        stderr: String::from_utf8_lossy(&o.stderr).to_string(),
        out_dir: out,
    }
}

/// Runs `audit ARGS` with no AWS at all (for usage errors and offline commands).
pub fn audit_offline(args: &[&str]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_audit"))
        .args(args)
        .env("AWS_ACCESS_KEY_ID", "AKIAOFFLINE")
        .env("AWS_SECRET_ACCESS_KEY", "offline")
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .expect("run audit");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).to_string(),
        String::from_utf8_lossy(&o.stderr).to_string(),
    )
}
