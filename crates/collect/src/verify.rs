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
use chrono::{DateTime, Duration, DurationRound, Utc};
use futures::StreamExt;
use trailaudit_model::{
    ErrorInfo, ErrorKind, Footprint, Verification, VerifiedCell, VerifyDestination, VerifyOutcome,
    VerifyPlan, DELIVERY_WINDOW_MINUTES, FILES_OPENED_CAP,
};

use crate::run::Run;
use crate::{aws, convert};

/// Fills in `plan`'s verification: every cell with a footprint is looked
/// for (the others stay `not_sampled`).
pub(crate) async fn verify(run: &Run<'_>, plan: VerifyPlan) -> Verification {
    let VerifyPlan {
        verification: mut v,
        footprints,
    } = plan;
    run.reporter.phase(
        "footprints",
        footprints.iter().filter(|f| f.is_some()).count(),
    );
    let found: Vec<(usize, VerifyOutcome, u32, u32)> = {
        let v = &v;
        futures::stream::iter(
            footprints
                .iter()
                .enumerate()
                .filter_map(|(i, f)| f.as_ref().map(|f| (i, f)))
                .map(|(i, f)| async move {
                    let c = &v.cells[i];
                    let (outcome, lists, gets) = if run.cancel.is_cancelled() {
                        (
                            VerifyOutcome::Failed {
                                error: Box::new(ErrorInfo {
                                    kind: ErrorKind::Interrupted,
                                    operation: "s3:ListBucket".into(),
                                    code: None,
                                    message: "interrupted before the archive was read".into(),
                                }),
                            },
                            0,
                            0,
                        )
                    } else {
                        match v.destination(c) {
                            Some(d) => one(run, v, d, c, f).await,
                            None => (VerifyOutcome::NotSampled, 0, 0),
                        }
                    };
                    run.reporter.step("footprints");
                    (i, outcome, lists, gets)
                }),
        )
        .buffered(run.opts.concurrency.max(1))
        .collect()
        .await
    };
    for (i, outcome, lists, gets) in found {
        let c = &mut v.cells[i];
        (c.outcome, c.lists, c.gets) = (outcome, lists, gets);
    }
    v.checked_at = Utc::now();
    v
}

/// The credentials that read the archive: the bucket owner's (the log
/// archive account of a landing zone), else the account's own.
async fn reader(run: &Run<'_>, d: &VerifyDestination, account: &str) -> Option<SdkConfig> {
    if let Some(owner) = &d.bucket_owner {
        if let Some(cfg) = run.config_or_assume(owner).await {
            return Some(cfg);
        }
    }
    run.config_or_assume(account).await
}

/// One account-region: the outcome and the list and get calls it took.
async fn one(
    run: &Run<'_>,
    v: &Verification,
    d: &VerifyDestination,
    c: &VerifiedCell,
    f: &Footprint,
) -> (VerifyOutcome, u32, u32) {
    let (mut lists, mut gets) = (0, 0);
    let Some(cfg) = reader(run, d, &c.account_id).await else {
        let outcome = VerifyOutcome::Unreadable {
            error: Box::new(ErrorInfo {
                kind: ErrorKind::RoleNotAssumable,
                operation: "sts:AssumeRole".into(),
                code: None,
                message: format!(
                    "no credentials for the bucket owner {} or the account {}",
                    d.bucket_owner.as_deref().unwrap_or("(unknown)"),
                    c.account_id
                ),
            }),
        };
        return (outcome, lists, gets);
    };
    let s3 = run.s3(&cfg, &d.bucket_region);
    let prefix = v.prefix(c);
    let from = f.sent_at - Duration::minutes(1);
    let to = f.answered_at + Duration::minutes(DELIVERY_WINDOW_MINUTES);
    let mut keys: Vec<(DateTime<Utc>, String)> = Vec::new();
    for day in v.day_prefixes(c, f) {
        let start_after = format!(
            "{day}{}_CloudTrail_{}_{}",
            c.account_id,
            c.region,
            from.format("%Y%m%dT%H%MZ")
        );
        let mut token: Option<String> = None;
        loop {
            let resp = {
                let _p = run.permit().await;
                let mut req = s3
                    .list_objects_v2()
                    .bucket(&d.bucket)
                    .prefix(&day)
                    .start_after(&start_after);
                if let Some(tok) = &token {
                    req = req.continuation_token(tok);
                }
                req.send().await
            };
            lists += 1;
            let page = match resp {
                Ok(p) => p,
                Err(e) => {
                    let info = aws::classify("s3:ListBucket", &e);
                    return (failure(run, d, c, &d.bucket, info), lists, gets);
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
    // The minutes right after the footprint first (CloudTrail delivers a
    // few minutes after the call), in delivery order; then the files of the
    // footprint's own minute and the minute before (a delivery within the
    // minute, or clocks apart), which rarely hold it.
    let after = f
        .sent_at
        .duration_trunc(Duration::minutes(1))
        .unwrap_or(f.sent_at)
        + Duration::minutes(1);
    keys.sort_by(|a, b| (a.0 < after, a.0, &a.1).cmp(&(b.0 < after, b.0, &b.1)));
    let listed = keys.len() as u32;
    let mut opened = 0;
    let principal = v.principal(c);
    for (_, key) in keys.iter().take(FILES_OPENED_CAP as usize) {
        opened += 1;
        gets += 1;
        match read_records(run, &s3, &d.bucket, key).await {
            Ok(records) => {
                if records.iter().any(|r| matches(r, c, f, principal)) {
                    let file = key.strip_prefix(&prefix).unwrap_or(key).to_string();
                    return (VerifyOutcome::Verified { file }, lists, gets);
                }
            }
            Err(info) => return (failure(run, d, c, key, info), lists, gets),
        }
    }
    (VerifyOutcome::NotFound { listed, opened }, lists, gets)
}

/// A failed read: recorded as a collection error (an AccessDenied is then a
/// permission gap of the auditor) and kept as the cell's outcome.
fn failure(
    run: &Run<'_>,
    d: &VerifyDestination,
    c: &VerifiedCell,
    resource: &str,
    info: ErrorInfo,
) -> VerifyOutcome {
    let reader = d.bucket_owner.as_deref().unwrap_or(&c.account_id);
    run.record(Some(reader), Some(&d.bucket_region), Some(resource), &info);
    if info.kind == ErrorKind::AccessDenied {
        VerifyOutcome::Unreadable {
            error: Box::new(info),
        }
    } else {
        VerifyOutcome::Failed {
            error: Box::new(info),
        }
    }
}

/// The record of the footprint: same call, same principal, same region,
/// its time within the call (to the second), and its request id when both
/// sides have one.
fn matches(r: &serde_json::Value, c: &VerifiedCell, f: &Footprint, principal: &str) -> bool {
    let s = |k: &str| r.get(k).and_then(|v| v.as_str());
    if s("eventName") != Some(f.call.event_name())
        || s("eventSource") != Some(f.call.event_source())
        || s("awsRegion") != Some(c.region.as_str())
        || r.pointer("/userIdentity/arn").and_then(|v| v.as_str()) != Some(principal)
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
