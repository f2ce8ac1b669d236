//! Footprints (the audit's own calls) and what a later run found of them.

use std::collections::BTreeMap;

use crate::fact::ErrorInfo;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A call whose record is a footprint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FootprintCall {
    /// `cloudtrail:DescribeTrails`.
    DescribeTrails,
}

impl FootprintCall {
    /// `eventSource` of its record.
    pub fn event_source(self) -> &'static str {
        match self {
            FootprintCall::DescribeTrails => "cloudtrail.amazonaws.com",
        }
    }

    /// `eventName` of its record.
    pub fn event_name(self) -> &'static str {
        match self {
            FootprintCall::DescribeTrails => "DescribeTrails",
        }
    }
}

/// One call the audit made, as CloudTrail records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Footprint {
    /// The call (its record's `eventSource` and `eventName`).
    pub call: FootprintCall,
    /// When the request was sent (the record's `eventTime` is between this
    /// and `answered_at`).
    pub sent_at: DateTime<Utc>,
    /// When the answer (or the error) came back.
    pub answered_at: DateTime<Utc>,
    /// The request id AWS returned (`requestID` in the record), when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The AWS error code when the call failed (`errorCode` in the record).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
}

/// Where a covering trail delivers: its bucket and the key root under
/// which every account-region's files are.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct VerifyDestination {
    /// The trail that covered the account-regions for management read
    /// events in the earlier run.
    pub trail_arn: String,
    /// Its bucket.
    pub bucket: String,
    /// The bucket's owner, when an account of the organization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket_owner: Option<String>,
    /// The bucket's region.
    pub bucket_region: String,
    /// `[PREFIX/]AWSLogs/[o-ORGID/]`: an account-region's files are under
    /// `ROOT ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/`.
    pub root: String,
}

impl VerifyDestination {
    /// `ROOT ACCOUNT/CloudTrail/REGION/`.
    pub fn prefix(&self, account: &str, region: &str) -> String {
        format!("{}{account}/CloudTrail/{region}/", self.root)
    }
}

/// What the collector is asked to verify: the [`Verification`] to fill
/// (destinations, principals, one cell per account-region, those left out
/// by `--sample` already `not_sampled`) and, aligned with its cells, the
/// footprint to look for (`None`: not looked for).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyPlan {
    /// The verification to fill in.
    pub verification: Verification,
    /// Per cell, the footprint to look for.
    pub footprints: Vec<Option<Footprint>>,
}

/// The day folders under `prefix` that files delivered in the window after
/// a call made between `from` and `to` can be in.
pub fn day_prefixes(prefix: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<String> {
    let to = to + chrono::Duration::minutes(DELIVERY_WINDOW_MINUTES);
    let mut days = vec![from.date_naive()];
    if to.date_naive() != from.date_naive() {
        days.push(to.date_naive());
    }
    days.iter()
        .map(|d| format!("{prefix}{}/", d.format("%Y/%m/%d")))
        .collect()
}

/// Log files whose delivery time (in the key) lies this many minutes after
/// the footprint are opened (CloudTrail delivers within about 15 minutes;
/// the margin covers late batches).
pub const DELIVERY_WINDOW_MINUTES: i64 = 60;

/// At most this many log files are opened per account-region, in delivery
/// order from the minute before the footprint (the minutes right after it
/// first: CloudTrail delivers within about 5 minutes on average). A quiet
/// account-region delivers a file every few minutes and its footprint is
/// in the first or second file opened; a busy one can deliver over a
/// thousand files in the hour, and past the cap the footprint is reported
/// `not_found` with how many files were listed and opened (the finding is
/// then unknown, not "not delivered").
pub const FILES_OPENED_CAP: u32 = 100;

/// What was found for one account-region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum VerifyOutcome {
    /// The record is in this log file.
    Verified {
        /// Its key below the account-region's prefix (`YYYY/MM/DD/NAME.json.gz`).
        file: String,
    },
    /// The day prefixes were listed and the files delivered in the window
    /// read (at most [`FILES_OPENED_CAP`]): the record is not in them.
    NotFound {
        /// Log files listed in the window.
        listed: u32,
        /// Log files opened (fewer than listed when the cap stopped it).
        opened: u32,
    },
    /// The archive could not be read (AccessDenied on the bucket or the
    /// KMS key): a permission gap of the auditor, not a delivery failure.
    Unreadable {
        /// The failed call (boxed: most cells have none).
        error: Box<ErrorInfo>,
    },
    /// Another failure (throttling past retries, network...).
    Failed {
        /// The failed call.
        error: Box<ErrorInfo>,
    },
    /// Left out by `--sample`.
    NotSampled,
}

impl VerifyOutcome {
    /// `not_found` after opening fewer files than were listed (the cap
    /// stopped it): the record may be in a file not opened.
    pub fn capped(&self) -> bool {
        matches!(self, VerifyOutcome::NotFound { listed, opened } if opened < listed)
    }
}

/// One account-region's verification, as the snapshot keeps it (compact:
/// the destination by position, the principal per account).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifiedCell {
    /// Account.
    pub account_id: String,
    /// Region.
    pub region: String,
    /// Position in [`Verification::destinations`].
    pub destination: u32,
    /// When the footprint was made (its `DescribeTrails` call was sent).
    pub sent_at: DateTime<Utc>,
    /// What was found.
    #[serde(flatten)]
    pub outcome: VerifyOutcome,
    /// `ListObjectsV2` pages asked for.
    pub lists: u32,
    /// `GetObject` calls made for log files.
    pub gets: u32,
    /// Digest files read to find the log files that can hold the footprint
    /// (`GetObject` calls, counted apart from [`VerifiedCell::gets`]).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub digests: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// The verification of an earlier run's footprints.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    /// When the verified run started.
    pub previous_started_at: DateTime<Utc>,
    /// When the archive was read.
    pub checked_at: DateTime<Utc>,
    /// `--sample N`, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample: Option<usize>,
    /// Every destination looked in, once each.
    pub destinations: Vec<VerifyDestination>,
    /// The principal each account's footprints were made as.
    pub principals: BTreeMap<String, String>,
    /// Every account-region that was covered for management read events
    /// in the earlier run and has a footprint, in planning order.
    pub cells: Vec<VerifiedCell>,
}

impl Verification {
    /// A cell's destination.
    pub fn destination(&self, c: &VerifiedCell) -> Option<&VerifyDestination> {
        self.destinations.get(c.destination as usize)
    }

    /// A cell's prefix (`ROOT ACCOUNT/CloudTrail/REGION/`).
    pub fn prefix(&self, c: &VerifiedCell) -> String {
        self.destination(c)
            .map(|d| d.prefix(&c.account_id, &c.region))
            .unwrap_or_default()
    }

    /// The day prefixes a cell's record can be in (see [`day_prefixes`]).
    pub fn day_prefixes(&self, c: &VerifiedCell, footprint: &Footprint) -> Vec<String> {
        day_prefixes(&self.prefix(c), footprint.sent_at, footprint.answered_at)
    }

    /// The principal a cell's footprint was made as.
    pub fn principal(&self, c: &VerifiedCell) -> &str {
        self.principals
            .get(&c.account_id)
            .map_or("", String::as_str)
    }
}
