//! `audit verify`: an earlier run's footprints looked for in the archive,
//! without a new audit. The causes of what is missing are read from that
//! run's configuration (`audit org --verify-previous` reads them from the
//! fresh audit instead).

use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use trailaudit_collect::Guard;
use trailaudit_model::VerifyOutcome;

use crate::args::{Global, VerifyArgs};
use crate::progress::Bars;

/// Runs `audit verify`.
pub fn run(global: &Global, v: &VerifyArgs) -> Result<ExitCode> {
    if v.sample == Some(0) {
        bail!("--sample must be at least 1");
    }
    if v.concurrency == 0 {
        bail!("--concurrency must be at least 1");
    }
    if v.integrity.is_none() && (v.from.is_some() || v.to.is_some() || v.out_dir.is_some()) {
        bail!("--from, --to and --out-dir go with --integrity");
    }
    let window = match v.integrity {
        Some(_) => Some(crate::integrity::window(v, chrono::Utc::now())?),
        None => None,
    };
    let mut snapshot = match &v.snapshot {
        Some(p) => crate::snapshots::load_snapshot(p)?,
        None => crate::snapshots::newest_snapshot().context(
            "no reports/*/snapshot.json here; give the run to verify with --snapshot FILE",
        )?,
    };
    if let (Some(depth), Some(window)) = (v.integrity, window) {
        return crate::integrity::run(global, v, depth, window, snapshot);
    }
    let policy = trailaudit_checks::AuditPolicy::default();
    let evaluation = trailaudit_checks::evaluate(&snapshot, &policy);
    // The sample rotates with the month of this run.
    let rotation = trailaudit_checks::footprints::rotation_of(chrono::Utc::now());
    let plan =
        trailaudit_checks::footprints::plan(&snapshot, &evaluation.coverage, v.sample, rotation);
    drop(evaluation);
    if plan.verification.cells.is_empty() {
        bail!(
            "the run of {} has no footprint to look for: no account-region was covered for management read events with a recorded footprint (snapshots written before footprints were recorded have none)",
            trailaudit_model::utc(snapshot.started_at)
        );
    }
    let opts = v.collect_options(global);
    let accounts: Vec<String> = snapshot.accounts.iter().map(|a| a.id.clone()).collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .max_blocking_threads(4)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let (verification, errors) = rt.block_on(async {
        let cfg = trailaudit_collect::load_config(&global.connection()).await;
        let bars = Bars::new(global.quiet);
        trailaudit_collect::verify_only(&cfg, Guard::new(), &opts, accounts, plan, &bars).await
    })?;
    if v.json {
        println!("{}", serde_json::to_string_pretty(&verification)?);
    }
    snapshot.verification = Some(verification);
    let missing = !snapshot
        .verification
        .as_ref()
        .expect("just set")
        .cells
        .iter()
        .all(|c| {
            matches!(
                c.outcome,
                VerifyOutcome::Verified { .. } | VerifyOutcome::NotSampled
            )
        });
    if !v.json {
        print!("{}", render(&snapshot, &errors));
    }
    Ok(if missing {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The summary line, what is missing and why (from the checks), and the
/// reads that failed.
fn render(s: &trailaudit_model::Snapshot, errors: &[trailaudit_model::CollectionError]) -> String {
    let e = trailaudit_checks::evaluate(s, &trailaudit_checks::AuditPolicy::default());
    let mut o = String::new();
    if let Some(sum) = trailaudit_report::verification_summary(s, &e) {
        o.push_str(&format!(
            "{} ({} list and {} get calls)\n",
            sum.line(),
            sum.lists,
            sum.gets
        ));
    }
    for f in e
        .findings
        .iter()
        .filter(|f| f.check_id.starts_with("footprints_"))
    {
        o.push_str(&format!(
            "\n{} ({}): {}\n",
            f.check_id,
            f.severity.as_str(),
            f.message
        ));
    }
    if !errors.is_empty() {
        o.push_str("\nthe archive could not be read everywhere (a permission gap of the auditor, not a delivery failure):\n");
        const SHOWN: usize = 20;
        if errors.len() > SHOWN {
            o.push_str(&format!(
                "  ({} failed reads; the first {SHOWN}:)\n",
                errors.len()
            ));
        }
        for err in errors.iter().take(SHOWN) {
            o.push_str(&format!(
                "  {} {}: {}\n",
                err.account_id.as_deref().unwrap_or("-"),
                err.resource.as_deref().unwrap_or("-"),
                err.error.describe()
            ));
        }
    }
    o
}
