//! `audit verify --integrity`: reads each planned account-region's digest
//! files over the window and judges them ([`crate::digest`]): listed day by
//! day (`ListObjectsV2` on `CloudTrail-Digest/REGION/YYYY/MM/DD/`), each read
//! once (`GetObject`, its signature from the object's metadata), CloudTrail's
//! public keys read once per region (`ListPublicKeys`), then every log file
//! a digest lists checked: present (`HeadObject`), or with `full` downloaded
//! and hashed. Reads use the bucket owner's credentials (else the
//! account's); a failed read makes the cell unknown and is recorded (an
//! AccessDenied is then a permission gap of the auditor).

use std::collections::HashMap;
use std::io::Read;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use futures::StreamExt;
use tokio::sync::Mutex;
use trailaudit_model::{
    ErrorInfo, ErrorKind, Integrity, IntegrityCell, IntegrityDepth, IntegrityPlan,
    IntegrityProblem, IntegrityTarget, IntegrityVerdict,
};

use crate::aws;
use crate::digest::{self, Digest, PublicKey, Unjudged};
use crate::run::Run;

/// Log files of one account-region checked at once.
const LOGS_IN_FLIGHT: usize = 8;

/// Public keys per region, read once.
type Keys = Mutex<HashMap<String, Result<Vec<PublicKey>, ErrorInfo>>>;

/// Fills in the plan's cells.
pub(crate) async fn check(run: &Run<'_>, plan: IntegrityPlan) -> Integrity {
    let IntegrityPlan {
        integrity: mut out,
        targets,
    } = plan;
    let keys: Keys = Mutex::new(HashMap::new());
    run.reporter
        .phase("digests", targets.iter().filter(|t| t.is_some()).count());
    let done: Vec<(usize, IntegrityCell)> = {
        let (out, keys) = (&out, &keys);
        futures::stream::iter(
            targets
                .iter()
                .enumerate()
                .filter_map(|(i, t)| t.as_ref().map(|t| (i, t))),
        )
        .map(|(i, t)| async move {
            let mut cell = out.cells[i].clone();
            one(run, out, t, &mut cell, keys).await;
            run.reporter.step("digests");
            (i, cell)
        })
        .buffered(run.opts.concurrency.max(1))
        .collect()
        .await
    };
    for (i, cell) in done {
        out.cells[i] = cell;
    }
    out.checked_at = Utc::now();
    out
}

fn unknown(cell: &mut IntegrityCell, error: ErrorInfo) {
    cell.verdict = IntegrityVerdict::Unknown {
        error: Box::new(error),
    };
}

/// One account-region's archive.
async fn one(
    run: &Run<'_>,
    plan: &Integrity,
    t: &IntegrityTarget,
    cell: &mut IntegrityCell,
    keys: &Keys,
) {
    let reader = match &t.bucket_owner {
        Some(owner) => match run.config_or_assume(owner).await {
            Some(c) => Some(c),
            None => run.config_or_assume(&cell.account_id).await,
        },
        None => run.config_or_assume(&cell.account_id).await,
    };
    let Some(cfg) = reader else {
        return unknown(
            cell,
            ErrorInfo {
                kind: ErrorKind::RoleNotAssumable,
                operation: "sts:AssumeRole".into(),
                code: None,
                message: format!(
                    "no credentials for the bucket owner {} or the account {}",
                    t.bucket_owner.as_deref().unwrap_or("(unknown)"),
                    cell.account_id
                ),
            },
        );
    };
    let s3 = run.s3(&cfg, &t.bucket_region);
    let record = |info: &ErrorInfo, resource: &str| {
        let who = t.bucket_owner.as_deref().unwrap_or(&cell.account_id);
        run.record(Some(who), Some(&t.bucket_region), Some(resource), info);
    };
    let listed = match list_digests(run, &s3, plan, t, cell).await {
        Ok(l) => l,
        Err(info) => {
            record(&info, &cell.digest_prefix.clone());
            return unknown(cell, info);
        }
    };
    let mut digests = Vec::new();
    let mut unreadable = Vec::new();
    for key in &listed {
        match read_digest(run, &s3, &cell.bucket, key).await {
            Ok((d, bytes)) => {
                cell.digests_read += 1;
                cell.bytes_read += bytes;
                digests.push(d);
            }
            Err(ReadError::Unreadable(info)) => {
                record(&info, key);
                return unknown(cell, info);
            }
            // Not a digest CloudTrail wrote (not gzip JSON with its fields).
            Err(ReadError::Malformed(why)) => unreadable.push(IntegrityProblem::SignatureInvalid {
                key: key.clone(),
                why: format!("not a CloudTrail digest: {why}"),
            }),
        }
    }
    let region_keys = match public_keys(run, &cell.region, plan, keys).await {
        Ok(k) => k,
        Err(info) => return unknown(cell, info),
    };
    let mut problems = match digest::judge(&digests, &region_keys, plan.from, plan.to, t.logging) {
        Ok(p) => unreadable.into_iter().chain(p).collect::<Vec<_>>(),
        Err(why) => {
            let (operation, message) = match why {
                    Unjudged::Keys(fingerprints) => (
                        "cloudtrail:ListPublicKeys",
                        format!(
                            "CloudTrail has no public key with fingerprint {} in {} for the window: the digests cannot be verified",
                            fingerprints.join(", "),
                            cell.region
                        ),
                    ),
                    Unjudged::Logging => (
                        "cloudtrail:GetTrailStatus",
                        "no digest in the window, and when the trail was logging is not known (its status was not read, or it is stopped since a time not given)".to_string(),
                    ),
                };
            return unknown(
                cell,
                ErrorInfo {
                    kind: ErrorKind::Other,
                    operation: operation.into(),
                    code: None,
                    message,
                },
            );
        }
    };
    let bad: Vec<String> = problems
        .iter()
        .filter_map(|p| match p {
            IntegrityProblem::SignatureInvalid { key, .. } => Some(key.clone()),
            _ => None,
        })
        .collect();
    cell.newest_digest = digests
        .iter()
        .filter(|d| !bad.contains(&d.key) && d.signature.is_some())
        .map(|d| d.end)
        .max();
    // Every log file a signed digest lists, a few at a time (the run's
    // permits bound the calls in flight overall), in the digests' order.
    let logs: Vec<&digest::ListedLog> = digests
        .iter()
        .filter(|d| !bad.contains(&d.key))
        .flat_map(|d| &d.logs)
        .collect();
    let depth = plan.depth;
    let checked: Vec<_> = futures::stream::iter(logs)
        .map(|log| {
            let s3 = &s3;
            async move { (log, check_log(run, s3, log, depth).await) }
        })
        .buffered(LOGS_IN_FLIGHT)
        .collect()
        .await;
    for (log, result) in checked {
        cell.log_files_checked += 1;
        match result {
            Ok((found, bytes)) => {
                cell.bytes_read += bytes;
                problems.extend(found);
            }
            Err(info) => {
                record(&info, &log.key);
                return unknown(cell, info);
            }
        }
    }
    cell.verdict = IntegrityVerdict::from_problems(problems);
}

/// The time in a digest's key (`..._YYYYMMDDTHHMMSSZ[_backfill].json.gz`).
pub fn key_time(key: &str) -> Option<DateTime<Utc>> {
    let stem = key.strip_suffix(".json.gz")?;
    let stem = stem.strip_suffix("_backfill").unwrap_or(stem);
    let stamp = stem.rsplit('_').next()?;
    NaiveDateTime::parse_from_str(stamp, "%Y%m%dT%H%M%SZ")
        .ok()
        .map(|t| t.and_utc())
}

/// The trail's digest keys whose time (their hour's end) falls in the
/// window, listed day by day.
async fn list_digests(
    run: &Run<'_>,
    s3: &aws_sdk_s3::Client,
    plan: &Integrity,
    t: &IntegrityTarget,
    cell: &IntegrityCell,
) -> Result<Vec<String>, ErrorInfo> {
    let mine = format!(
        "_CloudTrail-Digest_{}_{}_{}_",
        cell.region, t.trail_name, t.home_region
    );
    let (from, to) = (plan.from, plan.to + Duration::hours(1));
    let mut keys = Vec::new();
    let mut day = from.date_naive();
    while day <= to.date_naive() {
        let prefix = format!("{}{}/", cell.digest_prefix, day.format("%Y/%m/%d"));
        let mut token: Option<String> = None;
        loop {
            let resp = {
                let _p = run.permit().await;
                let mut req = s3.list_objects_v2().bucket(&cell.bucket).prefix(&prefix);
                if let Some(tok) = &token {
                    req = req.continuation_token(tok);
                }
                req.send().await
            };
            let page = resp.map_err(|e| aws::classify("s3:ListBucket", &e))?;
            for k in page.contents().iter().filter_map(|o| o.key()) {
                if !k.contains(&mine) {
                    continue;
                }
                if key_time(k).is_some_and(|at| at > from && at <= to) {
                    keys.push(k.to_string());
                }
            }
            token = page.next_continuation_token().map(str::to_string);
            if token.is_none() || page.is_truncated() != Some(true) {
                break;
            }
        }
        day = day.succ_opt().expect("a next day");
    }
    Ok(keys)
}

enum ReadError {
    Unreadable(ErrorInfo),
    Malformed(String),
}

/// One digest and the bytes read.
async fn read_digest(
    run: &Run<'_>,
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
) -> Result<(Digest, u64), ReadError> {
    let obj = {
        let _p = run.permit().await;
        s3.get_object().bucket(bucket).key(key).send().await
    };
    let obj = obj.map_err(|e| ReadError::Unreadable(aws::classify("s3:GetObject", &e)))?;
    let meta = obj.metadata().cloned().unwrap_or_default();
    let body = obj
        .body
        .collect()
        .await
        .map_err(|e| ReadError::Unreadable(network("s3:GetObject", e.to_string())))?
        .into_bytes();
    let mut inflated = Vec::new();
    flate2::read::GzDecoder::new(&body[..])
        .read_to_end(&mut inflated)
        .map_err(|e| ReadError::Malformed(format!("not gzip ({e})")))?;
    let d = digest::parse(
        key,
        &inflated,
        meta.get("signature").map(String::as_str),
        meta.get("signature-algorithm").map(String::as_str),
    )
    .map_err(ReadError::Malformed)?;
    Ok((d, body.len() as u64))
}

fn network(operation: &str, message: String) -> ErrorInfo {
    ErrorInfo {
        kind: ErrorKind::Network,
        operation: operation.into(),
        code: None,
        message,
    }
}

/// CloudTrail's public keys for `region` over the window, read once.
async fn public_keys(
    run: &Run<'_>,
    region: &str,
    plan: &Integrity,
    keys: &Keys,
) -> Result<Vec<PublicKey>, ErrorInfo> {
    let mut cache = keys.lock().await;
    if let Some(k) = cache.get(region) {
        return k.clone();
    }
    let ct = run.cloudtrail(&run.base, region);
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    let result = loop {
        let resp = {
            let _p = run.permit().await;
            let mut req = ct
                .list_public_keys()
                .start_time(aws_smithy_types::DateTime::from_secs(
                    (plan.from - Duration::days(1)).timestamp(),
                ))
                .end_time(aws_smithy_types::DateTime::from_secs(plan.to.timestamp()));
            if let Some(t) = &token {
                req = req.next_token(t);
            }
            req.send().await
        };
        match resp {
            Ok(page) => {
                for k in page.public_key_list() {
                    if let (Some(f), Some(v)) = (k.fingerprint(), k.value()) {
                        out.push(PublicKey {
                            fingerprint: f.to_string(),
                            der: v.as_ref().to_vec(),
                        });
                    }
                }
                token = page.next_token().map(str::to_string);
                if token.is_none() {
                    break Ok(out);
                }
            }
            Err(e) => {
                let info = aws::classify("cloudtrail:ListPublicKeys", &e);
                run.record(None, Some(region), Some("cloudtrail public keys"), &info);
                break Err(info);
            }
        }
    };
    cache.insert(region.to_string(), result.clone());
    result
}

/// One listed log file: present (and, with `full`, unchanged); the problem
/// found and the bytes read.
async fn check_log(
    run: &Run<'_>,
    s3: &aws_sdk_s3::Client,
    log: &digest::ListedLog,
    depth: IntegrityDepth,
) -> Result<(Option<IntegrityProblem>, u64), ErrorInfo> {
    let deleted = || {
        Some(IntegrityProblem::LogFileDeleted {
            key: log.key.clone(),
        })
    };
    match depth {
        IntegrityDepth::Digests => {
            let r = {
                let _p = run.permit().await;
                s3.head_object()
                    .bucket(&log.bucket)
                    .key(&log.key)
                    .send()
                    .await
            };
            match r {
                Ok(_) => Ok((None, 0)),
                Err(e) if e.as_service_error().is_some_and(|x| x.is_not_found()) => {
                    Ok((deleted(), 0))
                }
                Err(e) => Err(aws::classify("s3:GetObject", &e)),
            }
        }
        IntegrityDepth::Full => {
            let r = {
                let _p = run.permit().await;
                s3.get_object()
                    .bucket(&log.bucket)
                    .key(&log.key)
                    .send()
                    .await
            };
            let obj = match r {
                Ok(o) => o,
                Err(e) if e.as_service_error().is_some_and(|x| x.is_no_such_key()) => {
                    return Ok((deleted(), 0))
                }
                Err(e) => return Err(aws::classify("s3:GetObject", &e)),
            };
            let body = obj
                .body
                .collect()
                .await
                .map_err(|e| network("s3:GetObject", e.to_string()))?
                .into_bytes();
            let mut inflated = Vec::new();
            let same = flate2::read::GzDecoder::new(&body[..])
                .read_to_end(&mut inflated)
                .is_ok()
                && digest::sha256_hex(&inflated) == log.hash;
            let problem = (!same).then(|| IntegrityProblem::LogFileModified {
                key: log.key.clone(),
            });
            Ok((problem, body.len() as u64))
        }
    }
}
