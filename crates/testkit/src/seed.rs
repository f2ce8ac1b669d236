//! Applies a [`Scenario`] to the emulator through the AWS SDK for Rust, the
//! way the organization would really be built: the management account
//! creates the organization, OUs and accounts, then the seeder assumes
//! `OrganizationAccountAccessRole` in each member to create what it owns.
//! IAM restrictions are set last and the emulator's IAM enforcement turned on
//! when the scenario has any, so the audit meets real AccessDenied answers.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::{anyhow, Context, Result};
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use aws_sdk_cloudtrail::types as ct;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types as s3t;
use chrono::{DateTime, Utc};
use serde_json::json;

use crate::emulator::Emulator;
use crate::scenario::*;

/// The management account id moto uses for the default credentials.
pub const MANAGEMENT_ACCOUNT_ID: &str = "123456789012";

/// What seeding produced: ids to assert on, and the auditor's credentials.
#[derive(Debug, Clone)]
pub struct Seeded {
    /// Scenario account key -> account id.
    pub accounts: BTreeMap<String, String>,
    /// Organization id.
    pub organization_id: String,
    /// The auditor's access key (an IAM user in the management account).
    pub auditor_access_key_id: String,
    /// The auditor's secret key.
    pub auditor_secret_access_key: String,
    /// Whether IAM enforcement was turned on.
    pub iam_enforced: bool,
}

impl Seeded {
    /// Account id of a scenario key.
    pub fn id(&self, key: &str) -> &str {
        self.accounts
            .get(key)
            .unwrap_or_else(|| panic!("no account `{key}` in the scenario"))
    }

    /// Environment variables for running `audit` as the auditor against `endpoint`.
    pub fn audit_env(&self, endpoint: &str) -> Vec<(String, String)> {
        vec![
            (
                "AWS_ACCESS_KEY_ID".into(),
                self.auditor_access_key_id.clone(),
            ),
            (
                "AWS_SECRET_ACCESS_KEY".into(),
                self.auditor_secret_access_key.clone(),
            ),
            ("AWS_REGION".into(), "us-east-1".into()),
            ("AWS_ENDPOINT_URL".into(), endpoint.to_string()),
            ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
            ("AWS_CONFIG_FILE".into(), "/dev/null".into()),
            ("AWS_SHARED_CREDENTIALS_FILE".into(), "/dev/null".into()),
        ]
    }
}

/// A config for the emulator with the given static credentials.
pub fn emulator_config(endpoint: &str, creds: Credentials) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(SharedCredentialsProvider::new(creds))
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .build()
}

/// An S3 client on the emulator as the management account (path-style
/// addressing: `BUCKET.localhost` does not resolve here).
pub fn emulator_s3(endpoint: &str) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&emulator_config(endpoint, management_credentials()))
            .force_path_style(true)
            .build(),
    )
}

/// Replaces a bucket's lifecycle with one rule expiring objects under
/// `prefix` after `days` days (a retention someone shortened).
pub async fn expire_after(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    rule_id: &str,
    prefix: &str,
    days: i32,
) -> Result<()> {
    use aws_sdk_s3::types::{
        BucketLifecycleConfiguration, ExpirationStatus, LifecycleExpiration, LifecycleRule,
        LifecycleRuleFilter,
    };
    let rule = LifecycleRule::builder()
        .id(rule_id)
        .status(ExpirationStatus::Enabled)
        .filter(LifecycleRuleFilter::builder().prefix(prefix).build())
        .expiration(LifecycleExpiration::builder().days(days).build())
        .build()?;
    s3.put_bucket_lifecycle_configuration()
        .bucket(bucket)
        .lifecycle_configuration(
            BucketLifecycleConfiguration::builder()
                .rules(rule)
                .build()?,
        )
        .send()
        .await
        .with_context(|| format!("lifecycle of {bucket}"))?;
    Ok(())
}

/// The default (management account) credentials of the emulator.
pub fn management_credentials() -> Credentials {
    Credentials::new(
        "AKIAIOSFODNN7EXAMPLE",
        "seed-secret",
        None,
        None,
        "trailaudit-seed",
    )
}

struct Ctx {
    configs: BTreeMap<String, SdkConfig>,
    ids: BTreeMap<String, String>,
    org_id: String,
}

impl Ctx {
    fn cfg(&self, key: &str, region: &str) -> SdkConfig {
        self.configs[key]
            .to_builder()
            .region(Region::new(region.to_string()))
            .build()
    }
    fn id(&self, key: &str) -> &str {
        &self.ids[key]
    }
    fn s3(&self, key: &str, region: &str) -> aws_sdk_s3::Client {
        aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&self.cfg(key, region))
                .force_path_style(true)
                .build(),
        )
    }
    fn trail_arn(&self, t: &TrailSpec) -> String {
        format!(
            "arn:aws:cloudtrail:{}:{}:trail/{}",
            t.home_region,
            self.id(&t.account),
            t.name
        )
    }
}

/// Seeds `scenario` into a freshly reset emulator.
pub async fn seed(emu: &Emulator, scenario: &Scenario) -> Result<Seeded> {
    emu.set_iam_enforcement(false)?;
    emu.seed_ids(scenario.seed)?;
    let endpoint = emu.endpoint();
    let mgmt = emulator_config(&endpoint, management_credentials());
    let org = aws_sdk_organizations::Client::new(&mgmt);
    let o = org
        .create_organization()
        .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
        .send()
        .await
        .context("creating the organization")?;
    let org_id = o
        .organization()
        .and_then(|o| o.id())
        .unwrap_or_default()
        .to_string();
    if scenario.management.cloudtrail_trusted_access {
        org.enable_aws_service_access()
            .service_principal("cloudtrail.amazonaws.com")
            .send()
            .await
            .context("enabling trusted access for CloudTrail")?;
    }
    let root = org.list_roots().send().await?.roots()[0]
        .id()
        .unwrap_or_default()
        .to_string();

    // OUs, parents first.
    let mut ou_ids: BTreeMap<String, String> = BTreeMap::from([("Root".to_string(), root.clone())]);
    for ou in &scenario.ous {
        let out = org
            .create_organizational_unit()
            .parent_id(&ou_ids[&ou.parent])
            .name(&ou.name)
            .send()
            .await
            .with_context(|| format!("creating OU {}", ou.path()))?;
        let id = out
            .organizational_unit()
            .and_then(|o| o.id())
            .unwrap_or_default()
            .to_string();
        ou_ids.insert(ou.path(), id);
    }

    // Accounts.
    let mut ctx = Ctx {
        configs: BTreeMap::from([(MANAGEMENT.to_string(), mgmt.clone())]),
        ids: BTreeMap::from([(MANAGEMENT.to_string(), MANAGEMENT_ACCOUNT_ID.to_string())]),
        org_id: org_id.clone(),
    };
    let sts = aws_sdk_sts::Client::new(&mgmt);
    for a in &scenario.accounts {
        let name = a.name.clone().unwrap_or_else(|| a.key.clone());
        let out = org
            .create_account()
            .account_name(&name)
            .email(format!("{}@example.com", a.key))
            .send()
            .await
            .with_context(|| format!("creating account {}", a.key))?;
        let id = out
            .create_account_status()
            .and_then(|s| s.account_id())
            .ok_or_else(|| anyhow!("no account id for {}", a.key))?
            .to_string();
        if a.ou != "Root" {
            org.move_account()
                .account_id(&id)
                .source_parent_id(&root)
                .destination_parent_id(&ou_ids[&a.ou])
                .send()
                .await
                .with_context(|| format!("moving {} to {}", a.key, a.ou))?;
        }
        let creds = sts
            .assume_role()
            .role_arn(format!(
                "arn:aws:iam::{id}:role/OrganizationAccountAccessRole"
            ))
            .role_session_name("trailaudit-seed")
            .send()
            .await
            .with_context(|| format!("assuming into {}", a.key))?;
        let c = creds
            .credentials()
            .ok_or_else(|| anyhow!("no credentials"))?;
        let member = emulator_config(
            &endpoint,
            Credentials::new(
                c.access_key_id(),
                c.secret_access_key(),
                Some(c.session_token().to_string()),
                None,
                "trailaudit-seed",
            ),
        );
        ctx.configs.insert(a.key.clone(), member);
        ctx.ids.insert(a.key.clone(), id);
    }

    // KMS keys.
    let mut key_arns: BTreeMap<String, String> = BTreeMap::new();
    for k in &scenario.kms_keys {
        let kms = aws_sdk_kms::Client::new(&ctx.cfg(&k.account, &k.region));
        let acct = ctx.id(&k.account).to_string();
        let policy = key_policy(&acct, k.policy);
        let out = kms
            .create_key()
            .policy(policy)
            .description(format!("trailaudit scenario key {}", k.reference))
            .send()
            .await
            .with_context(|| format!("creating key {}", k.reference))?;
        let meta = out
            .key_metadata()
            .ok_or_else(|| anyhow!("no key metadata"))?;
        let arn = meta.arn().unwrap_or_default().to_string();
        if k.rotation {
            kms.enable_key_rotation().key_id(&arn).send().await?;
        }
        key_arns.insert(k.reference.clone(), arn);
    }

    // Buckets.
    for b in &scenario.buckets {
        let s3 = ctx.s3(&b.account, &b.region);
        let mut req = s3.create_bucket().bucket(&b.name);
        if b.region != "us-east-1" {
            req = req.create_bucket_configuration(
                s3t::CreateBucketConfiguration::builder()
                    .location_constraint(s3t::BucketLocationConstraint::from(b.region.as_str()))
                    .build(),
            );
        }
        if b.object_lock_days.is_some() {
            req = req.object_lock_enabled_for_bucket(true);
        }
        req.send()
            .await
            .with_context(|| format!("creating bucket {}", b.name))?;
        if let Some(policy) = bucket_policy(&ctx, scenario, b) {
            s3.put_bucket_policy()
                .bucket(&b.name)
                .policy(policy)
                .send()
                .await?;
        }
        if b.versioning {
            s3.put_bucket_versioning()
                .bucket(&b.name)
                .versioning_configuration(
                    s3t::VersioningConfiguration::builder()
                        .status(s3t::BucketVersioningStatus::Enabled)
                        .build(),
                )
                .send()
                .await?;
        }
        if let Some(alg) = &b.encryption {
            let mut d = s3t::ServerSideEncryptionByDefault::builder()
                .sse_algorithm(s3t::ServerSideEncryption::from(alg.as_str()));
            if let Some(k) = &b.encryption_key {
                d = d.kms_master_key_id(&key_arns[k]);
            }
            s3.put_bucket_encryption()
                .bucket(&b.name)
                .server_side_encryption_configuration(
                    s3t::ServerSideEncryptionConfiguration::builder()
                        .rules(
                            s3t::ServerSideEncryptionRule::builder()
                                .apply_server_side_encryption_by_default(d.build()?)
                                .build(),
                        )
                        .build()?,
                )
                .send()
                .await?;
        }
        if b.public_access_block {
            s3.put_public_access_block()
                .bucket(&b.name)
                .public_access_block_configuration(
                    s3t::PublicAccessBlockConfiguration::builder()
                        .block_public_acls(true)
                        .ignore_public_acls(true)
                        .block_public_policy(true)
                        .restrict_public_buckets(true)
                        .build(),
                )
                .send()
                .await?;
        }
        if let Some(days) = b.object_lock_days {
            s3.put_object_lock_configuration()
                .bucket(&b.name)
                .object_lock_configuration(
                    s3t::ObjectLockConfiguration::builder()
                        .object_lock_enabled(s3t::ObjectLockEnabled::Enabled)
                        .rule(
                            s3t::ObjectLockRule::builder()
                                .default_retention(
                                    s3t::DefaultRetention::builder()
                                        .mode(s3t::ObjectLockRetentionMode::Compliance)
                                        .days(days)
                                        .build(),
                                )
                                .build(),
                        )
                        .build(),
                )
                .send()
                .await?;
        }
        if !b.lifecycle.is_empty() {
            let mut rules = Vec::new();
            for r in &b.lifecycle {
                let mut rule = s3t::LifecycleRule::builder()
                    .id(&r.id)
                    .status(if r.enabled {
                        s3t::ExpirationStatus::Enabled
                    } else {
                        s3t::ExpirationStatus::Disabled
                    })
                    .filter(
                        s3t::LifecycleRuleFilter::builder()
                            .prefix(&r.prefix)
                            .build(),
                    );
                if let Some(d) = r.expiration_days {
                    rule = rule.expiration(s3t::LifecycleExpiration::builder().days(d).build());
                }
                if let Some(d) = r.noncurrent_days {
                    rule = rule.noncurrent_version_expiration(
                        s3t::NoncurrentVersionExpiration::builder()
                            .noncurrent_days(d)
                            .build(),
                    );
                }
                if let (Some(d), Some(c)) = (r.transition_days, &r.transition_class) {
                    rule = rule.transitions(
                        s3t::Transition::builder()
                            .days(d)
                            .storage_class(s3t::TransitionStorageClass::from(c.as_str()))
                            .build(),
                    );
                }
                rules.push(rule.build()?);
            }
            s3.put_bucket_lifecycle_configuration()
                .bucket(&b.name)
                .lifecycle_configuration(
                    s3t::BucketLifecycleConfiguration::builder()
                        .set_rules(Some(rules))
                        .build()?,
                )
                .send()
                .await
                .with_context(|| format!("lifecycle of {}", b.name))?;
        }
    }
    for b in &scenario.buckets {
        if let Some(target) = &b.access_logging {
            // The target must let S3's log delivery write to it.
            let t = scenario
                .buckets
                .iter()
                .find(|x| &x.name == target)
                .expect("validated");
            ctx.s3(&t.account, &t.region)
                .put_bucket_acl()
                .bucket(target)
                .acl(s3t::BucketCannedAcl::from("log-delivery-write"))
                .send()
                .await
                .with_context(|| format!("log-delivery ACL on {target}"))?;
            ctx.s3(&b.account, &b.region)
                .put_bucket_logging()
                .bucket(&b.name)
                .bucket_logging_status(
                    s3t::BucketLoggingStatus::builder()
                        .logging_enabled(
                            s3t::LoggingEnabled::builder()
                                .target_bucket(target)
                                .target_prefix(format!("{}/", b.name))
                                .build()?,
                        )
                        .build(),
                )
                .send()
                .await
                .with_context(|| format!("access logging of {}", b.name))?;
        }
    }

    // Log groups.
    for g in &scenario.log_groups {
        let logs = aws_sdk_cloudwatchlogs::Client::new(&ctx.cfg(&g.account, &g.region));
        logs.create_log_group()
            .log_group_name(&g.name)
            .send()
            .await?;
        if let Some(d) = g.retention_days {
            logs.put_retention_policy()
                .log_group_name(&g.name)
                .retention_in_days(d)
                .send()
                .await?;
        }
    }

    // Trails.
    for t in &scenario.trails {
        let client = aws_sdk_cloudtrail::Client::new(&ctx.cfg(&t.account, &t.home_region));
        let acct = ctx.id(&t.account).to_string();
        let mut req = client
            .create_trail()
            .name(&t.name)
            .s3_bucket_name(&t.bucket)
            .is_multi_region_trail(t.multi_region)
            .is_organization_trail(t.organization)
            .include_global_service_events(t.global_service_events)
            .enable_log_file_validation(t.log_file_validation);
        if let Some(p) = &t.prefix {
            req = req.s3_key_prefix(p);
        }
        if let Some(k) = &t.kms_key {
            req = req.kms_key_id(&key_arns[k]);
        }
        if let Some(g) = &t.log_group {
            req = req
                .cloud_watch_logs_log_group_arn(format!(
                    "arn:aws:logs:{}:{acct}:log-group:{g}:*",
                    t.home_region
                ))
                .cloud_watch_logs_role_arn(format!(
                    "arn:aws:iam::{acct}:role/CloudTrail_CloudWatchLogs_Role"
                ));
        }
        req.send()
            .await
            .with_context(|| format!("creating trail {}", t.name))?;
        // moto returns no selectors for a new trail; AWS returns the default
        // all-management-events selector. Seed it explicitly so both agree.
        let basic: Vec<ct::EventSelector> =
            if t.event_selectors.is_empty() && t.advanced_event_selectors.is_empty() {
                vec![ct::EventSelector::builder()
                    .read_write_type(ct::ReadWriteType::All)
                    .include_management_events(true)
                    .build()]
            } else {
                t.event_selectors
                    .iter()
                    .map(|s| {
                        let mut b = ct::EventSelector::builder()
                            .read_write_type(ct::ReadWriteType::from(s.read_write.as_str()))
                            .include_management_events(s.management)
                            .set_exclude_management_event_sources(Some(s.exclude_sources.clone()));
                        for d in &s.data {
                            b = b.data_resources(
                                ct::DataResource::builder()
                                    .r#type(&d.resource_type)
                                    .set_values(Some(d.values.clone()))
                                    .build(),
                            );
                        }
                        b.build()
                    })
                    .collect()
            };
        let mut sel = client.put_event_selectors().trail_name(&t.name);
        if t.advanced_event_selectors.is_empty() {
            sel = sel.set_event_selectors(Some(basic));
        } else {
            for a in &t.advanced_event_selectors {
                let mut b = ct::AdvancedEventSelector::builder().set_name(a.name.clone());
                for f in &a.fields {
                    b = b.field_selectors(
                        ct::AdvancedFieldSelector::builder()
                            .field(&f.field)
                            .set_equals(non_empty(&f.equals))
                            .set_starts_with(non_empty(&f.starts_with))
                            .set_ends_with(non_empty(&f.ends_with))
                            .set_not_equals(non_empty(&f.not_equals))
                            .set_not_starts_with(non_empty(&f.not_starts_with))
                            .set_not_ends_with(non_empty(&f.not_ends_with))
                            .build()?,
                    );
                }
                sel = sel.advanced_event_selectors(b.build()?);
            }
        }
        sel.send()
            .await
            .with_context(|| format!("event selectors of {}", t.name))?;
        if !t.insights.is_empty() {
            let mut req = client.put_insight_selectors().trail_name(&t.name);
            for i in &t.insights {
                req = req.insight_selectors(
                    ct::InsightSelector::builder()
                        .insight_type(ct::InsightType::from(i.as_str()))
                        .build(),
                );
            }
            req.send().await?;
        }
        if t.logging {
            client.start_logging().name(&t.name).send().await?;
        }
    }

    // Log and digest objects.
    for o in &scenario.objects {
        let t = scenario
            .trails
            .iter()
            .find(|t| t.name == o.trail)
            .expect("validated");
        let b = scenario
            .buckets
            .iter()
            .find(|b| b.name == t.bucket)
            .expect("validated");
        let when: DateTime<Utc> = match (&o.age_hours, &o.time) {
            (Some(h), _) => Utc::now() - chrono::Duration::hours(*h),
            (_, Some(s)) => DateTime::parse_from_rfc3339(s)?.with_timezone(&Utc),
            _ => unreachable!("validated"),
        };
        let acct = ctx.id(&o.account).to_string();
        let org = t.organization.then_some(ctx.org_id.as_str());
        let key = object_key(
            t.prefix.as_deref(),
            org,
            &acct,
            &o.region,
            &t.name,
            o.kind,
            when,
        );
        let body = gzip(&object_body(&acct, &o.region, &ctx.trail_arn(t), o, when))?;
        ctx.s3(&b.account, &b.region)
            .put_object()
            .bucket(&b.name)
            .key(&key)
            .body(ByteStream::from(body))
            .send()
            .await
            .with_context(|| format!("putting {key}"))?;
    }

    // Key states last (a disabled key still shows on the trail).
    for k in &scenario.kms_keys {
        let kms = aws_sdk_kms::Client::new(&ctx.cfg(&k.account, &k.region));
        // moto resolves only bare key ids for these two calls.
        let id = key_arns[&k.reference]
            .rsplit('/')
            .next()
            .expect("key arn")
            .to_string();
        match k.state {
            KeyState::Enabled => {}
            KeyState::Disabled => {
                kms.disable_key().key_id(&id).send().await?;
            }
            KeyState::PendingDeletion => {
                kms.schedule_key_deletion()
                    .key_id(&id)
                    .pending_window_in_days(7)
                    .send()
                    .await?;
            }
        }
    }

    // Suspended accounts.
    for a in scenario
        .accounts
        .iter()
        .filter(|a| a.status == AccountState::Suspended)
    {
        org.close_account()
            .account_id(ctx.id(&a.key))
            .send()
            .await
            .with_context(|| format!("closing {}", a.key))?;
    }

    // The auditor and the restrictions.
    let iam = aws_sdk_iam::Client::new(&mgmt);
    iam.create_user()
        .user_name("trailaudit-auditor")
        .send()
        .await?;
    let mut statements = vec![json!({"Effect": "Allow", "Action": "*", "Resource": "*"})];
    let denied: Vec<String> = scenario
        .accounts
        .iter()
        .filter(|a| a.assume_denied)
        .map(|a| format!("arn:aws:iam::{}:role/*", ctx.id(&a.key)))
        .collect();
    if !denied.is_empty() {
        statements.push(json!({"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": denied}));
    }
    if !scenario.management.deny_actions.is_empty() {
        statements.push(
            json!({"Effect": "Deny", "Action": scenario.management.deny_actions, "Resource": "*"}),
        );
    }
    iam.put_user_policy()
        .user_name("trailaudit-auditor")
        .policy_name("audit")
        .policy_document(json!({"Version": "2012-10-17", "Statement": statements}).to_string())
        .send()
        .await?;
    let key = iam
        .create_access_key()
        .user_name("trailaudit-auditor")
        .send()
        .await?;
    let key = key.access_key().ok_or_else(|| anyhow!("no access key"))?;
    let enforce = !denied.is_empty()
        || !scenario.management.deny_actions.is_empty()
        || scenario.accounts.iter().any(|a| !a.deny_actions.is_empty());
    if enforce {
        // With enforcement on, every member's audit role needs its policy.
        for a in &scenario.accounts {
            let mut st = vec![json!({"Effect": "Allow", "Action": "*", "Resource": "*"})];
            if !a.deny_actions.is_empty() {
                st.push(json!({"Effect": "Deny", "Action": a.deny_actions, "Resource": "*"}));
            }
            aws_sdk_iam::Client::new(&ctx.cfg(&a.key, "us-east-1"))
                .put_role_policy()
                .role_name("OrganizationAccountAccessRole")
                .policy_name("audit")
                .policy_document(json!({"Version": "2012-10-17", "Statement": st}).to_string())
                .send()
                .await
                .with_context(|| format!("role policy in {}", a.key))?;
        }
        emu.set_iam_enforcement(true)?;
    }
    Ok(Seeded {
        accounts: ctx.ids.clone(),
        organization_id: org_id,
        auditor_access_key_id: key.access_key_id().to_string(),
        auditor_secret_access_key: key.secret_access_key().to_string(),
        iam_enforced: enforce,
    })
}

fn non_empty(v: &[String]) -> Option<Vec<String>> {
    (!v.is_empty()).then(|| v.to_vec())
}

fn key_policy(account: &str, policy: KeyPolicy) -> String {
    let mut st = vec![json!({
        "Sid": "EnableRoot", "Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{account}:root")},
        "Action": "kms:*", "Resource": "*"
    })];
    if policy == KeyPolicy::Cloudtrail {
        st.push(json!({
            "Sid": "AllowCloudTrailEncrypt", "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": ["kms:GenerateDataKey*", "kms:DescribeKey"], "Resource": "*",
            "Condition": {"StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": "arn:aws:cloudtrail:*:*:trail/*"}}
        }));
    }
    json!({"Version": "2012-10-17", "Statement": st}).to_string()
}

fn bucket_policy(ctx: &Ctx, scenario: &Scenario, b: &BucketSpec) -> Option<String> {
    if b.policy == BucketPolicy::None {
        return None;
    }
    let arn = format!("arn:aws:s3:::{}", b.name);
    let mut st = vec![json!({
        "Sid": "AWSCloudTrailAclCheck", "Effect": "Allow",
        "Principal": {"Service": "cloudtrail.amazonaws.com"},
        "Action": "s3:GetBucketAcl", "Resource": arn
    })];
    if b.policy != BucketPolicy::MissingPut {
        for t in scenario.trails.iter().filter(|t| t.bucket == b.name) {
            let prefix = t
                .prefix
                .as_deref()
                .map(|p| format!("{}/", p.trim_end_matches('/')))
                .unwrap_or_default();
            let mut resources = vec![format!("{arn}/{prefix}AWSLogs/{}/*", ctx.id(&t.account))];
            if t.organization {
                resources.push(format!("{arn}/{prefix}AWSLogs/{}/*", ctx.org_id));
            }
            st.push(json!({
                "Sid": format!("AWSCloudTrailWrite-{}", t.name), "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:PutObject", "Resource": resources,
                "Condition": {
                    "StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": ctx.trail_arn(t)}
                }
            }));
        }
    }
    match b.policy {
        BucketPolicy::CloudtrailDenied => st.push(json!({
            "Sid": "DenyCloudTrail", "Effect": "Deny",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "s3:PutObject", "Resource": format!("{arn}/*")
        })),
        BucketPolicy::PublicRead => st.push(json!({
            "Sid": "PublicRead", "Effect": "Allow", "Principal": "*",
            "Action": "s3:GetObject", "Resource": format!("{arn}/*")
        })),
        _ => {}
    }
    Some(json!({"Version": "2012-10-17", "Statement": st}).to_string())
}

/// A CloudTrail log or digest key at the real layout.
pub fn object_key(
    prefix: Option<&str>,
    org: Option<&str>,
    account: &str,
    region: &str,
    trail_name: &str,
    kind: ObjectKind,
    when: DateTime<Utc>,
) -> String {
    let base = match kind {
        ObjectKind::Log => trailaudit_model::log_prefix(prefix, org, account, region),
        ObjectKind::Digest => trailaudit_model::digest_prefix(prefix, org, account, region),
    };
    let day = when.format("%Y/%m/%d");
    match kind {
        ObjectKind::Log => format!(
            "{base}{day}/{account}_CloudTrail_{region}_{}_{}.json.gz",
            when.format("%Y%m%dT%H%MZ"),
            random16(account, region, when)
        ),
        ObjectKind::Digest => format!(
            "{base}{day}/{account}_CloudTrail-Digest_{region}_{trail_name}_{region}_{}.json.gz",
            when.format("%Y%m%dT%H%M%SZ")
        ),
    }
}

fn random16(account: &str, region: &str, when: DateTime<Utc>) -> String {
    // Deterministic stand-in for CloudTrail's random suffix.
    let mut h: u64 = 1469598103934665603;
    for b in account
        .bytes()
        .chain(region.bytes())
        .chain(when.timestamp().to_le_bytes())
    {
        h = (h ^ u64::from(b)).wrapping_mul(1099511628211);
    }
    format!("{h:016X}")
}

fn object_body(
    account: &str,
    region: &str,
    trail_arn: &str,
    o: &ObjectSpec,
    when: DateTime<Utc>,
) -> String {
    match o.kind {
        ObjectKind::Log => {
            let records: Vec<_> = o
                .events
                .iter()
                .map(|e| {
                    let (source, name) = e.split_once('/').unwrap_or(("unknown.amazonaws.com", e));
                    json!({
                        "eventVersion": "1.09", "eventTime": when.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                        "eventSource": source, "eventName": name, "awsRegion": region,
                        "recipientAccountId": account, "eventCategory": "Management"
                    })
                })
                .collect();
            json!({"Records": records}).to_string()
        }
        ObjectKind::Digest => json!({
            "awsAccountId": account, "digestEndTime": when.to_rfc3339(), "digestS3Bucket": "", "logFiles": [],
            "digestPublicKeyFingerprint": "", "digestSignatureAlgorithm": "SHA256withRSA",
            "trailARN": trail_arn
        })
        .to_string(),
    }
}

fn gzip(text: &str) -> Result<Vec<u8>> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(text.as_bytes())?;
    Ok(enc.finish()?)
}
