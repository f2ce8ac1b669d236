//! CloudTrail digest files, read and judged without I/O: parsed from their
//! gzip JSON and the object's metadata, their signature verified, their
//! chain followed hour by hour.
//!
//! What is signed (CloudTrail User Guide, "Validating CloudTrail digest
//! files"; `aws cloudtrail validate-logs` does the same) is the string
//!
//! ```text
//! digestEndTime \n digestS3Bucket/digestS3Object \n hex(SHA-256(uncompressed digest)) \n previousDigestSignature
//! ```
//!
//! with the literal `null` when there is no previous signature, signed
//! SHA256withRSA (RSA PKCS#1 v1.5) with the regional key whose fingerprint
//! the digest names; the signature (hex) and its algorithm are the object's
//! user metadata (`signature`, `signature-algorithm`). A log file's hash
//! is the SHA-256 of its uncompressed content.
//!
//! Where this differs from `validate-logs`: that command walks back from
//! the newest digest and, when a digest is gone, jumps to the next one it
//! finds, so two consecutive deleted digests are reported once; here every
//! hour of the window without a digest is named.

use chrono::{DateTime, Duration, Utc};
use ring::signature::{UnparsedPublicKey, RSA_PKCS1_2048_8192_SHA256};
use serde_json::Value;
use trailaudit_model::{IntegrityProblem, LoggingWindow};

/// One log file a digest lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedLog {
    /// Its bucket.
    pub bucket: String,
    /// Its key.
    pub key: String,
    /// SHA-256 (hex) of its uncompressed content.
    pub hash: String,
    /// Oldest event time it holds.
    pub oldest: Option<DateTime<Utc>>,
    /// Newest event time it holds.
    pub newest: Option<DateTime<Utc>>,
}

/// One digest file, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Digest {
    /// Where it was read (the key it was listed under).
    pub key: String,
    /// `digestStartTime`.
    pub start: DateTime<Utc>,
    /// `digestEndTime`, parsed.
    pub end: DateTime<Utc>,
    /// `digestEndTime` as written (it is signed as written).
    pub end_text: String,
    /// `digestS3Bucket`.
    pub bucket: String,
    /// `digestS3Object`.
    pub object: String,
    /// `digestPublicKeyFingerprint`.
    pub fingerprint: String,
    /// `previousDigestS3Object` (none at the start of a chain).
    pub previous_object: Option<String>,
    /// `previousDigestSignature`.
    pub previous_signature: Option<String>,
    /// The log files it lists.
    pub logs: Vec<ListedLog>,
    /// The object's `signature` metadata (hex), if any.
    pub signature: Option<String>,
    /// The object's `signature-algorithm` metadata.
    pub algorithm: Option<String>,
    /// SHA-256 (hex) of the uncompressed digest.
    pub sha256: String,
    /// A `_backfill` digest (late files; not part of the hourly chain).
    pub backfill: bool,
}

/// A CloudTrail public key (`ListPublicKeys`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    /// Its fingerprint.
    pub fingerprint: String,
    /// DER, PKCS#1 `RSAPublicKey`.
    pub der: Vec<u8>,
}

/// Hex SHA-256 of `data`.
pub fn sha256_hex(data: &[u8]) -> String {
    hex(ring::digest::digest(&ring::digest::SHA256, data).as_ref())
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

fn time(v: Option<&Value>) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(v?.as_str()?)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Parses an uncompressed digest read from `key`, with its object metadata.
pub fn parse(
    key: &str,
    inflated: &[u8],
    signature: Option<&str>,
    algorithm: Option<&str>,
) -> Result<Digest, String> {
    let v: Value = serde_json::from_slice(inflated).map_err(|e| format!("not JSON ({e})"))?;
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let need = |k: &str| s(k).ok_or_else(|| format!("no {k}"));
    let end_text = need("digestEndTime")?;
    let logs = v
        .get("logFiles")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|l| {
                    Some(ListedLog {
                        bucket: l.get("s3Bucket")?.as_str()?.to_string(),
                        key: l.get("s3Object")?.as_str()?.to_string(),
                        hash: l.get("hashValue")?.as_str()?.to_ascii_lowercase(),
                        oldest: time(l.get("oldestEventTime")),
                        newest: time(l.get("newestEventTime")),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Digest {
        key: key.to_string(),
        start: time(v.get("digestStartTime")).ok_or("no digestStartTime")?,
        end: DateTime::parse_from_rfc3339(&end_text)
            .map_err(|e| format!("digestEndTime {end_text}: {e}"))?
            .with_timezone(&Utc),
        end_text,
        bucket: need("digestS3Bucket")?,
        object: need("digestS3Object")?,
        fingerprint: need("digestPublicKeyFingerprint")?,
        previous_object: s("previousDigestS3Object"),
        previous_signature: s("previousDigestSignature"),
        logs,
        signature: signature.map(str::to_string),
        algorithm: algorithm.map(str::to_string),
        sha256: sha256_hex(inflated),
        backfill: key.ends_with("_backfill.json.gz"),
    })
}

/// The string CloudTrail signs for a digest (see the module's docs).
pub fn string_to_sign(
    end_text: &str,
    bucket: &str,
    object: &str,
    sha256: &str,
    previous: Option<&str>,
) -> String {
    format!(
        "{end_text}\n{bucket}/{object}\n{sha256}\n{}",
        previous.unwrap_or("null")
    )
}

/// Whether the digest's signature verifies with `key`; `Err` says why not.
pub fn verify_signature(d: &Digest, key: &PublicKey) -> Result<(), String> {
    let Some(sig) = &d.signature else {
        return Err("the object has no signature metadata".into());
    };
    if let Some(a) = &d.algorithm {
        if !a.eq_ignore_ascii_case("SHA256withRSA") {
            return Err(format!("unknown signature algorithm {a}"));
        }
    }
    let sig = unhex(sig).ok_or("the signature is not hex")?;
    let message = string_to_sign(
        &d.end_text,
        &d.bucket,
        &d.object,
        &d.sha256,
        d.previous_signature.as_deref(),
    );
    UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &key.der)
        .verify(message.as_bytes(), &sig)
        .map_err(|_| format!("does not verify with CloudTrail's key {}", key.fingerprint))
}

/// The problems of one account-region's chain of hourly digests over
/// `[from, to)`: every digest signed by the key it names (in `keys`),
/// stored where it says it is, chained to the one before (its
/// `previousDigestS3Object` and `previousDigestSignature`), and no hour
/// without one while the trail was logging (`logging`; when that is not
/// known, only the hours inside a chain).
/// The last hour before `to` is given an hour's grace (digests are
/// delivered after their hour ends). A digest whose key is not in `keys`
/// is left to the caller (`Err` with the fingerprints not found).
pub fn judge(
    digests: &[Digest],
    keys: &[PublicKey],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    logging: Option<LoggingWindow>,
) -> Result<Vec<IntegrityProblem>, Unjudged> {
    let mut problems = Vec::new();
    let mut unknown_keys = Vec::new();
    for d in digests {
        match keys.iter().find(|k| k.fingerprint == d.fingerprint) {
            None => {
                if !unknown_keys.contains(&d.fingerprint) {
                    unknown_keys.push(d.fingerprint.clone());
                }
            }
            Some(k) => {
                if let Err(why) = verify_signature(d, k) {
                    problems.push(IntegrityProblem::SignatureInvalid {
                        key: d.key.clone(),
                        why,
                    });
                } else if d.object != d.key {
                    problems.push(IntegrityProblem::SignatureInvalid {
                        key: d.key.clone(),
                        why: format!("it was written as {} and moved", d.object),
                    });
                }
            }
        }
    }
    if !unknown_keys.is_empty() {
        return Err(Unjudged::Keys(unknown_keys));
    }
    let mut hourly: Vec<&Digest> = digests.iter().filter(|d| !d.backfill).collect();
    hourly.sort_by_key(|d| d.end);
    // Without the trail's logging window, the hours before the first digest
    // and after the last may be hours it was not logging: only the hours
    // inside a chain can be called missing.
    let edges = logging.is_some();
    let logging_from = match logging {
        Some(l) => l.since.map_or(from, |s| s.max(from)),
        None => hourly.first().map_or(to, |d| d.start.max(from)),
    };
    let logging_to = logging.and_then(|l| l.until).map_or(to, |u| u.min(to));
    // The hours from `after`, `n` of them, that fall while logging.
    let gap = |after: DateTime<Utc>, n: i64, out: &mut Vec<IntegrityProblem>| {
        for k in 0..n.max(0) {
            let at = after + Duration::hours(k);
            if at + Duration::minutes(30) >= logging_from && at < logging_to {
                out.push(IntegrityProblem::DigestMissing {
                    hour: trunc_hour(at),
                });
            }
        }
    };
    // Whole hours between two instants, rounded.
    let hours = |a: DateTime<Utc>, b: DateTime<Utc>| ((b - a).num_minutes() + 30).div_euclid(60);
    let Some(first) = hourly.first() else {
        if !edges {
            return Err(Unjudged::Logging);
        }
        // The last hour before `to` may not be delivered yet.
        gap(
            logging_from,
            hours(logging_from, logging_to) - 1,
            &mut problems,
        );
        return Ok(problems);
    };
    // Hours before the first digest are missing only when it chains to an
    // earlier one: a digest without a previous starts a chain (logging, or
    // validation, began then), so the hours before it had none to lose.
    if first.previous_object.is_some() {
        gap(
            logging_from,
            hours(logging_from, first.start),
            &mut problems,
        );
    }
    for w in hourly.windows(2) {
        let (p, d) = (w[0], w[1]);
        match &d.previous_object {
            // A new chain: logging was stopped and started again.
            None => {}
            Some(prev) if *prev == p.object || *prev == p.key => {
                if d.previous_signature.as_deref() != p.signature.as_deref() {
                    problems.push(IntegrityProblem::ChainBroken {
                        key: d.key.clone(),
                        why: format!("its previous signature is not that of {}", p.key),
                    });
                }
                gap(p.end, hours(p.end, d.start), &mut problems);
            }
            Some(prev) if hourly.iter().any(|o| o.object == *prev || o.key == *prev) => {
                problems.push(IntegrityProblem::ChainBroken {
                    key: d.key.clone(),
                    why: format!("it names {prev} as previous, not {}", p.key),
                });
            }
            // The previous digest is gone: every hour between them.
            Some(_) => gap(p.end, hours(p.end, d.start).max(1), &mut problems),
        }
    }
    if !edges {
        return Ok(problems);
    }
    let last = hourly.last().expect("not empty");
    // An hour's grace: a digest is delivered after its hour ends.
    gap(last.end, hours(last.end, logging_to) - 1, &mut problems);
    Ok(problems)
}

/// Why a chain could not be judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unjudged {
    /// CloudTrail has no public key with these fingerprints for the window.
    Keys(Vec<String>),
    /// No digest in the window, and when the trail was logging is not
    /// known: the hours may be missing or the trail was not logging.
    Logging,
}

fn trunc_hour(t: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::DurationRound;
    t.duration_trunc(Duration::hours(1)).unwrap_or(t)
}

#[cfg(test)]
mod tests;
