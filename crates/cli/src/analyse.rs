//! The analysis every command that writes reports shares: the audit
//! policy loaded and checked ([`Analysis`]), the evaluation, the
//! month-over-month comparison, every report written atomically, the
//! terminal summary and the exit code.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use trailaudit_checks::{AuditPolicy, Evaluation, Severity};
use trailaudit_model::Snapshot;
use trailaudit_report::diff::Previous;
use trailaudit_report::Changes;

use crate::args::{AnalysisArgs, Global};
use crate::output;

/// The policy, severity threshold and exit behaviour, checked.
pub(crate) struct Analysis {
    pub(crate) policy: AuditPolicy,
    pub(crate) policy_file: String,
    pub(crate) fail_on: Severity,
    pub(crate) exit_zero: bool,
    pub(crate) fail_on_new: bool,
}

/// The policy file given, else `./audit.toml` when it exists: the policy and its name.
pub(crate) fn load_policy(given: Option<&PathBuf>) -> Result<(AuditPolicy, String)> {
    let path = match given {
        Some(p) => Some(p.clone()),
        None => Some(PathBuf::from("audit.toml")).filter(|p| p.exists()),
    };
    Ok(match path {
        Some(p) => {
            let text = std::fs::read_to_string(&p).with_context(|| {
                format!(
                    "cannot read the policy file {}; see docs/policy.md for the format",
                    p.display()
                )
            })?;
            let name = p.display().to_string();
            (
                trailaudit_checks::checks::parse_policy(&text, &name)
                    .map_err(|e| anyhow::anyhow!("invalid policy: {e}"))?,
                name,
            )
        }
        None => (
            AuditPolicy::default(),
            "(no policy file: defaults)".to_string(),
        ),
    })
}

pub(crate) fn analysis(a: &AnalysisArgs) -> Result<Analysis> {
    let (policy, policy_file) = load_policy(a.policy.as_ref())?;
    Ok(Analysis {
        policy,
        policy_file,
        fail_on: a.fail_on,
        exit_zero: a.exit_zero,
        fail_on_new: a.fail_on_new,
    })
}

/// Writes `snapshot` and every report into `out_dir`, analysed with the
/// policy of `./audit.toml` when there is one (`audit verify --integrity
/// --out-dir`).
pub(crate) fn write_all(global: &Global, snapshot: &Snapshot, out_dir: &Path) -> Result<()> {
    let (policy, policy_file) = load_policy(None)?;
    let an = Analysis {
        policy,
        policy_file,
        fail_on: Severity::High,
        exit_zero: true,
        fail_on_new: false,
    };
    output::prepare_dir(out_dir)?;
    let mut written = vec![output::write_atomic_with(
        &out_dir.join("snapshot.json"),
        |w| snapshot.write_json(w),
    )?];
    analyse_and_report(global, &an, snapshot, None, out_dir, &mut written)?;
    Ok(())
}

/// What the month-over-month comparison needs of an earlier run, taken as
/// soon as it is read (its snapshot and evaluation are then dropped, so a
/// run never holds two organizations' worth of data).
pub(crate) fn previous_run(p: &Snapshot, an: &Analysis) -> Previous {
    Previous::of(p, &trailaudit_checks::evaluate(p, &an.policy))
}

pub(crate) fn analyse_and_report(
    global: &Global,
    an: &Analysis,
    snapshot: &Snapshot,
    previous: Option<&Previous>,
    out_dir: &Path,
    written: &mut Vec<PathBuf>,
) -> Result<ExitCode> {
    an.policy
        .check_scopes(snapshot, &an.policy_file)
        .map_err(|e| anyhow::anyhow!("invalid policy: {e}"))?;
    let mut evaluation: Evaluation = trailaudit_checks::evaluate(snapshot, &an.policy);
    if let Some(p) = previous {
        p.bound_unknown_starts(&mut evaluation);
    }
    let changes: Option<Changes> =
        previous.map(|p| trailaudit_report::diff::compare_with(p, snapshot, &evaluation));
    let inputs = trailaudit_report::Inputs {
        snapshot,
        evaluation: &evaluation,
        changes: changes.as_ref(),
    };
    for (name, write) in trailaudit_report::REPORTS {
        written.push(output::write_atomic_with(&out_dir.join(name), |w| {
            write(&inputs, w)
        })?);
    }
    if !global.quiet {
        print!(
            "{}",
            trailaudit_report::terminal_summary(snapshot, &evaluation, changes.as_ref())
        );
        println!(
            "\nreports in {}/: {}",
            out_dir.display(),
            written
                .iter()
                .filter_map(|p| p.file_name())
                .map(|n| n.to_string_lossy().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let (failing, which) = match (&changes, an.fail_on_new) {
        (Some(c), true) => (
            c.new_findings
                .iter()
                .filter(|f| f.severity >= an.fail_on)
                .count(),
            "new since the previous run ",
        ),
        _ => (evaluation.failing_at(an.fail_on), ""),
    };
    if failing > 0 && !an.exit_zero {
        if !global.quiet {
            println!(
                "{failing} finding(s) {which}at or above {} (fail or unknown): exit 1",
                an.fail_on.as_str()
            );
        }
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
