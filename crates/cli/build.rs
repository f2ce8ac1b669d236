//! Records the commit `audit --version` prints: `TRAILAUDIT_COMMIT` when
//! set (container builds), else `git rev-parse` of the checkout being
//! built, `unknown` outside one (a source tarball).

use std::path::Path;
use std::process::Command;

fn main() {
    // A container build has no .git: the commit comes as a build argument.
    println!("cargo:rerun-if-env-changed=TRAILAUDIT_COMMIT");
    if let Ok(c) = std::env::var("TRAILAUDIT_COMMIT") {
        if !c.trim().is_empty() {
            println!("cargo:rustc-env=TRAILAUDIT_COMMIT={}", c.trim());
            return;
        }
    }
    let commit = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "unknown".into());
    let dirty = Command::new("git")
        .args(["status", "--porcelain", "--untracked-files=no"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .is_some_and(|o| !o.stdout.is_empty());
    let commit = if dirty && commit != "unknown" {
        format!("{commit}, modified")
    } else {
        commit
    };
    println!("cargo:rustc-env=TRAILAUDIT_COMMIT={commit}");
    // Build again when HEAD moves (a commit, a checkout).
    let git = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.git");
    println!("cargo:rerun-if-changed={}", git.join("HEAD").display());
    if let Ok(head) = std::fs::read_to_string(git.join("HEAD")) {
        if let Some(r) = head.strip_prefix("ref: ") {
            println!("cargo:rerun-if-changed={}", git.join(r.trim()).display());
        }
    }
    println!("cargo:rerun-if-changed={}", git.join("index").display());
}
