//! Turns parsed flags into checked options and runs the pipeline:
//! collect (or load) -> snapshot -> analysis -> files and terminal summary.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use trailaudit_collect::{Cancel, CollectOptions, Connection, Guard};
use trailaudit_model::regions::RegionSelection;
use trailaudit_model::{is_account_id, Mode, Snapshot};

use crate::args::{AuditArgs, Cli, Command, Global, OrgArgs};
use crate::output;
use crate::progress::Bars;

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Org(org) => audit(&cli.global, Mode::Organization, &org.audit, Some(&org)),
        Command::Account(a) => audit(&cli.global, Mode::Account, &a, None),
    }
}

fn audit(global: &Global, mode: Mode, a: &AuditArgs, org: Option<&OrgArgs>) -> Result<ExitCode> {
    // Check everything the user typed before any work starts.
    let regions = RegionSelection::parse(&a.regions).map_err(anyhow::Error::msg)?;
    if a.concurrency == 0 {
        bail!("--concurrency must be at least 1");
    }
    let mut opts = CollectOptions {
        mode,
        regions,
        concurrency: a.concurrency,
        probe_delivery: a.probe_delivery,
        arguments: std::env::args().collect(),
        ..CollectOptions::default()
    };
    if let Some(o) = org {
        for (flag, ids) in [
            ("--accounts", &o.accounts),
            ("--exclude-accounts", &o.exclude_accounts),
        ] {
            if let Some(bad) = ids.iter().find(|id| !is_account_id(id)) {
                bail!("{flag}: `{bad}` is not an AWS account id (12 digits, for example 123456789012)");
            }
        }
        if o.role_name.trim().is_empty() || o.role_name.contains(['/', ':']) {
            bail!("--role-name: `{}` is not a role name (give the name only, for example OrganizationAccountAccessRole)", o.role_name);
        }
        opts.accounts = o.accounts.clone();
        opts.exclude_accounts = o.exclude_accounts.clone();
        opts.ous = o.ou.clone();
        opts.role_name = o.role_name.clone();
        opts.external_id = o.external_id.clone();
        opts.session_name = o.session_name.clone();
    }
    let stored = match &a.from_snapshot {
        Some(p) => Some(load_snapshot(p)?),
        None => None,
    };
    let out_dir = a.out_dir.clone().unwrap_or_else(|| {
        PathBuf::from("reports").join(chrono::Utc::now().format("%Y-%m-%d").to_string())
    });
    output::prepare_dir(&out_dir)?;

    let (snapshot, interrupted) = match stored {
        Some(s) => (s, false),
        None => collect(global, &opts)?,
    };

    let mut written = vec![output::write_atomic(
        &out_dir.join("snapshot.json"),
        snapshot.to_json().as_bytes(),
    )?];
    if let Some(p) = &a.snapshot_out {
        written.push(output::write_atomic(p, snapshot.to_json().as_bytes())?);
    }
    if !global.quiet {
        print_summary(&snapshot);
        for w in &written {
            println!("wrote {}", w.display());
        }
    }
    if interrupted {
        eprintln!(
            "interrupted: the snapshot is partial and marked incomplete (complete = false); run again to audit everything"
        );
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

fn load_snapshot(p: &Path) -> Result<Snapshot> {
    let text = std::fs::read_to_string(p).with_context(|| {
        format!(
            "cannot read the snapshot {}; give the path of a snapshot.json written by `audit org`",
            p.display()
        )
    })?;
    Snapshot::from_json(&text).with_context(|| format!("{}", p.display()))
}

fn collect(global: &Global, opts: &CollectOptions) -> Result<(Snapshot, bool)> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    rt.block_on(async {
        let conn = Connection {
            profile: global.profile.clone(),
            region: global.region.clone(),
            endpoint_url: global.endpoint_url.clone(),
        };
        let cfg = trailaudit_collect::load_config(&conn).await;
        let guard = Guard::new();
        let cancel = Cancel::default();
        let on_signal = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("interrupt received: finishing calls in flight, then writing a partial snapshot");
                on_signal.cancel();
            }
        });
        let bars = Bars::new(global.quiet);
        let result = trailaudit_collect::collect(&cfg, guard, opts, &bars, cancel.clone()).await;
        bars.finish();
        let snapshot = result.map_err(anyhow::Error::new)?;
        Ok((snapshot, cancel.is_cancelled()))
    })
}

fn print_summary(s: &Snapshot) {
    let regions: usize = s.accounts.iter().map(|a| a.regions.len()).sum();
    let calls: u64 = s.api_calls.values().sum();
    let secs = (s.finished_at - s.started_at).num_milliseconds() as f64 / 1000.0;
    println!(
        "{} accounts, {} account-regions, {} trails, {} buckets; {} failed calls; {} API calls in {:.1} s",
        s.accounts.len(),
        regions,
        s.trails.len(),
        s.buckets.len(),
        s.errors.len(),
        calls,
        secs
    );
}
