//! What every report is written from: one run's snapshot, its evaluation
//! and the changes since the previous run.

use trailaudit_checks::Evaluation;
use trailaudit_model::Snapshot;

use crate::diff::Changes;

/// One run's inputs to every report.
pub struct Inputs<'a> {
    /// The snapshot.
    pub snapshot: &'a Snapshot,
    /// Its evaluation.
    pub evaluation: &'a Evaluation,
    /// Changes since the previous run, when there was one.
    pub changes: Option<&'a Changes>,
}
