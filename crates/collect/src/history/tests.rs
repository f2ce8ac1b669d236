use super::*;
use trailaudit_model::HistoryAnswer;

fn query(event: &str, resources: &[&str]) -> HistoryQuery {
    HistoryQuery {
        account_id: "111111111111".into(),
        region: "us-east-1".into(),
        event_name: event.into(),
        resources: resources.iter().map(|r| r.to_string()).collect(),
        answer: HistoryAnswer::NotLookedUp,
    }
}

/// A StopLogging as CloudTrail records it for an assumed role (the shape
/// of AWS's documented example record).
const STOP: &str = r#"{"eventVersion":"1.09","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:alice","arn":"arn:aws:sts::111111111111:assumed-role/BreakGlass/alice","accountId":"111111111111","accessKeyId":"ASIAEXAMPLE","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLE","arn":"arn:aws:iam::111111111111:role/BreakGlass","accountId":"111111111111","userName":"BreakGlass"},"attributes":{"creationDate":"2026-12-01T09:58:00Z","mfaAuthenticated":"false"}}},"eventTime":"2026-12-01T10:00:00Z","eventSource":"cloudtrail.amazonaws.com","eventName":"StopLogging","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.9","userAgent":"aws-cli/2.15.0 Python/3.11","requestParameters":{"name":"arn:aws:cloudtrail:us-east-1:111111111111:trail/org-trail"},"responseElements":null,"eventID":"e-stop","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111111111111"}"#;

#[test]
fn a_stop_names_role_session_time_and_origin() {
    let q = query(
        "StopLogging",
        &["arn:aws:cloudtrail:us-east-1:111111111111:trail/org-trail"],
    );
    let c = changes_in(STOP, &[], &q);
    assert_eq!(c.len(), 1);
    let c = &c[0];
    assert_eq!(
        c.role_arn.as_deref(),
        Some("arn:aws:iam::111111111111:role/BreakGlass")
    );
    assert_eq!(c.session.as_deref(), Some("alice"));
    assert_eq!(c.event_id, "e-stop");
    assert_eq!(c.source_ip.as_deref(), Some("203.0.113.9"));
    assert_eq!(c.event_time.to_rfc3339(), "2026-12-01T10:00:00+00:00");
    // Another trail's stop is not this trail's.
    let other = query(
        "StopLogging",
        &["arn:aws:cloudtrail:us-east-1:111111111111:trail/other"],
    );
    assert!(changes_in(STOP, &[], &other).is_empty());
    // By name, as `StopLogging --name org-trail` records it.
    let by_name = STOP.replace(
        "arn:aws:cloudtrail:us-east-1:111111111111:trail/org-trail\"}",
        "org-trail\"}",
    );
    assert_eq!(changes_in(&by_name, &[], &q).len(), 1);
}

#[test]
fn a_failed_call_changed_nothing() {
    let q = query(
        "StopLogging",
        &["arn:aws:cloudtrail:us-east-1:111111111111:trail/org-trail"],
    );
    let failed = STOP.replace(
        "\"readOnly\":false",
        "\"readOnly\":false,\"errorCode\":\"AccessDenied\"",
    );
    assert!(changes_in(&failed, &[], &q).is_empty());
}

#[test]
fn lifecycle_detail_names_the_new_days() {
    let params: Value = serde_json::from_str(
        r#"{"bucketName":"logs","lifecycle":"","LifecycleConfiguration":{"Rule":[{"ID":"a","Expiration":{"Days":7}},{"ID":"b","NoncurrentVersionExpiration":{"NoncurrentDays":"3"}}]}}"#,
    )
    .unwrap();
    assert_eq!(
        detail("PutBucketLifecycle", &params).as_deref(),
        Some("expiration after 7 days, noncurrent versions expire after 3 days")
    );
    let upd: Value =
        serde_json::from_str(r#"{"name":"t","includeGlobalServiceEvents":false}"#).unwrap();
    assert_eq!(
        detail("UpdateTrail", &upd).as_deref(),
        Some("includeGlobalServiceEvents=false")
    );
    let pab: Value = serde_json::from_str(
        r#"{"bucketName":"b","PublicAccessBlockConfiguration":{"BlockPublicAcls":false,"IgnorePublicAcls":true}}"#,
    )
    .unwrap();
    assert_eq!(
        detail("PutBucketPublicAccessBlock", &pab).as_deref(),
        Some("PublicAccessBlockConfiguration: BlockPublicAcls=false, IgnorePublicAcls=true")
    );
}

#[test]
fn resources_match_by_name_arn_or_id() {
    assert!(same_resource(
        "arn:aws:kms:us-east-1:111111111111:key/1234abcd",
        "1234abcd"
    ));
    assert!(same_resource("logs", "arn:aws:s3:::logs"));
    assert!(same_resource("logs", "logs"));
    assert!(!same_resource("logs", "logs-2"));
    assert!(!same_resource(
        "arn:aws:cloudtrail:us-east-1:1:trail/a",
        "b"
    ));
    assert!(!same_resource("x", ""));
}

#[test]
fn backoff_doubles_and_is_capped() {
    assert!(backoff(1) >= Duration::from_millis(500) && backoff(1) < Duration::from_millis(700));
    assert!(backoff(3) >= Duration::from_secs(2));
    assert!(backoff(20) <= Duration::from_secs(10));
}
