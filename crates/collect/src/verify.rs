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
    let found: Vec<(usize, VerifyOutcome, Reads)> = {
        let v = &v;
        futures::stream::iter(
            footprints
                .iter()
                .enumerate()
                .filter_map(|(i, f)| f.as_ref().map(|f| (i, f)))
                .map(|(i, f)| async move {
                    let c = &v.cells[i];
                    let (outcome, reads) = if run.cancel.is_cancelled() {
                        (
                            VerifyOutcome::Failed {
                                error: Box::new(ErrorInfo {
                                    kind: ErrorKind::Interrupted,
                                    operation: "s3:ListBucket".into(),
                                    code: None,
                                    message: "interrupted before the archive was read".into(),
                                }),
                            },
                            Reads::default(),
                        )
                    } else {
                        match v.destination(c) {
                            Some(d) => one(run, v, d, c, f).await,
                            None => (VerifyOutcome::NotSampled, Reads::default()),
                        }
                    };
                    run.reporter.step("footprints");
                    (i, outcome, reads)
                }),
        )
        .buffered(run.opts.concurrency.max(1))
        .collect()
        .await
    };
    for (i, outcome, r) in found {
        let c = &mut v.cells[i];
        (c.outcome, c.lists, c.gets, c.digests) = (outcome, r.lists, r.gets, r.digests);
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

/// The reads one account-region took.
#[derive(Debug, Clone, Copy, Default)]
struct Reads {
    lists: u32,
    gets: u32,
    digests: u32,
}

/// One account-region: the outcome and the reads it took. Where digest
/// files cover the footprint's hour, only the log files whose event-time
/// window holds it are opened ([`by_digests`]); elsewhere the files
/// delivered in the hour after it are listed and opened in turn.
async fn one(
    run: &Run<'_>,
    v: &Verification,
    d: &VerifyDestination,
    c: &VerifiedCell,
    f: &Footprint,
) -> (VerifyOutcome, Reads) {
    let mut r = Reads::default();
    let out = one_reading(run, v, d, c, f, &mut r).await;
    (out, r)
}

async fn one_reading(
    run: &Run<'_>,
    v: &Verification,
    d: &VerifyDestination,
    c: &VerifiedCell,
    f: &Footprint,
    reads: &mut Reads,
) -> VerifyOutcome {
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
        return outcome;
    };
    let s3 = run.s3(&cfg, &d.bucket_region);
    if let Some(outcome) = by_digests(run, &s3, v, d, c, f, reads).await {
        return outcome;
    }
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
            reads.lists += 1;
            let page = match resp {
                Ok(p) => p,
                Err(e) => {
                    let info = aws::classify("s3:ListBucket", &e);
                    return failure(run, d, c, &d.bucket, info);
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
        reads.gets += 1;
        match read_records(run, &s3, &d.bucket, key).await {
            Ok(records) => {
                if records.iter().any(|r| matches(r, c, f, principal)) {
                    let file = key.strip_prefix(&prefix).unwrap_or(key).to_string();
                    return VerifyOutcome::Verified { file };
                }
            }
            Err(info) => return failure(run, d, c, key, info),
        }
    }
    VerifyOutcome::NotFound { listed, opened }
}

/// Digest files read at most per account-region to find the footprint's
/// log file: the hour after it, and the next (a late delivery).
const DIGESTS_READ_CAP: usize = 3;

/// The footprint found through the digests that cover its hour: each lists
/// the log files delivered in its hour with the oldest and newest event
/// they hold, so only those whose window holds the footprint are opened
/// (one to three files, whatever the account-region's load). `None` when no
/// digest covers the hour after the footprint (validation off, digests not
/// readable): the caller then searches the log files themselves. Digests
/// are not verified here (`audit verify --integrity` does that): a wrong
/// digest can only make the search open the wrong files, and then the
/// footprint is `not_found`, never verified.
async fn by_digests(
    run: &Run<'_>,
    s3: &aws_sdk_s3::Client,
    v: &Verification,
    d: &VerifyDestination,
    c: &VerifiedCell,
    f: &Footprint,
    reads: &mut Reads,
) -> Option<VerifyOutcome> {
    let trail = trailaudit_model::Trail::from_arn(&d.trail_arn)?;
    let root = format!("{}{}/CloudTrail-Digest/{}/", d.root, c.account_id, c.region);
    let stem = format!(
        "{}_CloudTrail-Digest_{}_{}_{}_",
        c.account_id, c.region, trail.name, trail.home_region
    );
    let until = f.answered_at + Duration::minutes(DELIVERY_WINDOW_MINUTES) + Duration::hours(1);
    let mut keys: Vec<String> = Vec::new();
    for day in trailaudit_model::day_prefixes(
        &root,
        f.sent_at,
        until - Duration::minutes(DELIVERY_WINDOW_MINUTES),
    ) {
        if keys.len() >= DIGESTS_READ_CAP {
            break;
        }
        let start_after = format!("{day}{stem}{}", f.sent_at.format("%Y%m%dT%H%M%SZ"));
        let page = {
            let _p = run.permit().await;
            s3.list_objects_v2()
                .bucket(&d.bucket)
                .prefix(&day)
                .start_after(&start_after)
                .max_keys(20)
                .send()
                .await
        };
        reads.lists += 1;
        let page = page.ok()?;
        for k in page.contents().iter().filter_map(|o| o.key()) {
            if !k.contains(&stem) || k.ends_with("_backfill.json.gz") {
                continue;
            }
            match crate::integrity::key_time(k) {
                Some(at) if at > f.sent_at && at <= until && keys.len() < DIGESTS_READ_CAP => {
                    keys.push(k.to_string())
                }
                _ => {}
            }
        }
    }
    if keys.is_empty() {
        return None;
    }
    let prefix = v.prefix(c);
    let principal = v.principal(c);
    let (mut listed, mut opened) = (0u32, 0u32);
    let mut newest_end = None;
    let mut tried: Vec<String> = Vec::new();
    for key in &keys {
        let obj = {
            let _p = run.permit().await;
            s3.get_object().bucket(&d.bucket).key(key).send().await
        };
        reads.digests += 1;
        let body = obj.ok()?.body.collect().await.ok()?.into_bytes();
        let mut inflated = Vec::new();
        flate2::read::GzDecoder::new(&body[..])
            .read_to_end(&mut inflated)
            .ok()?;
        let digest = crate::digest::parse(key, &inflated, None, None).ok()?;
        newest_end = Some(digest.end);
        let slack = Duration::seconds(1);
        let candidates: Vec<&crate::digest::ListedLog> = digest
            .logs
            .iter()
            .filter(|l| {
                l.oldest.is_none_or(|o| o - slack <= f.answered_at)
                    && l.newest.is_none_or(|n| n + slack >= f.sent_at)
                    && !tried.contains(&l.key)
            })
            .collect();
        // Only these could hold it: the others' events are all before or
        // after it, so the search is complete (`listed` counts candidates).
        listed += candidates.len() as u32;
        for log in candidates {
            tried.push(log.key.clone());
            opened += 1;
            reads.gets += 1;
            match read_records(run, s3, &log.bucket, &log.key).await {
                Ok(records) => {
                    if records.iter().any(|r| matches(r, c, f, principal)) {
                        let file = log
                            .key
                            .strip_prefix(&prefix)
                            .unwrap_or(&log.key)
                            .to_string();
                        return Some(VerifyOutcome::Verified { file });
                    }
                }
                // Listed but gone: deleted after delivery (`audit verify
                // --integrity` reports it); the other candidates still count.
                Err(info) if info.code.as_deref() == Some("NoSuchKey") => {}
                Err(info) => return Some(failure(run, d, c, &log.key, info)),
            }
        }
    }
    // The digests cover the whole delivery window and list no file that
    // holds the footprint: it was not delivered.
    match newest_end {
        Some(end) if end >= f.answered_at + Duration::minutes(DELIVERY_WINDOW_MINUTES) => {
            Some(VerifyOutcome::NotFound { listed, opened })
        }
        _ => None,
    }
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
