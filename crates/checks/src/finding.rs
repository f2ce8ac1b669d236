//! What the checks conclude: a [`Finding`] with its [`Severity`] and
//! [`Status`]. A finding's title and fix are its check's
//! ([`crate::checks`]), its framework controls the catalogue's mapping.

use serde::{Deserialize, Serialize};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Informational: worth knowing, nothing to fix.
    Info,
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

impl Severity {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Parses a lower-case name.
    pub fn parse(s: &str) -> Option<Severity> {
        [
            Severity::Info,
            Severity::Low,
            Severity::Medium,
            Severity::High,
            Severity::Critical,
        ]
        .into_iter()
        .find(|v| v.as_str() == s.to_ascii_lowercase())
    }

    /// Every severity, highest first.
    pub const DESCENDING: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];
}

/// What a finding says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The check failed.
    Fail,
    /// The check could not tell (permission gap, failed call): never a pass.
    Unknown,
    /// Informational note.
    Info,
    /// Accepted by a suppression in the policy.
    Suppressed,
}

impl Status {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Fail => "fail",
            Status::Unknown => "unknown",
            Status::Info => "info",
            Status::Suppressed => "suppressed",
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable check id (its title, fix and compliance controls are the
    /// check's: [`Finding::title`], [`Finding::remediation`],
    /// [`Finding::compliance`]; not repeated in every finding).
    pub check_id: String,
    /// Severity (after overrides).
    pub severity: Severity,
    /// Fail, unknown, info or suppressed.
    pub status: Status,
    /// Account the finding is reported against (a trail's or bucket's owner).
    pub account_id: String,
    /// Account name.
    pub account_name: String,
    /// OU path.
    pub ou_path: String,
    /// Region, empty for account-wide or global findings.
    pub region: String,
    /// Resource (trail ARN, bucket, key ARN, account).
    pub resource: String,
    /// What was found, with the evidence.
    pub message: String,
    /// Who made the change behind it, and when, from CloudTrail's event
    /// history (`None`: no change causes it, or the history was not looked
    /// up).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribution: Option<trailaudit_model::Attribution>,
}

impl Finding {
    /// Framework controls that cite the check.
    pub fn compliance(&self) -> &'static [&'static str] {
        trailaudit_catalogue::compliance::controls(&self.check_id)
    }

    /// Sort and identity key: the same problem in two runs has the same key.
    pub fn key(&self) -> (String, String, String, String) {
        (
            self.check_id.clone(),
            self.account_id.clone(),
            self.region.clone(),
            self.resource.clone(),
        )
    }
}
