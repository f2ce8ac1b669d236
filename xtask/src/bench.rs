//! `cargo xtask bench`: figures, never pass/fail on time.
//!
//! 1. Emulator: 300 member accounts x 4 regions through the real `audit`
//!    binary; wall time, API calls per account-region, achieved requests per
//!    second against the emulator's raw rate measured in the same run, and the
//!    audit process's peak memory.
//! 2. Simulated: 10,000 accounts x 17 regions on the in-process fake transport
//!    with 50 ms per call; wall time against `calls x latency / concurrency`.
//! 3. Reports: a synthetic 1,000 x 17 snapshot; HTML size and render time.

use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use futures::stream::{self, StreamExt};
use trailaudit_testkit::emulator::{workspace_root, Emulator};
use trailaudit_testkit::fake::FakeAws;
use trailaudit_testkit::Scenario;

const REGIONS4: [&str; 4] = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"];

pub fn run(args: &[String]) -> Result<()> {
    if cfg!(debug_assertions) {
        // Figures from a debug build would measure the debug build.
        let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .current_dir(workspace_root())
            .args([
                "run",
                "--quiet",
                "--release",
                "--package",
                "xtask",
                "--",
                "bench",
            ])
            .args(args)
            .status()?;
        anyhow::ensure!(status.success(), "bench failed");
        return Ok(());
    }
    let only = args.first().map(String::as_str);
    if only.is_none() || only == Some("emulator") {
        emulator(300)?;
    }
    if only.is_none() || only == Some("simulated") {
        simulated(10_000, 50, 256)?;
    }
    if only.is_none() || only == Some("html") {
        html(1_000)?;
    }
    Ok(())
}

fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(str::to_string)
        })
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

/// Waits for a child and returns (exit code, its peak RSS in KiB).
#[allow(unsafe_code)]
fn wait_with_rusage(child: std::process::Child) -> (i32, u64) {
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: plain FFI call with valid out-pointers; the child is ours and
    // not waited for elsewhere (we forget the handle below).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    std::mem::forget(child);
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    (code, usage.ru_maxrss as u64)
}

fn emulator(members: usize) -> Result<()> {
    println!(
        "\n## 1. Emulator: {members} member accounts x {} regions",
        REGIONS4.len()
    );
    let root = workspace_root();
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(&root)
        .args(["build", "--quiet", "--release", "--bin", "audit"])
        .status()?;
    anyhow::ensure!(status.success(), "building audit failed");
    let mut text = String::from("name = \"bench\"\n[[buckets]]\nname = \"bench-org-logs\"\naccount = \"management\"\n[[trails]]\nname = \"org-trail\"\naccount = \"management\"\nmulti_region = true\norganization = true\nlog_file_validation = true\nbucket = \"bench-org-logs\"\n");
    for i in 0..members {
        text.push_str(&format!("[[accounts]]\nkey = \"member-{i:03}\"\n"));
    }
    let scenario = Scenario::parse(&text, "bench").map_err(|e| anyhow::anyhow!("{e}"))?;
    let emu = Emulator::start()?;
    let rt = tokio::runtime::Runtime::new()?;
    let t = Instant::now();
    let seeded = rt.block_on(trailaudit_testkit::seed(&emu, &scenario))?;
    println!("seeded in {:.1} s", t.elapsed().as_secs_f64());

    // The emulator's raw rate: DescribeTrails as fast as it answers, 16 in flight.
    let cfg = trailaudit_testkit::seed::emulator_config(
        &emu.endpoint(),
        trailaudit_testkit::seed::management_credentials(),
    );
    let client = aws_sdk_cloudtrail::Client::new(&cfg);
    let n = 1000;
    let t = Instant::now();
    rt.block_on(async {
        stream::iter(0..n)
            .map(|_| client.describe_trails().send())
            .buffer_unordered(16)
            .for_each(|_| async {})
            .await
    });
    let raw = n as f64 / t.elapsed().as_secs_f64();
    println!("emulator raw rate: {raw:.0} requests/s (DescribeTrails, 16 in flight)");

    let out = root.join("target").join("bench-emulator");
    let _ = std::fs::remove_dir_all(&out);
    let t = Instant::now();
    let child = Command::new(root.join("target/release/audit"))
        .args([
            "org",
            "--regions",
            &REGIONS4.join(","),
            "--exit-zero",
            "-q",
            "--concurrency",
            "32",
            "--endpoint-url",
        ])
        .arg(emu.endpoint())
        .arg("--out-dir")
        .arg(&out)
        .envs(seeded.audit_env(&emu.endpoint()))
        .spawn()
        .context("running audit")?;
    let (code, rss) = wait_with_rusage(child);
    let wall = t.elapsed().as_secs_f64();
    anyhow::ensure!(code == 0, "audit exited {code}");
    let snap = trailaudit_model::Snapshot::from_json(&std::fs::read_to_string(
        out.join("snapshot.json"),
    )?)?;
    let calls: u64 = snap.api_calls.values().sum();
    let units = snap.accounts.iter().map(|a| a.regions.len()).sum::<usize>();
    println!("audit org: {} accounts, {units} account-regions, {calls} API calls in {wall:.1} s (collection {:.1} s)",
        snap.accounts.len(), (snap.finished_at - snap.started_at).num_milliseconds() as f64 / 1000.0);
    println!(
        "API calls per account-region: {:.2}",
        calls as f64 / units as f64
    );
    for (op, n) in &snap.api_calls {
        println!("  {op}: {n}");
    }
    let achieved =
        calls as f64 / ((snap.finished_at - snap.started_at).num_milliseconds() as f64 / 1000.0);
    println!(
        "achieved {achieved:.0} requests/s = {:.0}% of the emulator's raw rate",
        100.0 * achieved / raw
    );
    println!("audit peak memory: {:.1} MiB", rss as f64 / 1024.0);
    Ok(())
}

fn simulated(accounts: usize, latency_ms: u64, concurrency: usize) -> Result<()> {
    println!("\n## 2. Simulated: {accounts} accounts x 17 regions, {latency_ms} ms per call, concurrency {concurrency}");
    let regions: Vec<&str> = trailaudit_model::regions::KNOWN_REGIONS
        .iter()
        .filter(|r| !r.opt_in)
        .map(|r| r.name)
        .collect();
    let fake = FakeAws::builder(accounts - 1, &regions)
        .organization_trail(None)
        .latency(Duration::from_millis(latency_ms))
        .build();
    let opts = trailaudit_collect::CollectOptions {
        regions: trailaudit_model::regions::RegionSelection::All,
        concurrency,
        ..Default::default()
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let before = peak_rss_kb();
    let t = Instant::now();
    let snap = rt.block_on(trailaudit_collect::collect(
        &fake.sdk_config(),
        trailaudit_collect::Guard::new(),
        &opts,
        &trailaudit_collect::Silent,
        trailaudit_collect::Cancel::default(),
    ))?;
    let wall = t.elapsed().as_secs_f64();
    let calls = fake.calls().len();
    let units: usize = snap.accounts.iter().map(|a| a.regions.len()).sum();
    let bound = calls as f64 * latency_ms as f64 / 1000.0 / concurrency as f64;
    let org_pages = fake
        .calls()
        .iter()
        .filter(|c| c.operation == "ListAccountsForParent")
        .count();
    println!("{} accounts, {units} account-regions, {calls} requests ({:.2} per account-region), {} errors",
        snap.accounts.len(), calls as f64 / units as f64, snap.errors.len());
    println!("wall {wall:.1} s; bound calls x latency / concurrency = {bound:.1} s ({:.0}% of wall); the organization walk alone is {org_pages} sequential pages = {:.1} s",
        100.0 * bound / wall, org_pages as f64 * latency_ms as f64 / 1000.0);
    println!(
        "peak memory of the process: {:.1} MiB (before: {:.1} MiB)",
        peak_rss_kb() as f64 / 1024.0,
        before as f64 / 1024.0
    );
    Ok(())
}

fn html(accounts: usize) -> Result<()> {
    use trailaudit_model::*;
    println!("\n## 3. Reports: synthetic {accounts} accounts x 17 regions");
    let regions: Vec<&str> = regions::KNOWN_REGIONS
        .iter()
        .filter(|r| !r.opt_in)
        .map(|r| r.name)
        .collect();
    let mgmt = "100000000000".to_string();
    let now = chrono::Utc::now();
    let org_trail = Trail {
        is_multi_region: true,
        is_organization_trail: true,
        include_global_service_events: true,
        log_file_validation_enabled: true,
        s3_bucket_name: Some("org-logs".into()),
        status: Fact::Collected {
            value: TrailStatus {
                is_logging: true,
                ..Default::default()
            },
        },
        selectors: Fact::Collected {
            value: Selectors::Default,
        },
        insight_types: Fact::Collected { value: vec![] },
        ..Trail::from_arn(&format!("arn:aws:cloudtrail:us-east-1:{mgmt}:trail/org"))
            .expect("trail arn")
    };
    let mut trails = vec![org_trail.clone()];
    let accounts_v: Vec<Account> = (0..accounts)
        .map(|i| {
            let id = format!("{:012}", 100_000_000_000u64 + i as u64);
            if i % 10 == 3 {
                // A stopped local trail every tenth account.
                trails.push(Trail {
                    arn: format!("arn:aws:cloudtrail:eu-west-1:{id}:trail/local"),
                    name: "local".into(),
                    owner_account_id: id.clone(),
                    home_region: "eu-west-1".into(),
                    is_multi_region: false,
                    is_organization_trail: false,
                    log_file_validation_enabled: false,
                    status: Fact::Collected {
                        value: TrailStatus::default(),
                    },
                    ..org_trail.clone()
                });
            }
            let failed = i % 50 == 7;
            Account {
                name: format!("account-{i:04}"),
                email: None,
                status: AccountStatus::Active,
                ou_path: format!("Root/OU-{}", i % 7),
                is_management: i == 0,
                access: if failed {
                    Access::Failed {
                        error: ErrorInfo {
                            kind: ErrorKind::RoleNotAssumable,
                            operation: "sts:AssumeRole".into(),
                            code: Some("AccessDenied".into()),
                            message: "not authorized".into(),
                        },
                    }
                } else {
                    Access::Assumed {
                        role_arn: format!("arn:aws:iam::{id}:role/Audit"),
                    }
                },
                regions: regions
                    .iter()
                    .map(|r| AccountRegion {
                        region: r.to_string(),
                        status: RegionStatus::Collected,
                        trails: vec![],
                        event_data_stores: Fact::Collected { value: vec![] },
                    })
                    .collect(),
                id,
            }
        })
        .collect();
    let snap = Snapshot {
        schema_version: SCHEMA_VERSION,
        tool_version: "bench".into(),
        arguments: vec![],
        mode: Mode::Organization,
        caller: CallerIdentity {
            account_id: mgmt.clone(),
            arn: "arn:aws:iam::100000000000:user/a".into(),
        },
        started_at: now,
        finished_at: now,
        complete: true,
        region_selection: vec!["all".into()],
        organization: Some(Organization {
            id: "o-bench".into(),
            arn: String::new(),
            management_account_id: mgmt,
            ous: vec![],
            delegated_administrators: Fact::Collected { value: vec![] },
            cloudtrail_trusted_access: Fact::Collected { value: true },
        }),
        accounts: accounts_v,
        trails,
        buckets: vec![],
        kms_keys: vec![],
        log_groups: vec![],
        event_data_stores: vec![],
        delivery_probes: vec![],
        errors: vec![],
        api_calls: Default::default(),
    };
    let t = Instant::now();
    let eval = trailaudit_checks::evaluate(&snap, &trailaudit_checks::Policy::default());
    let eval_time = t.elapsed().as_secs_f64();
    let inputs = trailaudit_report::Inputs {
        snapshot: &snap,
        evaluation: &eval,
        changes: None,
    };
    let t = Instant::now();
    let files = trailaudit_report::render_all(&inputs);
    let render_time = t.elapsed().as_secs_f64();
    println!("{} coverage cells, {} findings; checks {eval_time:.2} s, all reports rendered in {render_time:.2} s", eval.coverage.len(), eval.findings.len());
    for (name, bytes) in &files {
        println!("  {name}: {:.2} MB", bytes.len() as f64 / 1_000_000.0);
    }
    Ok(())
}
