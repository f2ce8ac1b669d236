//! AWS's published bucket and key policies, each evaluated for CloudTrail's
//! own requests with its expected verdict, and a mutated copy (one change)
//! that flips it. Placeholders are filled with the fixture's organization:
//! management account 111111111111, member 222222222222, organization
//! o-abc123, trail `arn:aws:cloudtrail:us-east-1:111111111111:trail/org`.

use trailaudit_model::{Fact, Snapshot, Trail};

use crate::analysis::{delivery_decision, key_decision};
use crate::fixture::*;
use trailaudit_iam::corpus::{
    CONTROL_TOWER, CT_GUIDE_ACCOUNT, CT_GUIDE_KEY, CT_GUIDE_ORG, LEGACY, PERIMETER, SRA_BUCKET,
    SRA_DENY_UNENCRYPTED, SRA_KEY,
};
use trailaudit_model::Tri;

const BUCKET: &str = "org-logs";

fn fill(policy: &str) -> String {
    trailaudit_iam::corpus::fill(policy, BUCKET, MGMT, ORG_ID)
}

/// Delivery of `account`'s log files by trail `t` into BUCKET under `policy`.
fn bucket(s: &Snapshot, t: &Trail, policy: &str, account: &str) -> Tri {
    let mut b = good_bucket();
    b.policy = Fact::Collected {
        value: Some(fill(policy)),
    };
    let d = delivery_decision(s, t, &b, Some(&fill(policy)), account);
    assert!(!d.reason.is_empty());
    d.allowed
}

fn key(s: &Snapshot, t: &Trail, policy: &str) -> Tri {
    key_decision(s, t, ORG_KEY, &fill(policy)).allowed
}

fn account_trail(region: &str) -> Trail {
    Trail {
        is_organization_trail: false,
        ..Trail::from_arn(&format!("arn:aws:cloudtrail:{region}:{MGMT}:trail/local"))
            .map(|t| Trail {
                s3_bucket_name: Some(BUCKET.into()),
                ..t
            })
            .unwrap()
    }
}

fn org_trail_with_prefix(prefix: Option<&str>) -> Trail {
    Trail {
        s3_key_prefix: prefix.map(str::to_string),
        kms_key_id: None,
        ..org_trail()
    }
}

fn mutate(policy: &str, from: &str, to: &str) -> String {
    assert!(
        policy.contains(from),
        "mutation target `{from}` not in policy"
    );
    policy.replacen(from, to, 1)
}

#[test]
fn cloudtrail_guide_single_account() {
    let s = snapshot();
    let t = account_trail("us-east-1");
    assert_eq!(bucket(&s, &t, CT_GUIDE_ACCOUNT, MGMT), Tri::Yes);
    // SourceArn naming another trail breaks delivery.
    let m = CT_GUIDE_ACCOUNT.replace("trail/local", "trail/other");
    assert_eq!(bucket(&s, &t, &m, MGMT), Tri::No);
}

#[test]
fn cloudtrail_guide_organization_trail() {
    let s = snapshot();
    let t = org_trail_with_prefix(None);
    assert_eq!(bucket(&s, &t, CT_GUIDE_ORG, MEMBER), Tri::Yes);
    assert_eq!(bucket(&s, &t, CT_GUIDE_ORG, MGMT), Tri::Yes);
    // Without the organization prefix, members' logs are refused.
    let m = mutate(CT_GUIDE_ORG, "AWSLogs/ORGID/*", "AWSLogs/MGMT/*");
    assert_eq!(bucket(&s, &t, &m, MEMBER), Tri::No);
    // A confused-deputy guard naming the owner (StringNotEquals) still delivers...
    let guard = mutate(
        CT_GUIDE_ORG,
        r#""Statement":["#,
        r#""Statement":[{"Sid":"ConfusedDeputy","Effect":"Deny","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:*","Resource":"*","Condition":{"StringNotEquals":{"aws:SourceAccount":"MGMT"}}},"#,
    );
    assert_eq!(bucket(&s, &t, &guard, MEMBER), Tri::Yes);
    // ...and naming another account, it blocks.
    let other = guard.replace(
        r#""aws:SourceAccount":"MGMT""#,
        r#""aws:SourceAccount":"999999999999""#,
    );
    assert_eq!(bucket(&s, &t, &other, MEMBER), Tri::No);
}

#[test]
fn control_tower_log_archive() {
    let s = snapshot();
    let t = org_trail_with_prefix(Some(ORG_ID));
    assert_eq!(bucket(&s, &t, CONTROL_TOWER, MEMBER), Tri::Yes);
    // aws:SourceOrgID naming another organization: blocked.
    let m = CONTROL_TOWER.replace(
        r#""aws:SourceOrgID":"ORGID""#,
        r#""aws:SourceOrgID":"o-zzz999""#,
    );
    assert_eq!(bucket(&s, &t, &m, MEMBER), Tri::No);
    // The TLS-only Deny turned around denies CloudTrail's HTTPS requests.
    let m = mutate(
        CONTROL_TOWER,
        r#""aws:SecureTransport":"false""#,
        r#""aws:SecureTransport":"true""#,
    );
    assert_eq!(bucket(&s, &t, &m, MEMBER), Tri::No);
    // A trail whose owner's organization is unknown (account mode): cannot tell.
    let mut account_mode = snapshot();
    account_mode.organization = None;
    account_mode.mode = trailaudit_model::Mode::Account;
    assert_eq!(bucket(&account_mode, &t, CONTROL_TOWER, MGMT), Tri::Maybe);
}

#[test]
fn security_reference_architecture_bucket() {
    let s = snapshot();
    let t = org_trail_with_prefix(None);
    assert_eq!(bucket(&s, &t, SRA_BUCKET, MEMBER), Tri::Yes);
    // Without the aws:PrincipalIsAWSService exception the Deny applies to
    // CloudTrail: its requests carry no aws:PrincipalOrgID.
    let m = mutate(
        SRA_BUCKET,
        r#","Bool":{"aws:PrincipalIsAWSService":"false"}"#,
        "",
    );
    assert_eq!(bucket(&s, &t, &m, MEMBER), Tri::No);
    // The commented-out "DenyUnencryptedObjectUploads": blocks a trail without
    // SSE-KMS, passes one with it.
    let deny = mutate(
        SRA_BUCKET,
        r#""Statement":["#,
        &format!(r#""Statement":[{SRA_DENY_UNENCRYPTED},"#),
    );
    assert_eq!(bucket(&s, &t, &deny, MEMBER), Tri::No);
    let with_kms = Trail {
        kms_key_id: Some(ORG_KEY.into()),
        ..t.clone()
    };
    assert_eq!(bucket(&s, &with_kms, &deny, MEMBER), Tri::Yes);
}

#[test]
fn security_reference_architecture_key() {
    let s = snapshot();
    let t = org_trail();
    assert_eq!(key(&s, &t, SRA_KEY), Tri::Yes);
    // The encryption context names another account's trails.
    let m = SRA_KEY.replace(
        "arn:aws:cloudtrail:*:MGMT:trail/*",
        "arn:aws:cloudtrail:*:999999999999:trail/*",
    );
    assert_eq!(key(&s, &t, &m), Tri::No);
    // Without the encrypt statement (only decrypt and describe are left).
    let m = mutate(
        SRA_KEY,
        r#""Action":"kms:GenerateDataKey*""#,
        r#""Action":"kms:Encrypt""#,
    );
    assert_eq!(key(&s, &t, &m), Tri::No);
}

#[test]
fn cloudtrail_guide_key_policy() {
    let s = snapshot();
    let t = org_trail();
    assert_eq!(key(&s, &t, CT_GUIDE_KEY), Tri::Yes);
    let m = mutate(
        CT_GUIDE_KEY,
        "us-east-1:MGMT:trail/org",
        "eu-west-1:MGMT:trail/org",
    );
    assert_eq!(key(&s, &t, &m), Tri::No);
}

#[test]
fn data_perimeter_resource_policy() {
    let s = snapshot();
    let t = org_trail_with_prefix(None);
    let with_perimeter = mutate(
        CT_GUIDE_ORG,
        r#""Statement":["#,
        &format!(r#""Statement":[{PERIMETER}"#),
    );
    assert_eq!(bucket(&s, &t, &with_perimeter, MEMBER), Tri::Yes);
    // Without its service exception, the identity perimeter denies CloudTrail.
    let m = mutate(
        &with_perimeter,
        r#"{"aws:PrincipalIsAWSService":"false"}"#,
        "{}",
    );
    assert_eq!(bucket(&s, &t, &m, MEMBER), Tri::No);
    // A network perimeter without the service exceptions depends on the
    // source IP of CloudTrail's request, which cannot be known: unknown.
    let m = mutate(
        &with_perimeter,
        r#""BoolIfExists":{"aws:PrincipalIsAWSService":"false","aws:ViaAWSService":"false"},"#,
        "",
    );
    let m = mutate(
        &m,
        r#""StringEquals":{"aws:PrincipalTag/data-perimeter-include":"true"}"#,
        r#""Null":{"aws:SourceVpc":"true"}"#,
    );
    assert_eq!(bucket(&s, &t, &m, MEMBER), Tri::Maybe);
}

#[test]
fn legacy_per_region_accounts() {
    let s = snapshot();
    assert_eq!(
        bucket(&s, &account_trail("us-east-1"), LEGACY, MGMT),
        Tri::Yes
    );
    assert_eq!(
        bucket(&s, &account_trail("eu-west-1"), LEGACY, MGMT),
        Tri::Yes
    );
    // A region whose account the policy does not list (the legacy form was
    // never extended to newer regions): refused.
    assert_eq!(
        bucket(&s, &account_trail("eu-south-2"), LEGACY, MGMT),
        Tri::No
    );
    let m = LEGACY.replace(
        "arn:aws:iam::086441151436:root",
        "arn:aws:iam::999999999999:root",
    );
    assert_eq!(bucket(&s, &account_trail("us-east-1"), &m, MGMT), Tri::No);
}
