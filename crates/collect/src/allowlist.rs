//! The read-only allowlist: every AWS operation the audit may call, and the
//! IAM action each one needs.
//!
//! The [`crate::aws::Guard`] interceptor refuses any operation not listed here
//! before it is signed or sent, and `audit policy` derives the least-privilege
//! IAM policy from the same table. Only Describe/Get/List/Lookup and
//! `sts:AssumeRole` appear: adding a write here is a review-blocking change.

/// One allowed operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllowedOperation {
    /// Service name as the SDK reports it (`CloudTrail`, `S3`...).
    pub sdk_service: &'static str,
    /// Operation name as the SDK reports it (`DescribeTrails`).
    pub operation: &'static str,
    /// IAM action needed (`cloudtrail:DescribeTrails`).
    pub iam_action: &'static str,
    /// Why the tool calls it.
    pub purpose: &'static str,
}

const fn op(
    sdk_service: &'static str,
    operation: &'static str,
    iam_action: &'static str,
    purpose: &'static str,
) -> AllowedOperation {
    AllowedOperation {
        sdk_service,
        operation,
        iam_action,
        purpose,
    }
}

/// Every operation the tool may send. Nothing else leaves the process.
pub const ALLOWED_OPERATIONS: &[AllowedOperation] = &[
    op(
        "STS",
        "GetCallerIdentity",
        "sts:GetCallerIdentity",
        "who runs the audit",
    ),
    op(
        "STS",
        "AssumeRole",
        "sts:AssumeRole",
        "enter each member account, once per run",
    ),
    op(
        "Organizations",
        "DescribeOrganization",
        "organizations:DescribeOrganization",
        "organization id and management account",
    ),
    op(
        "Organizations",
        "ListRoots",
        "organizations:ListRoots",
        "walk the OU tree",
    ),
    op(
        "Organizations",
        "ListOrganizationalUnitsForParent",
        "organizations:ListOrganizationalUnitsForParent",
        "walk the OU tree",
    ),
    op(
        "Organizations",
        "ListAccountsForParent",
        "organizations:ListAccountsForParent",
        "accounts with their OU path",
    ),
    op(
        "Organizations",
        "ListAccounts",
        "organizations:ListAccounts",
        "accounts when the OU tree cannot be read",
    ),
    op(
        "Organizations",
        "ListDelegatedAdministrators",
        "organizations:ListDelegatedAdministrators",
        "CloudTrail's delegated administrators",
    ),
    op(
        "Organizations",
        "ListAWSServiceAccessForOrganization",
        "organizations:ListAWSServiceAccessForOrganization",
        "whether trusted access for CloudTrail is enabled (organization trails reach members only then)",
    ),
    op(
        "Organizations",
        "ListPoliciesForTarget",
        "organizations:ListPoliciesForTarget",
        "resource control policies above the accounts owning log buckets and keys",
    ),
    op(
        "Organizations",
        "DescribePolicy",
        "organizations:DescribePolicy",
        "resource control policy documents (may deny CloudTrail's delivery)",
    ),
    op(
        "Account",
        "ListRegions",
        "account:ListRegions",
        "regions enabled for each account",
    ),
    op(
        "CloudTrail",
        "DescribeTrails",
        "cloudtrail:DescribeTrails",
        "trails per account and region",
    ),
    op(
        "CloudTrail",
        "GetTrailStatus",
        "cloudtrail:GetTrailStatus",
        "logging state and delivery errors",
    ),
    op(
        "CloudTrail",
        "GetEventSelectors",
        "cloudtrail:GetEventSelectors",
        "which events a trail records",
    ),
    op(
        "CloudTrail",
        "GetInsightSelectors",
        "cloudtrail:GetInsightSelectors",
        "Insights events",
    ),
    op(
        "CloudTrail",
        "ListEventDataStores",
        "cloudtrail:ListEventDataStores",
        "CloudTrail Lake coverage",
    ),
    op(
        "CloudTrail",
        "GetEventDataStore",
        "cloudtrail:GetEventDataStore",
        "CloudTrail Lake selectors",
    ),
    op(
        "CloudTrail",
        "LookupEvents",
        "cloudtrail:LookupEvents",
        "90-day event history: who changed coverage (audit org, audit why)",
    ),
    op(
        "S3",
        "ListBuckets",
        "s3:ListAllMyBuckets",
        "find which account owns a log bucket",
    ),
    op(
        "S3",
        "GetBucketLocation",
        "s3:GetBucketLocation",
        "bucket region",
    ),
    op(
        "S3",
        "GetBucketPolicy",
        "s3:GetBucketPolicy",
        "delivery permissions and public access",
    ),
    op("S3", "GetBucketAcl", "s3:GetBucketAcl", "public ACL grants"),
    op(
        "S3",
        "GetBucketLifecycleConfiguration",
        "s3:GetLifecycleConfiguration",
        "log retention",
    ),
    op(
        "S3",
        "GetBucketVersioning",
        "s3:GetBucketVersioning",
        "tamper resistance and noncurrent retention",
    ),
    op(
        "S3",
        "GetBucketEncryption",
        "s3:GetEncryptionConfiguration",
        "default encryption",
    ),
    op(
        "S3",
        "GetPublicAccessBlock",
        "s3:GetBucketPublicAccessBlock",
        "public access block",
    ),
    op(
        "S3",
        "GetBucketLogging",
        "s3:GetBucketLogging",
        "access logging on the log bucket",
    ),
    op(
        "S3",
        "GetObjectLockConfiguration",
        "s3:GetBucketObjectLockConfiguration",
        "Object Lock retention",
    ),
    op(
        "S3",
        "GetBucketRequestPayment",
        "s3:GetBucketRequestPayment",
        "Requester Pays (CloudTrail cannot deliver to such a bucket)",
    ),
    op(
        "S3",
        "ListObjectsV2",
        "s3:ListBucket",
        "delivery probe: newest log and digest objects",
    ),
    op(
        "S3",
        "GetObject",
        "s3:GetObject",
        "audit why: read the log file that should hold the event",
    ),
    op(
        "S3",
        "HeadObject",
        "s3:GetObject",
        "audit verify --integrity: each log file a digest lists still exists",
    ),
    op(
        "CloudTrail",
        "ListPublicKeys",
        "cloudtrail:ListPublicKeys",
        "audit verify --integrity: the public keys that sign digest files",
    ),
    op("KMS", "DescribeKey", "kms:DescribeKey", "key state"),
    op(
        "KMS",
        "GetKeyRotationStatus",
        "kms:GetKeyRotationStatus",
        "key rotation",
    ),
    op(
        "KMS",
        "GetKeyPolicy",
        "kms:GetKeyPolicy",
        "whether CloudTrail may use the key",
    ),
    op(
        "CloudWatch Logs",
        "DescribeLogGroups",
        "logs:DescribeLogGroups",
        "log group retention",
    ),
];

/// True when the SDK operation is allowed.
pub fn is_allowed(sdk_service: &str, operation: &str) -> bool {
    ALLOWED_OPERATIONS
        .iter()
        .any(|o| o.operation == operation && same_service(o.sdk_service, sdk_service))
}

/// The IAM action for an allowed SDK operation.
pub fn iam_action(sdk_service: &str, operation: &str) -> Option<&'static str> {
    ALLOWED_OPERATIONS
        .iter()
        .find(|o| o.operation == operation && same_service(o.sdk_service, sdk_service))
        .map(|o| o.iam_action)
}

fn same_service(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase()
    };
    norm(a) == norm(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_read_operations_are_allowed() {
        for o in ALLOWED_OPERATIONS {
            let read = ["Describe", "Get", "List", "Lookup", "Head"]
                .iter()
                .any(|p| o.operation.starts_with(p));
            assert!(
                read || o.operation == "AssumeRole",
                "{} is not a read operation",
                o.operation
            );
            let (svc, action) = o.iam_action.split_once(':').expect("service:Action");
            assert!(!svc.is_empty() && !action.is_empty());
        }
    }

    #[test]
    fn writes_are_refused() {
        assert!(is_allowed("CloudTrail", "DescribeTrails"));
        assert!(is_allowed("cloudtrail", "DescribeTrails"));
        assert!(!is_allowed("CloudTrail", "StopLogging"));
        assert!(!is_allowed("CloudTrail", "DeleteTrail"));
        assert!(!is_allowed("S3", "PutBucketPolicy"));
        assert!(is_allowed("CloudWatch Logs", "DescribeLogGroups"));
        assert_eq!(
            iam_action("S3", "GetBucketLifecycleConfiguration"),
            Some("s3:GetLifecycleConfiguration")
        );
    }
}

/// The IAM actions of the allowlist, sorted, without `sts:AssumeRole`.
pub fn read_actions() -> Vec<&'static str> {
    let mut v: Vec<&str> = ALLOWED_OPERATIONS
        .iter()
        .map(|o| o.iam_action)
        .filter(|a| *a != "sts:AssumeRole")
        .collect();
    v.sort();
    v.dedup();
    v
}

/// The three policy documents: the audit role's permissions (in every
/// member), the auditor's identity policy (management or delegated audit
/// account), and the audit role's trust policy.
pub fn policy_documents(
    role_name: &str,
    trusted_account: &str,
    external_id: Option<&str>,
) -> [(String, String); 3] {
    let pretty = |v: serde_json::Value| serde_json::to_string_pretty(&v).expect("json");
    // Log files encrypted with SSE-KMS: S3 decrypts them for s3:GetObject
    // (`audit why`, `--verify-previous`) with the reader's kms:Decrypt, so
    // it is granted through S3 only; trailaudit never calls KMS Decrypt.
    let decrypt = serde_json::json!({
        "Sid": "TrailauditReadEncryptedLogFiles",
        "Effect": "Allow",
        "Action": "kms:Decrypt",
        "Resource": "*",
        "Condition": {"StringLike": {"kms:ViaService": "s3.*.amazonaws.com"}}
    });
    let role = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "TrailauditReadOnly",
            "Effect": "Allow",
            "Action": read_actions(),
            "Resource": "*"
        }, decrypt]
    });
    let auditor = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "TrailauditReadOnly", "Effect": "Allow", "Action": read_actions(), "Resource": "*"},
            decrypt,
            {"Sid": "TrailauditAssumeAuditRole", "Effect": "Allow", "Action": "sts:AssumeRole",
             "Resource": format!("arn:aws:iam::*:role/{role_name}")}
        ]
    });
    let mut trust_statement = serde_json::json!({
        "Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{trusted_account}:root")},
        "Action": "sts:AssumeRole"
    });
    if let Some(id) = external_id {
        trust_statement["Condition"] = serde_json::json!({"StringEquals": {"sts:ExternalId": id}});
    }
    let trust = serde_json::json!({"Version": "2012-10-17", "Statement": [trust_statement]});
    [
        (
            format!("permissions policy of the audit role `{role_name}` (in every member account)"),
            pretty(role),
        ),
        (
            "identity policy of the auditor (management or delegated audit account)".to_string(),
            pretty(auditor),
        ),
        (
            format!("trust policy of the audit role `{role_name}`"),
            pretty(trust),
        ),
    ]
}

/// `docs/permissions.md`, generated from the allowlist.
pub fn permissions_markdown() -> String {
    let mut s = String::from("# Permissions\n\n<!-- Generated by `cargo xtask docs` from crates/collect/src/allowlist.rs. Do not edit. -->\n\n");
    s.push_str("trailaudit sends only the operations below; an SDK interceptor refuses any other before it is signed. `audit policy` prints the same policies with your role name, account and external id.\n\n");
    s.push_str("| service | operation | IAM action | why |\n|---|---|---|---|\n");
    for o in ALLOWED_OPERATIONS {
        s.push_str(&format!(
            "| {} | {} | `{}` | {} |\n",
            o.sdk_service, o.operation, o.iam_action, o.purpose
        ));
    }
    for (title, doc) in policy_documents(
        "OrganizationAccountAccessRole",
        "MANAGEMENT_ACCOUNT_ID",
        Some("EXTERNAL_ID"),
    ) {
        s.push_str(&format!(
            "\n## {}{}\n\n```json\n{doc}\n```\n",
            title[..1].to_uppercase(),
            &title[1..]
        ));
    }
    s
}

#[cfg(test)]
mod docs_tests {
    use super::*;

    #[test]
    fn docs_permissions_md_is_up_to_date() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/permissions.md");
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            on_disk == permissions_markdown(),
            "docs/permissions.md is stale: run `cargo xtask docs` and commit the result"
        );
    }

    #[test]
    fn policies_hold_only_read_actions_and_the_role_assumption() {
        let [(_, role), (_, auditor), (_, trust)] =
            policy_documents("Audit", "111122223333", Some("x"));
        for a in read_actions() {
            assert!(role.contains(a) && auditor.contains(a));
            let verb = a.split(':').nth(1).unwrap();
            assert!(
                ["Describe", "Get", "List", "Lookup"]
                    .iter()
                    .any(|p| verb.starts_with(p)),
                "{a}"
            );
        }
        assert!(!role.contains("sts:AssumeRole"));
        assert!(auditor.contains("arn:aws:iam::*:role/Audit"));
        assert!(
            trust.contains("arn:aws:iam::111122223333:root") && trust.contains("sts:ExternalId")
        );
    }
}
