//! `cargo xtask bench`: figures, never pass/fail on time.
//!
//! 1. Emulator: 300 member accounts x 4 regions through the real `audit`
//!    binary; wall time, API calls per account-region, achieved requests per
//!    second against the emulator's raw rate measured in the same run, and the
//!    audit process's peak memory.
//! 2. Simulated end to end: 10,000 accounts x 17 regions on the in-process
//!    fake transport with 50 ms per call, collection then analysis and every
//!    report, in a child process; wall time against
//!    `calls x latency / concurrency`, and the run's peak memory.
//! 3. Analysis and reports: synthetic 1,000 / 3,000 / 10,000 / 30,000 x 17
//!    snapshots through `audit report --snapshot`: wall time, time per cell,
//!    peak memory, every report's size; report.html opened in Chromium.
//!
//! Also on request: `busy-prefix [FILES]` (proof of delivery on a busy
//! prefix, with and without digests), `integrity [HOURS]` (`audit verify
//! --integrity`: digests verified per second, bytes per second with `full`)
//! and `history [ACCOUNTS]` (who changed coverage: LookupEvents calls and
//! time for an organization with 1% of its accounts broken, on the fake
//! transport with AWS's 2-a-second quota).

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
    if only.is_none() || only == Some("busy-prefix") {
        let files = match args.get(1) {
            Some(n) => n
                .parse()
                .context("busy-prefix: a number of log files per hour")?,
            None => 1_152,
        };
        busy_prefix(files)?;
    }
    if only == Some("integrity") {
        let hours = match args.get(1) {
            Some(n) => n.parse().context("integrity: a number of hours")?,
            None => 24,
        };
        integrity(hours, 60)?;
    }
    if only == Some("history") {
        let accounts = match args.get(1) {
            Some(n) => n.parse().context("history: a number of accounts")?,
            None => 10_000,
        };
        history(accounts, 50, 256)?;
    }
    if only == Some("simulated-child") {
        return simulated_child(&args[1..]);
    }
    if only.is_none() || only == Some("simulated") {
        simulated(10_000, 50, 256)?;
    }
    if only.is_none() || only == Some("analysis") {
        let sizes: Vec<usize> = match args.get(1) {
            Some(list) => list
                .split(',')
                .map(|n| {
                    n.parse()
                        .context("sizes: a comma-separated list of account counts")
                })
                .collect::<Result<_>>()?,
            None => vec![1_000, 3_000, 10_000, 30_000],
        };
        analysis(&sizes)?;
    }
    Ok(())
}

/// (resident, peak resident) of this process, in MB.
fn memory() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    };
    (field("VmRSS:"), field("VmHWM:"))
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
    build_audit(&root)?;
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

/// Proof of delivery on busy archives, on the emulator: the `clean`
/// organization audited through the recording proxy, its requests
/// delivered by the delivery model, then `files` more log files written in
/// the hour after every footprint (a busy account-region: 5-minute batches
/// of many small files), and `audit verify` run twice: with the footprints
/// there (gets to find one), and with the delivered files removed (the
/// cost of a footprint that is missing: the cap).
fn busy_prefix(files: usize) -> Result<()> {
    use trailaudit_testkit::delivery::{busy_prefix, deliver};
    println!(
        "\n## Proof of delivery on a busy prefix: {} log files in the hour after each footprint",
        files + 1
    );
    let root = workspace_root();
    build_audit(&root)?;
    let emu = Emulator::start()?;
    let rt = tokio::runtime::Runtime::new()?;
    let seeded = rt.block_on(trailaudit_testkit::seed(
        &emu,
        &trailaudit_testkit::bundled("clean"),
    ))?;
    let proxy = trailaudit_testkit::proxy::Proxy::recording(emu.port())?;
    let out = root.join("target").join("bench-busy-prefix");
    let _ = std::fs::remove_dir_all(&out);
    let first = out.join("first");
    let audit = |args: &[&str], endpoint: &str| {
        Command::new(root.join("target/release/audit"))
            .args(args)
            .arg("--endpoint-url")
            .arg(endpoint)
            .envs(seeded.audit_env(endpoint))
            .current_dir(&out)
            .output()
    };
    std::fs::create_dir_all(&out)?;
    let o = audit(
        &[
            "org",
            "--regions",
            "us-east-1,eu-west-1",
            "-q",
            "--exit-zero",
            "--out-dir",
            first.to_str().unwrap_or_default(),
        ],
        &proxy.endpoint(),
    )?;
    anyhow::ensure!(
        o.status.success(),
        "first audit: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let delivered = rt.block_on(deliver(
        &emu.endpoint(),
        &proxy.seen(),
        chrono::Duration::zero(),
    ))?;
    let snap = trailaudit_model::Snapshot::from_json(&std::fs::read_to_string(
        first.join("snapshot.json"),
    )?)?;
    let e = trailaudit_checks::evaluate(&snap, &trailaudit_checks::AuditPolicy::default());
    let plan = trailaudit_checks::footprints::plan(&snap, &e.coverage, None, 0);
    let s3 = trailaudit_testkit::seed::emulator_s3(&emu.endpoint());
    let t = Instant::now();
    let v = &plan.verification;
    for (c, f) in v.cells.iter().zip(&plan.footprints) {
        let (Some(f), Some(d)) = (f, v.destination(c)) else {
            continue;
        };
        rt.block_on(busy_prefix(
            &s3,
            &d.bucket,
            &v.prefix(c),
            &c.account_id,
            &c.region,
            f.sent_at,
            files,
        ))?;
    }
    println!(
        "{} account-regions, {} delivered files, {} busy files written in {:.1} s",
        v.cells.len(),
        delivered.files.len(),
        files * v.cells.len(),
        t.elapsed().as_secs_f64()
    );
    let verify = |label: &str| -> Result<()> {
        let o = audit(
            &[
                "verify",
                "--snapshot",
                first.join("snapshot.json").to_str().unwrap_or_default(),
                "--json",
                "-q",
            ],
            &emu.endpoint(),
        )?;
        let v: trailaudit_model::Verification = serde_json::from_slice(&o.stdout)
            .with_context(|| format!("audit verify: {}", String::from_utf8_lossy(&o.stderr)))?;
        let gets: Vec<u32> = v.cells.iter().map(|c| c.gets).collect();
        let lists: u32 = v.cells.iter().map(|c| c.lists).sum();
        let digests: u32 = v.cells.iter().map(|c| c.digests).sum();
        let found = v
            .cells
            .iter()
            .filter(|c| matches!(c.outcome, trailaudit_model::VerifyOutcome::Verified { .. }))
            .count();
        let capped = v.cells.iter().filter(|c| c.outcome.capped()).count();
        println!(
            "{label}: {found} of {} verified, {capped} stopped by the cap; log file GetObject per cell: mean {:.1}, max {}, total {}; digests read per cell {:.1}; ListObjectsV2 per cell {:.1}",
            v.cells.len(),
            gets.iter().sum::<u32>() as f64 / gets.len().max(1) as f64,
            gets.iter().max().copied().unwrap_or(0),
            gets.iter().sum::<u32>(),
            digests as f64 / v.cells.len().max(1) as f64,
            lists as f64 / v.cells.len().max(1) as f64
        );
        Ok(())
    };
    verify("no digests, footprints delivered")?;
    // Three hours of digests per account-region from the footprint's hour,
    // as a trail with log file validation writes them.
    let t = Instant::now();
    let mut digest_keys = Vec::new();
    for (c, f) in v.cells.iter().zip(&plan.footprints) {
        let (Some(f), Some(d)) = (f, v.destination(c)) else {
            continue;
        };
        let Some(trail) = trailaudit_model::Trail::from_arn(&d.trail_arn) else {
            continue;
        };
        let chain = trailaudit_testkit::digests::Chain {
            bucket: d.bucket.clone(),
            root: d.root.clone(),
            account: c.account_id.clone(),
            region: c.region.clone(),
            trail_name: trail.name,
            home_region: trail.home_region,
        };
        use chrono::DurationRound;
        let start = f.sent_at.duration_trunc(chrono::Duration::hours(1))?;
        let written = rt.block_on(trailaudit_testkit::digests::write_chain(
            &s3,
            &chain,
            start,
            3,
            &trailaudit_testkit::digests::SigningKey::test(),
        ))?;
        digest_keys.extend(written.into_iter().map(|w| (d.bucket.clone(), w.key)));
    }
    println!(
        "{} digests written in {:.1} s (each log file of the hour hashed)",
        digest_keys.len(),
        t.elapsed().as_secs_f64()
    );
    verify("digests, footprints delivered")?;
    rt.block_on(async {
        for url in &delivered.files {
            if let Some((bucket, key)) = url.trim_start_matches("s3://").split_once('/') {
                s3.delete_object().bucket(bucket).key(key).send().await?;
            }
        }
        Ok::<_, anyhow::Error>(())
    })?;
    verify("digests, footprints missing")?;
    rt.block_on(async {
        for (bucket, key) in &digest_keys {
            s3.delete_object().bucket(bucket).key(key).send().await?;
        }
        Ok::<_, anyhow::Error>(())
    })?;
    verify("no digests, footprints missing")?;
    println!(
        "cap: at most {} GetObject per account-region (trailaudit_model::FILES_OPENED_CAP)",
        trailaudit_model::FILES_OPENED_CAP
    );
    Ok(())
}

/// `audit verify --integrity` on the emulator: the clean organization's 8
/// account-regions, `hours` hours of `per_hour` log files each and their
/// signed digests (the test kit's writer), checked at both depths: digests
/// verified per second, and with `full` the bytes per second.
fn integrity(hours: usize, per_hour: usize) -> Result<()> {
    use chrono::DurationRound;
    println!(
        "\n## Integrity: 8 account-regions x {hours} hours x {per_hour} log files, digests signed"
    );
    let root = workspace_root();
    build_audit(&root)?;
    let emu = Emulator::start()?;
    let rt = tokio::runtime::Runtime::new()?;
    let seeded = rt.block_on(trailaudit_testkit::seed(
        &emu,
        &trailaudit_testkit::bundled("clean"),
    ))?;
    let out = root.join("target").join("bench-integrity");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out)?;
    let audit = |args: &[&str]| {
        Command::new(root.join("target/release/audit"))
            .args(args)
            .arg("--endpoint-url")
            .arg(emu.endpoint())
            .envs(seeded.audit_env(&emu.endpoint()))
            .current_dir(&out)
            .output()
    };
    let first = out.join("first");
    let o = audit(&[
        "org",
        "--regions",
        "us-east-1,eu-west-1",
        "-q",
        "--exit-zero",
        "--out-dir",
        first.to_str().unwrap_or_default(),
    ])?;
    anyhow::ensure!(
        o.status.success(),
        "audit: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let snap_path = first.join("snapshot.json");
    let mut snap = trailaudit_model::Snapshot::from_json(&std::fs::read_to_string(&snap_path)?)?;
    let now = chrono::Utc::now();
    let start =
        now.duration_trunc(chrono::Duration::hours(1))? - chrono::Duration::hours(hours as i64);
    for t in &mut snap.trails {
        if let trailaudit_model::Fact::Collected { value } = &mut t.status {
            value.start_logging_time = Some(start - chrono::Duration::days(1));
        }
    }
    let mut buf = Vec::new();
    snap.write_json(&mut buf)?;
    std::fs::write(&snap_path, buf)?;
    let plan = trailaudit_checks::integrity::plan(
        &snap,
        start,
        now,
        trailaudit_model::IntegrityDepth::Digests,
        None,
        0,
    );
    let s3 = trailaudit_testkit::seed::emulator_s3(&emu.endpoint());
    let t = Instant::now();
    for (c, target) in plan.integrity.cells.iter().zip(&plan.targets) {
        let Some(target) = target else { continue };
        let log_prefix = c
            .digest_prefix
            .replace("/CloudTrail-Digest/", "/CloudTrail/");
        for h in 0..hours {
            rt.block_on(trailaudit_testkit::delivery::busy_prefix(
                &s3,
                &c.bucket,
                &log_prefix,
                &c.account_id,
                &c.region,
                start + chrono::Duration::hours(h as i64) + chrono::Duration::minutes(2),
                per_hour,
            ))?;
        }
        let chain = trailaudit_testkit::digests::Chain {
            bucket: c.bucket.clone(),
            root: c
                .digest_prefix
                .strip_suffix(&format!("{}/CloudTrail-Digest/{}/", c.account_id, c.region))
                .unwrap_or_default()
                .to_string(),
            account: c.account_id.clone(),
            region: c.region.clone(),
            trail_name: target.trail_name.clone(),
            home_region: target.home_region.clone(),
        };
        // Clear the scenario's placeholder digests, then write the chain.
        rt.block_on(async {
            let l = s3
                .list_objects_v2()
                .bucket(&chain.bucket)
                .prefix(chain.digest_prefix())
                .send()
                .await?;
            for k in l.contents().iter().filter_map(|o| o.key()) {
                s3.delete_object()
                    .bucket(&chain.bucket)
                    .key(k)
                    .send()
                    .await?;
            }
            trailaudit_testkit::digests::write_chain(
                &s3,
                &chain,
                start,
                hours + 1,
                &trailaudit_testkit::digests::SigningKey::test(),
            )
            .await
        })?;
    }
    println!(
        "{} account-regions: {} log files and {} digests written in {:.1} s",
        plan.integrity.cells.len(),
        plan.integrity.cells.len() * hours * per_hour,
        plan.integrity.cells.len() * (hours + 1),
        t.elapsed().as_secs_f64()
    );
    // The verification itself, without I/O: 2,000 digests of 60 files
    // parsed, their signatures verified and their chain judged.
    {
        let chain = trailaudit_testkit::digests::Chain {
            bucket: "b".into(),
            root: "AWSLogs/".into(),
            account: "111111111111".into(),
            region: "us-east-1".into(),
            trail_name: "t".into(),
            home_region: "us-east-1".into(),
        };
        let key = trailaudit_testkit::digests::SigningKey::test();
        let files: Vec<serde_json::Value> = (0..60)
            .map(|k| serde_json::json!({"s3Bucket": "b", "s3Object": format!("AWSLogs/111111111111/CloudTrail/us-east-1/2026/12/01/f{k}.json.gz"),
                "hashValue": "00".repeat(32), "hashAlgorithm": "SHA-256",
                "oldestEventTime": "2026-12-01T00:00:00Z", "newestEventTime": "2026-12-01T00:05:00Z"}))
            .collect();
        let mut written: Vec<trailaudit_testkit::digests::Written> = Vec::new();
        for h in 0..2000 {
            let from = start + chrono::Duration::hours(h);
            let w = trailaudit_testkit::digests::build(
                &chain,
                from,
                from + chrono::Duration::hours(1),
                written.last().map(trailaudit_testkit::digests::link),
                files.clone(),
                &key,
            );
            written.push(w);
        }
        let texts: Vec<(String, String, String)> = written
            .iter()
            .map(|w| (w.key.clone(), w.json.to_string(), w.signature.clone()))
            .collect();
        let keys = [trailaudit_collect::digest::PublicKey {
            fingerprint: trailaudit_testkit::digests::SigningKey::fingerprint(),
            der: key.public_der(),
        }];
        let t = Instant::now();
        let parsed: Vec<_> = texts
            .iter()
            .map(|(k, text, sig)| {
                trailaudit_collect::digest::parse(
                    k,
                    text.as_bytes(),
                    Some(sig),
                    Some("SHA256withRSA"),
                )
            })
            .collect::<Result<_, _>>()
            .map_err(anyhow::Error::msg)?;
        let problems = trailaudit_collect::digest::judge(
            &parsed,
            &keys,
            start,
            start + chrono::Duration::hours(2000),
            Some(trailaudit_model::LoggingWindow {
                since: None,
                until: None,
            }),
        )
        .map_err(|e| anyhow::anyhow!("not judged: {e:?}"))?;
        let secs = t.elapsed().as_secs_f64();
        println!(
            "in process (no I/O): 2000 digests of 60 log files parsed, verified and chained in {secs:.2} s: {:.0} digests/s ({} problems)",
            2000.0 / secs,
            problems.len()
        );
    }
    for depth in ["digests", "full"] {
        let o = audit(&[
            "verify",
            "--snapshot",
            snap_path.to_str().unwrap_or_default(),
            "--integrity",
            depth,
            "--from",
            &start.to_rfc3339(),
        ])?;
        let text = String::from_utf8_lossy(&o.stdout);
        let line = text
            .lines()
            .find(|l| l.contains("digests read and verified"))
            .unwrap_or("no summary line");
        let verdicts = text.lines().next().unwrap_or_default();
        println!("--integrity {depth}: {line} [{verdicts}]");
    }
    Ok(())
}

/// The simulated end-to-end run, in a child process so its peak memory is
/// its own: collect from the fake, then analyse and write every report.
fn simulated(accounts: usize, latency_ms: u64, concurrency: usize) -> Result<()> {
    println!("\n## 2. Simulated end to end: {accounts} accounts x 17 regions, {latency_ms} ms per call, concurrency {concurrency}");
    let child = Command::new(std::env::current_exe()?)
        .args([
            "bench",
            "simulated-child",
            &accounts.to_string(),
            &latency_ms.to_string(),
            &concurrency.to_string(),
        ])
        .spawn()
        .context("running the simulated child")?;
    let (code, rss) = wait_with_rusage(child);
    anyhow::ensure!(code == 0, "simulated run exited {code}");
    println!(
        "peak memory of the whole run (collect + analyse + report): {:.0} MB",
        rss as f64 / 1024.0
    );
    Ok(())
}

/// The child of [`simulated`].
fn simulated_child(args: &[String]) -> Result<()> {
    let arg = |k: usize| -> Result<u64> {
        args.get(k)
            .context("simulated-child ACCOUNTS LATENCY_MS CONCURRENCY")?
            .parse()
            .context("a number")
    };
    let (accounts, latency_ms, concurrency) = (arg(0)? as usize, arg(1)?, arg(2)? as usize);
    let regions: Vec<&str> = trailaudit_model::regions::KNOWN_REGIONS
        .iter()
        .filter(|r| !r.opt_in)
        .map(|r| r.name)
        .collect();
    let fake = FakeAws::builder(accounts - 1, &regions)
        .organization_trail(None)
        .latency(Duration::from_millis(latency_ms))
        .counts_only()
        .build();
    let opts = trailaudit_collect::CollectOptions {
        regions: trailaudit_model::regions::RegionSelection::All,
        concurrency,
        ..Default::default()
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let t = Instant::now();
    let snap = rt.block_on(trailaudit_collect::collect(
        &fake.sdk_config(),
        trailaudit_collect::Guard::new(),
        &opts,
        &trailaudit_collect::Silent,
        trailaudit_collect::Cancel::default(),
    ))?;
    drop(rt);
    let collect_wall = t.elapsed().as_secs_f64();
    let after_collect = memory();
    let counts = fake.call_counts();
    let calls: usize = counts.values().sum();
    let units: usize = snap.accounts.iter().map(|a| a.regions.len()).sum();
    let bound = calls as f64 * latency_ms as f64 / 1000.0 / concurrency as f64;
    let org_pages = counts.get("ListAccountsForParent").copied().unwrap_or(0);
    println!(
        "{} accounts, {units} account-regions, {calls} requests ({:.2} per account-region), {} errors",
        snap.accounts.len(),
        calls as f64 / units as f64,
        snap.errors.len()
    );
    println!(
        "collection {collect_wall:.1} s; API bound calls x latency / concurrency = {bound:.1} s; ratio {:.2}; the organization walk alone is {org_pages} sequential pages = {:.1} s, overlapped with auditing",
        collect_wall / bound,
        org_pages as f64 * latency_ms as f64 / 1000.0
    );
    // Analyse and write every report, as `audit org` does.
    let t = Instant::now();
    let out = workspace_root().join("target").join("bench-e2e");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out)?;
    snap.write_json(std::io::BufWriter::new(std::fs::File::create(
        out.join("snapshot.json"),
    )?))?;
    let eval = trailaudit_checks::evaluate(&snap, &trailaudit_checks::AuditPolicy::default());
    let inputs = trailaudit_report::Inputs {
        snapshot: &snap,
        evaluation: &eval,
        changes: None,
    };
    for (name, write) in trailaudit_report::REPORTS {
        let mut w = std::io::BufWriter::new(std::fs::File::create(out.join(name))?);
        write(&inputs, &mut w)?;
        std::io::Write::flush(&mut w)?;
    }
    let report_wall = t.elapsed().as_secs_f64();
    let total = collect_wall + report_wall;
    println!(
        "memory: peak {:.0} MB by the end of collection (resident then {:.0} MB), peak {:.0} MB by the end",
        after_collect.1, after_collect.0, memory().1
    );
    println!(
        "analysis and every report {report_wall:.1} s; end to end {total:.1} s = {:.2} x the API bound",
        total / bound
    );
    Ok(())
}

/// Analysis and every report of synthetic organizations, through the real
/// binary (`audit report --snapshot`), as a user re-rendering a snapshot
/// would run it: wall time, time per cell, the process's peak memory and
/// each report's size; then report.html opened in headless Chromium.
fn analysis(sizes: &[usize]) -> Result<()> {
    println!("\n## 3. Analysis and reports: synthetic organizations x 17 regions (`audit report --snapshot`)");
    let root = workspace_root();
    build_audit(&root)?;
    println!("| accounts | cells | wall | per cell | peak RSS | snapshot.json | report.json | report.html | coverage.csv | findings.csv |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut html_10k = None;
    let mut compared = Vec::new();
    let mut required = Vec::new();
    let mut verified = Vec::new();
    for &n in sizes {
        let dir = root
            .join("target")
            .join("bench-analysis")
            .join(n.to_string());
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        let snap_path = dir.join("snapshot.json");
        {
            let snap = trailaudit_testkit::synthetic::organization(n);
            let f = std::io::BufWriter::new(std::fs::File::create(&snap_path)?);
            snap.write_json(f)?;
        }
        // A policy with requirements per OU: two more classes everywhere,
        // two in one OU, and two named buckets.
        let policy_path = dir.join("requirements.toml");
        std::fs::write(
            &policy_path,
            "[data_events]\ntypes = [\"dynamodb_data\", \"AWS::S3::Object:write\"]\nresources = [{ arn = \"arn:aws:s3:::cards/\", region = \"us-east-1\" }, { arn = \"arn:aws:s3:::secret/\", region = \"eu-west-1\" }]\n\n[[scope]]\nou = \"Root/OU-1\"\nretention.days = 2555\n[scope.network_activity]\nvpce_denied = [\"kms\", \"s3\"]\n",
        )?;
        let run = |previous: bool, policy: bool| -> Result<(f64, u64)> {
            let t = Instant::now();
            let mut cmd = Command::new(root.join("target/release/audit"));
            cmd.args(["report", "-q", "--exit-zero", "--snapshot"])
                .arg(&snap_path)
                .arg("--out-dir")
                .arg(&dir);
            if previous {
                // Month over month against a run of the same size.
                cmd.arg("--previous").arg(&snap_path);
            }
            if policy {
                cmd.arg("--policy").arg(&policy_path);
            }
            let (code, rss) = wait_with_rusage(cmd.spawn().context("running audit report")?);
            anyhow::ensure!(code == 0, "audit report exited {code}");
            Ok((t.elapsed().as_secs_f64(), rss))
        };
        let (wall, rss) = run(false, false)?;
        let size = |name: &str| {
            std::fs::metadata(dir.join(name))
                .map(|m| format!("{:.2} MB", m.len() as f64 / 1e6))
                .unwrap_or_else(|_| "-".into())
        };
        // Cells: 6 classes in us-east-1, 5 elsewhere.
        let cells = n * (16 * 5 + 6);
        println!(
            "| {n} | {cells} | {wall:.2} s | {:.1} µs | {:.0} MB | {} | {} | {} | {} | {} |",
            wall * 1e6 / cells as f64,
            rss as f64 / 1024.0,
            size("snapshot.json"),
            size("report.json"),
            size("report.html"),
            size("coverage.csv"),
            size("findings.csv"),
        );
        compared.push((n, run(true, false)?));
        let (pw, prss) = run(false, true)?;
        required.push((n, pw, prss, size("resources.csv")));
        verified.push(verification(&root, &dir, n)?);
        if n == 10_000 || html_10k.is_none() {
            html_10k = Some((n, dir.join("report.html")));
        }
    }
    for (n, (wall, rss)) in compared {
        println!(
            "{n} accounts with `--previous` (month over month against a run of the same size): {wall:.2} s, peak RSS {:.0} MB",
            rss as f64 / 1024.0
        );
    }
    for (n, wall, rss, resources) in required {
        println!(
            "{n} accounts with a scoped policy (4 more classes, 2 in one OU; 2 named buckets; resources.csv {resources}): {wall:.2} s, peak RSS {:.0} MB",
            rss as f64 / 1024.0
        );
    }
    for line in verified {
        println!("{line}");
    }
    if let Some((n, page)) = html_10k {
        open_in_chromium(n, &page)?;
    }
    Ok(())
}

/// The same organization with footprints everywhere and a verification of
/// them (two found, one not delivered, in turn): how long planning the
/// targets takes, then analysis and every report with the verification and
/// a previous run that had it (lost verification computed).
fn verification(root: &std::path::Path, dir: &std::path::Path, n: usize) -> Result<String> {
    use trailaudit_model::{Footprint, FootprintCall, VerifyOutcome};
    let mut snap = trailaudit_testkit::synthetic::organization(n);
    snap.session_name = Some("trailaudit".into());
    let at = snap.started_at;
    for a in &mut snap.accounts {
        for r in &mut a.regions {
            r.footprint = Some(Box::new(Footprint {
                call: FootprintCall::DescribeTrails,
                sent_at: at,
                answered_at: at,
                request_id: Some(format!("{}-{}", a.id, r.region)),
                error_code: None,
            }));
        }
    }
    let t = Instant::now();
    let e = trailaudit_checks::evaluate(&snap, &trailaudit_checks::AuditPolicy::default());
    let plan = trailaudit_checks::footprints::plan(&snap, &e.coverage, None, 0);
    let planned = t.elapsed().as_secs_f64();
    drop(e);
    let mut v = plan.verification;
    let cells = v.cells.len();
    for (i, c) in v.cells.iter_mut().enumerate() {
        c.outcome = if i % 3 == 2 {
            VerifyOutcome::NotFound {
                listed: 3,
                opened: 3,
            }
        } else {
            VerifyOutcome::Verified {
                file: format!(
                    "2026/11/01/{}_CloudTrail_{}_20261101T0005Z_0123456789ABCDEF.json.gz",
                    c.account_id, c.region
                ),
            }
        };
        (c.lists, c.gets) = (1, 1);
    }
    snap.verification = Some(v);
    let path = dir.join("verified.json");
    snap.write_json(std::io::BufWriter::new(std::fs::File::create(&path)?))?;
    drop(snap);
    let t = Instant::now();
    let mut cmd = Command::new(root.join("target/release/audit"));
    cmd.args(["report", "-q", "--exit-zero", "--snapshot"])
        .arg(&path)
        .arg("--previous")
        .arg(&path)
        .arg("--out-dir")
        .arg(dir);
    let (code, rss) = wait_with_rusage(cmd.spawn().context("running audit report")?);
    anyhow::ensure!(code == 0, "audit report exited {code}");
    Ok(format!(
        "{n} accounts with a verification of {cells} account-regions (2 of 3 found) and a previous run that had it: targets planned in {planned:.2} s (evaluation included); analysis and every report {:.2} s, peak RSS {:.0} MB, snapshot {:.1} MB",
        t.elapsed().as_secs_f64(),
        rss as f64 / 1024.0,
        std::fs::metadata(&path).map(|m| m.len() as f64 / 1e6).unwrap_or(0.0)
    ))
}

fn build_audit(root: &std::path::Path) -> Result<()> {
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(root)
        .args(["build", "--quiet", "--release", "--bin", "audit"])
        .status()?;
    anyhow::ensure!(status.success(), "building audit failed");
    Ok(())
}

/// Opens a report in headless Chromium: the time to a rendered DOM (process
/// wall time, minus the same for an empty page) and the heatmap's own
/// drawing time as the page measured it.
fn open_in_chromium(accounts: usize, page: &std::path::Path) -> Result<()> {
    let Some(chromium) = ["chromium", "chromium-browser"].into_iter().find(|c| {
        Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    }) else {
        println!(
            "report.html in Chromium: not measured (no chromium; `cargo xtask ci` installs it)"
        );
        return Ok(());
    };
    let dir = page.parent().expect("a directory");
    let blank = dir.join("blank.html");
    std::fs::write(&blank, "<!doctype html><title>blank</title><p>blank")?;
    let open = |p: &std::path::Path| -> Result<(f64, String)> {
        let profile = dir.join(format!("chromium-profile-{}", std::process::id()));
        let t = Instant::now();
        let out = Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
                "--dump-dom",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(format!("file://{}", p.display()))
            .output()?;
        let wall = t.elapsed().as_secs_f64();
        let _ = std::fs::remove_dir_all(&profile);
        Ok((wall, String::from_utf8_lossy(&out.stdout).to_string()))
    };
    let (blank_wall, _) = open(&blank)?;
    let (wall, dom) = open(page)?;
    let drawn = dom
        .split("data-render-ms=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or("?")
        .to_string();
    println!(
        "report.html of {accounts} accounts in headless Chromium: {wall:.2} s to a dumped DOM ({:.2} s over an empty page's {blank_wall:.2} s); heatmap drawn in {drawn} ms by the page",
        wall - blank_wall
    );
    Ok(())
}

/// Who changed coverage at scale: `accounts` accounts x 17 regions on the
/// fake transport (`latency_ms` per call, AWS's LookupEvents quota of 2 a
/// second per account-region), every hundredth member with its own trail
/// stopped; collection, then the lookups the findings plan, in one run.
fn history(accounts: usize, latency_ms: u64, concurrency: usize) -> Result<()> {
    use trailaudit_testkit::fake::FakeTrail;
    println!(
        "\n## Event history: {accounts} accounts x 17 regions, 1% with a stopped trail, {latency_ms} ms per call, concurrency {concurrency}"
    );
    let regions: Vec<&str> = trailaudit_model::regions::KNOWN_REGIONS
        .iter()
        .filter(|r| !r.opt_in)
        .map(|r| r.name)
        .collect();
    let mut builder = FakeAws::builder(accounts - 1, &regions)
        .organization_trail(None)
        .latency(Duration::from_millis(latency_ms))
        .counts_only();
    let broken: Vec<String> = (1..accounts)
        .filter(|i| i % 100 == 50)
        .map(|i| format!("{:012}", 100_000_000_000u64 + i as u64))
        .collect();
    for id in &broken {
        builder = builder.trail(FakeTrail {
            account: id.clone(),
            name: "local".into(),
            home_region: "eu-west-1".into(),
            multi_region: false,
            organization: false,
            delivery_error: None,
            stopped: true,
        });
    }
    let fake = builder.build();
    let opts = trailaudit_collect::CollectOptions {
        regions: trailaudit_model::regions::RegionSelection::All,
        concurrency,
        ..Default::default()
    };
    let policy = trailaudit_checks::AuditPolicy::default();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let mut planning = Duration::ZERO;
    let t = Instant::now();
    let snap = rt.block_on(trailaudit_collect::collect_attributing(
        &fake.sdk_config(),
        trailaudit_collect::Guard::new(),
        &opts,
        None,
        &trailaudit_collect::Silent,
        trailaudit_collect::Cancel::default(),
        |s| {
            let t = Instant::now();
            let e = trailaudit_checks::evaluate(s, &policy);
            let h = trailaudit_checks::history::plan(s, &e.findings, &[], chrono::Utc::now());
            planning = t.elapsed();
            Some(h)
        },
    ))?;
    let wall = t.elapsed().as_secs_f64();
    let h = snap.history.as_ref().context("no history")?;
    let t = Instant::now();
    let e = trailaudit_checks::evaluate(&snap, &policy);
    let with_history = t.elapsed().as_secs_f64();
    let mut bare = snap.clone();
    bare.history = None;
    let t = Instant::now();
    let _ = trailaudit_checks::evaluate(&bare, &policy);
    let without_history = t.elapsed().as_secs_f64();
    let attributed = e
        .findings
        .iter()
        .filter(|f| {
            matches!(
                f.attribution,
                Some(trailaudit_model::Attribution::Changed { .. })
            )
        })
        .count();
    let unreadable = h
        .queries
        .iter()
        .filter(|q| matches!(q.answer, trailaudit_model::HistoryAnswer::Unreadable { .. }))
        .count();
    println!(
        "{} accounts, {} broken; {} findings, {attributed} attributed to a change",
        snap.accounts.len(),
        broken.len(),
        e.findings.len()
    );
    println!(
        "event history: {} queries, {} LookupEvents calls ({} throttled and retried, {unreadable} unreadable) in {:.2} s; planning (evaluation + plan) {:.2} s; whole run {wall:.1} s",
        h.queries.len(),
        h.lookups,
        h.throttled,
        h.seconds,
        planning.as_secs_f64()
    );
    println!(
        "evaluation of the snapshot with its attributions {with_history:.2} s, without {without_history:.2} s"
    );
    Ok(())
}
