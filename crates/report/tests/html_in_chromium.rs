//! Opens report.html in headless Chromium (Debian's `chromium`, installed by
//! `cargo xtask ci` / `.ci/run`), checks that the page logs no console error,
//! and saves a screenshot of the heatmap to target/report-screenshots/.

use std::process::Command;

use trailaudit_checks::{evaluate, Policy};
use trailaudit_model::Snapshot;
use trailaudit_report::{render_all, Inputs};

fn chromium() -> String {
    for c in ["chromium", "chromium-browser", "/usr/bin/chromium"] {
        if Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return c.to_string();
        }
    }
    panic!("Chromium is required for this test: `apt-get install chromium` (cargo xtask ci installs it)");
}

#[test]
fn report_html_renders_without_console_errors() {
    let s = Snapshot::from_json(include_str!("fixtures/demo.snapshot.json")).unwrap();
    let e = evaluate(&s, &Policy::default());
    let html = render_all(&Inputs {
        snapshot: &s,
        evaluation: &e,
        changes: None,
    })
    .into_iter()
    .find(|(n, _)| *n == "report.html")
    .unwrap()
    .1;
    let root =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/report-screenshots");
    std::fs::create_dir_all(&root).unwrap();
    let root = root.canonicalize().unwrap();
    let page = root.join("report.html");
    std::fs::write(&page, html).unwrap();
    let shot = root.join("heatmap.png");
    let _ = std::fs::remove_file(&shot);
    let profile = root.join(format!("profile-{}", std::process::id()));
    let out = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
            "--disable-quic",
            "--enable-logging=stderr",
            "--v=0",
            "--hide-scrollbars",
            "--window-size=1400,1800",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}#heatmap", page.display()))
        .output()
        .expect("run chromium");
    let _ = std::fs::remove_dir_all(&profile);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let console_errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("CONSOLE") || l.contains("Uncaught") || l.contains("Refused to"))
        .collect();
    assert!(
        console_errors.is_empty(),
        "console errors:\n{}",
        console_errors.join("\n")
    );
    let png = std::fs::read(&shot)
        .unwrap_or_else(|e| panic!("no screenshot ({e}); chromium said:\n{stderr}"));
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "screenshot too small: {} bytes",
        png.len()
    );
}
