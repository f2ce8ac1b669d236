//! Synthetic organizations of any size, for benchmarks and scale tests:
//! one multi-region organization trail in the management account, a stopped
//! single-region trail in every tenth account, every fiftieth account's role
//! not assumable, accounts spread over seven OUs, 17 regions. The shape of
//! the issue-11 baseline, so figures compare.

use trailaudit_model::*;

/// A snapshot of `accounts` accounts x the 17 regions enabled by default.
pub fn organization(accounts: usize) -> Snapshot {
    let regions: Vec<&str> = regions::KNOWN_REGIONS
        .iter()
        .filter(|r| !r.opt_in)
        .map(|r| r.name)
        .collect();
    let mgmt = "100000000000".to_string();
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-01T00:00:00Z")
        .expect("a time")
        .with_timezone(&chrono::Utc);
    let org_trail = Trail {
        is_multi_region: true,
        is_organization_trail: true,
        include_global_service_events: true,
        log_file_validation_enabled: true,
        s3_bucket_name: Some("org-logs".into()),
        status: Fact::Collected {
            value: TrailStatus {
                is_logging: true,
                latest_delivery_time: Some(now),
                ..Default::default()
            },
        },
        selectors: Fact::Collected {
            value: Selectors::Default,
        },
        insight_types: Fact::Collected { value: vec![] },
        ..Trail::from_arn(&format!("arn:aws:cloudtrail:us-east-1:{mgmt}:trail/org"))
            .expect("trail arn")
    };
    let mut trails = vec![org_trail.clone()];
    let accounts_v: Vec<Account> = (0..accounts)
        .map(|i| {
            let id = format!("{:012}", 100_000_000_000u64 + i as u64);
            if i % 10 == 3 {
                // A stopped local trail every tenth account.
                trails.push(Trail {
                    arn: format!("arn:aws:cloudtrail:eu-west-1:{id}:trail/local"),
                    name: "local".into(),
                    owner_account_id: id.clone(),
                    home_region: "eu-west-1".into(),
                    is_multi_region: false,
                    is_organization_trail: false,
                    log_file_validation_enabled: false,
                    status: Fact::Collected {
                        value: TrailStatus::default(),
                    },
                    ..org_trail.clone()
                });
            }
            let failed = i % 50 == 7;
            Account {
                name: format!("account-{i:04}"),
                email: None,
                status: AccountStatus::Active,
                ou_path: format!("Root/OU-{}", i % 7),
                is_management: i == 0,
                access: if failed {
                    Access::Failed {
                        error: ErrorInfo {
                            kind: ErrorKind::RoleNotAssumable,
                            operation: "sts:AssumeRole".into(),
                            code: Some("AccessDenied".into()),
                            message: "not authorized".into(),
                        },
                    }
                } else {
                    Access::Assumed {
                        role_arn: format!("arn:aws:iam::{id}:role/Audit"),
                    }
                },
                regions: regions
                    .iter()
                    .map(|r| AccountRegion {
                        region: r.to_string(),
                        status: RegionStatus::Collected,
                        trails: vec![],
                        event_data_stores: Fact::Collected { value: vec![] },
                        footprint: None,
                    })
                    .collect(),
                id,
            }
        })
        .collect();
    Snapshot {
        schema_version: SCHEMA_VERSION,
        tool_version: "bench".into(),
        arguments: vec![],
        mode: Mode::Organization,
        caller: CallerIdentity {
            account_id: mgmt.clone(),
            arn: "arn:aws:iam::100000000000:user/a".into(),
        },
        started_at: now,
        finished_at: now,
        complete: true,
        region_selection: vec!["all".into()],
        organization: Some(Organization {
            id: "o-bench".into(),
            arn: String::new(),
            management_account_id: mgmt,
            ous: (0..7)
                .map(|i| trailaudit_model::OrganizationalUnit {
                    id: format!("ou-synt-{i:08}"),
                    name: format!("OU-{i}"),
                    path: format!("Root/OU-{i}"),
                })
                .collect(),
            delegated_administrators: Fact::Collected { value: vec![] },
            cloudtrail_trusted_access: Fact::Collected { value: true },
            resource_control_policies: Fact::Collected {
                value: Default::default(),
            },
        }),
        accounts: accounts_v,
        trails,
        buckets: vec![bucket()],
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

/// The organization trail's bucket, with the CloudTrail User Guide's
/// organization trail bucket policy (`aws:SourceArn` conditions), so the
/// policy evaluation runs for every account as it does on a real run.
fn bucket() -> Bucket {
    let policy = r#"{"Version":"2012-10-17","Statement":[
 {"Sid":"AWSCloudTrailAclCheck20150319","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:GetBucketAcl","Resource":"arn:aws:s3:::org-logs","Condition":{"StringEquals":{"aws:SourceArn":"arn:aws:cloudtrail:us-east-1:100000000000:trail/org"}}},
 {"Sid":"AWSCloudTrailWrite20150319","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::org-logs/AWSLogs/100000000000/*","Condition":{"StringEquals":{"s3:x-amz-acl":"bucket-owner-full-control","aws:SourceArn":"arn:aws:cloudtrail:us-east-1:100000000000:trail/org"}}},
 {"Sid":"AWSCloudTrailOrganizationWrite20150319","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::org-logs/AWSLogs/o-bench/*","Condition":{"StringEquals":{"s3:x-amz-acl":"bucket-owner-full-control","aws:SourceArn":"arn:aws:cloudtrail:us-east-1:100000000000:trail/org"}}}]}"#;
    Bucket {
        name: "org-logs".into(),
        owner: Fact::Collected {
            value: Some("100000000000".into()),
        },
        region: Fact::Collected {
            value: "us-east-1".into(),
        },
        policy: Fact::Collected {
            value: Some(policy.into()),
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
                sse_algorithm: "AES256".into(),
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
        access_logging_target: Fact::Collected { value: None },
        object_lock: Fact::Collected { value: None },
        requester_pays: Fact::Collected { value: false },
    }
}
