//! The question `audit why` answers ([`Question`]), what the event is
//! ([`classify`]: management read or write, data event, global service
//! event), the answer's types ([`Explanation`], [`Verdict`], [`Check`]),
//! which trail's archive to look in and the prefixes to probe ([`plan`]),
//! and a log file read back ([`parse_event_file`]).

use chrono::{DateTime, Duration, Timelike, Utc};
use serde::Serialize;
use trailaudit_catalogue::data_types::{data_type, DataType, DATA_TYPES};
use trailaudit_catalogue::management;
use trailaudit_catalogue::selectors::{selects, Category, Event, Values};
use trailaudit_model::regions::GLOBAL_EVENTS_REGION;
use trailaudit_model::Tri;
use trailaudit_model::{Fact, Snapshot, Trail, WhyPlan};

/// What the user asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// Account the event happened in.
    pub account: String,
    /// Region the user looked in (or the event's region), if given.
    pub region: Option<String>,
    /// `eventName`.
    pub event_name: String,
    /// `eventSource`, if given.
    pub event_source: Option<String>,
    /// When it happened.
    pub time: DateTime<Utc>,
    /// Resource ARN (for data events: which bucket/object, function...).
    pub resource: Option<String>,
    /// `eventCategory`, if known.
    pub category: Option<Category>,
    /// `resources.type` of a data event, if known.
    pub resource_type: Option<String>,
    /// `errorCode` (`VpceAccessDenied` for a network activity event denied
    /// by a VPC endpoint policy), if known.
    pub error_code: Option<String>,
    /// Now.
    pub now: DateTime<Utc>,
}

/// A cause, as reported in `--json` (`cause`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// No trail records the account and region.
    NoTrail,
    /// No trail records the event, but a CloudTrail Lake event data store
    /// does: it is in Lake, not in S3.
    EventDataStore,
    /// The trail was not logging at that time.
    NotLogging,
    /// The selectors do not select the event.
    NotSelected,
    /// Looked for in the wrong region.
    WrongRegion,
    /// Delivery has not happened yet.
    TooRecent,
    /// Delivery is failing.
    DeliveryFailing,
    /// A lifecycle rule deleted it.
    Expired,
    /// A lifecycle rule moved it to Glacier-class storage.
    Archived,
    /// The logs are in another account's bucket.
    OtherAccountBucket,
    /// The reader may not read them.
    AccessDenied,
    /// The expected log file exists and holds the event.
    Found,
    /// No cause could be established.
    Unknown,
}

/// A cause's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The cause holds.
    Holds,
    /// It does not.
    DoesNotHold,
    /// It cannot be told (with the reason in the evidence).
    CannotTell,
}

/// One line of the checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// The cause.
    pub cause: Cause,
    /// Its result.
    pub result: Outcome,
    /// Why.
    pub evidence: String,
}

/// What kind of event it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Classification {
    /// Management read or write, data or network activity.
    pub category: EventKind,
    /// Read-only API call.
    pub read_only: bool,
    /// Global service event (recorded in us-east-1).
    pub global: bool,
    /// `eventSource` (given or inferred).
    pub event_source: Option<String>,
    /// `resources.type` for data events.
    pub resource_type: Option<String>,
    /// The catalogue knows the event.
    pub known: bool,
    /// Where CloudTrail records it.
    pub record_region: String,
    /// Warnings (unknown event name...).
    pub warnings: Vec<String>,
}

/// The answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// The most likely cause and a one-line summary.
    pub verdict: Verdict,
    /// The event's classification.
    pub event: Classification,
    /// Every cause, in order, with its result.
    pub checklist: Vec<Check>,
    /// Where the log file should be (`s3://BUCKET/.../YYYY/MM/DD/`).
    pub locations: Vec<String>,
    /// What the 90-day event history (LookupEvents) says, for management events.
    pub event_history: String,
    /// Commands that find the event or fix the cause.
    pub commands: Vec<String>,
    /// Who stopped or started logging or changed the selectors or settings
    /// of the trails that record the account-region, from the event
    /// history, oldest first, each marked before or after the event (empty
    /// when the history was not looked up).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trail_changes: Vec<String>,
}

/// The verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// The cause.
    pub cause: Cause,
    /// One line.
    pub summary: String,
}

/// What kind of event a question is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A read-only management event.
    ManagementRead,
    /// A management event that changes something.
    ManagementWrite,
    /// A data event.
    Data,
    /// A network activity event.
    NetworkActivity,
}

impl EventKind {
    /// `management_read`, `management_write`, `data` or `network_activity`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::ManagementRead => "management_read",
            EventKind::ManagementWrite => "management_write",
            EventKind::Data => "data",
            EventKind::NetworkActivity => "network_activity",
        }
    }

    /// For people: `management read`, `data`...
    pub fn words(self) -> String {
        self.as_str().replace('_', " ")
    }
}

impl Classification {
    /// Data or network activity event: never in the 90-day event history,
    /// recorded only when a selector asks for it.
    pub fn selected_only(&self) -> bool {
        matches!(self.category, EventKind::Data | EventKind::NetworkActivity)
    }
}

/// Classifies the event. Errors when the region cannot be known.
pub fn classify(q: &Question) -> Result<Classification, String> {
    let mut warnings = Vec::new();
    let named = q.category;
    let region = || {
        q.region.clone().ok_or_else(|| {
            format!(
                "--region is needed: `{}` is a regional event, recorded in the region where it was called",
                q.event_name
            )
        })
    };
    if named == Some(Category::NetworkActivity) {
        let source = q.event_source.clone().ok_or_else(|| {
            format!("--event-source is needed: network activity event `{}` is recorded per event source (kms.amazonaws.com...)", q.event_name)
        })?;
        return Ok(Classification {
            category: EventKind::NetworkActivity,
            read_only: management::read_only_by_name(&q.event_name),
            global: false,
            event_source: Some(source),
            resource_type: None,
            known: true,
            record_region: region()?,
            warnings,
        });
    }
    // A data event: by its resource type, or by its name (and source).
    let by_type = q.resource_type.as_deref().map(|t| (t, data_type(t)));
    let by_name = DATA_TYPES.iter().find(|d| {
        d.names.contains(&q.event_name.as_str())
            && q.event_source
                .as_deref()
                .is_none_or(|s| Some(s) == d.source)
    });
    let data: Option<(String, Option<&DataType>)> = match (named, by_type) {
        (Some(Category::Management), _) => None,
        (_, Some((t, d))) => Some((t.to_string(), d)),
        (Some(Category::Data), None) => match by_name {
            Some(d) => Some((d.resource_type.to_string(), Some(d))),
            None => {
                return Err(format!(
                    "--resource-type is needed: `{}` is a data event of a type the catalogue does not know by name (AWS::DynamoDB::Table...)",
                    q.event_name
                ))
            }
        },
        (None, None) => by_name.map(|d| (d.resource_type.to_string(), Some(d))),
        (Some(Category::NetworkActivity), None) => None,
    };
    let source = q.event_source.clone().or_else(|| {
        data.as_ref()
            .and_then(|(_, d)| d.and_then(|d| d.source.map(str::to_string)))
            .or_else(|| {
                management::KNOWN_MANAGEMENT
                    .iter()
                    .find(|(n, _)| *n == q.event_name)
                    .map(|(_, s)| s.to_string())
            })
    });
    let known = data
        .as_ref()
        .is_some_and(|(_, d)| d.is_some_and(|d| d.names.contains(&q.event_name.as_str())))
        || (data.is_none()
            && management::KNOWN_MANAGEMENT
                .iter()
                .any(|(n, _)| *n == q.event_name));
    if !known {
        warnings.push(match &data {
            Some((t, _)) => format!(
                "`{}` is not a known event name of {t}: treated as {} data event",
                q.event_name,
                if management::read_only_by_name(&q.event_name) {
                    "a read"
                } else {
                    "a write"
                }
            ),
            None => format!(
                "`{}` is not in the event catalogue: treated as a {} management event",
                q.event_name,
                if management::read_only_by_name(&q.event_name) {
                    "read-only"
                } else {
                    "write"
                }
            ),
        });
    }
    let global = data.is_none()
        && source
            .as_deref()
            .is_some_and(|s| management::GLOBAL_SOURCES.contains(&s));
    if source.as_deref() == Some("sts.amazonaws.com") {
        warnings.push("STS calls to the global endpoint are recorded in us-east-1; calls to a regional endpoint in that region".into());
    }
    let record_region = if global {
        GLOBAL_EVENTS_REGION.to_string()
    } else {
        region()?
    };
    let (category, read_only) = match &data {
        Some((_, d)) => (
            EventKind::Data,
            match d {
                Some(d) if d.names.contains(&q.event_name.as_str()) => {
                    d.read_only.contains(&q.event_name.as_str())
                }
                _ => management::read_only_by_name(&q.event_name),
            },
        ),
        None => {
            let ro = management::read_only_by_name(&q.event_name);
            (
                if ro {
                    EventKind::ManagementRead
                } else {
                    EventKind::ManagementWrite
                },
                ro,
            )
        }
    };
    Ok(Classification {
        category,
        read_only,
        global,
        event_source: source,
        resource_type: data.map(|(t, _)| t),
        known,
        record_region,
        warnings,
    })
}

pub(crate) fn event<'a>(c: &'a Classification, q: &'a Question) -> Event<'a> {
    let partition = q
        .resource
        .as_deref()
        .and_then(|a| a.split(':').nth(1))
        .filter(|p| !p.is_empty())
        .unwrap_or("aws");
    let mut e = match c.category {
        EventKind::Data => Event::data(
            c.resource_type.as_deref().unwrap_or_default(),
            Some(c.read_only),
            Values::known(q.resource.as_deref()),
            partition,
        ),
        EventKind::NetworkActivity => {
            Event::network(c.event_source.as_deref().unwrap_or_default(), false)
        }
        EventKind::ManagementRead | EventKind::ManagementWrite => {
            Event::management(Some(c.read_only), c.event_source.as_deref())
        }
    };
    e.event_source = Values::known(c.event_source.as_deref());
    e.error_code = Values::known(q.error_code.as_deref());
    e.named(&q.event_name)
}

/// Whether a trail was logging at `t`: Yes, No, or Maybe (status unknown).
pub(crate) fn logging_at(t: &Trail, at: DateTime<Utc>) -> (Tri, String) {
    match &t.status {
        Fact::Collected { value: st } => {
            if st.is_logging {
                match st.start_logging_time {
                    Some(start) if start > at => (
                        Tri::No,
                        format!(
                            "{} started logging at {}, after the event",
                            t.name,
                            trailaudit_model::utc(start)
                        ),
                    ),
                    _ => (Tri::Yes, format!("{} is logging", t.name)),
                }
            } else {
                match st.stop_logging_time {
                    Some(stop) if stop > at => (
                        Tri::Yes,
                        format!(
                            "{} was logging then (stopped at {})",
                            t.name,
                            trailaudit_model::utc(stop)
                        ),
                    ),
                    Some(stop) => (
                        Tri::No,
                        format!(
                            "{} stopped logging at {}, before the event",
                            t.name,
                            trailaudit_model::utc(stop)
                        ),
                    ),
                    None => (Tri::No, format!("{} is not logging", t.name)),
                }
            }
        }
        other => (
            Tri::Maybe,
            format!(
                "logging state of {} unknown: {}",
                t.name,
                other.unknown_reason().unwrap_or_default()
            ),
        ),
    }
}

/// The trail whose destination should hold the event (the best candidate).
pub(crate) fn chosen<'a>(s: &'a Snapshot, q: &Question, c: &Classification) -> Option<&'a Trail> {
    let e = event(c, q);
    let trails = s.trails_applying(&q.account, &c.record_region);
    let score = |t: &&Trail| {
        let logging = logging_at(t, q.time).0 == Tri::Yes;
        let selected =
            matches!(&t.selectors, Fact::Collected { value } if selects(value, &e) != Tri::No);
        (
            logging && selected,
            logging,
            t.is_organization_trail,
            t.s3_bucket_name.is_some(),
        )
    };
    trails.into_iter().max_by_key(|t| score(t))
}

/// The day prefixes of the trail's destination for the event (the next UTC
/// day too when delivery can cross midnight).
pub(crate) fn prefixes(s: &Snapshot, q: &Question, c: &Classification, t: &Trail) -> Vec<String> {
    let base = s.trail_log_prefix(t, &q.account, &c.record_region);
    let mut days = vec![q.time.date_naive()];
    let late = q.time + Duration::minutes(15);
    if late.date_naive() != q.time.date_naive() || q.time.hour() == 23 && q.time.minute() >= 45 {
        days.push(late.date_naive());
    }
    days.dedup();
    days.iter()
        .map(|d| format!("{base}{}/", d.format("%Y/%m/%d")))
        .collect()
}

/// What to probe live, when a trail with a bucket applies.
pub fn plan(s: &Snapshot, q: &Question) -> Option<WhyPlan> {
    let c = classify(q).ok()?;
    let t = chosen(s, q, &c)?;
    let bucket = t.s3_bucket_name.clone()?;
    let b = s.bucket(&bucket);
    let management = !c.selected_only();
    Some(WhyPlan {
        asking_account: q.account.clone(),
        bucket_owner: b.and_then(|b| b.owner_account_id().map(str::to_string)),
        bucket_region: b
            .and_then(|b| b.region.value().cloned())
            .unwrap_or_else(|| t.home_region.clone()),
        prefixes: prefixes(s, q, &c, t),
        delivered_from: q.time - Duration::minutes(1),
        delivered_to: q.time + Duration::minutes(30),
        event_from: q.time - Duration::minutes(5),
        event_to: q.time + Duration::minutes(5),
        event_name: q.event_name.clone(),
        event_source: c.event_source.clone(),
        lookup_region: (management && q.now - q.time < Duration::days(90))
            .then(|| c.record_region.clone()),
        bucket,
    })
}

/// Parses `--event-file`: a CloudTrail record (or `{"Records": [...]}`, the
/// first record), or an AWS CLI error message ("... when calling the X operation ...").
pub fn parse_event_file(text: &str) -> Result<EventFile, String> {
    let trimmed = text.trim();
    if trimmed.starts_with('{') {
        let v: serde_json::Value =
            serde_json::from_str(trimmed).map_err(|e| format!("not valid JSON: {e}"))?;
        let rec = v.get("Records").and_then(|r| r.get(0)).unwrap_or(&v);
        let s = |k: &str| rec.get(k).and_then(|x| x.as_str()).map(str::to_string);
        let name = s("eventName").ok_or("the record has no eventName")?;
        let time = s("eventTime")
            .map(|t| {
                DateTime::parse_from_rfc3339(&t)
                    .map(|d| d.with_timezone(&Utc))
                    .map_err(|e| format!("eventTime `{t}`: {e}"))
            })
            .transpose()?;
        let account = s("recipientAccountId").or_else(|| {
            rec.get("userIdentity")
                .and_then(|u| u.get("accountId"))
                .and_then(|x| x.as_str())
                .map(str::to_string)
        });
        let first_resource = |k: &str| {
            rec.get("resources")
                .and_then(|r| r.get(0))
                .and_then(|r| r.get(k))
                .and_then(|x| x.as_str())
                .map(str::to_string)
        };
        return Ok(EventFile {
            event_name: name,
            event_source: s("eventSource"),
            region: s("awsRegion"),
            time,
            account,
            resource: first_resource("ARN"),
            category: s("eventCategory").and_then(|c| Category::parse(&c).ok()),
            resource_type: first_resource("type"),
            error_code: s("errorCode"),
        });
    }
    let name = trimmed
        .split("when calling the ")
        .nth(1)
        .and_then(|r| r.split(" operation").next())
        .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric()))
        .ok_or("neither a CloudTrail record (JSON) nor an AWS CLI error message (\"... when calling the X operation ...\")")?;
    Ok(EventFile {
        event_name: name.to_string(),
        event_source: None,
        region: None,
        time: None,
        account: None,
        resource: None,
        category: None,
        resource_type: None,
        error_code: None,
    })
}

/// What an event file told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventFile {
    /// `eventName`.
    pub event_name: String,
    /// `eventSource`.
    pub event_source: Option<String>,
    /// `awsRegion`.
    pub region: Option<String>,
    /// `eventTime`.
    pub time: Option<DateTime<Utc>>,
    /// Account.
    pub account: Option<String>,
    /// First resource ARN.
    pub resource: Option<String>,
    /// `eventCategory` (an `Insight` record's, or any other, is not one a
    /// question can name: `None`, and the event name decides).
    pub category: Option<Category>,
    /// `resources[0].type`.
    pub resource_type: Option<String>,
    /// `errorCode`.
    pub error_code: Option<String>,
}
