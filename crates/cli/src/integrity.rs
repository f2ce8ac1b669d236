//! `audit verify --integrity`: the archive's digest files checked over a
//! window for an earlier run's trails and accounts; the reads it will make
//! are said before it starts, the result printed (and with `--out-dir`
//! written into the snapshot and every report).

use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use trailaudit_collect::Guard;
use trailaudit_model::{IntegrityDepth, IntegrityVerdict, Snapshot};

use crate::args::{Global, IntegrityDepthArg, VerifyArgs};
use crate::progress::Bars;

/// `7d`, `36h`, `90m` as a duration.
pub fn parse_duration(text: &str) -> Result<Duration> {
    let t = text.trim();
    let (n, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let n: i64 = n
        .parse()
        .ok()
        .filter(|n| *n > 0)
        .with_context(|| format!("`{text}` is not a duration: write it like 7d, 36h or 90m"))?;
    Ok(match unit {
        "d" => Duration::days(n),
        "h" => Duration::hours(n),
        "m" => Duration::minutes(n),
        _ => {
            bail!("`{text}` is not a duration: write it like 7d, 36h or 90m (days, hours, minutes)")
        }
    })
}

fn parse_time(flag: &str, text: &str) -> Result<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .with_context(|| {
            format!(
                "{flag}: `{text}` is not a time; write it like 2026-12-01 or 2026-12-01T10:00:00Z"
            )
        })
}

/// The window asked for: `--from`/`--to`, else `--since` before now.
pub fn window(v: &VerifyArgs, now: DateTime<Utc>) -> Result<(DateTime<Utc>, DateTime<Utc>)> {
    let to = match &v.to {
        Some(t) => parse_time("--to", t)?,
        None => now,
    };
    let from = match &v.from {
        Some(t) => parse_time("--from", t)?,
        None => to - parse_duration(&v.since)?,
    };
    if from >= to {
        bail!(
            "the window is empty: --from {} is not before --to {}",
            from.format("%Y-%m-%dT%H:%MZ"),
            to.format("%Y-%m-%dT%H:%MZ")
        );
    }
    if to > now + Duration::minutes(5) {
        bail!("--to is in the future; the window must end by now");
    }
    Ok((from, to))
}

/// Runs the check for `snapshot`'s trails.
pub fn run(
    global: &Global,
    v: &VerifyArgs,
    depth: IntegrityDepthArg,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    mut snapshot: Snapshot,
) -> Result<ExitCode> {
    let depth = match depth {
        IntegrityDepthArg::Digests => IntegrityDepth::Digests,
        IntegrityDepthArg::Full => IntegrityDepth::Full,
    };
    let rotation = trailaudit_checks::footprints::rotation_of(Utc::now());
    let plan = trailaudit_checks::integrity::plan(&snapshot, from, to, depth, v.sample, rotation);
    if plan.integrity.cells.is_empty() {
        bail!(
            "the run of {} has no trail with a destination: there is no archive to check",
            trailaudit_model::utc(snapshot.started_at)
        );
    }
    let reading = plan.targets.iter().filter(|t| t.is_some()).count();
    if !global.quiet {
        eprintln!(
            "integrity of {} account-regions from {} to {}: at most {} digest reads ({reading} account-regions x {} hours), one ListPublicKeys per region, then {}{}",
            plan.integrity.cells.len(),
            from.format("%Y-%m-%dT%H:%MZ"),
            to.format("%Y-%m-%dT%H:%MZ"),
            trailaudit_checks::integrity::digests_to_read(&plan),
            ((to - from).num_minutes() + 59) / 60,
            match depth {
                IntegrityDepth::Digests => "one HeadObject per log file the digests list",
                IntegrityDepth::Full => "every log file the digests list downloaded and hashed (the whole archive of the window)",
            },
            if reading < plan.integrity.cells.len() {
                format!(
                    "; {} account-regions not read (validation off or outside the sample)",
                    plan.integrity.cells.len() - reading
                )
            } else {
                String::new()
            }
        );
    }
    let opts = v.collect_options(global);
    let accounts: Vec<String> = snapshot.accounts.iter().map(|a| a.id.clone()).collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let started = Instant::now();
    let (integrity, errors) = rt.block_on(async {
        let cfg = trailaudit_collect::load_config(&global.connection()).await;
        let bars = Bars::new(global.quiet);
        trailaudit_collect::integrity_only(&cfg, Guard::new(), &opts, accounts, plan, &bars).await
    })?;
    let seconds = started.elapsed().as_secs_f64();
    if v.json {
        println!("{}", serde_json::to_string_pretty(&integrity)?);
    }
    let failing = integrity.cells.iter().any(|c| {
        matches!(
            c.verdict,
            IntegrityVerdict::Broken { .. } | IntegrityVerdict::Unknown { .. }
        )
    });
    if !v.json && !global.quiet {
        print!("{}", summary(&integrity, seconds, errors.len()));
    }
    snapshot.integrity = Some(integrity);
    snapshot.errors.extend(errors);
    if let Some(dir) = &v.out_dir {
        crate::analyse::write_all(global, &snapshot, dir)?;
    }
    Ok(if failing {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Counts per verdict, the reads and their speed, then every account-region
/// with a problem (the first 20).
pub fn summary(i: &trailaudit_model::Integrity, seconds: f64, failed_reads: usize) -> String {
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for c in &i.cells {
        *counts.entry(c.verdict.name()).or_default() += 1;
    }
    let digests: u64 = i.cells.iter().map(|c| u64::from(c.digests_read)).sum();
    let logs: u64 = i.cells.iter().map(|c| u64::from(c.log_files_checked)).sum();
    let bytes: u64 = i.cells.iter().map(|c| c.bytes_read).sum();
    let mut o = format!(
        "integrity: {}\n{digests} digests read and verified, {logs} log files checked, {:.1} MB read in {seconds:.1} s ({:.0} digests/s, {:.0} log files/s{})\n",
        counts
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect::<Vec<_>>()
            .join(", "),
        bytes as f64 / 1e6,
        digests as f64 / seconds.max(1e-3),
        logs as f64 / seconds.max(1e-3),
        if i.depth == IntegrityDepth::Full {
            format!(", {:.1} MB/s", bytes as f64 / 1e6 / seconds.max(1e-3))
        } else {
            String::new()
        }
    );
    for c in i
        .cells
        .iter()
        .filter(|c| {
            matches!(
                c.verdict,
                IntegrityVerdict::Broken { .. } | IntegrityVerdict::Unknown { .. }
            )
        })
        .take(20)
    {
        let what = match &c.verdict {
            IntegrityVerdict::Unknown { error } => error.describe(),
            v => v
                .problems()
                .iter()
                .take(3)
                .map(|p| p.describe())
                .collect::<Vec<_>>()
                .join("; "),
        };
        o.push_str(&format!(
            "  {} {} {}: {what}\n",
            c.account_id,
            c.region,
            c.verdict.name()
        ));
    }
    if failed_reads > 0 {
        o.push_str(&format!(
            "{failed_reads} reads failed (a permission gap of the auditor, not evidence of tampering): the account-regions they concern are unknown\n"
        ));
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_times_are_read_as_people_write_them() {
        assert_eq!(parse_duration("7d").unwrap(), Duration::days(7));
        assert_eq!(parse_duration("36h").unwrap(), Duration::hours(36));
        assert!(parse_duration("7 days")
            .unwrap_err()
            .to_string()
            .contains("7d, 36h or 90m"));
        assert!(parse_duration("0d").is_err());
        assert_eq!(
            parse_time("--from", "2026-12-01").unwrap().to_rfc3339(),
            "2026-12-01T00:00:00+00:00"
        );
        assert!(parse_time("--from", "yesterday")
            .unwrap_err()
            .to_string()
            .contains("--from"));
    }
}
