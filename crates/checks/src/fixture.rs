//! Minimal snapshots for unit tests: a management account and one member,
//! each with us-east-1 and eu-west-1 listed, no trails; builders add the rest.

use chrono::{DateTime, TimeZone, Utc};
use trailaudit_model::*;

pub const MGMT: &str = "111111111111";
pub const MEMBER: &str = "222222222222";
pub const ORG_ID: &str = "o-abc123";
pub const ORG_TRAIL: &str = "arn:aws:cloudtrail:us-east-1:111111111111:trail/org";
pub const ORG_KEY: &str = "arn:aws:kms:us-east-1:111111111111:key/k1";

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap()
}

fn region(r: &str) -> AccountRegion {
    AccountRegion {
        region: r.into(),
        status: RegionStatus::Collected,
        trails: vec![],
        event_data_stores: Fact::Collected { value: vec![] },
        footprint: None,
    }
}

fn account(id: &str, name: &str, access: Access, mgmt: bool) -> Account {
    Account {
        id: id.into(),
        name: name.into(),
        email: None,
        status: AccountStatus::Active,
        ou_path: if mgmt {
            "Root".into()
        } else {
            "Root/Prod".into()
        },
        is_management: mgmt,
        access,
        regions: vec![region("us-east-1"), region("eu-west-1")],
    }
}

pub fn snapshot() -> Snapshot {
    Snapshot {
        schema_version: SCHEMA_VERSION,
        tool_version: "test".into(),
        arguments: vec![],
        mode: Mode::Organization,
        caller: CallerIdentity {
            account_id: MGMT.into(),
            arn: format!("arn:aws:iam::{MGMT}:user/auditor"),
        },
        started_at: now(),
        finished_at: now(),
        complete: true,
        region_selection: vec!["us-east-1".into(), "eu-west-1".into()],
        organization: Some(Organization {
            id: ORG_ID.into(),
            arn: format!("arn:aws:organizations::{MGMT}:organization/{ORG_ID}"),
            management_account_id: MGMT.into(),
            ous: vec![],
            delegated_administrators: Fact::Collected { value: vec![] },
            cloudtrail_trusted_access: Fact::Collected { value: true },
            resource_control_policies: Fact::Collected {
                value: Default::default(),
            },
        }),
        accounts: vec![
            account(MGMT, "management", Access::Caller, true),
            account(
                MEMBER,
                "member",
                Access::Assumed {
                    role_arn: format!("arn:aws:iam::{MEMBER}:role/Audit"),
                },
                false,
            ),
        ],
        trails: vec![],
        buckets: vec![],
        kms_keys: vec![],
        log_groups: vec![],
        event_data_stores: vec![],
        delivery_probes: vec![],
        verification: None,
        integrity: None,
        history: None,
        errors: vec![],
        api_calls: Default::default(),
        session_name: None,
        lookup: Default::default(),
    }
}

/// One basic event selector: management events (minus `excluded`
/// sources), data events of `resource_type` for `values` (ARN prefixes).
pub fn basic(
    rw: ReadWriteType,
    excluded: &[&str],
    resource_type: &str,
    values: &[&str],
) -> Fact<Selectors> {
    Fact::Collected {
        value: Selectors::Basic(vec![BasicSelector {
            read_write_type: rw,
            include_management_events: true,
            exclude_management_event_sources: excluded.iter().map(|x| x.to_string()).collect(),
            data_resources: (!resource_type.is_empty())
                .then(|| DataResource {
                    resource_type: resource_type.into(),
                    values: values.iter().map(|v| v.to_string()).collect(),
                })
                .into_iter()
                .collect(),
        }]),
    }
}

pub fn logging(on: bool) -> Fact<TrailStatus> {
    Fact::Collected {
        value: TrailStatus {
            is_logging: on,
            // Delivery evidence: a file delivered five minutes before the snapshot ended.
            latest_delivery_time: on.then(|| now() - chrono::Duration::minutes(5)),
            ..Default::default()
        },
    }
}

pub fn access_denied(op: &str) -> ErrorInfo {
    ErrorInfo {
        kind: ErrorKind::AccessDenied,
        operation: op.into(),
        code: Some("AccessDenied".into()),
        message: "not authorized".into(),
    }
}

pub fn denied<T>(op: &str) -> Fact<T> {
    Fact::Failed {
        error: access_denied(op),
    }
}

pub fn org_trail() -> Trail {
    Trail {
        is_multi_region: true,
        is_organization_trail: true,
        include_global_service_events: true,
        log_file_validation_enabled: true,
        s3_bucket_name: Some("org-logs".into()),
        kms_key_id: Some(ORG_KEY.into()),
        status: logging(true),
        selectors: Fact::Collected {
            value: Selectors::Default,
        },
        insight_types: Fact::Collected { value: vec![] },
        ..Trail::from_arn(ORG_TRAIL).unwrap()
    }
}

pub fn local_trail(account: &str, region: &str) -> Trail {
    Trail {
        arn: format!("arn:aws:cloudtrail:{region}:{account}:trail/local"),
        name: "local".into(),
        owner_account_id: account.into(),
        home_region: region.into(),
        is_multi_region: false,
        is_organization_trail: false,
        s3_bucket_name: Some(format!("local-{account}")),
        kms_key_id: None,
        ..org_trail()
    }
}

/// Lists a trail in an account-region (as DescribeTrails would).
pub fn list_in(s: &mut Snapshot, account: &str, region: &str, arn: &str, shadow: bool) {
    let a = s.accounts.iter_mut().find(|a| a.id == account).unwrap();
    let r = a.regions.iter_mut().find(|r| r.region == region).unwrap();
    r.trails.push(TrailRef {
        arn: arn.into(),
        shadow,
    });
}

pub const GOOD_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:GetBucketAcl","Resource":"arn:aws:s3:::org-logs"},
  {"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject","Resource":["arn:aws:s3:::org-logs/AWSLogs/111111111111/*","arn:aws:s3:::org-logs/AWSLogs/o-abc123/*"],
   "Condition":{"StringEquals":{"s3:x-amz-acl":"bucket-owner-full-control"}}}]}"#;

pub fn good_bucket() -> Bucket {
    Bucket {
        name: "org-logs".into(),
        owner: Fact::Collected {
            value: Some(MGMT.into()),
        },
        region: Fact::Collected {
            value: "us-east-1".into(),
        },
        policy: Fact::Collected {
            value: Some(GOOD_POLICY.into()),
        },
        lifecycle_rules: Fact::Collected { value: vec![] },
        versioning: Fact::Collected {
            value: Versioning {
                status: Some("Enabled".into()),
                mfa_delete: Some(false),
            },
        },
        encryption: Fact::Collected {
            value: Some(BucketEncryption {
                sse_algorithm: "aws:kms".into(),
                kms_master_key_id: None,
            }),
        },
        public_access_block: Fact::Collected {
            value: Some(PublicAccessBlock {
                block_public_acls: true,
                ignore_public_acls: true,
                block_public_policy: true,
                restrict_public_buckets: true,
            }),
        },
        public_acl_grants: Fact::Collected { value: vec![] },
        access_logging_target: Fact::Collected {
            value: Some("access-logs".into()),
        },
        object_lock: Fact::Collected {
            value: Some(ObjectLock {
                enabled: true,
                mode: Some("COMPLIANCE".into()),
                days: Some(365),
                years: None,
            }),
        },
        requester_pays: Fact::Collected { value: false },
    }
}

pub const GOOD_KEY_POLICY: &str = r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":["kms:GenerateDataKey*","kms:DescribeKey"],"Resource":"*"}]}"#;

pub fn good_key() -> KmsKey {
    KmsKey {
        arn: ORG_KEY.into(),
        account_id: MGMT.into(),
        region: "us-east-1".into(),
        key_state: Fact::Collected {
            value: "Enabled".into(),
        },
        rotation_enabled: Fact::Collected { value: true },
        policy: Fact::Collected {
            value: GOOD_KEY_POLICY.into(),
        },
    }
}

/// An organization with a well-configured organization trail, bucket and key.
pub fn healthy() -> Snapshot {
    let mut s = snapshot();
    s.trails.push(org_trail());
    s.buckets.push(good_bucket());
    s.kms_keys.push(good_key());
    s
}
