//! `audit why`: explains why a CloudTrail event cannot be found in the logs,
//! and where it should be. A pure function of a snapshot, a question and the
//! results of a few live probes (none when working offline).
//!
//! 1. [`classify`] the event: management read or write, data event, global
//!    service event (recorded in us-east-1).
//! 2. [`plan`] which S3 prefixes to probe (the CLI runs the probes through
//!    the collector, read-only).
//! 3. [`explain`] walks the causes in order, each holding, not holding, or
//!    impossible to tell, with its evidence; the verdict is the first cause
//!    that holds.

pub mod catalogue;

use chrono::{DateTime, Duration, Timelike, Utc};
use serde::Serialize;
use trailaudit_checks::analysis::{needs_restore, rules_touching, trail_health, Health};
use trailaudit_checks::selectors::{selects, Category, Event, Tri};
use trailaudit_model::regions::GLOBAL_EVENTS_REGION;
use trailaudit_model::{Fact, Snapshot, Trail, WhyPlan, WhyProbes};

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
    /// Now.
    pub now: DateTime<Utc>,
}

/// A cause, as reported in `--json` (`cause`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// No trail records the account and region.
    NoTrail,
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
    /// `management_read`, `management_write` or `data`.
    pub category: String,
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
}

/// The verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// The cause.
    pub cause: Cause,
    /// One line.
    pub summary: String,
}

/// Classifies the event. Errors when the region cannot be known.
pub fn classify(q: &Question) -> Result<Classification, String> {
    let mut warnings = Vec::new();
    let data = catalogue::DATA_EVENTS.iter().find(|d| {
        d.names.contains(&q.event_name.as_str())
            && q.event_source.as_deref().is_none_or(|s| s == d.source)
    });
    let source = q.event_source.clone().or_else(|| {
        data.map(|d| d.source.to_string()).or_else(|| {
            catalogue::KNOWN_MANAGEMENT
                .iter()
                .find(|(n, _)| *n == q.event_name)
                .map(|(_, s)| s.to_string())
        })
    });
    let known = data.is_some()
        || catalogue::KNOWN_MANAGEMENT
            .iter()
            .any(|(n, _)| *n == q.event_name);
    if !known {
        warnings.push(format!(
            "`{}` is not in the event catalogue: treated as a {} management event",
            q.event_name,
            if catalogue::read_only_by_name(&q.event_name) {
                "read-only"
            } else {
                "write"
            }
        ));
    }
    let global = data.is_none()
        && source
            .as_deref()
            .is_some_and(|s| catalogue::GLOBAL_SOURCES.contains(&s));
    if source.as_deref() == Some("sts.amazonaws.com") {
        warnings.push("STS calls to the global endpoint are recorded in us-east-1; calls to a regional endpoint in that region".into());
    }
    let record_region = if global {
        GLOBAL_EVENTS_REGION.to_string()
    } else {
        q.region.clone().ok_or_else(|| format!("--region is needed: `{}` is a regional event, recorded in the region where it was called", q.event_name))?
    };
    let (category, read_only) = match data {
        Some(d) => (
            "data".to_string(),
            d.read_only.contains(&q.event_name.as_str()),
        ),
        None => {
            let ro = catalogue::read_only_by_name(&q.event_name);
            (
                if ro {
                    "management_read"
                } else {
                    "management_write"
                }
                .to_string(),
                ro,
            )
        }
    };
    Ok(Classification {
        category,
        read_only,
        global,
        event_source: source,
        resource_type: data.map(|d| d.resource_type.to_string()),
        known,
        record_region,
        warnings,
    })
}

fn event<'a>(c: &'a Classification, q: &'a Question) -> Event<'a> {
    Event {
        category: if c.category == "data" {
            Category::Data
        } else {
            Category::Management
        },
        read_only: Some(c.read_only),
        event_source: c.event_source.as_deref(),
        event_name: Some(&q.event_name),
        resource_type: c.resource_type.as_deref(),
        resource_arn: q.resource.as_deref(),
    }
}

/// Whether a trail was logging at `t`: Yes, No, or Maybe (status unknown).
fn logging_at(t: &Trail, at: DateTime<Utc>) -> (Tri, String) {
    match &t.status {
        Fact::Collected { value: st } => {
            if st.is_logging {
                match st.start_logging_time {
                    Some(start) if start > at => (
                        Tri::No,
                        format!(
                            "{} started logging at {}, after the event",
                            t.name,
                            start.to_rfc3339()
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
                            stop.to_rfc3339()
                        ),
                    ),
                    Some(stop) => (
                        Tri::No,
                        format!(
                            "{} stopped logging at {}, before the event",
                            t.name,
                            stop.to_rfc3339()
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
fn chosen<'a>(s: &'a Snapshot, q: &Question, c: &Classification) -> Option<&'a Trail> {
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
fn prefixes(s: &Snapshot, q: &Question, c: &Classification, t: &Trail) -> Vec<String> {
    let org = t
        .is_organization_trail
        .then(|| s.organization_id())
        .flatten();
    let base = trailaudit_model::log_prefix(
        t.s3_key_prefix.as_deref(),
        org,
        &q.account,
        &c.record_region,
    );
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
    let management = c.category != "data";
    Some(WhyPlan {
        asking_account: q.account.clone(),
        bucket_owner: b.and_then(|b| b.owner_account_id.clone()),
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

/// Walks the causes and gives the verdict.
pub fn explain(s: &Snapshot, q: &Question, probes: &WhyProbes) -> Result<Explanation, String> {
    let c = classify(q)?;
    let e = event(&c, q);
    let mut checks: Vec<Check> = Vec::new();
    let mut push = |cause, result, evidence: String| {
        checks.push(Check {
            cause,
            result,
            evidence,
        })
    };
    let trails = s.trails_applying(&q.account, &c.record_region);
    let region_listed = s
        .account(&q.account)
        .and_then(|a| a.regions.iter().find(|r| r.region == c.record_region))
        .map(|r| r.status == trailaudit_model::RegionStatus::Collected)
        .unwrap_or(false);
    let age = q.now - q.time;

    // 1. No trail.
    if trails.is_empty() {
        let tell = if region_listed {
            Outcome::Holds
        } else {
            Outcome::CannotTell
        };
        push(
            Cause::NoTrail,
            tell,
            format!(
                "no trail records account {} in {}{}; {}",
                q.account,
                c.record_region,
                if region_listed {
                    ""
                } else {
                    " (its trails could not be listed)"
                },
                if c.category == "data" {
                    "data events are never in event history"
                } else {
                    "only the 90-day event history has management events"
                }
            ),
        );
    } else {
        let names: Vec<&str> = trails.iter().map(|t| t.name.as_str()).collect();
        push(
            Cause::NoTrail,
            Outcome::DoesNotHold,
            format!(
                "trails recording {} in {}: {}",
                q.account,
                c.record_region,
                names.join(", ")
            ),
        );
    }

    // 2. Not logging at that time.
    let states: Vec<(&Trail, Tri, String)> = trails
        .iter()
        .map(|t| {
            let (l, why) = logging_at(t, q.time);
            (*t, l, why)
        })
        .collect();
    let logging: Vec<&Trail> = states
        .iter()
        .filter(|(_, l, _)| *l == Tri::Yes)
        .map(|(t, _, _)| *t)
        .collect();
    if !trails.is_empty() {
        let evidence = states
            .iter()
            .map(|(_, _, w)| w.clone())
            .collect::<Vec<_>>()
            .join("; ");
        let result = if !logging.is_empty() {
            Outcome::DoesNotHold
        } else if states.iter().any(|(_, l, _)| *l == Tri::Maybe) {
            Outcome::CannotTell
        } else {
            Outcome::Holds
        };
        push(Cause::NotLogging, result, evidence);
    }

    // 3. Not selected.
    if !logging.is_empty() {
        let sel: Vec<(&Trail, Tri, String)> = logging
            .iter()
            .map(|t| match &t.selectors {
                Fact::Collected { value } => {
                    let r = selects(value, &e);
                    let why = match r {
                        Tri::Yes => format!("{} selects it", t.name),
                        Tri::No => format!("{} does not select it ({})", t.name, describe_miss(&c)),
                        Tri::Maybe => format!(
                            "{} selects it only for some resources or principals{}",
                            t.name,
                            if q.resource.is_none() && c.category == "data" {
                                "; give --resource to decide"
                            } else {
                                ""
                            }
                        ),
                    };
                    (*t, r, why)
                }
                other => (
                    *t,
                    Tri::Maybe,
                    format!(
                        "selectors of {} unknown: {}",
                        t.name,
                        other.unknown_reason().unwrap_or_default()
                    ),
                ),
            })
            .collect();
        let result = if sel.iter().any(|(_, r, _)| *r == Tri::Yes) {
            Outcome::DoesNotHold
        } else if sel.iter().any(|(_, r, _)| *r == Tri::Maybe) {
            Outcome::CannotTell
        } else {
            Outcome::Holds
        };
        push(
            Cause::NotSelected,
            result,
            sel.iter()
                .map(|(_, _, w)| w.clone())
                .collect::<Vec<_>>()
                .join("; "),
        );
    }

    // 4. Wrong region.
    match &q.region {
        Some(r) if *r != c.record_region => push(
            Cause::WrongRegion,
            Outcome::Holds,
            format!(
                "{} is a global service event, recorded in {} only; it will never be found in {r}",
                q.event_name, c.record_region
            ),
        ),
        _ => push(
            Cause::WrongRegion,
            Outcome::DoesNotHold,
            format!("the event is recorded in {}", c.record_region),
        ),
    }

    // 5. Too recent.
    let fresh_org_trail = trails.iter().find(|t| {
        t.is_organization_trail
            && t.status
                .value()
                .and_then(|s| s.start_logging_time)
                .is_some_and(|start| q.time - start < Duration::hours(24) && q.time >= start)
    });
    if age < Duration::minutes(15) {
        push(
            Cause::TooRecent,
            Outcome::Holds,
            format!(
                "the event is {} minutes old; delivery takes about 5 and up to 15 minutes",
                age.num_minutes().max(0)
            ),
        );
    } else if let Some(t) = fresh_org_trail {
        push(Cause::TooRecent, Outcome::Holds, format!("organization trail {} started logging less than 24 hours before the event; it can take 24 hours to reach every account", t.name));
    } else {
        push(
            Cause::TooRecent,
            Outcome::DoesNotHold,
            format!("the event is {} hours old", age.num_hours()),
        );
    }

    let target = chosen(s, q, &c);
    // 6. Delivery failing.
    if let Some(t) = target {
        match trail_health(s, t, &q.account) {
            Health::Recording => push(
                Cause::DeliveryFailing,
                Outcome::DoesNotHold,
                format!("{} reports no delivery error", t.name),
            ),
            Health::NotRecording(why) if why.contains("not logging") => {
                push(Cause::DeliveryFailing, Outcome::DoesNotHold, why)
            }
            Health::NotRecording(why) => push(Cause::DeliveryFailing, Outcome::Holds, why),
            Health::Unknown(why) => push(Cause::DeliveryFailing, Outcome::CannotTell, why),
        }
    }

    // 7-8. Expired or archived by a lifecycle rule.
    let bucket = target
        .and_then(|t| t.s3_bucket_name.as_deref())
        .and_then(|b| s.bucket(b));
    let locs = target.map(|t| prefixes(s, q, &c, t)).unwrap_or_default();
    if let (Some(_), Some(b)) = (target, bucket) {
        let prefix = locs.first().cloned().unwrap_or_default();
        match &b.lifecycle_rules {
            Fact::Collected { value } => {
                let rules = rules_touching(value, &prefix);
                let expired = rules.iter().find_map(|r| {
                    let by_days = r.expiration_days.filter(|d| age > Duration::days(i64::from(*d))).map(|d| format!("rule {} deletes log files after {d} days; the event is {} days old", r.id.as_deref().unwrap_or("(no id)"), age.num_days()));
                    let by_date = r.expiration_date.filter(|d| *d < q.now).map(|d| format!("rule {} deleted log files on {}", r.id.as_deref().unwrap_or("(no id)"), d.date_naive()));
                    by_days.or(by_date)
                });
                match expired {
                    Some(why) => push(Cause::Expired, Outcome::Holds, why),
                    None => push(
                        Cause::Expired,
                        Outcome::DoesNotHold,
                        format!(
                            "no lifecycle rule of {} deletes log files of this age",
                            b.name
                        ),
                    ),
                }
                let archived = rules.iter().find_map(|r| {
                    r.transitions.iter().find(|tr| needs_restore(&tr.storage_class) && tr.days.is_some_and(|d| age > Duration::days(i64::from(d)))).map(|tr| format!(
                        "rule {} moved log files older than {} days to {}: restore needed to read them",
                        r.id.as_deref().unwrap_or("(no id)"), tr.days.unwrap_or(0), tr.storage_class
                    ))
                });
                match archived {
                    Some(why) => push(Cause::Archived, Outcome::Holds, why),
                    None => push(
                        Cause::Archived,
                        Outcome::DoesNotHold,
                        "not moved to Glacier-class storage".into(),
                    ),
                }
            }
            other => {
                let why = format!(
                    "lifecycle of {} unknown: {}",
                    b.name,
                    other.unknown_reason().unwrap_or_default()
                );
                push(Cause::Expired, Outcome::CannotTell, why.clone());
                push(Cause::Archived, Outcome::CannotTell, why);
            }
        }
    }

    // 9-10. Another account's bucket; access denied.
    if let Some(t) = target {
        let owner = bucket.and_then(|b| b.owner_account_id.clone());
        let other =
            owner.as_deref().is_some_and(|o| o != q.account) || bucket.is_some_and(|b| b.external);
        let denied = matches!(&probes.account_listing, Fact::Failed { error } if error.kind == trailaudit_model::ErrorKind::AccessDenied);
        let bucket_name = t.s3_bucket_name.clone().unwrap_or_default();
        let owner_txt = owner
            .clone()
            .unwrap_or_else(|| "outside the organization".into());
        match (&probes.account_listing, other) {
            (_, true) if denied => push(Cause::OtherAccountBucket, Outcome::Holds, format!(
                "the logs are in bucket {bucket_name} of account {owner_txt}; account {} cannot list them (members cannot read organization trail logs by default)", q.account
            )),
            (Fact::Collected { .. }, true) => push(Cause::OtherAccountBucket, Outcome::DoesNotHold, format!("the logs are in bucket {bucket_name} of account {owner_txt}, and account {} can list them", q.account)),
            (_, true) => push(Cause::OtherAccountBucket, Outcome::CannotTell, format!("the logs are in bucket {bucket_name} of account {owner_txt}; whether account {} can read them was not probed", q.account)),
            (_, false) => push(Cause::OtherAccountBucket, Outcome::DoesNotHold, format!("the logs are in the account's own bucket {bucket_name}")),
        }
        match &probes.account_listing {
            Fact::Failed { error }
                if !other && error.kind == trailaudit_model::ErrorKind::AccessDenied =>
            {
                push(
                    Cause::AccessDenied,
                    Outcome::Holds,
                    format!(
                        "listing s3://{bucket_name}/{} is denied: {}",
                        locs.first().cloned().unwrap_or_default(),
                        error.message
                    ),
                )
            }
            Fact::Collected { .. } => push(
                Cause::AccessDenied,
                Outcome::DoesNotHold,
                "the prefix can be listed".into(),
            ),
            Fact::Failed { .. } if other => push(
                Cause::AccessDenied,
                Outcome::DoesNotHold,
                "see other_account_bucket".into(),
            ),
            other_fact => push(
                Cause::AccessDenied,
                Outcome::CannotTell,
                other_fact.unknown_reason().unwrap_or_default(),
            ),
        }
    }

    // Found?
    let found = match &probes.record_key {
        Fact::Collected { value: Some(k) } => {
            push(
                Cause::Found,
                Outcome::Holds,
                format!(
                    "s3://{}/{k} holds the event",
                    bucket.map(|b| b.name.as_str()).unwrap_or("")
                ),
            );
            Some(k.clone())
        }
        Fact::Collected { value: None } => {
            push(
                Cause::Found,
                Outcome::DoesNotHold,
                "no log file delivered in the 30 minutes after the event holds it".into(),
            );
            None
        }
        other => {
            push(
                Cause::Found,
                Outcome::CannotTell,
                other.unknown_reason().unwrap_or_default(),
            );
            None
        }
    };

    // Verdict: the first cause that holds.
    const ORDER: [Cause; 10] = [
        Cause::NoTrail,
        Cause::NotLogging,
        Cause::NotSelected,
        Cause::WrongRegion,
        Cause::TooRecent,
        Cause::DeliveryFailing,
        Cause::Expired,
        Cause::Archived,
        Cause::OtherAccountBucket,
        Cause::AccessDenied,
    ];
    let first = ORDER.iter().find_map(|cause| {
        checks
            .iter()
            .find(|ch| ch.cause == *cause && ch.result == Outcome::Holds)
    });
    let verdict = match (first, &found) {
        (Some(ch), _) => Verdict {
            cause: ch.cause,
            summary: ch.evidence.clone(),
        },
        (None, Some(k)) => Verdict {
            cause: Cause::Found,
            summary: format!(
                "the event is in s3://{}/{k}",
                bucket.map(|b| b.name.as_str()).unwrap_or("")
            ),
        },
        (None, None) => Verdict {
            cause: Cause::Unknown,
            summary: "no cause could be established; see the checklist for what could not be told"
                .into(),
        },
    };

    let bucket_name = bucket
        .map(|b| b.name.clone())
        .or_else(|| target.and_then(|t| t.s3_bucket_name.clone()));
    let locations: Vec<String> = match &bucket_name {
        Some(b) => locs.iter().map(|p| format!("s3://{b}/{p}")).collect(),
        None => vec![],
    };
    let commands = commands(
        &verdict,
        q,
        &c,
        target,
        &locations,
        found.as_deref(),
        bucket_name.as_deref(),
    );
    let event_history = if c.category == "data" {
        "data events are never in the event history".to_string()
    } else if age >= Duration::days(90) {
        "older than 90 days: no longer in the event history".to_string()
    } else {
        match &probes.lookup_found {
            Fact::Collected { value: true } => format!(
                "LookupEvents in {} finds it (90-day event history of account {})",
                c.record_region, q.account
            ),
            Fact::Collected { value: false } => format!(
                "LookupEvents in {} does not return it for that time",
                c.record_region
            ),
            other => format!(
                "LookupEvents in {} should have it (management events, 90 days, no trail needed); not checked: {}",
                c.record_region,
                other.unknown_reason().unwrap_or_default()
            ),
        }
    };
    Ok(Explanation {
        verdict,
        event: c,
        checklist: checks,
        locations,
        event_history,
        commands,
    })
}

fn describe_miss(c: &Classification) -> String {
    if c.category == "data" {
        format!(
            "data events of type {} are not selected",
            c.resource_type.as_deref().unwrap_or("?")
        )
    } else if c.read_only {
        "read-only management events are excluded".into()
    } else {
        format!(
            "management events{} are excluded",
            c.event_source
                .as_deref()
                .map(|s| format!(" from {s}"))
                .unwrap_or_default()
        )
    }
}

fn commands(
    v: &Verdict,
    q: &Question,
    c: &Classification,
    t: Option<&Trail>,
    locations: &[String],
    found: Option<&str>,
    bucket: Option<&str>,
) -> Vec<String> {
    let trail = t
        .map(|t| t.arn.clone())
        .unwrap_or_else(|| "TRAIL_ARN".into());
    let home = t
        .map(|t| t.home_region.clone())
        .unwrap_or_else(|| c.record_region.clone());
    let window = format!(
        "--start-time {} --end-time {}",
        (q.time - Duration::minutes(5)).to_rfc3339(),
        (q.time + Duration::minutes(5)).to_rfc3339()
    );
    let lookup = format!("aws cloudtrail lookup-events --region {} --lookup-attributes AttributeKey=EventName,AttributeValue={} {window}", c.record_region, q.event_name);
    let mut out = match v.cause {
        Cause::NoTrail => vec![
            "aws cloudtrail create-trail --name org-trail --s3-bucket-name LOG_BUCKET --is-multi-region-trail --include-global-service-events --enable-log-file-validation".into(),
            "aws cloudtrail start-logging --name org-trail".into(),
        ],
        // Logging now (it started after the event): nothing to start; only the
        // event history can still have a management event.
        Cause::NotLogging if t.and_then(|t| t.status.value()).is_some_and(|st| st.is_logging) => vec![],
        Cause::NotLogging => vec![format!("aws cloudtrail start-logging --name {trail} --region {home}")],
        Cause::NotSelected if c.category == "data" => vec![format!(
            "aws cloudtrail put-event-selectors --trail-name {trail} --region {home} --advanced-event-selectors '[{{\"Name\":\"data\",\"FieldSelectors\":[{{\"Field\":\"eventCategory\",\"Equals\":[\"Data\"]}},{{\"Field\":\"resources.type\",\"Equals\":[\"{}\"]}}]}},{{\"Name\":\"management\",\"FieldSelectors\":[{{\"Field\":\"eventCategory\",\"Equals\":[\"Management\"]}}]}}]'",
            c.resource_type.as_deref().unwrap_or("AWS::S3::Object")
        )],
        Cause::NotSelected => vec![format!("aws cloudtrail put-event-selectors --trail-name {trail} --region {home} --event-selectors '[{{\"ReadWriteType\":\"All\",\"IncludeManagementEvents\":true}}]'")],
        Cause::DeliveryFailing => vec![
            format!("aws cloudtrail get-trail-status --name {trail} --region {home}"),
            format!("aws s3api get-bucket-policy --bucket {}", bucket.unwrap_or("LOG_BUCKET")),
        ],
        Cause::Expired | Cause::Archived => vec![format!("aws s3api get-bucket-lifecycle-configuration --bucket {}", bucket.unwrap_or("LOG_BUCKET"))],
        Cause::OtherAccountBucket | Cause::AccessDenied => vec![
            format!("aws s3api get-bucket-policy --bucket {}  # grant the reader s3:GetObject on the prefix", bucket.unwrap_or("LOG_BUCKET")),
        ],
        Cause::TooRecent => vec!["# wait: delivery takes about 5 and up to 15 minutes".into()],
        _ => vec![],
    };
    if let (Some(k), Some(b)) = (found, bucket) {
        out.push(format!(
            "aws s3 cp s3://{b}/{k} - | gunzip | jq '.Records[] | select(.eventName == \"{}\")'",
            q.event_name
        ));
    }
    for l in locations {
        out.push(format!("aws s3 ls {l}"));
    }
    if c.category != "data" && q.now - q.time < Duration::days(90) {
        out.push(lookup);
    }
    out
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
        let resource = rec
            .get("resources")
            .and_then(|r| r.get(0))
            .and_then(|r| r.get("ARN"))
            .and_then(|x| x.as_str())
            .map(str::to_string);
        return Ok(EventFile {
            event_name: name,
            event_source: s("eventSource"),
            region: s("awsRegion"),
            time,
            account,
            resource,
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
}

#[cfg(test)]
mod tests;
