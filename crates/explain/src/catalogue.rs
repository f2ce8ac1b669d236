//! Which events are what: data events (never logged unless selected), global
//! service events (recorded in us-east-1), and management events. Data, kept
//! in code and tested; an unknown event name is a management event, with a
//! warning.

/// A data event type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataEventType {
    /// `eventSource`.
    pub source: &'static str,
    /// `resources.type`.
    pub resource_type: &'static str,
    /// Event names.
    pub names: &'static [&'static str],
    /// Names that are read-only.
    pub read_only: &'static [&'static str],
}

/// The common data event types.
pub const DATA_EVENTS: &[DataEventType] = &[
    DataEventType {
        source: "s3.amazonaws.com",
        resource_type: "AWS::S3::Object",
        names: &[
            "GetObject",
            "HeadObject",
            "PutObject",
            "DeleteObject",
            "DeleteObjects",
            "CopyObject",
            "GetObjectAcl",
            "PutObjectAcl",
            "GetObjectTagging",
            "PutObjectTagging",
            "DeleteObjectTagging",
            "GetObjectAttributes",
            "GetObjectRetention",
            "PutObjectRetention",
            "GetObjectLegalHold",
            "PutObjectLegalHold",
            "RestoreObject",
            "SelectObjectContent",
            "CreateMultipartUpload",
            "UploadPart",
            "UploadPartCopy",
            "CompleteMultipartUpload",
            "AbortMultipartUpload",
            "ListParts",
        ],
        read_only: &[
            "GetObject",
            "HeadObject",
            "GetObjectAcl",
            "GetObjectTagging",
            "GetObjectAttributes",
            "GetObjectRetention",
            "GetObjectLegalHold",
            "SelectObjectContent",
            "ListParts",
        ],
    },
    DataEventType {
        source: "lambda.amazonaws.com",
        resource_type: "AWS::Lambda::Function",
        names: &[
            "Invoke",
            "InvokeWithResponseStream",
            "Invoke20150331",
            "InvokeAsync",
        ],
        read_only: &[],
    },
    DataEventType {
        source: "dynamodb.amazonaws.com",
        resource_type: "AWS::DynamoDB::Table",
        names: &[
            "GetItem",
            "PutItem",
            "UpdateItem",
            "DeleteItem",
            "Query",
            "Scan",
            "BatchGetItem",
            "BatchWriteItem",
            "TransactGetItems",
            "TransactWriteItems",
            "ExecuteStatement",
            "BatchExecuteStatement",
            "ExecuteTransaction",
        ],
        read_only: &[
            "GetItem",
            "Query",
            "Scan",
            "BatchGetItem",
            "TransactGetItems",
        ],
    },
    DataEventType {
        source: "sns.amazonaws.com",
        resource_type: "AWS::SNS::Topic",
        names: &["Publish", "PublishBatch"],
        read_only: &[],
    },
    DataEventType {
        source: "sqs.amazonaws.com",
        resource_type: "AWS::SQS::Queue",
        names: &[
            "SendMessage",
            "SendMessageBatch",
            "ReceiveMessage",
            "DeleteMessage",
            "DeleteMessageBatch",
            "ChangeMessageVisibility",
        ],
        read_only: &["ReceiveMessage"],
    },
    DataEventType {
        source: "secretsmanager.amazonaws.com",
        resource_type: "AWS::SecretsManager::Secret",
        names: &["GetSecretValue", "BatchGetSecretValue"],
        read_only: &["GetSecretValue", "BatchGetSecretValue"],
    },
];

/// Sources whose events are recorded in us-east-1 (global services).
pub const GLOBAL_SOURCES: &[&str] = &[
    "iam.amazonaws.com",
    "sts.amazonaws.com",
    "signin.amazonaws.com",
    "cloudfront.amazonaws.com",
    "organizations.amazonaws.com",
    "route53.amazonaws.com",
];

/// Well-known management event names and their sources (to infer a source
/// when none is given).
pub const KNOWN_MANAGEMENT: &[(&str, &str)] = &[
    ("CreateUser", "iam.amazonaws.com"),
    ("DeleteUser", "iam.amazonaws.com"),
    ("CreateRole", "iam.amazonaws.com"),
    ("DeleteRole", "iam.amazonaws.com"),
    ("AttachRolePolicy", "iam.amazonaws.com"),
    ("PutRolePolicy", "iam.amazonaws.com"),
    ("AttachUserPolicy", "iam.amazonaws.com"),
    ("CreateAccessKey", "iam.amazonaws.com"),
    ("UpdateAssumeRolePolicy", "iam.amazonaws.com"),
    ("ConsoleLogin", "signin.amazonaws.com"),
    ("CreateAccount", "organizations.amazonaws.com"),
    ("InviteAccountToOrganization", "organizations.amazonaws.com"),
    ("CreateDistribution", "cloudfront.amazonaws.com"),
    ("ChangeResourceRecordSets", "route53.amazonaws.com"),
    ("RunInstances", "ec2.amazonaws.com"),
    ("TerminateInstances", "ec2.amazonaws.com"),
    ("AuthorizeSecurityGroupIngress", "ec2.amazonaws.com"),
    ("CreateBucket", "s3.amazonaws.com"),
    ("DeleteBucket", "s3.amazonaws.com"),
    ("PutBucketPolicy", "s3.amazonaws.com"),
    ("CreateFunction20150331", "lambda.amazonaws.com"),
    ("StopLogging", "cloudtrail.amazonaws.com"),
    ("DeleteTrail", "cloudtrail.amazonaws.com"),
    ("Decrypt", "kms.amazonaws.com"),
    ("ScheduleKeyDeletion", "kms.amazonaws.com"),
    ("CreateDBInstance", "rds.amazonaws.com"),
];

/// Read-only by naming convention (management events).
pub fn read_only_by_name(name: &str) -> bool {
    [
        "Get", "List", "Describe", "Lookup", "Head", "Search", "Select", "Query", "Scan",
        "BatchGet",
    ]
    .iter()
    .any(|p| name.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_is_consistent() {
        for d in DATA_EVENTS {
            for r in d.read_only {
                assert!(
                    d.names.contains(r),
                    "{r} listed read-only but not as a name of {}",
                    d.source
                );
            }
            assert!(d.resource_type.starts_with("AWS::"));
        }
        for (_, src) in KNOWN_MANAGEMENT {
            assert!(src.ends_with(".amazonaws.com"));
        }
        assert!(read_only_by_name("DescribeInstances"));
        assert!(!read_only_by_name("RunInstances"));
    }
}
