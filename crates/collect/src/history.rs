//! Who changed coverage: the planned `cloudtrail:LookupEvents` queries
//! ([`trailaudit_model::History`]), each in the account and region where
//! the change is recorded, with that account's credentials (assumed once
//! per run). A query reads the event name's events newest first, 50 a
//! page, until every resource it asks about has a change or the history
//! ends (at most [`PAGE_CAP`] pages). At most [`LOOKUPS_PER_SECOND`]
//! requests per second per account-region (AWS's quota for LookupEvents,
//! spaced 550 ms), and a throttled request
//! is retried with exponential backoff (jittered) up to [`THROTTLE_RETRIES`]
//! times, counted in the history; past that, or on any other error, the
//! query is unreadable and recorded (an AccessDenied is a permission gap).

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures::StreamExt;
use serde_json::Value;
use trailaudit_model::{
    Change, ErrorInfo, ErrorKind, History, HistoryAnswer, HistoryQuery, CHANGES_KEPT,
};

use crate::aws::{self, RateBound};
use crate::run::Run;

/// Pages of 50 events read at most per query (500 events of one name in
/// one account-region: far more changes of a trail, bucket or key setting
/// than 90 days hold).
pub const PAGE_CAP: u32 = 10;
/// Retries of a throttled request before the query is given up as unreadable.
pub const THROTTLE_RETRIES: u32 = 8;
/// Retries of a request that failed in transit (timeout, dropped
/// connection, 5xx), as the SDK's standard mode would (3 attempts).
pub const TRANSIENT_RETRIES: u32 = 2;
/// LookupEvents requests per second per account-region (AWS's quota).
pub const LOOKUPS_PER_SECOND: u32 = 2;
/// The spacing of the requests to one account-region: a tenth over the
/// quota's 500 ms, so the scheduler's jitter does not put three requests in
/// one second (measured on the fake transport, which keeps AWS's quota:
/// 44 throttled retries of 649 requests at exactly 500 ms).
const LOOKUP_INTERVAL: Duration = Duration::from_millis(550);

struct Counters {
    lookups: AtomicU32,
    throttled: AtomicU32,
}

/// Answers every query of the plan.
pub(crate) async fn look_up(run: &Run<'_>, mut history: History) -> History {
    let started = Instant::now();
    let rate = RateBound::every(LOOKUP_INTERVAL);
    let counters = Counters {
        lookups: AtomicU32::new(0),
        throttled: AtomicU32::new(0),
    };
    let oldest = history.oldest;
    run.reporter.phase("history", history.queries.len());
    let queries = std::mem::take(&mut history.queries);
    history.queries = {
        let (rate, counters) = (&rate, &counters);
        futures::stream::iter(queries)
            .map(|mut q| async move {
                if !run.cancel.is_cancelled() {
                    q.answer = one(run, rate, counters, &q, oldest).await;
                }
                run.reporter.step("history");
                q
            })
            .buffered(run.opts.concurrency.max(1))
            .collect()
            .await
    };
    history.lookups = counters.lookups.load(Ordering::Relaxed);
    history.throttled = counters.throttled.load(Ordering::Relaxed);
    history.seconds = started.elapsed().as_secs_f64();
    history
}

/// The backoff before retry `attempt` (1-based): 0.5 s doubling, capped at
/// 8 s, with up to a quarter of jitter.
fn backoff(attempt: u32) -> Duration {
    let base = Duration::from_millis(500) * 2u32.pow(attempt.saturating_sub(1).min(4));
    let jitter = base.as_millis() as u64 * u64::from(rand_percent()) / 400;
    base + Duration::from_millis(jitter)
}

/// A number in 0..100 from the clock (jitter only; no randomness crate).
fn rand_percent() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() % 100)
        .unwrap_or(0)
}

async fn one(
    run: &Run<'_>,
    rate: &RateBound,
    counters: &Counters,
    q: &HistoryQuery,
    oldest: DateTime<Utc>,
) -> HistoryAnswer {
    use aws_sdk_cloudtrail::types::{LookupAttribute, LookupAttributeKey};
    let Some(cfg) = run.config_or_assume(&q.account_id).await else {
        return HistoryAnswer::Unreadable {
            error: ErrorInfo {
                kind: ErrorKind::RoleNotAssumable,
                operation: "sts:AssumeRole".into(),
                code: None,
                message: format!(
                    "no credentials for account {} to read its event history",
                    q.account_id
                ),
            },
        };
    };
    // Retries are this loop's (throttling counted apart), not the SDK's.
    let client = {
        let conf = aws_sdk_cloudtrail::config::Builder::from(&run.regional(&cfg, &q.region))
            .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(1))
            .interceptor(run.guard.interceptor())
            .build();
        aws_sdk_cloudtrail::Client::from_conf(conf)
    };
    let attribute = LookupAttribute::builder()
        .attribute_key(LookupAttributeKey::EventName)
        .attribute_value(&q.event_name)
        .build()
        .expect("key and value set");
    let mut token: Option<String> = None;
    let mut changes: Vec<Change> = Vec::new();
    let mut events_read = 0u32;
    for _page in 0..PAGE_CAP {
        let (mut throttles, mut transients) = (0, 0);
        let resp = loop {
            rate.wait(&q.account_id, &q.region).await;
            let sent = {
                let _p = run.permit().await;
                counters.lookups.fetch_add(1, Ordering::Relaxed);
                aws::offload(
                    client
                        .lookup_events()
                        .lookup_attributes(attribute.clone())
                        .start_time(aws_smithy_types::DateTime::from_secs(oldest.timestamp()))
                        .max_results(50)
                        .set_next_token(token.clone())
                        .send(),
                )
                .await
            };
            match sent {
                Ok(r) => break r,
                Err(e) => {
                    let info = aws::classify("cloudtrail:LookupEvents", &e);
                    if info.kind == ErrorKind::Throttled && throttles < THROTTLE_RETRIES {
                        throttles += 1;
                        counters.throttled.fetch_add(1, Ordering::Relaxed);
                        tokio::time::sleep(backoff(throttles)).await;
                        continue;
                    }
                    use aws_smithy_runtime_api::client::result::SdkError;
                    let transient = matches!(info.kind, ErrorKind::Timeout | ErrorKind::Network)
                        || matches!(e, SdkError::DispatchFailure(_) | SdkError::TimeoutError(_))
                        || e.raw_response()
                            .is_some_and(|r| r.status().is_server_error());
                    if transient && transients < TRANSIENT_RETRIES {
                        transients += 1;
                        tokio::time::sleep(backoff(transients)).await;
                        continue;
                    }
                    run.record(
                        Some(&q.account_id),
                        Some(&q.region),
                        Some(&q.event_name),
                        &info,
                    );
                    return HistoryAnswer::Unreadable { error: info };
                }
            }
        };
        for e in resp.events() {
            events_read += 1;
            let Some(raw) = e.cloud_trail_event() else {
                continue;
            };
            let names: Vec<&str> = e
                .resources()
                .iter()
                .filter_map(|r| r.resource_name())
                .collect();
            for c in changes_in(raw, &names, q) {
                if changes.iter().filter(|k| k.resource == c.resource).count() < CHANGES_KEPT {
                    changes.push(c);
                }
            }
        }
        token = resp.next_token().map(str::to_string);
        let all_found = q
            .resources
            .iter()
            .all(|r| changes.iter().any(|c| &c.resource == r));
        if token.is_none() || all_found {
            break;
        }
    }
    changes.sort_by_key(|c| std::cmp::Reverse(c.event_time));
    HistoryAnswer::Read {
        changes,
        complete: token.is_none(),
        events_read,
    }
}

/// The changes one event (CloudTrail's JSON record) makes to the query's
/// resources; none for a failed call (`errorCode`).
pub fn changes_in(raw: &str, resource_names: &[&str], q: &HistoryQuery) -> Vec<Change> {
    let Ok(ev) = serde_json::from_str::<Value>(raw) else {
        return vec![];
    };
    if ev.get("errorCode").is_some_and(|c| !c.is_null()) {
        return vec![];
    }
    let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let Some(time) = s(&ev, "eventTime").and_then(|t| t.parse::<DateTime<Utc>>().ok()) else {
        return vec![];
    };
    let params = ev.get("requestParameters").cloned().unwrap_or(Value::Null);
    let mut named: Vec<String> = resource_names.iter().map(|n| n.to_string()).collect();
    for k in [
        "name",
        "trailName",
        "bucketName",
        "keyId",
        "logGroupName",
        "policyId",
        "targetId",
        "servicePrincipal",
    ] {
        if let Some(v) = s(&params, k) {
            named.push(v);
        }
    }
    if let Some(rs) = ev.get("resources").and_then(Value::as_array) {
        named.extend(rs.iter().filter_map(|r| s(r, "ARN")));
    }
    let who = ev.get("userIdentity").cloned().unwrap_or(Value::Null);
    let issuer = who
        .get("sessionContext")
        .and_then(|c| c.get("sessionIssuer"))
        .cloned()
        .unwrap_or(Value::Null);
    let principal_arn = s(&who, "arn").unwrap_or_else(|| {
        s(&who, "invokedBy")
            .or_else(|| s(&who, "type"))
            .unwrap_or_else(|| "(unknown principal)".into())
    });
    let session = principal_arn
        .split_once(":assumed-role/")
        .and_then(|(_, rest)| rest.split_once('/'))
        .map(|(_, session)| session.to_string());
    let detail = detail(&q.event_name, &params);
    q.resources
        .iter()
        .filter(|r| r.is_empty() || named.iter().any(|n| same_resource(r, n)))
        .map(|r| Change {
            event_id: s(&ev, "eventID").unwrap_or_default(),
            event_name: q.event_name.clone(),
            event_time: time,
            account_id: q.account_id.clone(),
            region: q.region.clone(),
            resource: r.clone(),
            principal_arn: principal_arn.clone(),
            role_arn: s(&issuer, "arn").filter(|_| session.is_some()),
            session: session.clone(),
            source_ip: s(&ev, "sourceIPAddress"),
            user_agent: s(&ev, "userAgent"),
            detail: detail.clone(),
        })
        .collect()
}

/// Whether a resource as the snapshot names it (`wanted`) is the one an
/// event names (`named`): equal, or one the ARN of the other (a trail's
/// name and ARN, a key's id and ARN, a bucket's name and ARN).
pub fn same_resource(wanted: &str, named: &str) -> bool {
    if named.is_empty() {
        return false;
    }
    let tail = |arn: &str, short: &str| {
        arn.starts_with("arn:")
            && (arn.ends_with(&format!("/{short}")) || arn.ends_with(&format!(":{short}")))
    };
    wanted == named || tail(wanted, named) || tail(named, wanted)
}

/// The part of the request that mattered, in a few words.
pub fn detail(event_name: &str, params: &Value) -> Option<String> {
    match event_name {
        "PutBucketLifecycle" => {
            let mut days = Vec::new();
            collect_numbers(params, "Expiration", "Days", &mut days);
            let mut noncurrent = Vec::new();
            collect_numbers(
                params,
                "NoncurrentVersionExpiration",
                "NoncurrentDays",
                &mut noncurrent,
            );
            let mut parts: Vec<String> = days
                .iter()
                .map(|d| format!("expiration after {d} days"))
                .collect();
            parts.extend(
                noncurrent
                    .iter()
                    .map(|d| format!("noncurrent versions expire after {d} days")),
            );
            (!parts.is_empty()).then(|| parts.join(", "))
        }
        _ => {
            // Every scalar parameter but the resource's name, `k=v`.
            let obj = params.as_object()?;
            let skip = [
                "name",
                "trailName",
                "bucketName",
                "Host",
                "keyId",
                "logGroupName",
            ];
            let mut parts: Vec<String> = obj
                .iter()
                .filter(|(k, _)| !skip.contains(&k.as_str()))
                .filter_map(|(k, v)| match v {
                    Value::String(s) if !s.is_empty() => Some(format!("{k}={s}")),
                    Value::Number(n) => Some(format!("{k}={n}")),
                    Value::Bool(b) => Some(format!("{k}={b}")),
                    Value::Array(a) => Some(format!(
                        "{k}: {} entr{}",
                        a.len(),
                        if a.len() == 1 { "y" } else { "ies" }
                    )),
                    Value::Object(o) if !o.is_empty() => Some(format!("{k}: {}", flat(v))),
                    _ => None,
                })
                .collect();
            parts.sort();
            let text = parts.join(", ");
            (!text.is_empty()).then(|| cut(&text, 200))
        }
    }
}

/// A nested object's scalars, `a.b=v`, for short settings (public access
/// block, encryption, request payment).
fn flat(v: &Value) -> String {
    let mut out = Vec::new();
    fn walk(v: &Value, path: &str, out: &mut Vec<String>) {
        match v {
            Value::Object(o) => {
                for (k, x) in o {
                    if k == "xmlns" {
                        continue;
                    }
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    walk(x, &p, out);
                }
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, path, out)),
            Value::Null => {}
            Value::String(s) => out.push(format!("{path}={s}")),
            other => out.push(format!("{path}={other}")),
        }
    }
    walk(v, "", &mut out);
    out.join(", ")
}

fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}...", s.chars().take(n).collect::<String>())
    }
}

/// Every number (or numeric string) at `field` inside any `container`.
fn collect_numbers(v: &Value, container: &str, field: &str, out: &mut Vec<i64>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                if k == container {
                    if let Some(n) = x
                        .get(field)
                        .and_then(|n| n.as_i64().or_else(|| n.as_str()?.parse().ok()))
                    {
                        if !out.contains(&n) {
                            out.push(n);
                        }
                    }
                }
                collect_numbers(x, container, field, out);
            }
        }
        Value::Array(a) => a
            .iter()
            .for_each(|x| collect_numbers(x, container, field, out)),
        _ => {}
    }
}

#[cfg(test)]
#[path = "history/tests.rs"]
mod tests;
