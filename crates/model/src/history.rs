//! Who changed coverage, and when: what CloudTrail's event history
//! (`cloudtrail:LookupEvents`, 90 days, every account and region, no trail
//! needed) said about the changes that can cause a finding.
//!
//! The checks plan the lookups from a snapshot (one [`HistoryQuery`] per
//! account-region and event name, shared by every resource asked about
//! there), the collector fills in each [`HistoryAnswer`], and the checks
//! then give each finding its [`Attribution`].

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::fact::ErrorInfo;

/// How far back CloudTrail's event history goes.
pub const HISTORY_DAYS: i64 = 90;

/// The most matching changes kept per resource of a query (newest first).
pub const CHANGES_KEPT: usize = 5;

/// What the event history was asked and answered in one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// When the lookups ran.
    pub looked_up_at: DateTime<Utc>,
    /// The oldest event the history holds ([`HISTORY_DAYS`] before).
    pub oldest: DateTime<Utc>,
    /// Every query, answered or not.
    pub queries: Vec<HistoryQuery>,
    /// Trails of the previous run that are gone now (a `DeleteTrail` is
    /// looked up for each).
    #[serde(default)]
    pub deleted_trails: Vec<KnownTrail>,
    /// `LookupEvents` requests sent (pages, retries included).
    pub lookups: u32,
    /// Of them, answered with a throttling error and retried.
    pub throttled: u32,
    /// Wall time of the lookups, in seconds.
    pub seconds: f64,
}

impl History {
    /// An empty history, to be planned into, as of `now`.
    pub fn new(now: DateTime<Utc>) -> History {
        History {
            looked_up_at: now,
            oldest: now - Duration::days(HISTORY_DAYS),
            queries: Vec::new(),
            deleted_trails: Vec::new(),
            lookups: 0,
            throttled: 0,
            seconds: 0.0,
        }
    }

    /// The query for `event_name` in an account-region, if planned. The
    /// plan lists queries sorted by (account, region, event name), so this
    /// is a binary search (attribution asks it for every finding: 180,000
    /// findings against 600 queries at 10,000 accounts); a list edited out
    /// of order is still searched whole before the answer is "not planned".
    pub fn query(&self, account: &str, region: &str, event_name: &str) -> Option<&HistoryQuery> {
        let key = (account, region, event_name);
        fn of(q: &HistoryQuery) -> (&str, &str, &str) {
            (&q.account_id, &q.region, &q.event_name)
        }
        match self.queries.binary_search_by(|q| of(q).cmp(&key)) {
            Ok(i) => Some(&self.queries[i]),
            Err(_) => self.queries.iter().find(|q| of(q) == key),
        }
    }
}

/// A trail known from an earlier run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownTrail {
    /// Its ARN.
    pub arn: String,
    /// The account that owns it.
    pub owner_account_id: String,
    /// Its home region.
    pub home_region: String,
    /// Logs every region.
    pub is_multi_region: bool,
    /// Logs every account of the organization.
    pub is_organization_trail: bool,
}

/// One `LookupEvents` query: the events named `event_name` in an
/// account-region over the history, filtered to `resources`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryQuery {
    /// Where the change is recorded.
    pub account_id: String,
    /// The region it is recorded in (global services: us-east-1).
    pub region: String,
    /// The event name looked up (`StopLogging`, `PutBucketLifecycle`, ...).
    pub event_name: String,
    /// The resources asked about (names or ARNs; empty string: any).
    pub resources: Vec<String>,
    /// What the history said.
    pub answer: HistoryAnswer,
}

/// What the event history said for one query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum HistoryAnswer {
    /// Planned, not looked up (a run with `--no-history` never plans).
    NotLookedUp,
    /// Read: the matching changes, newest first (failed calls left out).
    Read {
        /// Every change matching one of the resources (at most
        /// [`CHANGES_KEPT`] per resource).
        changes: Vec<Change>,
        /// Every page of the history was read (else the page cap stopped
        /// the reading before the oldest event).
        complete: bool,
        /// Events of that name read.
        events_read: u32,
    },
    /// The history could not be read: unknown, never "no change".
    Unreadable {
        /// Why.
        error: ErrorInfo,
    },
}

/// One recorded change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// CloudTrail's event id.
    pub event_id: String,
    /// The event name.
    pub event_name: String,
    /// When.
    pub event_time: DateTime<Utc>,
    /// The account the event is recorded in.
    pub account_id: String,
    /// The region it is recorded in.
    pub region: String,
    /// Which of the query's resources it changed.
    pub resource: String,
    /// Who: the principal's ARN (for an assumed role the session ARN).
    pub principal_arn: String,
    /// For an assumed role: the role's ARN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    /// For an assumed role: the session name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// From where.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_ip: Option<String>,
    /// With what.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// The part of the request that mattered (e.g. "expiration after 7 days").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl Change {
    /// Who, short: `role/NAME (session S)`, `user/NAME`, or the ARN.
    pub fn actor(&self) -> String {
        match (&self.role_arn, &self.session) {
            (Some(role), Some(s)) => {
                format!("{} (session {s})", role.rsplit(':').next().unwrap_or(role))
            }
            _ => match self.principal_arn.split_once(":iam::") {
                Some((_, rest)) => match rest.split_once(':') {
                    Some((account, "root")) => format!("root of {account}"),
                    Some((_, who)) => who.to_string(),
                    None => self.principal_arn.clone(),
                },
                None => self.principal_arn.clone(),
            },
        }
    }

    /// One line: "StopLogging by role/X (session s) at TIME from IP (event ID)".
    pub fn describe(&self) -> String {
        format!(
            "{}{} by {} ({}) at {}{}{} (event {})",
            self.event_name,
            self.detail
                .as_ref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default(),
            self.actor(),
            self.principal_arn,
            crate::utc(self.event_time),
            self.source_ip
                .as_ref()
                .map(|ip| format!(" from {ip}"))
                .unwrap_or_default(),
            self.user_agent
                .as_ref()
                .filter(|u| !u.is_empty())
                .map(|u| format!(" with {}", short_agent(u)))
                .unwrap_or_default(),
            self.event_id
        )
    }
}

/// The first word of a user agent (`aws-cli/2.15.0`, `Boto3/1.34`).
fn short_agent(ua: &str) -> &str {
    ua.split_whitespace().next().unwrap_or(ua)
}

/// What the event history says about the change behind one finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Attribution {
    /// The change was found: the newest matching one.
    Changed {
        /// The change.
        change: Box<Change>,
    },
    /// Every page of the history was read and no such change is there: it
    /// is older than the history (the gap began before `before`).
    NotInHistory {
        /// The oldest time the history holds.
        before: DateTime<Utc>,
        /// The event names looked for.
        looked_for: Vec<String>,
    },
    /// The history was read only in part (the page cap): the change may
    /// be in the unread pages. Unknown.
    NotFoundInPart {
        /// Events read.
        events_read: u32,
        /// The event names looked for.
        looked_for: Vec<String>,
        /// The finding was already open in the previous run of this time.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        open_before: Option<DateTime<Utc>>,
    },
    /// The history could not be read: unknown, never a guessed actor.
    Unreadable {
        /// The permission (or call) that failed, and why.
        reason: String,
        /// The finding was already open in the previous run of this time.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        open_before: Option<DateTime<Utc>>,
    },
}

impl Attribution {
    /// The change, when found.
    pub fn change(&self) -> Option<&Change> {
        match self {
            Attribution::Changed { change } => Some(change.as_ref()),
            _ => None,
        }
    }

    /// Who changed it (`changed_by`), when found.
    pub fn changed_by(&self) -> String {
        self.change().map(Change::actor).unwrap_or_default()
    }

    /// When (`changed_at`, RFC 3339), when found.
    pub fn changed_at(&self) -> String {
        self.change()
            .map(|c| crate::utc(c.event_time))
            .unwrap_or_default()
    }

    /// Since when the problem exists, as of `now`: "since TIME (N days)",
    /// "since before DATE (older than the event history)", or `None`.
    pub fn since(&self, now: DateTime<Utc>) -> Option<String> {
        match self {
            Attribution::Changed { change } => Some(format!(
                "since {} ({})",
                crate::utc(change.event_time),
                duration(now - change.event_time)
            )),
            Attribution::NotInHistory { before, .. } => Some(format!(
                "since before {} (more than {})",
                before.date_naive(),
                duration(now - *before)
            )),
            Attribution::NotFoundInPart {
                open_before: Some(t),
                ..
            }
            | Attribution::Unreadable {
                open_before: Some(t),
                ..
            } => Some(format!(
                "since before {} (open in the previous run; more than {})",
                crate::utc(*t),
                duration(now - *t)
            )),
            _ => None,
        }
    }

    /// Bounds an unknown start by the previous run that already had the
    /// finding open (`at`): the gap began before it.
    pub fn open_in_previous_run(&mut self, at: DateTime<Utc>) {
        match self {
            Attribution::NotFoundInPart { open_before, .. }
            | Attribution::Unreadable { open_before, .. } => *open_before = Some(at),
            _ => {}
        }
    }

    /// One sentence for reports.
    pub fn describe(&self) -> String {
        match self {
            Attribution::Changed { change } => format!("changed: {}", change.describe()),
            Attribution::NotInHistory { before, looked_for } => format!(
                "no such change ({}) in the {HISTORY_DAYS} days of event history: the change, if there was one (not a setting made at creation), is older than {}",
                looked_for.join(", "),
                before.date_naive()
            ),
            Attribution::NotFoundInPart {
                events_read,
                looked_for,
                ..
            } => format!(
                "not found among the newest {events_read} {} events (the rest of the history was not read): unknown",
                looked_for.join("/")
            ),
            Attribution::Unreadable { reason, .. } => {
                format!("event history not readable ({reason}): who changed it is unknown")
            }
        }
    }
}

/// "3 days 4 hours", "45 minutes".
pub fn duration(d: Duration) -> String {
    let mins = d.num_minutes().max(0);
    let (days, hours, m) = (mins / 1440, (mins % 1440) / 60, mins % 60);
    match (days, hours) {
        (0, 0) => format!("{m} minute{}", if m == 1 { "" } else { "s" }),
        (0, h) => format!("{h} hour{} {m} min", if h == 1 { "" } else { "s" }),
        (d, h) => format!(
            "{d} day{} {h} hour{}",
            if d == 1 { "" } else { "s" },
            if h == 1 { "" } else { "s" }
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(role: Option<&str>) -> Change {
        Change {
            event_id: "e-1".into(),
            event_name: "StopLogging".into(),
            event_time: "2026-12-01T10:00:00Z".parse().unwrap(),
            account_id: "111111111111".into(),
            region: "us-east-1".into(),
            resource: "org-trail".into(),
            principal_arn: match role {
                Some(r) => format!("arn:aws:sts::111111111111:assumed-role/{r}/alice"),
                None => "arn:aws:iam::111111111111:user/bob".into(),
            },
            role_arn: role.map(|r| format!("arn:aws:iam::111111111111:role/{r}")),
            session: role.map(|_| "alice".into()),
            source_ip: Some("203.0.113.9".into()),
            user_agent: Some("aws-cli/2.15.0 Python/3.11".into()),
            detail: None,
        }
    }

    #[test]
    fn a_query_is_found_sorted_or_not() {
        let q = |a: &str, r: &str, e: &str| HistoryQuery {
            account_id: a.into(),
            region: r.into(),
            event_name: e.into(),
            resources: vec![],
            answer: HistoryAnswer::NotLookedUp,
        };
        let mut h = History::new("2026-12-01T00:00:00Z".parse().unwrap());
        h.queries = vec![
            q("1", "us-east-1", "StopLogging"),
            q("1", "us-east-1", "UpdateTrail"),
            q("2", "eu-west-1", "PutBucketLifecycle"),
        ];
        assert!(h.query("1", "us-east-1", "UpdateTrail").is_some());
        assert!(h.query("2", "eu-west-1", "StopLogging").is_none());
        h.queries.reverse();
        for (a, r, e) in [
            ("1", "us-east-1", "StopLogging"),
            ("1", "us-east-1", "UpdateTrail"),
            ("2", "eu-west-1", "PutBucketLifecycle"),
        ] {
            assert_eq!(h.query(a, r, e).map(|q| q.event_name.as_str()), Some(e));
        }
    }

    #[test]
    fn actor_names_role_and_session_or_user_or_root() {
        assert_eq!(
            change(Some("BreakGlass")).actor(),
            "role/BreakGlass (session alice)"
        );
        assert_eq!(change(None).actor(), "user/bob");
        let mut root = change(None);
        root.principal_arn = "arn:aws:iam::111111111111:root".into();
        assert_eq!(root.actor(), "root of 111111111111");
        let d = change(Some("BreakGlass")).describe();
        assert!(
            d.contains("StopLogging by role/BreakGlass (session alice)"),
            "{d}"
        );
        assert!(
            d.contains("from 203.0.113.9 with aws-cli/2.15.0 (event e-1)"),
            "{d}"
        );
    }

    #[test]
    fn since_counts_from_the_change_or_the_oldest_history() {
        let now: DateTime<Utc> = "2026-12-04T12:30:00Z".parse().unwrap();
        let a = Attribution::Changed {
            change: Box::new(change(Some("R"))),
        };
        assert_eq!(
            a.since(now).unwrap(),
            "since 2026-12-01T10:00:00Z (3 days 2 hours)"
        );
        assert_eq!(a.changed_by(), "role/R (session alice)");
        let b = Attribution::NotInHistory {
            before: now - Duration::days(HISTORY_DAYS),
            looked_for: vec!["StopLogging".into()],
        };
        assert!(b.since(now).unwrap().starts_with("since before 2026-09-05"));
        assert!(b.describe().contains("in the 90 days of event history"));
        let mut u = Attribution::Unreadable {
            reason: "cloudtrail:LookupEvents: access denied".into(),
            open_before: None,
        };
        assert_eq!(u.since(now), None);
        let mut open = u.clone();
        open.open_in_previous_run("2026-11-04T12:30:00Z".parse().unwrap());
        assert_eq!(
            open.since(now).unwrap(),
            "since before 2026-11-04T12:30:00Z (open in the previous run; more than 30 days 0 hours)"
        );
        u.open_in_previous_run(now);
        assert_eq!(u.changed_by(), "");
        assert!(u.describe().contains("not readable"));
    }
}
