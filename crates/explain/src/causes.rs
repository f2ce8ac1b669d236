//! The causes `audit why` walks, as a catalogue like the checks: each entry
//! has its id ([`Cause`]), its place in the order (the catalogue's order),
//! its evaluation (holds / does not hold / cannot tell, with the evidence)
//! and its fix (the commands printed when it is the verdict).
//!
//! Whether the event is recorded at all comes from the one source model
//! ([`trailaudit_checks::sources`]), the same function the coverage matrix
//! uses: [`Walk::reconcile`] makes the recording causes (no trail, not
//! logging, not selected, delivery failing) agree with it, so `audit org` and
//! `audit why` cannot disagree.

use chrono::Duration;
use trailaudit_catalogue::selectors::selects;
use trailaudit_checks::analysis::{needs_restore, rules_touching, trail_health, Health};
use trailaudit_checks::sources::Kind;
use trailaudit_model::Tri;
use trailaudit_model::{Bucket, ErrorKind, Fact};

use crate::question::{logging_at, Cause, Check, Classification, EventKind, Outcome, Verdict};
use crate::walk::Walk;

/// One cause of the catalogue.
pub struct CauseDef {
    /// Its id, as in `--json`.
    pub cause: Cause,
    /// Whether it can be the verdict (`found` is reported apart).
    pub verdict: bool,
    /// Its evaluation: zero or one checklist line.
    pub evaluate: fn(&Walk) -> Option<Check>,
    /// The commands that fix or confirm it, when it is the verdict.
    pub fix: fn(&Walk) -> Vec<String>,
}

/// Every cause, in the order they are walked; the verdict is the first that holds.
pub const CAUSES: &[CauseDef] = &[
    CauseDef {
        cause: Cause::NoTrail,
        verdict: true,
        evaluate: no_trail,
        fix: fix_no_trail,
    },
    CauseDef {
        cause: Cause::EventDataStore,
        verdict: true,
        evaluate: event_data_store,
        fix: fix_event_data_store,
    },
    CauseDef {
        cause: Cause::NotLogging,
        verdict: true,
        evaluate: not_logging,
        fix: fix_not_logging,
    },
    CauseDef {
        cause: Cause::NotSelected,
        verdict: true,
        evaluate: not_selected,
        fix: fix_not_selected,
    },
    CauseDef {
        cause: Cause::WrongRegion,
        verdict: true,
        evaluate: wrong_region,
        fix: no_fix,
    },
    CauseDef {
        cause: Cause::TooRecent,
        verdict: true,
        evaluate: too_recent,
        fix: fix_too_recent,
    },
    CauseDef {
        cause: Cause::DeliveryFailing,
        verdict: true,
        evaluate: delivery_failing,
        fix: fix_delivery,
    },
    CauseDef {
        cause: Cause::Expired,
        verdict: true,
        evaluate: expired,
        fix: fix_lifecycle,
    },
    CauseDef {
        cause: Cause::Archived,
        verdict: true,
        evaluate: archived,
        fix: fix_lifecycle,
    },
    CauseDef {
        cause: Cause::OtherAccountBucket,
        verdict: true,
        evaluate: other_account_bucket,
        fix: fix_read,
    },
    CauseDef {
        cause: Cause::AccessDenied,
        verdict: true,
        evaluate: access_denied,
        fix: fix_read,
    },
    CauseDef {
        cause: Cause::Found,
        verdict: false,
        evaluate: found,
        fix: no_fix,
    },
];

/// The verdict's fix, then the commands that find the event.
pub fn commands(w: &Walk, v: &Verdict, locations: &[String], found: Option<&str>) -> Vec<String> {
    let mut out = CAUSES
        .iter()
        .find(|d| d.cause == v.cause)
        .map(|d| (d.fix)(w))
        .unwrap_or_default();
    if let (Some(k), Some(b)) = (found, w.bucket_name()) {
        out.push(format!(
            "aws s3 cp s3://{b}/{k} - | gunzip | jq '.Records[] | select(.eventName == \"{}\")'",
            w.q.event_name
        ));
    }
    for l in locations {
        out.push(format!("aws s3 ls {l}"));
    }
    if !w.c.selected_only() && w.age < Duration::days(90) {
        out.push(format!(
            "aws cloudtrail lookup-events --region {} --lookup-attributes AttributeKey=EventName,AttributeValue={} {}",
            w.c.record_region,
            w.q.event_name,
            w.window()
        ));
    }
    out
}

fn check(cause: Cause, result: Outcome, evidence: String) -> Option<Check> {
    Some(Check {
        cause,
        result,
        evidence,
    })
}

fn no_trail(w: &Walk) -> Option<Check> {
    let (q, c) = (w.q, w.c);
    if !w.trails.is_empty() {
        let names: Vec<&str> = w.trails.iter().map(|t| t.name.as_str()).collect();
        return check(
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
    let stores = w
        .srcs
        .sources
        .iter()
        .any(|x| matches!(x.kind, Kind::Store(_)));
    let mut evidence = format!(
        "no trail records account {} in {}",
        q.account, c.record_region
    );
    for why in w.srcs.excluded.iter().chain(w.srcs.unknown.iter()) {
        evidence.push_str("; ");
        evidence.push_str(why);
    }
    evidence.push_str(if c.selected_only() {
        "; data and network activity events are never in event history"
    } else {
        "; only the 90-day event history has management events"
    });
    let result = if stores {
        Outcome::DoesNotHold
    } else if w.srcs.unknown.is_empty() {
        Outcome::Holds
    } else {
        Outcome::CannotTell
    };
    check(Cause::NoTrail, result, evidence)
}

fn event_data_store(w: &Walk) -> Option<Check> {
    let stores: Vec<&str> = w
        .srcs
        .sources
        .iter()
        .filter(|x| matches!(x.kind, Kind::Store(_)))
        .filter(|x| w.answer.by.iter().any(|b| b == x.arn))
        .map(|x| x.name)
        .collect();
    if stores.is_empty() {
        return None;
    }
    let trail_records = w
        .answer
        .by
        .iter()
        .any(|b| w.trails.iter().any(|t| &t.arn == b));
    let result = if w.answer.recorded == Tri::Yes && !trail_records {
        Outcome::Holds
    } else {
        Outcome::DoesNotHold
    };
    check(
        Cause::EventDataStore,
        result,
        format!(
            "CloudTrail Lake event data store {} records it{}",
            stores.join(", "),
            if trail_records {
                " (and a trail delivers it to S3)"
            } else {
                "; no trail delivers it to S3: query the event data store"
            }
        ),
    )
}

fn not_logging(w: &Walk) -> Option<Check> {
    if w.trails.is_empty() {
        return None;
    }
    let states: Vec<(Tri, String)> = w.trails.iter().map(|t| logging_at(t, w.q.time)).collect();
    let evidence = states
        .iter()
        .map(|(_, why)| why.clone())
        .collect::<Vec<_>>()
        .join("; ");
    let result = if !w.logging.is_empty() {
        Outcome::DoesNotHold
    } else if states.iter().any(|(l, _)| *l == Tri::Maybe) {
        Outcome::CannotTell
    } else {
        Outcome::Holds
    };
    check(Cause::NotLogging, result, evidence)
}

fn not_selected(w: &Walk) -> Option<Check> {
    if w.logging.is_empty() {
        return None;
    }
    let (q, c) = (w.q, w.c);
    let sel: Vec<(Tri, String)> = w
        .logging
        .iter()
        .map(|t| match &t.selectors {
            Fact::Collected { value } => {
                let r = selects(value, &w.e);
                let why = match r {
                    Tri::Yes => format!("{} selects it", t.name),
                    Tri::No => format!("{} does not select it ({})", t.name, describe_miss(c)),
                    Tri::Maybe => format!(
                        "{} selects it only for some resources or principals{}",
                        t.name,
                        if q.resource.is_none() && c.category == EventKind::Data {
                            "; give --resource to decide"
                        } else {
                            ""
                        }
                    ),
                };
                (r, why)
            }
            other => (
                Tri::Maybe,
                format!(
                    "selectors of {} unknown: {}",
                    t.name,
                    other.unknown_reason().unwrap_or_default()
                ),
            ),
        })
        .collect();
    let result = if sel.iter().any(|(r, _)| *r == Tri::Yes) {
        Outcome::DoesNotHold
    } else if sel.iter().any(|(r, _)| *r == Tri::Maybe) {
        Outcome::CannotTell
    } else {
        Outcome::Holds
    };
    check(
        Cause::NotSelected,
        result,
        sel.into_iter()
            .map(|(_, w)| w)
            .collect::<Vec<_>>()
            .join("; "),
    )
}

fn wrong_region(w: &Walk) -> Option<Check> {
    let (q, c) = (w.q, w.c);
    match &q.region {
        Some(r) if *r != c.record_region => check(
            Cause::WrongRegion,
            Outcome::Holds,
            format!(
                "{} is a global service event, recorded in {} only; it will never be found in {r}",
                q.event_name, c.record_region
            ),
        ),
        _ => check(
            Cause::WrongRegion,
            Outcome::DoesNotHold,
            format!("the event is recorded in {}", c.record_region),
        ),
    }
}

fn too_recent(w: &Walk) -> Option<Check> {
    let q = w.q;
    let fresh_org_trail = w.trails.iter().find(|t| {
        t.is_organization_trail
            && t.status
                .value()
                .and_then(|s| s.start_logging_time)
                .is_some_and(|start| q.time - start < Duration::hours(24) && q.time >= start)
    });
    if w.age < Duration::minutes(15) {
        check(
            Cause::TooRecent,
            Outcome::Holds,
            format!(
                "the event is {} minutes old; delivery takes about 5 and up to 15 minutes",
                w.age.num_minutes().max(0)
            ),
        )
    } else if let Some(t) = fresh_org_trail {
        check(Cause::TooRecent, Outcome::Holds, format!("organization trail {} started logging less than 24 hours before the event; it can take 24 hours to reach every account", t.name))
    } else {
        check(
            Cause::TooRecent,
            Outcome::DoesNotHold,
            format!("the event is {} hours old", w.age.num_hours()),
        )
    }
}

fn delivery_failing(w: &Walk) -> Option<Check> {
    let t = w.target?;
    let (result, why) = match trail_health(w.s, t, &w.q.account) {
        Health::Recording => (
            Outcome::DoesNotHold,
            format!("{} reports no delivery error", t.name),
        ),
        Health::NotRecording(why) if why.contains("not logging") => (Outcome::DoesNotHold, why),
        Health::NotRecording(why) => (Outcome::Holds, why),
        Health::Unknown(why) => (Outcome::CannotTell, why),
    };
    check(Cause::DeliveryFailing, result, why)
}

/// The lifecycle rules that touch the log prefix, or why they are unknown.
fn lifecycle<'a>(
    w: &'a Walk,
) -> Option<Result<(&'a Bucket, Vec<&'a trailaudit_model::LifecycleRule>), String>> {
    w.target?;
    let b = w.bucket?;
    let prefix = w.locs.first().cloned().unwrap_or_default();
    Some(match &b.lifecycle_rules {
        Fact::Collected { value } => Ok((b, rules_touching(value, &prefix))),
        other => Err(format!(
            "lifecycle of {} unknown: {}",
            b.name,
            other.unknown_reason().unwrap_or_default()
        )),
    })
}

fn expired(w: &Walk) -> Option<Check> {
    let (b, rules) = match lifecycle(w)? {
        Ok(x) => x,
        Err(why) => return check(Cause::Expired, Outcome::CannotTell, why),
    };
    let age = w.age;
    let hit = rules.iter().find_map(|r| {
        let id = r.id.as_deref().unwrap_or("(no id)");
        let by_days = r
            .expiration_days
            .filter(|d| age > Duration::days(i64::from(*d)))
            .map(|d| {
                format!(
                    "rule {id} deletes log files after {d} days; the event is {} days old",
                    age.num_days()
                )
            });
        let by_date = r
            .expiration_date
            .filter(|d| *d < w.q.now)
            .map(|d| format!("rule {id} deleted log files on {}", d.date_naive()));
        by_days.or(by_date)
    });
    match hit {
        Some(why) => check(Cause::Expired, Outcome::Holds, why),
        None => check(
            Cause::Expired,
            Outcome::DoesNotHold,
            format!(
                "no lifecycle rule of {} deletes log files of this age",
                b.name
            ),
        ),
    }
}

fn archived(w: &Walk) -> Option<Check> {
    let (_, rules) = match lifecycle(w)? {
        Ok(x) => x,
        Err(why) => return check(Cause::Archived, Outcome::CannotTell, why),
    };
    let age = w.age;
    let hit = rules.iter().find_map(|r| {
        r.transitions
            .iter()
            .find(|tr| {
                needs_restore(&tr.storage_class)
                    && tr.days.is_some_and(|d| age > Duration::days(i64::from(d)))
            })
            .map(|tr| {
                format!(
                    "rule {} moved log files older than {} days to {}: restore needed to read them",
                    r.id.as_deref().unwrap_or("(no id)"),
                    tr.days.unwrap_or(0),
                    tr.storage_class
                )
            })
    });
    match hit {
        Some(why) => check(Cause::Archived, Outcome::Holds, why),
        None => check(
            Cause::Archived,
            Outcome::DoesNotHold,
            "not moved to Glacier-class storage".into(),
        ),
    }
}

fn other_account_bucket(w: &Walk) -> Option<Check> {
    let t = w.target?;
    let q = w.q;
    let (owner, other) = w.owner_and_other();
    let bucket_name = t.s3_bucket_name.clone().unwrap_or_default();
    let denied = matches!(&w.probes.account_listing, Fact::Failed { error } if error.kind == ErrorKind::AccessDenied);
    let (result, evidence) = match (&w.probes.account_listing, other) {
        (_, Tri::Yes) if denied => (Outcome::Holds, format!(
            "the logs are in bucket {bucket_name} of account {owner}; account {} cannot list them (members cannot read organization trail logs by default)", q.account
        )),
        (Fact::Collected { .. }, Tri::Yes) => (Outcome::DoesNotHold, format!("the logs are in bucket {bucket_name} of account {owner}, and account {} can list them", q.account)),
        (probe, Tri::Yes) => (Outcome::CannotTell, format!(
            "the logs are in bucket {bucket_name} of account {owner}; whether account {} can read them was not probed: {}",
            q.account,
            probe.unknown_reason().unwrap_or_default()
        )),
        (_, Tri::No) => (Outcome::DoesNotHold, format!("the logs are in the account's own bucket {bucket_name}")),
        (_, Tri::Maybe) => (Outcome::CannotTell, format!("the owner of bucket {bucket_name} is {owner}")),
    };
    check(Cause::OtherAccountBucket, result, evidence)
}

fn access_denied(w: &Walk) -> Option<Check> {
    let t = w.target?;
    let (_, other) = w.owner_and_other();
    let bucket_name = t.s3_bucket_name.clone().unwrap_or_default();
    let (result, evidence) = match &w.probes.account_listing {
        Fact::Failed { error } if other == Tri::No && error.kind == ErrorKind::AccessDenied => (
            Outcome::Holds,
            format!(
                "listing s3://{bucket_name}/{} is denied: {}",
                w.locs.first().cloned().unwrap_or_default(),
                error.message
            ),
        ),
        Fact::Collected { .. } => (Outcome::DoesNotHold, "the prefix can be listed".into()),
        Fact::Failed { .. } if other == Tri::Yes => {
            (Outcome::DoesNotHold, "see other_account_bucket".into())
        }
        probe => (
            Outcome::CannotTell,
            probe.unknown_reason().unwrap_or_default(),
        ),
    };
    check(Cause::AccessDenied, result, evidence)
}

fn found(w: &Walk) -> Option<Check> {
    match &w.probes.record_key {
        Fact::Collected { value: Some(k) } => check(
            Cause::Found,
            Outcome::Holds,
            format!(
                "s3://{}/{k} holds the event",
                w.bucket_name().unwrap_or_default()
            ),
        ),
        Fact::Collected { value: None } => check(
            Cause::Found,
            Outcome::DoesNotHold,
            "no log file delivered in the 30 minutes after the event holds it".into(),
        ),
        other => check(
            Cause::Found,
            Outcome::CannotTell,
            other.unknown_reason().unwrap_or_default(),
        ),
    }
}

fn no_fix(_: &Walk) -> Vec<String> {
    vec![]
}

fn fix_no_trail(_: &Walk) -> Vec<String> {
    vec![
        "aws cloudtrail create-trail --name org-trail --s3-bucket-name LOG_BUCKET --is-multi-region-trail --include-global-service-events --enable-log-file-validation".into(),
        "aws cloudtrail start-logging --name org-trail".into(),
    ]
}

fn fix_event_data_store(w: &Walk) -> Vec<String> {
    let store = w
        .srcs
        .sources
        .iter()
        .find(|x| matches!(x.kind, Kind::Store(_)) && w.answer.by.iter().any(|b| b == x.arn))
        .map(|x| x.arn.to_string())
        .unwrap_or_else(|| "EVENT_DATA_STORE_ARN".into());
    let id = store.rsplit('/').next().unwrap_or(&store).to_string();
    vec![format!(
        "aws cloudtrail start-query --region {} --query-statement \"SELECT eventTime, eventName, recipientAccountId FROM {id} WHERE eventName = '{}' AND eventTime > '{}' AND eventTime < '{}'\"",
        w.srcs
            .sources
            .iter()
            .find_map(|x| match x.kind {
                Kind::Store(e) if e.arn == store => Some(e.region.clone()),
                _ => None,
            })
            .unwrap_or_else(|| w.c.record_region.clone()),
        w.q.event_name,
        (w.q.time - Duration::minutes(5)).format("%Y-%m-%d %H:%M:%S"),
        (w.q.time + Duration::minutes(5)).format("%Y-%m-%d %H:%M:%S"),
    )]
}

fn fix_not_logging(w: &Walk) -> Vec<String> {
    // Logging now (it started after the event): nothing to start; only the
    // event history can still have a management event.
    if w.target
        .and_then(|t| t.status.value())
        .is_some_and(|st| st.is_logging)
    {
        return vec![];
    }
    vec![format!(
        "aws cloudtrail start-logging --name {} --region {}",
        w.trail_arn(),
        w.home()
    )]
}

fn fix_not_selected(w: &Walk) -> Vec<String> {
    let (trail, home) = (w.trail_arn(), w.home());
    if w.c.category == EventKind::NetworkActivity {
        return vec![format!(
            "aws cloudtrail put-event-selectors --trail-name {trail} --region {home} --advanced-event-selectors '[{{\"Name\":\"network\",\"FieldSelectors\":[{{\"Field\":\"eventCategory\",\"Equals\":[\"NetworkActivity\"]}},{{\"Field\":\"eventSource\",\"Equals\":[\"{}\"]}}]}},{{\"Name\":\"management\",\"FieldSelectors\":[{{\"Field\":\"eventCategory\",\"Equals\":[\"Management\"]}}]}}]'",
            w.c.event_source.as_deref().unwrap_or("SERVICE.amazonaws.com")
        )];
    }
    if w.c.category == EventKind::Data {
        vec![format!(
            "aws cloudtrail put-event-selectors --trail-name {trail} --region {home} --advanced-event-selectors '[{{\"Name\":\"data\",\"FieldSelectors\":[{{\"Field\":\"eventCategory\",\"Equals\":[\"Data\"]}},{{\"Field\":\"resources.type\",\"Equals\":[\"{}\"]}}]}},{{\"Name\":\"management\",\"FieldSelectors\":[{{\"Field\":\"eventCategory\",\"Equals\":[\"Management\"]}}]}}]'",
            w.c.resource_type.as_deref().unwrap_or("AWS::S3::Object")
        )]
    } else {
        vec![format!("aws cloudtrail put-event-selectors --trail-name {trail} --region {home} --event-selectors '[{{\"ReadWriteType\":\"All\",\"IncludeManagementEvents\":true}}]'")]
    }
}

fn fix_too_recent(_: &Walk) -> Vec<String> {
    vec!["# wait: delivery takes about 5 and up to 15 minutes".into()]
}

fn fix_delivery(w: &Walk) -> Vec<String> {
    let bucket = w.bucket_or_placeholder();
    let mut out = vec![
        format!(
            "aws cloudtrail get-trail-status --name {} --region {}",
            w.trail_arn(),
            w.home()
        ),
        format!("aws s3api get-bucket-policy --bucket {bucket}"),
    ];
    // What the delivery verdict names, with the commands that show it.
    let why = match w.target.map(|t| trail_health(w.s, t, &w.q.account)) {
        Some(Health::NotRecording(why) | Health::Unknown(why)) => why,
        _ => String::new(),
    };
    if why.contains("resource control policies") {
        let owner = w
            .bucket
            .and_then(|b| b.owner_account_id())
            .unwrap_or("ACCOUNT_OR_OU");
        out.push(format!("aws organizations list-policies-for-target --target-id {owner} --filter RESOURCE_CONTROL_POLICY  # and each OU above it"));
        out.push("aws organizations describe-policy --policy-id p-...  # exempt AWS services: BoolIfExists aws:PrincipalIsAWSService = false".into());
    }
    if why.contains("Requester Pays") {
        out.push(format!("aws s3api put-bucket-request-payment --bucket {bucket} --request-payment-configuration Payer=BucketOwner"));
    }
    if why.contains("default encryption") {
        out.push(format!("aws s3api get-bucket-encryption --bucket {bucket}"));
        out.push("aws kms get-key-policy --key-id KEY --policy-name default  # allow cloudtrail.amazonaws.com kms:GenerateDataKey*".into());
    }
    out
}

fn fix_lifecycle(w: &Walk) -> Vec<String> {
    vec![format!(
        "aws s3api get-bucket-lifecycle-configuration --bucket {}",
        w.bucket_or_placeholder()
    )]
}

fn fix_read(w: &Walk) -> Vec<String> {
    vec![format!(
        "aws s3api get-bucket-policy --bucket {}  # grant the reader s3:GetObject on the prefix",
        w.bucket_or_placeholder()
    )]
}

fn describe_miss(c: &Classification) -> String {
    if c.category == EventKind::NetworkActivity {
        format!(
            "network activity events of {} are not selected",
            c.event_source.as_deref().unwrap_or("?")
        )
    } else if c.category == EventKind::Data {
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
