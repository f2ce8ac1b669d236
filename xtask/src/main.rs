//! Project chores, in Rust rather than shell (`cargo xtask <task>`):
//!
//! - `demo`: start the emulator, seed the bundled `demo` organization, run
//!   `audit org --regions all` against it, write the reports under
//!   `reports/demo/`, stop the emulator.
//! - `layout`: the architecture's rules (crate dependencies, no circle
//!   between files, file length), see `layout.rs`.
//! - `ci`: formatting, the layout, clippy, every test (unit and emulator end-to-end), the
//!   docs build. The one command CI runs.

mod bench;
mod layout;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{bail, Context, Result};
use trailaudit_testkit::emulator::{ensure_installed, workspace_root, Emulator};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("demo") => demo(&args[1..]),
        Some("ci") => ci(),
        Some("docs") => docs(false),
        Some("layout") => layout::check(&workspace_root()),
        Some("install-check") => install_check(),
        Some("bench") => bench::run(&args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask <task>\n\n\
                 tasks:\n  \
                 demo    audit the bundled demo organization on the emulator; reports in reports/demo/\n  \
                 ci      fmt, clippy, all tests (unit and end-to-end), install check, docs\n  \
                 layout  crate dependencies the architecture allows, no circle between files, files of at most 800 lines
                 docs    regenerate docs/checks.md, docs/permissions.md and the man page docs/audit.1\n  \
                 install-check  cargo install the CLI into a temporary root and run it\n  \
                 bench   [emulator|busy-prefix [FILES]|integrity [HOURS]|simulated|analysis [SIZES]] print performance figures (never fails on time)"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(workspace_root());
    c
}

fn step(name: &str, cmd: &mut Command) -> Result<()> {
    eprintln!("\n==> {name}");
    let status = cmd.status().with_context(|| format!("running {name}"))?;
    if !status.success() {
        bail!("{name} failed ({status})");
    }
    Ok(())
}

fn demo(extra: &[String]) -> Result<()> {
    let root = workspace_root();
    step(
        "build audit",
        cargo().args(["build", "--quiet", "--bin", "audit"]),
    )?;
    let audit = root.join("target").join("debug").join("audit");
    let scenario = trailaudit_testkit::bundled("demo");
    eprintln!("==> starting the moto emulator");
    let emu = Emulator::start()?;
    let rt = tokio::runtime::Runtime::new()?;
    eprintln!("==> seeding the `demo` organization at {}", emu.endpoint());
    let seeded = rt.block_on(trailaudit_testkit::seed(&emu, &scenario))?;
    let out = root.join("reports").join("demo");
    let _ = std::fs::remove_dir_all(&out);
    let mut cmd = Command::new(&audit);
    cmd.args(["org", "--regions", "all", "--endpoint-url"])
        .arg(emu.endpoint())
        .arg("--out-dir")
        .arg(&out)
        .args(extra)
        .envs(seeded.audit_env(&emu.endpoint()));
    eprintln!(
        "==> audit org --regions all --endpoint-url {} --out-dir {}",
        emu.endpoint(),
        rel(&out)
    );
    let status = cmd.status().context("running audit")?;
    drop(emu);
    // Exit 1 means "findings at or above --fail-on": expected for the demo.
    match status.code() {
        Some(0) | Some(1) => {
            eprintln!("\nreports for the demo organization are in {}/", rel(&out));
            Ok(())
        }
        _ => bail!("audit failed ({status})"),
    }
}

fn rel(p: &Path) -> String {
    p.strip_prefix(workspace_root())
        .map(PathBuf::from)
        .unwrap_or_else(|_| p.to_path_buf())
        .display()
        .to_string()
}

/// PIDs of this workspace's moto servers still running (read from /proc).
fn emulators_running() -> Vec<u32> {
    // moto runs as `python crates/testkit/moto_compat.py ...`.
    let needle = trailaudit_testkit::emulator::compat_script()
        .to_string_lossy()
        .to_string();
    std::fs::read_dir("/proc")
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
                .filter(|pid| {
                    std::fs::read(format!("/proc/{pid}/cmdline"))
                        .map(|c| String::from_utf8_lossy(&c).contains(&needle))
                        .unwrap_or(false)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The HTML report test opens the page in Debian's Chromium; install it when missing.
fn ensure_chromium() -> Result<()> {
    let present = |c: &str| {
        Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if present("chromium") || present("chromium-browser") {
        return Ok(());
    }
    eprintln!("\n==> installing chromium (apt-get) for the HTML report test");
    let ok = Command::new("sh")
        .args([
            "-c",
            "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium",
        ])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        bail!("Chromium is needed for the HTML report test: install it (Debian: `apt-get install chromium`) and re-run");
    }
    Ok(())
}

/// Generated documentation: (path, contents).
fn generated() -> Result<Vec<(PathBuf, String)>> {
    // The man page comes from the CLI's own definition (`audit manpage`).
    let man = cargo()
        .args(["run", "--quiet", "--bin", "audit", "--", "manpage"])
        .output()
        .context("running audit manpage")?;
    if !man.status.success() {
        bail!(
            "audit manpage failed: {}",
            String::from_utf8_lossy(&man.stderr)
        );
    }
    Ok(vec![
        (
            workspace_root().join("docs").join("checks.md"),
            trailaudit_checks::checks::catalogue_markdown(),
        ),
        (
            workspace_root().join("docs").join("permissions.md"),
            trailaudit_collect::allowlist::permissions_markdown(),
        ),
        (
            workspace_root().join("docs").join("audit.1"),
            String::from_utf8(man.stdout).context("the man page is not UTF-8")?,
        ),
    ])
}

/// Installs `audit` as a user would (`cargo install --locked --path
/// crates/cli`, the Dockerfile's build step) into a temporary root, and runs
/// the installed binary: `--version` names the version and commit,
/// `completions bash` prints a completion script. `--debug` and the
/// workspace's target directory reuse the test build (a release build from
/// scratch would add minutes; the Dockerfile builds in release).
fn install_check() -> Result<()> {
    let root = workspace_root().join("target").join("install-check");
    let _ = std::fs::remove_dir_all(&root);
    step(
        "cargo install --locked --path crates/cli (into target/install-check)",
        cargo()
            .args([
                "install",
                "--quiet",
                "--locked",
                "--debug",
                "--path",
                "crates/cli",
                "--root",
            ])
            .arg(&root)
            .arg("--target-dir")
            .arg(workspace_root().join("target")),
    )?;
    let audit = root.join("bin").join("audit");
    let run = |args: &[&str]| -> Result<String> {
        let o = Command::new(&audit)
            .args(args)
            .output()
            .with_context(|| format!("running the installed {}", audit.display()))?;
        if !o.status.success() {
            bail!(
                "installed audit {args:?} failed: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&o.stdout).to_string())
    };
    let version = run(&["--version"])?;
    let want = format!("audit {} (commit ", env!("CARGO_PKG_VERSION"));
    if !version.starts_with(&want) {
        bail!(
            "installed audit --version says `{}`, expected `{want}<commit>)`",
            version.trim()
        );
    }
    if version.contains("(commit unknown") {
        eprintln!("note: built outside a git checkout, so --version names no commit");
    }
    let completions = run(&["completions", "bash"])?;
    if !completions.contains("_audit()") || !completions.contains("policy-explain") {
        bail!("installed audit completions bash printed no completion function for audit");
    }
    eprintln!("installed: {}", version.trim());
    let _ = std::fs::remove_dir_all(&root);
    Ok(())
}

fn docs(check_only: bool) -> Result<()> {
    for (path, text) in generated()? {
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current == text {
            continue;
        }
        if check_only {
            bail!(
                "{} is stale: run `cargo xtask docs` and commit the result",
                rel(&path)
            );
        }
        std::fs::write(&path, text)?;
        eprintln!("wrote {}", rel(&path));
    }
    Ok(())
}

fn ci() -> Result<()> {
    step(
        "cargo fmt --check",
        cargo().args(["fmt", "--all", "--check"]),
    )?;
    eprintln!("\n==> layout");
    layout::check(&workspace_root())?;
    eprintln!("\n==> generated docs are up to date");
    docs(true)?;
    step(
        "cargo clippy",
        cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    eprintln!("\n==> emulator: {}", ensure_installed()?.display());
    ensure_chromium()?;
    step(
        "cargo test",
        cargo().args(["test", "--workspace", "--all-targets"]),
    )?;
    let left = emulators_running();
    if !left.is_empty() {
        bail!("the tests left emulator processes running: PIDs {left:?}");
    }
    eprintln!("\n==> no emulator process left behind");
    install_check()?;
    step(
        "cargo doc",
        cargo()
            .args(["doc", "--workspace", "--no-deps", "--quiet"])
            .env("RUSTDOCFLAGS", "-D warnings"),
    )?;
    eprintln!("\nci: all checks passed");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Dockerfile builds with the command `install_check` runs (no
    /// container engine is needed to test that step), in two stages, and
    /// runs as a non-root user.
    #[test]
    fn dockerfile_builds_like_the_install_check_and_runs_unprivileged() {
        let d = std::fs::read_to_string(workspace_root().join("Dockerfile")).unwrap();
        let runs: Vec<&str> = d.lines().filter(|l| l.starts_with("RUN cargo ")).collect();
        assert_eq!(
            runs,
            ["RUN cargo install --locked --path crates/cli --root /out"]
        );
        assert_eq!(d.lines().filter(|l| l.starts_with("FROM ")).count(), 2);
        let user = d
            .lines()
            .filter_map(|l| l.strip_prefix("USER "))
            .next_back()
            .expect("a USER line");
        assert!(user.trim() != "root" && user.trim() != "0", "{user}");
        assert!(d.contains("ENTRYPOINT [\"audit\"]"));
        let ignore = std::fs::read_to_string(workspace_root().join(".dockerignore")).unwrap();
        assert!(ignore.lines().any(|l| l.trim() == "target/"));
    }
}
