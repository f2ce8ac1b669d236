//! What was read from AWS, or why it was not: [`Fact`], [`ErrorInfo`], [`CollectionError`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A fact read from AWS, or why it is unknown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Fact<T> {
    /// The value was read.
    Collected {
        /// The value.
        value: T,
    },
    /// The call failed.
    Failed {
        /// Why.
        error: ErrorInfo,
    },
    /// The call was not made, on purpose.
    NotCollected {
        /// Why not (for example "owner account not in audit scope").
        reason: String,
    },
}

impl<T> Fact<T> {
    /// The value, when collected.
    pub fn value(&self) -> Option<&T> {
        match self {
            Fact::Collected { value } => Some(value),
            _ => None,
        }
    }

    /// The same fact with its value transformed (a failure stays a failure).
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Fact<U> {
        match self {
            Fact::Collected { value } => Fact::Collected { value: f(value) },
            Fact::Failed { error } => Fact::Failed { error },
            Fact::NotCollected { reason } => Fact::NotCollected { reason },
        }
    }

    /// Why the value is unknown; `None` when collected.
    pub fn unknown_reason(&self) -> Option<String> {
        match self {
            Fact::Collected { .. } => None,
            // The failure itself is reported once (permission gap or
            // collection error); what depends on it points there.
            Fact::Failed { error } => Some(error.pointer()),
            Fact::NotCollected { reason } => Some(reason.clone()),
        }
    }

    /// A fact that was deliberately not collected.
    pub fn not_collected(reason: impl Into<String>) -> Self {
        Fact::NotCollected {
            reason: reason.into(),
        }
    }
}

/// How a call failed, classified so that reports can say what to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The principal lacks permission (`AccessDenied`, `UnauthorizedOperation`, ...).
    AccessDenied,
    /// The audit role could not be assumed in the account.
    RoleNotAssumable,
    /// The region is not enabled for the account (opt-in region).
    RegionNotEnabled,
    /// Throttled and out of retries.
    Throttled,
    /// The endpoint does not implement the API.
    NotImplemented,
    /// The resource does not exist (or is not visible to the caller).
    NotFound,
    /// No answer in time.
    Timeout,
    /// Connection or DNS failure.
    Network,
    /// The run was interrupted before the call completed.
    Interrupted,
    /// Anything else.
    Other,
}

impl ErrorKind {
    /// The snake_case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::AccessDenied => "access_denied",
            ErrorKind::RoleNotAssumable => "role_not_assumable",
            ErrorKind::RegionNotEnabled => "region_not_enabled",
            ErrorKind::Throttled => "throttled",
            ErrorKind::NotImplemented => "not_implemented",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Network => "network",
            ErrorKind::Interrupted => "interrupted",
            ErrorKind::Other => "other",
        }
    }
}

/// A failed call's details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorInfo {
    /// Classification.
    pub kind: ErrorKind,
    /// `service:Operation` that failed.
    pub operation: String,
    /// The AWS error code, when there was one.
    pub code: Option<String>,
    /// The message, as AWS (or the transport) gave it.
    pub message: String,
}

/// Longest cause a report shows for a failure (the snapshot keeps the
/// whole message).
pub const SHORT_CAUSE: usize = 160;

impl ErrorInfo {
    /// One short line for reports: `operation: code-or-kind: cause`, the
    /// cause cut to its first line, before any SDK debug dump (`Name {
    /// prefix: ...`), and to [`SHORT_CAUSE`] characters.
    pub fn describe(&self) -> String {
        format!(
            "{}: {}: {}",
            self.operation,
            self.code_or_kind(),
            short_cause(&self.message)
        )
    }

    /// The AWS error code, or our kind when there is none.
    pub fn code_or_kind(&self) -> &str {
        self.code.as_deref().unwrap_or(self.kind.as_str())
    }

    /// Everything known, for `-v` logs: `kind (operation: code: message)`.
    pub fn full(&self) -> String {
        format!(
            "{} ({}: {}: {})",
            self.kind.as_str(),
            self.operation,
            self.code.as_deref().unwrap_or("no error code"),
            self.message
        )
    }

    /// What a finding that is unknown because of this failure says: the
    /// failed call, pointing at the one finding that describes it.
    pub fn pointer(&self) -> String {
        format!(
            "{} failed ({}; see permission gaps and collection errors)",
            self.operation,
            self.code_or_kind()
        )
    }
}

/// A time as reports show it: UTC to the second (`2026-11-24T02:38:34Z`);
/// snapshots keep full precision.
pub fn utc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A message cut for people: first line, no SDK debug dump, whitespace
/// collapsed, at most [`SHORT_CAUSE`] characters.
pub fn short_cause(message: &str) -> String {
    let first = message.lines().next().unwrap_or_default();
    let cut = first
        .find(" {")
        .map(|i| &first[..i])
        .unwrap_or(first)
        .trim_end_matches([' ', ':', '(']);
    let words: Vec<&str> = cut.split_whitespace().collect();
    let mut s = words.join(" ");
    if s.chars().count() > SHORT_CAUSE {
        s = s.chars().take(SHORT_CAUSE - 1).collect::<String>() + "…";
    }
    s
}

/// A failed call and where it happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionError {
    /// Account whose credentials made the call.
    pub account_id: Option<String>,
    /// Region of the call.
    pub region: Option<String>,
    /// Resource concerned (trail ARN, bucket name, key ARN...).
    pub resource: Option<String>,
    /// What failed.
    pub error: ErrorInfo,
}

/// The value of a field that an older version of trailaudit did not read.
pub(crate) fn not_read<T>() -> Fact<T> {
    Fact::not_collected("not read by the version of trailaudit that wrote this snapshot")
}
