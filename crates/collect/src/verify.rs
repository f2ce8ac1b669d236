//! Looks for an earlier run's footprints in the archive (`--verify-previous`,
//! `audit verify`): for each account-region the earlier run found covered,
//! list only the part of the day prefix delivered in the hour after the
//! footprint (`start-after` the footprint's minute, stop paging past the
//! window), open those log files in delivery order and stop at the record.
//! Cost per account-region: one `ListObjectsV2` page per day prefix
//! (usually one), and the files opened until the record is found (usually
//! the first).

use std::io::Read;

use aws_config::SdkConfig;
use chrono::{DateTime, Duration, Utc};
use futures::StreamExt;
use trailaudit_model::{
    ErrorInfo, ErrorKind, Verification, VerifiedCell, VerifyOutcome, VerifyTarget,
    DELIVERY_WINDOW_MINUTES,
};

use crate::{aws, convert, Run};

/// Verifies `targets` (`true`: look; `false`: left out by the sample).
pub(crate) async fn verify(
    run: &Run<'_>,
    targets: Vec<(VerifyTarget, bool)>,
    previous_started_at: DateTime<Utc>,
    sample: Option<usize>,
) -> Verification {
    let cells: Vec<VerifiedCell> =
        futures::stream::iter(targets.into_iter().map(|(t, look)| async move {
            if !look {
                return VerifiedCell {
                    target: t,
                    outcome: VerifyOutcome::NotSampled,
                    lists: 0,
                    gets: 0,
                };
            }
            if run.cancel.is_cancelled() {
                return VerifiedCell {
                    outcome: VerifyOutcome::Failed {
                        error: ErrorInfo {
                            kind: ErrorKind::Interrupted,
                            operation: "s3:ListBucket".into(),
                            code: None,
                            message: "interrupted before the archive was read".into(),
                        },
                    },
                    target: t,
                    lists: 0,
                    gets: 0,
                };
            }
            one(run, t).await
        }))
        .buffered(run.opts.concurrency.max(1))
        .collect()
        .await;
    Verification {
        previous_started_at,
        checked_at: Utc::now(),
        sample,
        cells,
    }
}

/// The credentials that read the archive: the bucket owner's (the log
/// archive account of a landing zone), else the account's own.
async fn reader(run: &Run<'_>, t: &VerifyTarget) -> Option<SdkConfig> {
    if let Some(owner) = &t.bucket_owner {
        if let Some(cfg) = run.config_or_assume(owner).await {
            return Some(cfg);
        }
    }
    run.config_or_assume(&t.account_id).await
}

async fn one(run: &Run<'_>, t: VerifyTarget) -> VerifiedCell {
    let mut cell = VerifiedCell {
        outcome: VerifyOutcome::NotFound {
            listed: 0,
            opened: 0,
        },
        target: t,
        lists: 0,
        gets: 0,
    };
    let Some(cfg) = reader(run, &cell.target).await else {
        cell.outcome = VerifyOutcome::Unreadable {
            error: ErrorInfo {
                kind: ErrorKind::RoleNotAssumable,
                operation: "sts:AssumeRole".into(),
                code: None,
                message: format!(
                    "no credentials for the bucket owner {} or the account {}",
                    cell.target.bucket_owner.as_deref().unwrap_or("(unknown)"),
                    cell.target.account_id
                ),
            },
        };
        return cell;
    };
    let s3 = run.s3(&cfg, &cell.target.bucket_region);
    let t = &cell.target;
    let from = t.footprint.sent_at - Duration::minutes(1);
    let to = t.footprint.answered_at + Duration::minutes(DELIVERY_WINDOW_MINUTES);
    let mut keys: Vec<(DateTime<Utc>, String)> = Vec::new();
    for day in t.day_prefixes() {
        let start_after = format!(
            "{day}{}_CloudTrail_{}_{}",
            t.account_id,
            t.region,
            from.format("%Y%m%dT%H%MZ")
        );
        let mut token: Option<String> = None;
        loop {
            let resp = {
                let _p = run.permit().await;
                let mut req = s3
                    .list_objects_v2()
                    .bucket(&t.bucket)
                    .prefix(&day)
                    .start_after(&start_after);
                if let Some(tok) = &token {
                    req = req.continuation_token(tok);
                }
                req.send().await
            };
            cell.lists += 1;
            let page = match resp {
                Ok(p) => p,
                Err(e) => {
                    let info = aws::classify("s3:ListBucket", &e);
                    cell.outcome = failure(run, t, &t.bucket, info);
                    return cell;
                }
            };
            let mut past = false;
            for k in page.contents().iter().filter_map(|o| o.key()) {
                if !k.ends_with(".json.gz") {
                    continue;
                }
                match convert::key_time(k) {
                    Some(at) if at > to => past = true,
                    Some(at) if at >= from => keys.push((at, k.to_string())),
                    _ => {}
                }
            }
            token = page.next_continuation_token().map(str::to_string);
            if past || token.is_none() || page.is_truncated() != Some(true) {
                break;
            }
        }
    }
    keys.sort();
    let listed = keys.len() as u32;
    let mut opened = 0;
    for (_, key) in &keys {
        opened += 1;
        cell.gets += 1;
        match read_records(run, &s3, &t.bucket, key).await {
            Ok(records) => {
                if records.iter().any(|r| matches(r, t)) {
                    cell.outcome = VerifyOutcome::Verified { key: key.clone() };
                    return cell;
                }
            }
            Err(info) => {
                cell.outcome = failure(run, t, key, info);
                return cell;
            }
        }
    }
    cell.outcome = VerifyOutcome::NotFound { listed, opened };
    cell
}

/// A failed read: recorded as a collection error (an AccessDenied is then a
/// permission gap of the auditor) and kept as the cell's outcome.
fn failure(run: &Run<'_>, t: &VerifyTarget, resource: &str, info: ErrorInfo) -> VerifyOutcome {
    let reader = t.bucket_owner.as_deref().unwrap_or(&t.account_id);
    run.record(Some(reader), Some(&t.bucket_region), Some(resource), &info);
    if info.kind == ErrorKind::AccessDenied {
        VerifyOutcome::Unreadable { error: info }
    } else {
        VerifyOutcome::Failed { error: info }
    }
}

/// The record of the footprint: same call, same principal, same region,
/// its time within the call (to the second), and its request id when both
/// sides have one.
fn matches(r: &serde_json::Value, t: &VerifyTarget) -> bool {
    let s = |k: &str| r.get(k).and_then(|v| v.as_str());
    let f = &t.footprint;
    if s("eventName") != Some(f.call.event_name())
        || s("eventSource") != Some(f.call.event_source())
        || s("awsRegion") != Some(t.region.as_str())
        || r.pointer("/userIdentity/arn").and_then(|v| v.as_str()) != Some(t.principal.as_str())
    {
        return false;
    }
    if let (Some(want), Some(got)) = (&f.request_id, s("requestID")) {
        return want == got;
    }
    s("eventTime")
        .and_then(|v| DateTime::parse_from_rfc3339(v).ok())
        .map(|at| at.with_timezone(&Utc))
        .is_some_and(|at| {
            at >= f.sent_at - Duration::seconds(1) && at <= f.answered_at + Duration::seconds(1)
        })
}

/// The `Records` of one gzip JSON log file.
pub(crate) async fn read_records(
    run: &Run<'_>,
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
) -> Result<Vec<serde_json::Value>, ErrorInfo> {
    let obj = {
        let _p = run.permit().await;
        s3.get_object().bucket(bucket).key(key).send().await
    };
    let body = match obj {
        Ok(o) => o.body.collect().await.map_err(|e| ErrorInfo {
            kind: ErrorKind::Network,
            operation: "s3:GetObject".into(),
            code: None,
            message: e.to_string(),
        })?,
        Err(e) => return Err(aws::classify("s3:GetObject", &e)),
    };
    let bytes = body.into_bytes();
    let mut text = String::new();
    if flate2::read::GzDecoder::new(&bytes[..])
        .read_to_string(&mut text)
        .is_err()
    {
        return Ok(vec![]);
    }
    Ok(serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|d| d.get("Records").and_then(|r| r.as_array()).cloned())
        .unwrap_or_default())
}
