//! Live probes: delivery probes and what `audit why` has probed.

use crate::fact::Fact;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Evidence that logs arrive in one account-region (`--probe-delivery`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryProbe {
    /// Account whose logs were looked for.
    pub account_id: String,
    /// Region whose logs were looked for.
    pub region: String,
    /// Trail whose destination was probed.
    pub trail_arn: String,
    /// Bucket.
    pub bucket: String,
    /// The prefix listed (`[PREFIX/]AWSLogs/[o-ORG/]ACCOUNT/CloudTrail/REGION/`).
    pub log_prefix: String,
    /// Newest log object found in the last days probed.
    pub newest_log: Fact<Option<ObjectSeen>>,
    /// Newest digest object.
    pub newest_digest: Fact<Option<ObjectSeen>>,
}

/// An object found by a probe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectSeen {
    /// Key.
    pub key: String,
    /// Delivery time read from the key (UTC).
    pub delivered_at: Option<DateTime<Utc>>,
}

/// What `audit why` needs probed live, decided from the snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhyPlan {
    /// The account whose event is looked for (its credentials test readability).
    pub asking_account: String,
    /// The bucket holding the logs.
    pub bucket: String,
    /// The bucket's owner, when an audited account.
    pub bucket_owner: Option<String>,
    /// The bucket's region.
    pub bucket_region: String,
    /// Day prefixes where the log file should be.
    pub prefixes: Vec<String>,
    /// Log files delivered in this window may hold the event.
    pub delivered_from: DateTime<Utc>,
    /// End of that window.
    pub delivered_to: DateTime<Utc>,
    /// Event time window for matching records.
    pub event_from: DateTime<Utc>,
    /// End of the event window.
    pub event_to: DateTime<Utc>,
    /// `eventName`.
    pub event_name: String,
    /// `eventSource`, when known.
    pub event_source: Option<String>,
    /// Region where `LookupEvents` should be asked (None: not a management event within 90 days).
    pub lookup_region: Option<String>,
}

/// What the live probes of `audit why` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhyProbes {
    /// Keys under the prefixes, listed with the bucket owner's credentials.
    pub owner_listing: Fact<Vec<String>>,
    /// The same listing with the asking account's credentials.
    pub account_listing: Fact<Vec<String>>,
    /// The log file that holds the event, if one was found.
    pub record_key: Fact<Option<String>>,
    /// Whether `LookupEvents` returned the event.
    pub lookup_found: Fact<bool>,
}

impl WhyProbes {
    /// Nothing probed (offline, from a snapshot).
    pub fn offline() -> WhyProbes {
        WhyProbes::not_probed("not probed: working offline from a snapshot")
    }

    /// Nothing probed, for the reason given.
    pub fn not_probed(r: &str) -> WhyProbes {
        WhyProbes {
            owner_listing: Fact::not_collected(r),
            account_listing: Fact::not_collected(r),
            record_key: Fact::not_collected(r),
            lookup_found: Fact::not_collected(r),
        }
    }
}
