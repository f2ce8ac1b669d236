//! The audit policy (`audit.toml`): what the organization requires, severity
//! overrides, and suppressions. Every key has a default, so an empty file (or
//! none) is a valid policy. An invalid file is rejected with its line and the
//! problem. Documented in `docs/policy.md`.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::Severity;

/// The whole policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    /// How long logs must be kept.
    pub retention: Retention,
    /// Which data events are required.
    pub data_events: DataEvents,
    /// Which trail protections are required.
    pub require: Require,
    /// Regions that must be covered (names or globs); gaps elsewhere are `low`.
    pub required_regions: Vec<String>,
    /// Delivery freshness (with `--probe-delivery`).
    pub delivery: Delivery,
    /// Severity overrides by check id.
    pub severity: BTreeMap<String, Severity>,
    /// Accepted findings.
    pub suppress: Vec<Suppression>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            retention: Retention::default(),
            data_events: DataEvents::default(),
            require: Require::default(),
            required_regions: vec!["*".into()],
            delivery: Delivery::default(),
            severity: BTreeMap::new(),
            suppress: vec![],
        }
    }
}

/// Retention requirements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Retention {
    /// Days logs must stay readable in S3 (PCI DSS asks for 365).
    pub days: i64,
    /// Days events must stay in CloudWatch Logs, when CloudWatch Logs is required.
    pub cloudwatch_days: i64,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            days: 365,
            cloudwatch_days: 90,
        }
    }
}

/// Data event requirements.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DataEvents {
    /// S3 object-level events required in every account-region.
    pub s3: bool,
    /// Lambda Invoke events required in every account-region.
    pub lambda: bool,
}

/// Trail protections required.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Require {
    /// SSE-KMS encryption of log files.
    pub kms: bool,
    /// Log file validation (digest files).
    pub log_file_validation: bool,
    /// Delivery to CloudWatch Logs.
    pub cloudwatch_logs: bool,
}

impl Default for Require {
    fn default() -> Self {
        Require {
            kms: true,
            log_file_validation: true,
            cloudwatch_logs: false,
        }
    }
}

/// Delivery freshness.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Delivery {
    /// Hours after which the newest log or digest object counts as stale.
    pub stale_hours: i64,
}

impl Default for Delivery {
    fn default() -> Self {
        Delivery { stale_hours: 24 }
    }
}

/// An accepted finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suppression {
    /// Check id.
    pub check: String,
    /// Account id pattern (glob), default every account.
    #[serde(default = "star")]
    pub account: String,
    /// Region pattern (glob), default every region.
    #[serde(default = "star")]
    pub region: String,
    /// Resource pattern (glob), default every resource.
    #[serde(default = "star")]
    pub resource: String,
    /// Why it is accepted.
    pub reason: String,
    /// Last day it applies (`YYYY-MM-DD`); after it, it is reported as expired.
    pub expires: Option<NaiveDate>,
}

fn star() -> String {
    "*".into()
}

/// An unusable policy file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    /// File name.
    pub file: String,
    /// Line (1-based), when known.
    pub line: Option<usize>,
    /// The problem.
    pub problem: String,
}

impl std::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}: line {l}: {}", self.file, self.problem),
            None => write!(f, "{}: {}", self.file, self.problem),
        }
    }
}

impl std::error::Error for PolicyError {}

impl Policy {
    /// Parses and validates `audit.toml` text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Policy, PolicyError> {
        let p: Policy = toml::from_str(text).map_err(|e| PolicyError {
            file: file.to_string(),
            line: e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1),
            problem: e.message().to_string(),
        })?;
        let line_of = |needle: &str| text.lines().position(|l| l.contains(needle)).map(|i| i + 1);
        let err = |needle: &str, problem: String| PolicyError {
            file: file.to_string(),
            line: line_of(needle),
            problem,
        };
        if p.retention.days < 1 {
            return Err(err("days", "retention.days must be at least 1".into()));
        }
        if p.delivery.stale_hours < 1 {
            return Err(err(
                "stale_hours",
                "delivery.stale_hours must be at least 1".into(),
            ));
        }
        for id in p.severity.keys() {
            if crate::checks::find(id).is_none() {
                return Err(err(
                    id,
                    format!("severity override for unknown check `{id}` (see `audit checks`)"),
                ));
            }
        }
        for s in &p.suppress {
            if crate::checks::find(&s.check).is_none() {
                return Err(err(
                    &s.check,
                    format!(
                        "suppression of unknown check `{}` (see `audit checks`)",
                        s.check
                    ),
                ));
            }
            if s.reason.trim().is_empty() {
                return Err(err(&s.check, "a suppression needs a reason".into()));
            }
        }
        Ok(p)
    }

    /// The severity of a check after overrides.
    pub fn severity_of(&self, check: &str, default: Severity) -> Severity {
        self.severity.get(check).copied().unwrap_or(default)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_is_the_default_policy() {
        assert_eq!(Policy::parse("", "audit.toml").unwrap(), Policy::default());
        assert_eq!(Policy::default().retention.days, 365);
    }

    #[test]
    fn invalid_files_name_line_and_problem() {
        let e = Policy::parse("[retention]\ndays = \"long\"\n", "audit.toml").unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        let e = Policy::parse("[retention]\ndayz = 3\n", "audit.toml").unwrap_err();
        assert!(e.to_string().contains("dayz"), "{e}");
        let e = Policy::parse(
            "[[suppress]]\ncheck = \"no_such_check\"\nreason = \"x\"\n",
            "audit.toml",
        )
        .unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(e.problem.contains("no_such_check"));
        let e = Policy::parse("[retention]\ndays = 0\n", "p.toml").unwrap_err();
        assert!(e.to_string().starts_with("p.toml: line 2"), "{e}");
    }

    #[test]
    fn overrides_and_suppressions_parse() {
        let p = Policy::parse(
            "required_regions = [\"eu-*\"]\n[severity]\ntrail_not_logging = \"critical\"\n[[suppress]]\ncheck = \"insights_off\"\nreason = \"cost\"\nexpires = \"2027-01-31\"\n",
            "audit.toml",
        )
        .unwrap();
        assert_eq!(
            p.severity_of("trail_not_logging", Severity::High),
            Severity::Critical
        );
        assert_eq!(p.suppress[0].expires, NaiveDate::from_ymd_opt(2027, 1, 31));
    }
}
