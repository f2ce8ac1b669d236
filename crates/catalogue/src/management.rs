//! Which management events are what: global service events (recorded in
//! us-east-1) and well-known names. Data event types and their names live in
//! [`crate::data_types`]; an
//! unknown event name is a management event, with a warning.

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
        for (_, src) in KNOWN_MANAGEMENT {
            assert!(src.ends_with(".amazonaws.com"));
        }
        assert!(read_only_by_name("DescribeInstances"));
        assert!(!read_only_by_name("RunInstances"));
    }
}
