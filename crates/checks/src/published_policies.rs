//! AWS's published bucket and key policies, each evaluated for CloudTrail's
//! own requests with its expected verdict, and a mutated copy (one change)
//! that flips it. Placeholders are filled with the fixture's organization:
//! management account 111111111111, member 222222222222, organization
//! o-abc123, trail `arn:aws:cloudtrail:us-east-1:111111111111:trail/org`.

use trailaudit_model::{Fact, Snapshot, Trail};

use crate::analysis::{delivery_decision, key_decision};
use crate::fixture::*;
use crate::selectors::Tri;

const BUCKET: &str = "org-logs";

fn fill(policy: &str) -> String {
    policy
        .replace("BUCKET", BUCKET)
        .replace("MGMT", MGMT)
        .replace("ORGID", ORG_ID)
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

/// CloudTrail User Guide, "Amazon S3 bucket policy for CloudTrail" (with the
/// `aws:SourceArn` condition the guide recommends).
const CT_GUIDE_ACCOUNT: &str = r#"{"Version":"2012-10-17","Statement":[
 {"Sid":"AWSCloudTrailAclCheck20150319","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},
  "Action":"s3:GetBucketAcl","Resource":"arn:aws:s3:::BUCKET",
  "Condition":{"StringEquals":{"aws:SourceArn":"arn:aws:cloudtrail:us-east-1:MGMT:trail/local"}}},
 {"Sid":"AWSCloudTrailWrite20150319","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},
  "Action":"s3:PutObject","Resource":"arn:aws:s3:::BUCKET/AWSLogs/MGMT/*",
  "Condition":{"StringEquals":{"s3:x-amz-acl":"bucket-owner-full-control","aws:SourceArn":"arn:aws:cloudtrail:us-east-1:MGMT:trail/local"}}}]}"#;

/// CloudTrail User Guide, the organization-trail variant of the same page.
const CT_GUIDE_ORG: &str = r#"{"Version":"2012-10-17","Statement":[
 {"Sid":"AWSCloudTrailAclCheck20150319","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},
  "Action":"s3:GetBucketAcl","Resource":"arn:aws:s3:::BUCKET",
  "Condition":{"StringEquals":{"aws:SourceArn":"arn:aws:cloudtrail:us-east-1:MGMT:trail/org"}}},
 {"Sid":"AWSCloudTrailWrite20150319","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},
  "Action":"s3:PutObject","Resource":"arn:aws:s3:::BUCKET/AWSLogs/MGMT/*",
  "Condition":{"StringEquals":{"s3:x-amz-acl":"bucket-owner-full-control","aws:SourceArn":"arn:aws:cloudtrail:us-east-1:MGMT:trail/org"}}},
 {"Sid":"AWSCloudTrailOrganizationWrite20150319","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},
  "Action":"s3:PutObject","Resource":"arn:aws:s3:::BUCKET/AWSLogs/ORGID/*",
  "Condition":{"StringEquals":{"s3:x-amz-acl":"bucket-owner-full-control","aws:SourceArn":"arn:aws:cloudtrail:us-east-1:MGMT:trail/org"}}}]}"#;

/// AWS Control Tower User Guide, "Amazon S3 bucket policy" of the log archive
/// (landing zone before 4.0, shared with AWS Config; the trail's key prefix
/// is the organization id).
const CONTROL_TOWER: &str = r#"{"Version":"2012-10-17","Statement":[
 {"Sid":"AllowSSLRequestsOnly","Effect":"Deny","Principal":"*","Action":"s3:*",
  "Resource":["arn:aws:s3:::BUCKET","arn:aws:s3:::BUCKET/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}},
 {"Sid":"AWSBucketPermissionsCheck","Effect":"Allow","Principal":{"Service":["cloudtrail.amazonaws.com","config.amazonaws.com"]},
  "Action":"s3:GetBucketAcl","Resource":"arn:aws:s3:::BUCKET","Condition":{"StringEquals":{"aws:SourceOrgID":"ORGID"}}},
 {"Sid":"AWSConfigBucketExistenceCheck","Effect":"Allow","Principal":{"Service":["cloudtrail.amazonaws.com","config.amazonaws.com"]},
  "Action":"s3:ListBucket","Resource":"arn:aws:s3:::BUCKET","Condition":{"StringEquals":{"aws:SourceOrgID":"ORGID"}}},
 {"Sid":"AWSBucketDeliveryForConfig","Effect":"Allow","Principal":{"Service":"config.amazonaws.com"},
  "Action":"s3:PutObject","Resource":"arn:aws:s3:::BUCKET/ORGID/AWSLogs/*/*","Condition":{"StringEquals":{"aws:SourceOrgID":"ORGID"}}},
 {"Sid":"AWSBucketDeliveryForOrganizationTrail","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},
  "Action":"s3:PutObject","Resource":"arn:aws:s3:::BUCKET/ORGID/AWSLogs/*/*","Condition":{"StringEquals":{"aws:SourceOrgID":"ORGID"}}}]}"#;

/// Security Reference Architecture, aws-samples/aws-security-reference-architecture-examples,
/// solutions/cloudtrail/cloudtrail_org/templates/sra-cloudtrail-org-bucket.yaml (trail sra-org-trail).
const SRA_BUCKET: &str = r#"{"Version":"2012-10-17","Statement":[
 {"Sid":"DenyExternalPrincipals","Effect":"Deny","Action":["s3:GetObject*","s3:ListBucket","s3:PutObject"],"Principal":"*",
  "Resource":["arn:aws:s3:::BUCKET","arn:aws:s3:::BUCKET/*"],
  "Condition":{"StringNotEquals":{"aws:PrincipalOrgID":"ORGID"},"Bool":{"aws:PrincipalIsAWSService":"false"}}},
 {"Sid":"AWSBucketPermissionsCheck","Effect":"Allow","Action":["s3:GetBucketAcl","s3:ListBucket"],
  "Resource":"arn:aws:s3:::BUCKET","Principal":{"Service":["cloudtrail.amazonaws.com"]}},
 {"Sid":"AWSCloudTrailAccountWrite","Effect":"Allow","Action":"s3:PutObject",
  "Condition":{"StringEquals":{"s3:x-amz-acl":"bucket-owner-full-control","aws:SourceArn":"arn:aws:cloudtrail:us-east-1:MGMT:trail/org"}},
  "Resource":"arn:aws:s3:::BUCKET/AWSLogs/MGMT/*","Principal":{"Service":["cloudtrail.amazonaws.com"]}},
 {"Sid":"AWSCloudTrailOrgWrite","Effect":"Allow","Action":"s3:PutObject",
  "Condition":{"StringEquals":{"s3:x-amz-acl":"bucket-owner-full-control","aws:SourceArn":"arn:aws:cloudtrail:us-east-1:MGMT:trail/org"}},
  "Resource":"arn:aws:s3:::BUCKET/AWSLogs/ORGID/*","Principal":{"Service":["cloudtrail.amazonaws.com"]}},
 {"Sid":"SecureTransport","Effect":"Deny","Action":"s3:*","Condition":{"Bool":{"aws:SecureTransport":"false"}},
  "Resource":["arn:aws:s3:::BUCKET","arn:aws:s3:::BUCKET/*"],"Principal":"*"}]}"#;

/// The same template's commented-out statement ("These statements prevent
/// creating the Org Trail"): only SSE-KMS uploads.
const SRA_DENY_UNENCRYPTED: &str = r#"{"Sid":"DenyUnencryptedObjectUploads","Effect":"Deny","Action":"s3:PutObject",
  "Condition":{"StringNotEquals":{"s3:x-amz-server-side-encryption":"aws:kms"}},"Resource":"arn:aws:s3:::BUCKET/*","Principal":"*"}"#;

/// SRA, sra-cloudtrail-org-kms.yaml: the CloudTrail statements of the key policy.
const SRA_KEY: &str = r#"{"Version":"2012-10-17","Statement":[
 {"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::MGMT:root"},"Action":"kms:*","Resource":"*"},
 {"Sid":"Allow CloudTrail to encrypt logs","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},
  "Action":"kms:GenerateDataKey*","Resource":"*",
  "Condition":{"StringLike":{"kms:EncryptionContext:aws:cloudtrail:arn":"arn:aws:cloudtrail:*:MGMT:trail/*"}}},
 {"Sid":"Allow CloudTrail to decrypt log files","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::MGMT:root"]},
  "Action":"kms:Decrypt","Resource":"*","Condition":{"Null":{"kms:EncryptionContext:aws:cloudtrail:arn":"false"}}},
 {"Sid":"Allow CloudTrail to describe key","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},
  "Action":"kms:DescribeKey","Resource":"*"}]}"#;

/// CloudTrail User Guide, "Configure AWS KMS key policies for CloudTrail":
/// the encrypt statement with the confused-deputy `aws:SourceArn` condition.
const CT_GUIDE_KEY: &str = r#"{"Version":"2012-10-17","Statement":[
 {"Sid":"Allow CloudTrail to encrypt logs","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},
  "Action":"kms:GenerateDataKey*","Resource":"*",
  "Condition":{"StringEquals":{"aws:SourceArn":"arn:aws:cloudtrail:us-east-1:MGMT:trail/org"},
               "StringLike":{"kms:EncryptionContext:aws:cloudtrail:arn":"arn:aws:cloudtrail:*:MGMT:trail/*"}}},
 {"Sid":"Allow CloudTrail to describe key","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},
  "Action":"kms:DescribeKey","Resource":"*"}]}"#;

/// aws-samples/data-perimeter-policy-examples, resource_based_policies/s3_bucket_policy.json:
/// the identity and network perimeter statements (with the service
/// exceptions), prepended to the CloudTrail User Guide's organization policy.
const PERIMETER: &str = r#"{"Sid":"EnforceIdentityPerimeter","Effect":"Deny","Principal":"*","Action":"s3:*",
  "Resource":["arn:aws:s3:::BUCKET","arn:aws:s3:::BUCKET/*"],
  "Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"ORGID","aws:PrincipalAccount":["333333333333"]},
               "BoolIfExists":{"aws:PrincipalIsAWSService":"false"}}},
 {"Sid":"EnforceNetworkPerimeter","Effect":"Deny","Principal":"*","Action":"s3:*",
  "Resource":["arn:aws:s3:::BUCKET","arn:aws:s3:::BUCKET/*"],
  "Condition":{"NotIpAddressIfExists":{"aws:SourceIp":"192.0.2.0/24"},
               "StringNotEqualsIfExists":{"aws:SourceVpc":"vpc-1","aws:PrincipalTag/network-perimeter-exception":"true","aws:PrincipalAccount":["333333333333"]},
               "BoolIfExists":{"aws:PrincipalIsAWSService":"false","aws:ViaAWSService":"false"},
               "ArnNotLikeIfExists":{"aws:PrincipalArn":"arn:aws:iam::MGMT:role/aws-service-role/*"},
               "StringEquals":{"aws:PrincipalTag/data-perimeter-include":"true"}}},"#;

/// The legacy form: CloudTrail's per-region AWS accounts instead of the
/// service principal (the nine regions of the original CloudTrail guide).
const LEGACY: &str = r#"{"Version":"2012-10-17","Statement":[
 {"Sid":"AWSCloudTrailAclCheck20131101","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::903692715234:root","arn:aws:iam::859597730677:root","arn:aws:iam::814480443879:root","arn:aws:iam::216624486486:root","arn:aws:iam::086441151436:root","arn:aws:iam::388731089494:root","arn:aws:iam::284668455005:root","arn:aws:iam::113285607260:root","arn:aws:iam::035351147821:root"]},
  "Action":"s3:GetBucketAcl","Resource":"arn:aws:s3:::BUCKET"},
 {"Sid":"AWSCloudTrailWrite20131101","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::903692715234:root","arn:aws:iam::859597730677:root","arn:aws:iam::814480443879:root","arn:aws:iam::216624486486:root","arn:aws:iam::086441151436:root","arn:aws:iam::388731089494:root","arn:aws:iam::284668455005:root","arn:aws:iam::113285607260:root","arn:aws:iam::035351147821:root"]},
  "Action":"s3:PutObject","Resource":"arn:aws:s3:::BUCKET/AWSLogs/MGMT/*","Condition":{"StringEquals":{"s3:x-amz-acl":"bucket-owner-full-control"}}}]}"#;

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
