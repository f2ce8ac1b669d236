//! Coverage matrix and check catalogue: pure functions of a
//! [`Snapshot`](trailaudit_model::Snapshot) and an [`AuditPolicy`]. No I/O,
//! no AWS calls; the same snapshot always gives the same result ("now" is
//! the snapshot's `finished_at`).
//!
//! - [`coverage::matrix`]: for every account x region x event class, one
//!   [`coverage::State`] and the trails that provide it ([`sources`]: which
//!   trails and event data stores record an account-region, and whether
//!   they really deliver: [`analysis`], [`rcp`]).
//! - [`audit_policy`]: the audit policy (`audit.toml`): what the
//!   organization requires, overrides, suppressions; [`requirements`]
//!   resolves it per account and per named resource.
//! - [`footprints`]: which of an earlier run's footprints to look for, and
//!   what a missing one means.
//! - [`checks::CATALOGUE`]: every check, one file each under `checks/`, with
//!   its metadata ([`check`]); the framework controls citing each are the
//!   catalogue crate's (`trailaudit_catalogue::compliance`).
//! - [`evaluate()`]: all of it, plus severity overrides and suppressions.
//!
//! The IAM engine (`trailaudit_iam`) and the event catalogue
//! (`trailaudit_catalogue`) are crates of their own.

pub mod analysis;
pub mod audit_policy;
pub mod check;
pub mod checks;
pub mod coverage;
pub mod evaluate;
pub mod finding;
pub mod footprints;
pub mod history;
pub mod integrity;
pub mod rcp;
pub mod requirements;
pub mod sample;
pub mod sources;

#[cfg(test)]
pub(crate) mod fixture;
#[cfg(test)]
mod published_policies;

pub use audit_policy::AuditPolicy;
pub use coverage::{Cell, Coverage, State};
pub use evaluate::{evaluate, Evaluation};
pub use finding::{Finding, Severity, Status};
pub use requirements::{Requirements, ResourceCell};
pub use trailaudit_catalogue::EventClass;
