//! Destination resources, each read once from its owner: buckets (owner found
//! with ListBuckets, trail owners first), KMS keys and log groups (owner and
//! region from the ARN), CloudTrail Lake stores, and the delivery probe.

use std::collections::BTreeSet;
use std::sync::atomic::Ordering;

use aws_config::SdkConfig;
use futures::stream::{self, StreamExt};
use trailaudit_model::{
    self as m, Bucket, DeliveryProbe, ErrorKind, EventDataStore, Fact, KmsKey, LogGroup,
    ObjectSeen, Snapshot,
};

use crate::run::Run;
use crate::{aws, convert};

const NO_CREDS: &str =
    "owner account is not among the audited accounts (or its role could not be assumed)";

pub(crate) async fn collect_resources(run: &Run<'_>, snap: &mut Snapshot) {
    let bucket_names: BTreeSet<String> = snap
        .trails
        .iter()
        .filter_map(|t| t.s3_bucket_name.clone())
        .collect();
    let (owners, unlisted) = bucket_owners(run, snap, &bucket_names).await;
    let total = bucket_names.len();
    run.reporter.phase("resources", total);
    snap.buckets = stream::iter(bucket_names.into_iter().map(|name| {
        let owner = match owners.iter().find(|(b, _)| *b == name) {
            Some((_, o)) => Fact::Collected {
                value: Some(o.clone()),
            },
            None if unlisted.is_empty() => Fact::Collected { value: None },
            None => Fact::not_collected(format!(
                "not found in the audited accounts whose buckets could be listed; ListBuckets failed in {} account(s): {}",
                unlisted.len(),
                unlisted.join(", ")
            )),
        };
        async move {
            let b = bucket(run, name, owner).await;
            run.reporter.step("resources");
            b
        }
    }))
    .buffer_unordered(run.opts.concurrency.max(1))
    .collect()
    .await;
    snap.buckets.sort_by(|a, b| a.name.cmp(&b.name));

    // The trails' keys, and the keys of the buckets' default encryption
    // (S3 uses it for CloudTrail's writes when the trail names none).
    let key_arns: BTreeSet<String> = snap
        .trails
        .iter()
        .filter_map(|t| t.kms_key_id.clone())
        .chain(snap.buckets.iter().filter_map(|b| b.default_kms_key_arn()))
        .collect();
    snap.kms_keys = stream::iter(key_arns.into_iter().map(|arn| kms_key(run, arn)))
        .buffer_unordered(run.opts.concurrency.max(1))
        .collect()
        .await;
    snap.kms_keys.sort_by(|a, b| a.arn.cmp(&b.arn));

    let group_arns: BTreeSet<String> = snap
        .trails
        .iter()
        .filter_map(|t| t.cloud_watch_logs_log_group_arn.clone())
        .collect();
    snap.log_groups = stream::iter(group_arns.into_iter().map(|arn| log_group(run, arn)))
        .buffer_unordered(run.opts.concurrency.max(1))
        .collect()
        .await;
    snap.log_groups.sort_by(|a, b| a.arn.cmp(&b.arn));

    let mut stores = std::mem::take(&mut *run.stores.lock().expect("stores lock"));
    stores.sort_by(|a, b| a.arn.cmp(&b.arn));
    stores.dedup_by(|a, b| a.arn == b.arn);
    snap.event_data_stores = stores;
}

/// Which audited account owns each bucket: ListBuckets in trail owners first,
/// then in the other audited accounts while some bucket is still unplaced.
/// Also the accounts whose buckets could not be listed (an unplaced bucket
/// may be theirs).
async fn bucket_owners(
    run: &Run<'_>,
    snap: &Snapshot,
    wanted: &BTreeSet<String>,
) -> (Vec<(String, String)>, Vec<String>) {
    let mut found: Vec<(String, String)> = Vec::new();
    let mut unlisted: Vec<String> = Vec::new();
    if wanted.is_empty() {
        return (found, unlisted);
    }
    let mut first: Vec<String> = snap
        .trails
        .iter()
        .map(|t| t.owner_account_id.clone())
        .collect();
    first.sort();
    first.dedup();
    let all: Vec<String> = {
        let mut v: Vec<String> = run
            .configs
            .lock()
            .expect("configs")
            .keys()
            .cloned()
            .collect();
        v.sort();
        v
    };
    let rest: Vec<String> = all.iter().filter(|a| !first.contains(a)).cloned().collect();
    // Last, the organization's other accounts (outside --accounts/--ou), assumed on demand.
    let others: Vec<String> = run
        .org_accounts
        .lock()
        .expect("org lock")
        .iter()
        .filter(|a| !first.contains(a) && !rest.contains(a))
        .cloned()
        .collect();
    for batch in [first, rest, others] {
        if wanted.iter().all(|w| found.iter().any(|(b, _)| b == w)) {
            break;
        }
        let lists: Vec<(String, Option<Vec<String>>)> =
            stream::iter(batch.into_iter().map(|acct| async move {
                let Some(cfg) = run.config_or_assume(&acct).await else {
                    return (acct, None);
                };
                let region = cfg
                    .region()
                    .map(|r| r.to_string())
                    .unwrap_or_else(|| "us-east-1".into());
                let _p = run.permit().await;
                let resp = run
                    .s3(&cfg, &region)
                    .list_buckets()
                    .into_paginator()
                    .send()
                    .collect::<Result<Vec<_>, _>>()
                    .await;
                match resp {
                    Ok(pages) => (
                        acct,
                        Some(
                            pages
                                .iter()
                                .flat_map(|p| p.buckets())
                                .filter_map(|b| b.name().map(str::to_string))
                                .collect(),
                        ),
                    ),
                    Err(e) => {
                        run.record(
                            Some(&acct),
                            None,
                            None,
                            &aws::classify("s3:ListAllMyBuckets", &e),
                        );
                        (acct, None)
                    }
                }
            }))
            .buffer_unordered(run.opts.concurrency.max(1))
            .collect()
            .await;
        for (acct, names) in lists {
            let Some(names) = names else {
                unlisted.push(acct);
                continue;
            };
            for n in names {
                if wanted.contains(&n) && !found.iter().any(|(b, _)| *b == n) {
                    found.push((n, acct.clone()));
                }
            }
        }
    }
    unlisted.sort();
    (found, unlisted)
}

async fn bucket(run: &Run<'_>, name: String, owner: Fact<Option<String>>) -> Bucket {
    let nc = |reason: &str| Bucket {
        name: name.clone(),
        owner: owner.clone(),
        region: Fact::not_collected(reason),
        policy: Fact::not_collected(reason),
        lifecycle_rules: Fact::not_collected(reason),
        versioning: Fact::not_collected(reason),
        encryption: Fact::not_collected(reason),
        public_access_block: Fact::not_collected(reason),
        public_acl_grants: Fact::not_collected(reason),
        access_logging_target: Fact::not_collected(reason),
        object_lock: Fact::not_collected(reason),
        requester_pays: Fact::not_collected(reason),
    };
    let acct = match &owner {
        Fact::Collected { value: Some(a) } => a.clone(),
        Fact::Collected { value: None } => return nc(
            "no audited account owns this bucket (it is external to the audit, or does not exist)",
        ),
        other => {
            return nc(&format!(
                "its owner is unknown: {}",
                other.unknown_reason().unwrap_or_default()
            ))
        }
    };
    let Some(cfg) = run.config_or_assume(&acct).await else {
        return nc(NO_CREDS);
    };
    let home = cfg
        .region()
        .map(|r| r.to_string())
        .unwrap_or_else(|| "us-east-1".into());
    let loc = {
        let _p = run.permit().await;
        run.s3(&cfg, &home)
            .get_bucket_location()
            .bucket(&name)
            .send()
            .await
    };
    let region = match loc {
        Ok(o) => match o.location_constraint().map(|c| c.as_str()) {
            None | Some("") => "us-east-1".to_string(),
            Some("EU") => "eu-west-1".to_string(),
            Some(r) => r.to_string(),
        },
        Err(e) => {
            let info = aws::classify("s3:GetBucketLocation", &e);
            let mut b = nc(&format!("bucket region unknown: {}", info.describe()));
            b.region = run.failed(&acct, None, &name, info);
            return b;
        }
    };
    read_bucket(run, &cfg, acct, name, region).await
}

/// A bucket's configuration, read from its region with its owner's
/// credentials.
async fn read_bucket(
    run: &Run<'_>,
    cfg: &aws_config::SdkConfig,
    acct: String,
    name: String,
    region: String,
) -> Bucket {
    let s3 = run.s3(cfg, &region);
    let r = region.as_str();
    // Absent configuration is an answer, not an error.
    macro_rules! read {
        ($op:literal, $call:expr, $ok:expr, $absent:pat => $absent_val:expr) => {{
            let _p = run.permit().await;
            match $call.send().await {
                Ok(o) => Fact::Collected { value: $ok(o) },
                Err(e) => {
                    let info = aws::classify($op, &e);
                    match info.code.as_deref() {
                        $absent => Fact::Collected { value: $absent_val },
                        _ => run.failed(&acct, Some(r), &name, info),
                    }
                }
            }
        }};
    }
    let policy = read!("s3:GetBucketPolicy", s3.get_bucket_policy().bucket(&name),
        |o: aws_sdk_s3::operation::get_bucket_policy::GetBucketPolicyOutput| o.policy().map(str::to_string),
        Some("NoSuchBucketPolicy") => None);
    let lifecycle_rules = read!("s3:GetLifecycleConfiguration", s3.get_bucket_lifecycle_configuration().bucket(&name),
        |o: aws_sdk_s3::operation::get_bucket_lifecycle_configuration::GetBucketLifecycleConfigurationOutput| convert::lifecycle_rules(o.rules()),
        Some("NoSuchLifecycleConfiguration") => vec![]);
    let object_lock = read!("s3:GetBucketObjectLockConfiguration", s3.get_object_lock_configuration().bucket(&name),
        |o: aws_sdk_s3::operation::get_object_lock_configuration::GetObjectLockConfigurationOutput| o
            .object_lock_configuration()
            .map(|c| {
                let ret = c.rule().and_then(|r| r.default_retention());
                m::ObjectLock {
                    enabled: c.object_lock_enabled().map(|e| e.as_str() == "Enabled").unwrap_or(false),
                    mode: ret.and_then(|r| r.mode()).map(|m| m.as_str().to_string()),
                    days: ret.and_then(|r| r.days()),
                    years: ret.and_then(|r| r.years()),
                }
            }),
        Some("ObjectLockConfigurationNotFoundError") => None);
    let object_lock_on = matches!(&object_lock, Fact::Collected { value: Some(l) } if l.enabled);
    let versioning = if object_lock_on {
        // Object Lock can only be enabled on a versioned bucket, and versioning
        // cannot then be suspended: no need to ask.
        Fact::Collected {
            value: m::Versioning {
                status: Some("Enabled".into()),
                mfa_delete: None,
            },
        }
    } else {
        read!("s3:GetBucketVersioning", s3.get_bucket_versioning().bucket(&name),
        |o: aws_sdk_s3::operation::get_bucket_versioning::GetBucketVersioningOutput| m::Versioning {
            status: o.status().map(|s| s.as_str().to_string()),
            mfa_delete: Some(o.mfa_delete().map(|d| d.as_str() == "Enabled").unwrap_or(false)),
        },
        Some("__never__") => m::Versioning::default())
    };
    let encryption = read!("s3:GetEncryptionConfiguration", s3.get_bucket_encryption().bucket(&name),
        |o: aws_sdk_s3::operation::get_bucket_encryption::GetBucketEncryptionOutput| o
            .server_side_encryption_configuration()
            .and_then(|c| c.rules().first())
            .and_then(|r| r.apply_server_side_encryption_by_default())
            .map(|d| m::BucketEncryption {
                sse_algorithm: d.sse_algorithm().as_str().to_string(),
                kms_master_key_id: d.kms_master_key_id().map(str::to_string),
            }),
        Some("ServerSideEncryptionConfigurationNotFoundError") => None);
    let public_access_block = read!("s3:GetBucketPublicAccessBlock", s3.get_public_access_block().bucket(&name),
        |o: aws_sdk_s3::operation::get_public_access_block::GetPublicAccessBlockOutput| o
            .public_access_block_configuration()
            .map(|c| m::PublicAccessBlock {
                block_public_acls: c.block_public_acls().unwrap_or(false),
                ignore_public_acls: c.ignore_public_acls().unwrap_or(false),
                block_public_policy: c.block_public_policy().unwrap_or(false),
                restrict_public_buckets: c.restrict_public_buckets().unwrap_or(false),
            }),
        Some("NoSuchPublicAccessBlockConfiguration") => None);
    let public_acl_grants = read!("s3:GetBucketAcl", s3.get_bucket_acl().bucket(&name),
        |o: aws_sdk_s3::operation::get_bucket_acl::GetBucketAclOutput| o
            .grants()
            .iter()
            .filter_map(|g| {
                let uri = g.grantee()?.uri()?;
                let public = uri.ends_with("/global/AllUsers") || uri.ends_with("/global/AuthenticatedUsers");
                public.then(|| format!(
                    "{} to {}",
                    g.permission().map(|p| p.as_str()).unwrap_or("?"),
                    uri.rsplit('/').next().unwrap_or(uri)
                ))
            })
            .collect::<Vec<_>>(),
        Some("__never__") => vec![]);
    let requester_pays = read!("s3:GetBucketRequestPayment", s3.get_bucket_request_payment().bucket(&name),
        |o: aws_sdk_s3::operation::get_bucket_request_payment::GetBucketRequestPaymentOutput| o
            .payer()
            .is_some_and(|p| p == &aws_sdk_s3::types::Payer::Requester),
        Some("__never__") => false);
    let access_logging_target = read!("s3:GetBucketLogging", s3.get_bucket_logging().bucket(&name),
        |o: aws_sdk_s3::operation::get_bucket_logging::GetBucketLoggingOutput| o
            .logging_enabled()
            .map(|l| l.target_bucket().to_string()),
        Some("__never__") => None);
    Bucket {
        name: name.clone(),
        owner: Fact::Collected {
            value: Some(acct.clone()),
        },
        region: Fact::Collected {
            value: region.clone(),
        },
        policy,
        lifecycle_rules,
        versioning,
        encryption,
        public_access_block,
        public_acl_grants,
        access_logging_target,
        object_lock,
        requester_pays,
    }
}

async fn kms_key(run: &Run<'_>, arn: String) -> KmsKey {
    let (region, account) = match m::parse_arn(&arn) {
        Some(("kms", region, account, _)) => (region.to_string(), account.to_string()),
        _ => (String::new(), String::new()),
    };
    let mut key = KmsKey {
        arn: arn.clone(),
        account_id: account.clone(),
        region: region.clone(),
        key_state: Fact::not_collected(NO_CREDS),
        rotation_enabled: Fact::not_collected(NO_CREDS),
        policy: Fact::not_collected(NO_CREDS),
    };
    if region.is_empty() {
        let reason = "the trail names the key by alias or id, not ARN; its owner is unknown";
        key.key_state = Fact::not_collected(reason);
        key.rotation_enabled = Fact::not_collected(reason);
        key.policy = Fact::not_collected(reason);
        return key;
    }
    let Some(cfg) = run.config_or_assume(&account).await else {
        return key;
    };
    let kms = run.kms(&cfg, &region);
    // An alias (a bucket's default encryption may name one) is resolved to
    // its key by DescribeKey; the other reads take the key's own ARN.
    let mut key_arn = arn.clone();
    key.key_state = {
        let _p = run.permit().await;
        match kms.describe_key().key_id(&arn).send().await {
            Ok(o) => {
                if let Some(resolved) = o.key_metadata().and_then(|k| k.arn()) {
                    key_arn = resolved.to_string();
                }
                Fact::Collected {
                    value: o
                        .key_metadata()
                        .and_then(|k| k.key_state())
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_else(|| "Unknown".into()),
                }
            }
            Err(e) => run.failed(
                &account,
                Some(&region),
                &arn,
                aws::classify("kms:DescribeKey", &e),
            ),
        }
    };
    let arn = key_arn;
    key.rotation_enabled = {
        let _p = run.permit().await;
        match kms.get_key_rotation_status().key_id(&arn).send().await {
            Ok(o) => Fact::Collected {
                value: o.key_rotation_enabled(),
            },
            Err(e) => run.failed(
                &account,
                Some(&region),
                &arn,
                aws::classify("kms:GetKeyRotationStatus", &e),
            ),
        }
    };
    key.policy = {
        let _p = run.permit().await;
        match kms
            .get_key_policy()
            .key_id(&arn)
            .policy_name("default")
            .send()
            .await
        {
            Ok(o) => Fact::Collected {
                value: o.policy().unwrap_or_default().to_string(),
            },
            Err(e) => run.failed(
                &account,
                Some(&region),
                &arn,
                aws::classify("kms:GetKeyPolicy", &e),
            ),
        }
    };
    key
}

async fn log_group(run: &Run<'_>, arn: String) -> LogGroup {
    let (region, account, name) = match m::parse_arn(&arn) {
        Some(("logs", region, account, res)) => {
            let name = res
                .strip_prefix("log-group:")
                .unwrap_or(res)
                .trim_end_matches(":*")
                .to_string();
            (region.to_string(), account.to_string(), name)
        }
        _ => (String::new(), String::new(), arn.clone()),
    };
    let mut g = LogGroup {
        arn: arn.clone(),
        name: name.clone(),
        account_id: account.clone(),
        region: region.clone(),
        retention_in_days: Fact::not_collected(NO_CREDS),
    };
    let Some(cfg) = run.config_or_assume(&account).await else {
        return g;
    };
    let _p = run.permit().await;
    g.retention_in_days = match run
        .logs(&cfg, &region)
        .describe_log_groups()
        .log_group_name_prefix(&name)
        .send()
        .await
    {
        Ok(o) => match o
            .log_groups()
            .iter()
            .find(|lg| lg.log_group_name() == Some(name.as_str()))
        {
            Some(lg) => Fact::Collected {
                value: lg.retention_in_days(),
            },
            None => run.failed(
                &account,
                Some(&region),
                &arn,
                m::ErrorInfo {
                    kind: ErrorKind::NotFound,
                    operation: "logs:DescribeLogGroups".into(),
                    code: None,
                    message: format!("log group {name} does not exist"),
                },
            ),
        },
        Err(e) => run.failed(
            &account,
            Some(&region),
            &arn,
            aws::classify("logs:DescribeLogGroups", &e),
        ),
    };
    g
}

/// CloudTrail Lake event data stores of one account-region: their ARNs (the
/// details go to the run's store list), or why they are unknown. An endpoint
/// that does not implement CloudTrail Lake has none (said once in the errors).
pub(crate) async fn event_data_stores(
    run: &Run<'_>,
    account: &str,
    cfg: &SdkConfig,
    region: &str,
) -> Fact<Vec<String>> {
    if run.lake_unavailable.load(Ordering::SeqCst) {
        return Fact::Collected { value: vec![] };
    }
    let resp = {
        let _p = run.slot(account, region).await;
        let client = run.cloudtrail(cfg, region);
        aws::offload(client.list_event_data_stores().send()).await
    };
    let list = match resp {
        Ok(o) => o,
        Err(e) => {
            let info = aws::classify("cloudtrail:ListEventDataStores", &e);
            if info.kind == ErrorKind::NotImplemented {
                // Said once; CloudTrail Lake is then left out of the whole run.
                if !run.lake_unavailable.swap(true, Ordering::SeqCst) {
                    run.record(Some(account), Some(region), None, &info);
                }
                return Fact::Collected { value: vec![] };
            }
            run.record(Some(account), Some(region), None, &info);
            return Fact::Failed { error: info };
        }
    };
    let mut arns = Vec::new();
    for s in list.event_data_stores() {
        let Some(arn) = s.event_data_store_arn() else {
            continue;
        };
        arns.push(arn.to_string());
        let _p = run.slot(account, region).await;
        match run
            .cloudtrail(cfg, region)
            .get_event_data_store()
            .event_data_store(arn)
            .send()
            .await
        {
            Ok(d) => run
                .stores
                .lock()
                .expect("stores lock")
                .push(EventDataStore {
                    arn: arn.to_string(),
                    name: d.name().unwrap_or_default().to_string(),
                    account_id: account.to_string(),
                    region: region.to_string(),
                    status: d
                        .status()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                    multi_region: d.multi_region_enabled().unwrap_or(false),
                    organization_enabled: d.organization_enabled().unwrap_or(false),
                    retention_days: d.retention_period(),
                    selectors: convert::advanced(d.advanced_event_selectors()),
                }),
            Err(e) => run.record(
                Some(account),
                Some(region),
                Some(arn),
                &aws::classify("cloudtrail:GetEventDataStore", &e),
            ),
        }
    }
    Fact::Collected { value: arns }
}

/// `--probe-delivery`: newest log and digest object per account-region, from
/// the UTC day prefixes of today and yesterday.
pub(crate) async fn probe_delivery(run: &Run<'_>, snap: &mut Snapshot) {
    let mut units = Vec::new();
    for a in &snap.accounts {
        for r in &a.regions {
            if matches!(r.status, m::RegionStatus::NotEnabled) {
                continue;
            }
            let trails = snap.trails_applying(&a.id, &r.region);
            let Some(t) = trails
                .iter()
                .find(|t| t.is_organization_trail)
                .or_else(|| trails.first())
            else {
                continue;
            };
            let Some(bucket) = t.s3_bucket_name.clone() else {
                continue;
            };
            let owner = snap
                .bucket(&bucket)
                .and_then(|b| b.owner_account_id().map(str::to_string));
            units.push((
                a.id.clone(),
                r.region.clone(),
                t.arn.clone(),
                bucket,
                owner,
                snap.trail_log_prefix(t, &a.id, &r.region),
                snap.trail_digest_prefix(t, &a.id, &r.region),
            ));
        }
    }
    run.reporter.phase("probes", units.len());
    let bucket_regions: Vec<(String, String)> = snap
        .buckets
        .iter()
        .filter_map(|b| Some((b.name.clone(), b.region.value()?.clone())))
        .collect();
    // Today and yesterday (UTC): an hourly digest proves delivery within that window.
    let since = chrono::Utc::now().date_naive() - chrono::Days::new(1);
    snap.delivery_probes = stream::iter(units.into_iter().map(
        |(acct, region, trail, bucket, owner, lp, dp)| {
            let bucket_region = bucket_regions
                .iter()
                .find(|(b, _)| *b == bucket)
                .map(|(_, r)| r.clone())
                .unwrap_or_else(|| "us-east-1".into());
            async move {
                let cfg = match owner.as_deref() {
                    Some(o) => run.config_or_assume(o).await,
                    None => None,
                };
                let (newest_log, newest_digest) = match (&cfg, &owner) {
                    (Some(cfg), Some(owner)) => {
                        let s3 = run.s3(cfg, &bucket_region);
                        (
                            newest(run, &s3, owner, &bucket, &lp, since).await,
                            newest(run, &s3, owner, &bucket, &dp, since).await,
                        )
                    }
                    _ => (
                        Fact::not_collected(
                            "the log bucket's owner is not among the audited accounts",
                        ),
                        Fact::not_collected(
                            "the log bucket's owner is not among the audited accounts",
                        ),
                    ),
                };
                run.reporter.step("probes");
                DeliveryProbe {
                    account_id: acct,
                    region,
                    trail_arn: trail,
                    bucket,
                    log_prefix: lp,
                    newest_log,
                    newest_digest,
                }
            }
        },
    ))
    .buffer_unordered(run.opts.concurrency.max(1))
    .collect()
    .await;
    snap.delivery_probes
        .sort_by(|a, b| (&a.account_id, &a.region).cmp(&(&b.account_id, &b.region)));
}

async fn newest(
    run: &Run<'_>,
    s3: &aws_sdk_s3::Client,
    owner: &str,
    bucket: &str,
    prefix: &str,
    since: chrono::NaiveDate,
) -> Fact<Option<ObjectSeen>> {
    // Keys sort by date: start after the day before `since` and read to the end.
    let start_after = format!(
        "{prefix}{}/",
        (since - chrono::Days::new(1)).format("%Y/%m/%d")
    );
    let pages = {
        let _p = run.permit().await;
        s3.list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .start_after(start_after)
            .into_paginator()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
    };
    match pages {
        Ok(pages) => Fact::Collected {
            value: pages
                .iter()
                .flat_map(|p| p.contents())
                .filter_map(|o| o.key())
                .filter(|k| k.ends_with(".json.gz"))
                .max_by_key(|k| (convert::key_time(k), k.to_string()))
                .map(|k| ObjectSeen {
                    key: k.to_string(),
                    delivered_at: convert::key_time(k),
                }),
        },
        Err(e) => run.failed(owner, None, bucket, aws::classify("s3:ListBucket", &e)),
    }
}
