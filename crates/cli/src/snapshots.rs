//! Snapshot files: loading one with a clear error, and choosing an earlier
//! run under `reports/` (month-over-month comparison, `--verify-previous`,
//! `audit why` and `audit verify` without `--snapshot`) by reading only the
//! head of each candidate.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use trailaudit_model::{Snapshot, SnapshotHead};

/// The newest `reports/*/snapshot.json`.
pub(crate) fn newest_snapshot() -> Option<Snapshot> {
    newest_under(&[PathBuf::from("reports")], |_| true)
}

pub(crate) fn load_snapshot(p: &Path) -> Result<Snapshot> {
    let bytes = std::fs::read(p).with_context(|| {
        format!(
            "cannot read the snapshot {}; give the path of a snapshot.json written by `audit org`",
            p.display()
        )
    })?;
    Snapshot::from_slice(&bytes).with_context(|| format!("{}", p.display()))
}

/// The newest snapshot under `reports/` (and beside `out_dir`) collected
/// before `current`, for month-over-month comparison.
pub(crate) fn find_previous(out_dir: &Path, current: &Snapshot) -> Option<Snapshot> {
    newest_under(&previous_roots(out_dir), |head| {
        head.organization_id() == current.organization_id()
            && head.caller.account_id == current.caller.account_id
            && head.finished_at < current.started_at
    })
}

/// Where earlier runs are looked for: `reports/` and beside `out_dir`.
fn previous_roots(out_dir: &Path) -> Vec<PathBuf> {
    let mut roots = vec![PathBuf::from("reports")];
    if let Some(parent) = out_dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        roots.push(parent.to_path_buf());
    }
    roots
}

/// The newest earlier run finished before `now` (for `--verify-previous`,
/// chosen before collection).
pub(crate) fn newest_before(
    out_dir: &Path,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<Snapshot> {
    newest_under(&previous_roots(out_dir), |head| head.finished_at < now)
}

/// The newest `ROOT/*/snapshot.json` whose head `keep` accepts. Only the
/// head of each candidate is read (scope and times); the best one is then
/// loaded whole.
fn newest_under(roots: &[PathBuf], keep: impl Fn(&SnapshotHead) -> bool) -> Option<Snapshot> {
    let mut best: Option<(PathBuf, SnapshotHead)> = None;
    for root in roots {
        let Ok(entries) = std::fs::read_dir(root) else {
            continue;
        };
        for entry in entries.flatten() {
            let candidate = entry.path().join("snapshot.json");
            let Some(head) = std::fs::read(&candidate)
                .ok()
                .and_then(|b| SnapshotHead::from_slice(&b))
            else {
                continue;
            };
            if keep(&head)
                && best
                    .as_ref()
                    .is_none_or(|(_, b)| head.finished_at > b.finished_at)
            {
                best = Some((candidate, head));
            }
        }
    }
    best.and_then(|(path, _)| load_snapshot(&path).ok())
}
