//! Digests signed with the test kit's key, judged: an intact chain, missing
//! hours (each one named, two consecutive ones included), a forged
//! signature, a broken chain, an unknown key, the window's edges.

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::json;
use trailaudit_model::{IntegrityProblem, LoggingWindow};
use trailaudit_testkit::digests::{build, link, Chain, SigningKey, Written};

use super::*;

fn chain() -> Chain {
    Chain {
        bucket: "org-logs".into(),
        root: "AWSLogs/o-abc123/".into(),
        account: "222222222222".into(),
        region: "eu-west-1".into(),
        trail_name: "org".into(),
        home_region: "us-east-1".into(),
    }
}

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 0, 3, 17).unwrap()
}

/// `hours` chained digests from `start()`, the i-th listing one log file.
fn written(hours: usize) -> Vec<Written> {
    let c = chain();
    let mut out: Vec<Written> = Vec::new();
    for h in 0..hours {
        let from = start() + Duration::hours(h as i64);
        let file = json!({"s3Bucket": "org-logs", "s3Object": format!("AWSLogs/o-abc123/222222222222/CloudTrail/eu-west-1/2026/12/01/f{h}.json.gz"),
            "hashValue": sha256_hex(format!("log {h}").as_bytes()), "hashAlgorithm": "SHA-256",
            "oldestEventTime": "2026-12-01T00:00:00Z", "newestEventTime": "2026-12-01T00:05:00Z"});
        let w = build(
            &c,
            from,
            from + Duration::hours(1),
            out.last().map(link),
            vec![file],
            &SigningKey::test(),
        );
        out.push(w);
    }
    out
}

fn parsed(w: &Written) -> Digest {
    parse(
        &w.key,
        w.json.to_string().as_bytes(),
        Some(&w.signature),
        Some("SHA256withRSA"),
    )
    .unwrap()
}

fn keys() -> Vec<PublicKey> {
    vec![PublicKey {
        fingerprint: SigningKey::fingerprint(),
        der: SigningKey::test().public_der(),
    }]
}

/// Logging all along.
const LOGGING: Option<LoggingWindow> = Some(LoggingWindow {
    since: None,
    until: None,
});

fn window() -> (DateTime<Utc>, DateTime<Utc>) {
    // Six digests end at 06:03; the last is delivered within the hour.
    (
        start(),
        start() + Duration::hours(6) + Duration::minutes(30),
    )
}

fn judged(ds: &[Digest]) -> Vec<IntegrityProblem> {
    let (from, to) = window();
    judge(ds, &keys(), from, to, LOGGING).unwrap()
}

#[test]
fn an_intact_chain_has_no_problem_and_lists_its_files() {
    let w = written(6);
    let ds: Vec<Digest> = w.iter().map(parsed).collect();
    assert_eq!(judged(&ds), vec![]);
    assert_eq!(ds[3].logs.len(), 1);
    assert!(ds[3].logs[0].key.ends_with("f3.json.gz"));
    assert_eq!(ds[0].previous_signature, None);
    assert_eq!(
        ds[1].previous_signature.as_deref(),
        Some(w[0].signature.as_str())
    );
}

#[test]
fn two_consecutive_deleted_digests_are_two_missing_hours() {
    let mut ds: Vec<Digest> = written(6).iter().map(parsed).collect();
    ds.remove(2);
    ds.remove(2);
    let p = judged(&ds);
    let hours: Vec<String> = p
        .iter()
        .map(|p| match p {
            IntegrityProblem::DigestMissing { hour } => hour.format("%H:00").to_string(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(hours, ["02:00", "03:00"]);
}

#[test]
fn the_last_hours_and_the_first_are_missing_too_while_logging() {
    let ds: Vec<Digest> = written(6).iter().map(parsed).collect();
    // Nothing delivered after 04:03 although logging went on to 06:33.
    let p = judged(&ds[..4]);
    assert_eq!(p.len(), 2, "{p:?}");
    // Stopped at 04:10: nothing is missing.
    let (from, to) = window();
    let stopped = from + Duration::hours(4) + Duration::minutes(7);
    assert_eq!(
        judge(
            &ds[..4],
            &keys(),
            from,
            to,
            Some(LoggingWindow {
                since: None,
                until: Some(stopped)
            })
        )
        .unwrap(),
        vec![]
    );
    // The first two hours gone.
    let p = judged(&ds[2..]);
    assert_eq!(p.len(), 2, "{p:?}");
    // No digest at all: every hour but the last (not delivered yet).
    assert_eq!(judged(&[]).len(), 6);
}

#[test]
fn a_digest_signed_by_another_key_is_invalid() {
    let mut w = written(3);
    let c = chain();
    let forged = build(
        &c,
        start() + Duration::hours(1),
        start() + Duration::hours(2),
        Some(link(&w[0])),
        vec![],
        &SigningKey::other(),
    );
    w[1] = forged;
    let ds: Vec<Digest> = w.iter().map(parsed).collect();
    let p = judged(&ds);
    assert!(
        matches!(&p[0], IntegrityProblem::SignatureInvalid { key, .. } if *key == ds[1].key),
        "{p:?}"
    );
    // The next digest's previous signature no longer matches either.
    assert!(
        p.iter()
            .any(|x| matches!(x, IntegrityProblem::ChainBroken { .. })),
        "{p:?}"
    );
}

#[test]
fn a_modified_digest_fails_its_signature() {
    let w = written(2);
    let mut text = w[1].json.clone();
    text["logFiles"] = json!([]);
    let d = parse(
        &w[1].key,
        text.to_string().as_bytes(),
        Some(&w[1].signature),
        None,
    )
    .unwrap();
    let ds = vec![parsed(&w[0]), d];
    let (from, _) = window();
    let p = judge(&ds, &keys(), from, from + Duration::hours(2), LOGGING).unwrap();
    assert!(
        matches!(&p[0], IntegrityProblem::SignatureInvalid { .. }),
        "{p:?}"
    );
}

#[test]
fn a_validly_signed_digest_that_does_not_chain_is_broken() {
    let w = written(3);
    let c = chain();
    // Signed by CloudTrail's key but naming a wrong previous signature.
    let mut wrong = link(&w[0]);
    wrong.1 = "00".repeat(256);
    let d2 = build(
        &c,
        start() + Duration::hours(1),
        start() + Duration::hours(2),
        Some(wrong),
        vec![],
        &SigningKey::test(),
    );
    let ds = [parsed(&w[0]), parsed(&d2), parsed(&w[2])];
    let p = judged(&ds[..]);
    assert!(
        matches!(&p[0], IntegrityProblem::ChainBroken { key, .. } if *key == ds[1].key),
        "{p:?}"
    );
}

#[test]
fn a_key_cloudtrail_does_not_have_is_unknown() {
    let ds: Vec<Digest> = written(2).iter().map(parsed).collect();
    let (from, to) = window();
    let err = judge(&ds, &[], from, to, LOGGING).unwrap_err();
    assert_eq!(err, Unjudged::Keys(vec![SigningKey::fingerprint()]));
}

#[test]
fn the_signing_string_is_cloudtrails() {
    assert_eq!(
        string_to_sign("2015-08-17T15:01:31Z", "b", "AWSLogs/k.json.gz", "ab", None),
        "2015-08-17T15:01:31Z\nb/AWSLogs/k.json.gz\nab\nnull"
    );
}

/// When the trail's logging is not known, only the hours inside a chain
/// are missing: those before the first digest and after the last may be
/// hours it was stopped; with no digest at all nothing can be told.
#[test]
fn without_the_logging_window_only_hours_inside_a_chain_are_missing() {
    let mut ds: Vec<Digest> = written(6).iter().map(parsed).collect();
    let (from, to) = window();
    // The first two and the last hour gone: not claimed.
    assert_eq!(judge(&ds[2..5], &keys(), from, to, None).unwrap(), vec![]);
    // A digest deleted inside the chain still is.
    ds.remove(3);
    assert_eq!(judge(&ds, &keys(), from, to, None).unwrap().len(), 1);
    assert_eq!(judge(&[], &keys(), from, to, None), Err(Unjudged::Logging));
}

/// A chain that starts in the window (validation or logging turned on
/// then: its first digest has no previous) leaves no hour missing before it.
#[test]
fn hours_before_a_chain_start_are_not_missing() {
    let ds: Vec<Digest> = written(6).iter().map(parsed).collect();
    let (from, to) = window();
    let earlier = from - Duration::hours(3);
    assert_eq!(judge(&ds, &keys(), earlier, to, LOGGING).unwrap(), vec![]);
    // Its first digests deleted: the next one names a previous, the hours count.
    assert_eq!(
        judge(&ds[2..], &keys(), earlier, to, LOGGING)
            .unwrap()
            .len(),
        5
    );
}
