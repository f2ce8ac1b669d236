//! Log file integrity, from CloudTrail's digest files (`audit verify
//! --integrity`): for every account-region a validating trail delivers, over
//! a window of hours, whether the digests are all there, signed by
//! CloudTrail and chained, and whether every log file they list still
//! exists (and, with `full`, still has the hash the digest gives).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::fact::ErrorInfo;

/// What was checked, and how deep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum IntegrityDepth {
    /// Digests read and verified, each listed log file's presence checked
    /// (`HeadObject`): deletions are found, modifications are not.
    #[default]
    Digests,
    /// Also every log file downloaded and its SHA-256 compared with the
    /// digest's (modifications are found).
    Full,
}

/// One integrity check of the archive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Integrity {
    /// When the check ran.
    pub checked_at: DateTime<Utc>,
    /// The window's start (digests ending after it are read).
    pub from: DateTime<Utc>,
    /// The window's end.
    pub to: DateTime<Utc>,
    /// How deep.
    pub depth: IntegrityDepth,
    /// Every account-region of a trail with a destination, checked or not.
    pub cells: Vec<IntegrityCell>,
}

/// One trail's archive for one account-region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntegrityCell {
    /// The account whose logs these are.
    pub account_id: String,
    /// The region.
    pub region: String,
    /// The trail.
    pub trail_arn: String,
    /// Its bucket.
    pub bucket: String,
    /// The digest prefix (`[PREFIX/]AWSLogs/[o-ID/]ACCOUNT/CloudTrail-Digest/REGION/`).
    pub digest_prefix: String,
    /// What was found.
    pub verdict: IntegrityVerdict,
    /// Digest files read.
    pub digests_read: u32,
    /// Log files checked (listed by a digest, found or not).
    pub log_files_checked: u32,
    /// Bytes downloaded (digests, and log files with `full`).
    pub bytes_read: u64,
    /// The end time of the newest valid digest (delivery evidence).
    #[serde(default)]
    pub newest_digest: Option<DateTime<Utc>>,
}

/// The verdict for one account-region. Every problem found is listed,
/// so two deleted digests are two hours, not one gap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum IntegrityVerdict {
    /// Every digest of the window there, signed and chained, every log
    /// file listed present (and unchanged, with `full`).
    Intact,
    /// Something was deleted, changed or is missing.
    Broken {
        /// What, one entry per object or hour.
        problems: Vec<IntegrityProblem>,
    },
    /// The trail does not validate log files: there is nothing to check.
    NotValidated,
    /// Left out by `--sample`.
    NotSampled,
    /// Could not be checked (not readable, key not found): never intact.
    Unknown {
        /// Why.
        error: Box<ErrorInfo>,
    },
}

/// One problem in an archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum IntegrityProblem {
    /// A log file a digest lists is gone.
    LogFileDeleted {
        /// Its key.
        key: String,
    },
    /// A log file's SHA-256 differs from the digest's (`full` only).
    LogFileModified {
        /// Its key.
        key: String,
    },
    /// No digest for an hour while the trail was logging.
    DigestMissing {
        /// The hour (its start).
        hour: DateTime<Utc>,
    },
    /// A digest whose signature does not verify with CloudTrail's public
    /// key (or names a key CloudTrail does not have).
    SignatureInvalid {
        /// The digest's key.
        key: String,
        /// Why.
        why: String,
    },
    /// A digest that does not chain to the one before it.
    ChainBroken {
        /// The digest's key.
        key: String,
        /// Why.
        why: String,
    },
}

impl IntegrityProblem {
    /// The verdict name this problem gives (`log_file_deleted`...).
    pub fn name(&self) -> &'static str {
        match self {
            IntegrityProblem::LogFileDeleted { .. } => "log_file_deleted",
            IntegrityProblem::LogFileModified { .. } => "log_file_modified",
            IntegrityProblem::DigestMissing { .. } => "digest_missing",
            IntegrityProblem::SignatureInvalid { .. } => "signature_invalid",
            IntegrityProblem::ChainBroken { .. } => "chain_broken",
        }
    }

    /// Evidence of tampering (deleted, modified, bad signature, broken
    /// chain), as opposed to a missing hour.
    pub fn tampering(&self) -> bool {
        !matches!(self, IntegrityProblem::DigestMissing { .. })
    }

    /// One line for messages.
    pub fn describe(&self) -> String {
        match self {
            IntegrityProblem::LogFileDeleted { key } => format!("log file {key} deleted"),
            IntegrityProblem::LogFileModified { key } => {
                format!("log file {key} modified (its SHA-256 differs from the digest's)")
            }
            IntegrityProblem::DigestMissing { hour } => {
                format!(
                    "no digest for the hour of {}",
                    hour.format("%Y-%m-%dT%H:00Z")
                )
            }
            IntegrityProblem::SignatureInvalid { key, why } => {
                format!("digest {key}: signature invalid ({why})")
            }
            IntegrityProblem::ChainBroken { key, why } => {
                format!("digest {key} does not chain ({why})")
            }
        }
    }
}

impl IntegrityVerdict {
    /// The verdict's name: `intact`, the first problem's kind in order of
    /// gravity (`log_file_deleted`, `log_file_modified`, `signature_invalid`,
    /// `chain_broken`, `digest_missing`), `not_validated`, `not_sampled` or
    /// `unknown`.
    pub fn name(&self) -> &'static str {
        match self {
            IntegrityVerdict::Intact => "intact",
            IntegrityVerdict::NotValidated => "not_validated",
            IntegrityVerdict::NotSampled => "not_sampled",
            IntegrityVerdict::Unknown { .. } => "unknown",
            IntegrityVerdict::Broken { problems } => [
                "log_file_deleted",
                "log_file_modified",
                "signature_invalid",
                "chain_broken",
                "digest_missing",
            ]
            .into_iter()
            .find(|n| problems.iter().any(|p| p.name() == *n))
            .unwrap_or("intact"),
        }
    }

    /// The problems found (none unless broken).
    pub fn problems(&self) -> &[IntegrityProblem] {
        match self {
            IntegrityVerdict::Broken { problems } => problems,
            _ => &[],
        }
    }

    /// A verdict from what was found: intact when nothing.
    pub fn from_problems(problems: Vec<IntegrityProblem>) -> IntegrityVerdict {
        if problems.is_empty() {
            IntegrityVerdict::Intact
        } else {
            IntegrityVerdict::Broken { problems }
        }
    }
}

/// What the collector is given for an integrity check: the check to fill
/// (cells that are `not_sampled` or `not_validated` stay so) and, per cell
/// (aligned), what it needs to read that archive.
#[derive(Debug, Clone, PartialEq)]
pub struct IntegrityPlan {
    /// The check, its cells to fill.
    pub integrity: Integrity,
    /// Per cell: the archive to read, `None` for a cell not to read.
    pub targets: Vec<Option<IntegrityTarget>>,
}

/// How to read one cell's archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegrityTarget {
    /// The trail's name (in its digest keys).
    pub trail_name: String,
    /// The trail's home region (in its digest keys).
    pub home_region: String,
    /// The bucket's owner, whose credentials read it (else the account's).
    pub bucket_owner: Option<String>,
    /// The bucket's region.
    pub bucket_region: String,
    /// When the trail was logging, as its status says; `None` when that is
    /// not known (status not read, or stopped at a time not given): then
    /// only the hours inside a chain of digests can be called missing.
    pub logging: Option<LoggingWindow>,
}

/// When a trail was logging: since its current `StartLoggingTime` (if
/// given), until its `StopLoggingTime` (if it is stopped).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoggingWindow {
    /// The start of its current logging, when given.
    pub since: Option<DateTime<Utc>>,
    /// When it stopped, if it is stopped.
    pub until: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_verdict_names_the_gravest_problem_and_keeps_them_all() {
        let hour = |h: i64| DateTime::from_timestamp(1_764_000_000 + h * 3600, 0).unwrap();
        let v = IntegrityVerdict::from_problems(vec![
            IntegrityProblem::DigestMissing { hour: hour(0) },
            IntegrityProblem::DigestMissing { hour: hour(1) },
            IntegrityProblem::LogFileDeleted { key: "k".into() },
        ]);
        assert_eq!(v.name(), "log_file_deleted");
        assert_eq!(v.problems().len(), 3);
        assert_eq!(IntegrityVerdict::from_problems(vec![]).name(), "intact");
        let json = serde_json::to_string(&v).unwrap();
        assert!(json.contains(r#""status":"broken""#), "{json}");
        assert_eq!(serde_json::from_str::<IntegrityVerdict>(&json).unwrap(), v);
    }
}
