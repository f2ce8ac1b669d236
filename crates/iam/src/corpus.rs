//! AWS's published policies the engine is tested against: CloudTrail's
//! bucket and key policies from its User Guide, AWS Control Tower's log
//! archive, the Security Reference Architecture's organization-trail
//! templates, and the data-perimeter examples (bucket policy statements and
//! resource control policies). Each is as published, with placeholders
//! where the original has them: `BUCKET` (the log bucket), `MGMT` (the
//! management account) and `ORGID` (the organization id); [`fill`] puts
//! values in. The tests of this crate and of the delivery verdict evaluate
//! each for CloudTrail's own requests, and a one-change mutation that flips
//! the verdict.

/// The policy with its placeholders filled.
pub fn fill(policy: &str, bucket: &str, management: &str, org_id: &str) -> String {
    policy
        .replace("BUCKET", bucket)
        .replace("MGMT", management)
        .replace("ORGID", org_id)
}

/// CloudTrail User Guide, "Amazon S3 bucket policy for CloudTrail" (with the
/// `aws:SourceArn` condition the guide recommends).
pub const CT_GUIDE_ACCOUNT: &str = r#"{"Version":"2012-10-17","Statement":[
 {"Sid":"AWSCloudTrailAclCheck20150319","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},
  "Action":"s3:GetBucketAcl","Resource":"arn:aws:s3:::BUCKET",
  "Condition":{"StringEquals":{"aws:SourceArn":"arn:aws:cloudtrail:us-east-1:MGMT:trail/local"}}},
 {"Sid":"AWSCloudTrailWrite20150319","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},
  "Action":"s3:PutObject","Resource":"arn:aws:s3:::BUCKET/AWSLogs/MGMT/*",
  "Condition":{"StringEquals":{"s3:x-amz-acl":"bucket-owner-full-control","aws:SourceArn":"arn:aws:cloudtrail:us-east-1:MGMT:trail/local"}}}]}"#;

/// CloudTrail User Guide, the organization-trail variant of the same page.
pub const CT_GUIDE_ORG: &str = r#"{"Version":"2012-10-17","Statement":[
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
pub const CONTROL_TOWER: &str = r#"{"Version":"2012-10-17","Statement":[
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
pub const SRA_BUCKET: &str = r#"{"Version":"2012-10-17","Statement":[
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
pub const SRA_DENY_UNENCRYPTED: &str = r#"{"Sid":"DenyUnencryptedObjectUploads","Effect":"Deny","Action":"s3:PutObject",
  "Condition":{"StringNotEquals":{"s3:x-amz-server-side-encryption":"aws:kms"}},"Resource":"arn:aws:s3:::BUCKET/*","Principal":"*"}"#;

/// SRA, sra-cloudtrail-org-kms.yaml: the CloudTrail statements of the key policy.
pub const SRA_KEY: &str = r#"{"Version":"2012-10-17","Statement":[
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
pub const CT_GUIDE_KEY: &str = r#"{"Version":"2012-10-17","Statement":[
 {"Sid":"Allow CloudTrail to encrypt logs","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},
  "Action":"kms:GenerateDataKey*","Resource":"*",
  "Condition":{"StringEquals":{"aws:SourceArn":"arn:aws:cloudtrail:us-east-1:MGMT:trail/org"},
               "StringLike":{"kms:EncryptionContext:aws:cloudtrail:arn":"arn:aws:cloudtrail:*:MGMT:trail/*"}}},
 {"Sid":"Allow CloudTrail to describe key","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},
  "Action":"kms:DescribeKey","Resource":"*"}]}"#;

/// aws-samples/data-perimeter-policy-examples, resource_based_policies/s3_bucket_policy.json:
/// the identity and network perimeter statements (with the service
/// exceptions), prepended to the CloudTrail User Guide's organization policy.
pub const PERIMETER: &str = r#"{"Sid":"EnforceIdentityPerimeter","Effect":"Deny","Principal":"*","Action":"s3:*",
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
pub const LEGACY: &str = r#"{"Version":"2012-10-17","Statement":[
 {"Sid":"AWSCloudTrailAclCheck20131101","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::903692715234:root","arn:aws:iam::859597730677:root","arn:aws:iam::814480443879:root","arn:aws:iam::216624486486:root","arn:aws:iam::086441151436:root","arn:aws:iam::388731089494:root","arn:aws:iam::284668455005:root","arn:aws:iam::113285607260:root","arn:aws:iam::035351147821:root"]},
  "Action":"s3:GetBucketAcl","Resource":"arn:aws:s3:::BUCKET"},
 {"Sid":"AWSCloudTrailWrite20131101","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::903692715234:root","arn:aws:iam::859597730677:root","arn:aws:iam::814480443879:root","arn:aws:iam::216624486486:root","arn:aws:iam::086441151436:root","arn:aws:iam::388731089494:root","arn:aws:iam::284668455005:root","arn:aws:iam::113285607260:root","arn:aws:iam::035351147821:root"]},
  "Action":"s3:PutObject","Resource":"arn:aws:s3:::BUCKET/AWSLogs/MGMT/*","Condition":{"StringEquals":{"s3:x-amz-acl":"bucket-owner-full-control"}}}]}"#;

/// AWS's published data-perimeter RCPs (aws-samples/
/// data-perimeter-policy-examples, resource_control_policies/), with
/// the organization filled in: they exempt AWS services acting for the
/// organization, so CloudTrail still delivers.
pub const RCP_IDENTITY_PERIMETER: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Sid":"EnforceOrgIdentities","Effect":"Deny","Principal":"*",
   "Action":["s3:*","sqs:*","kms:*","secretsmanager:*","sts:AssumeRole"],"Resource":"*",
   "Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"o-abc123","aws:PrincipalAccount":["333333333333"],"aws:ResourceTag/dp:exclude:identity":"true"},
                "BoolIfExists":{"aws:PrincipalIsAWSService":"false"}}},
  {"Sid":"EnforceConfusedDeputyProtection","Effect":"Deny","Principal":"*",
   "Action":["s3:*","sqs:*","kms:*","secretsmanager:*","sts:*"],"Resource":"*",
   "Condition":{"StringNotEqualsIfExists":{"aws:SourceOrgID":"o-abc123","aws:SourceAccount":["333333333333"],"aws:ResourceTag/dp:exclude:identity":"true"},
                "Null":{"aws:SourceAccount":"false"},
                "Bool":{"aws:PrincipalIsAWSService":"true"}}}]}"#;
/// The same repository's network perimeter RCP (resource_control_policies/).
pub const RCP_NETWORK_PERIMETER: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Sid":"EnforceNetworkPerimeter","Effect":"Deny","Principal":"*",
   "Action":["s3:*","sqs:*","kms:*","secretsmanager:*"],"Resource":"*",
   "Condition":{"NotIpAddressIfExists":{"aws:SourceIp":"192.0.2.0/24"},
                "StringNotEqualsIfExists":{"aws:SourceVpc":"vpc-12345678","aws:PrincipalTag/dp:exclude:network":"true","aws:ResourceTag/dp:exclude:network":"true"},
                "BoolIfExists":{"aws:PrincipalIsAWSService":"false","aws:ViaAWSService":"false"},
                "ArnNotLikeIfExists":{"aws:PrincipalArn":["arn:aws:iam::*:role/aws:ec2-infrastructure"]},
                "StringEquals":{"aws:PrincipalTag/dp:include:network":"true"}}}]}"#;
