//! A CloudTrail delivery model for tests: the emulator never writes log
//! files, so this turns the requests a [`crate::proxy::Proxy`] recorded into
//! CloudTrail log files at the real key layout
//! (`[PREFIX/]AWSLogs/[o-ORGID/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHMMZ_XXXX.json.gz`,
//! records in CloudTrail's format), for exactly the trails that record them,
//! as they are configured when [`deliver`] runs (CloudTrail delivers in
//! batches, about every 5 minutes: a trail stopped before then delivers
//! nothing).
//!
//! What decides a delivery, read from the emulator with the SDK (not from
//! the tool under test):
//! - the caller's account and principal (`sts:GetCallerIdentity` with the
//!   recorded access key: the emulator does not check secrets);
//! - trails: logging (`GetTrailStatus`), multi-region or home region,
//!   organization trails for every account of the organization, global
//!   service events (IAM, Organizations, CloudFront) recorded in us-east-1
//!   and only by trails that include them;
//! - selectors: basic (`IncludeManagementEvents`, `ReadWriteType`,
//!   `ExcludeManagementEventSources`) and advanced (`eventCategory`,
//!   `readOnly`, `eventSource`, `eventName` with all six operators; any
//!   other field, or a selector with none of management, is not matched,
//!   so the model never delivers what a trail might not record). A trail
//!   with no selectors records all management events (AWS's default).
//!   Management events only: S3 object calls (data events) are not
//!   delivered.
//! - the bucket policy: a `Deny` without conditions to CloudTrail (or `*`)
//!   on `s3:PutObject` of the key blocks; otherwise an `Allow` to
//!   `cloudtrail.amazonaws.com` of `s3:PutObject` on the key is needed
//!   (its conditions are taken as met);
//! - lifecycle expiry: with `age`, the requests are taken to have happened
//!   that long ago (times and keys shifted), and a file an enabled rule
//!   would have expired by now is not written.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use anyhow::{Context, Result};
use aws_credential_types::Credentials;
use aws_sdk_cloudtrail::types::{AdvancedEventSelector, EventSelector, ReadWriteType};
use chrono::{DateTime, Duration, DurationRound, Utc};
use serde_json::{json, Value};
use trailaudit_model::regions::glob_match as wildcard;

use crate::proxy::Seen;
use crate::scenario::ObjectKind;
use crate::seed::{emulator_config, management_credentials, object_key};

/// What [`deliver`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delivered {
    /// Log files written (`s3://BUCKET/KEY`).
    pub files: Vec<String>,
    /// Records written.
    pub records: usize,
    /// Files the bucket policy refused (`s3://BUCKET/KEY: why`).
    pub blocked: Vec<String>,
    /// Files a lifecycle rule would have deleted by now.
    pub expired: Vec<String>,
}

#[derive(Debug, Clone)]
struct TrailInfo {
    name: String,
    owner: String,
    home: String,
    multi: bool,
    organization: bool,
    global: bool,
    bucket: String,
    prefix: Option<String>,
    kms: Option<String>,
    logging: bool,
    basic: Vec<EventSelector>,
    advanced: Vec<AdvancedEventSelector>,
}

/// One management event.
struct Ev<'a> {
    source: String,
    name: &'a str,
    read_only: bool,
    global: bool,
}

/// Delivers the management events of `seen` (as [`Delivered`] says), as if
/// they happened `age` ago.
pub async fn deliver(endpoint: &str, seen: &[Seen], age: Duration) -> Result<Delivered> {
    let mgmt = emulator_config(endpoint, management_credentials());
    let org = aws_sdk_organizations::Client::new(&mgmt);
    let o = org
        .describe_organization()
        .send()
        .await
        .context("DescribeOrganization")?;
    let o = o.organization().context("an organization")?;
    let org_id = o.id().unwrap_or_default().to_string();
    let management = o.master_account_id().unwrap_or_default().to_string();
    let mut members = Vec::new();
    let mut pages = org.list_accounts().into_paginator().send();
    while let Some(p) = pages.next().await {
        members.extend(
            p?.accounts()
                .iter()
                .filter_map(|a| a.id().map(str::to_string)),
        );
    }

    // Who made each request.
    let mut principals: HashMap<(String, Option<String>), (String, String)> = HashMap::new();
    for s in seen.iter().filter(|s| !s.access_key.is_empty()) {
        let k = (s.access_key.clone(), s.session_token.clone());
        if principals.contains_key(&k) {
            continue;
        }
        let creds = Credentials::new(&s.access_key, "any", s.session_token.clone(), None, "seen");
        let who = aws_sdk_sts::Client::new(&emulator_config(endpoint, creds))
            .get_caller_identity()
            .send()
            .await
            .with_context(|| format!("GetCallerIdentity of {}", s.access_key))?;
        principals.insert(
            k,
            (
                who.account().unwrap_or_default().to_string(),
                who.arn().unwrap_or_default().to_string(),
            ),
        );
    }

    // Every trail of every account, as configured now.
    let mut regions: Vec<String> = seen.iter().map(|s| s.region.clone()).collect();
    regions.push("us-east-1".into());
    regions.sort();
    regions.dedup();
    regions.retain(|r| !r.is_empty());
    let mut trails = Vec::new();
    for account in &members {
        let cfg = account_config(endpoint, &mgmt, account, &management).await?;
        for region in &regions {
            let ct = aws_sdk_cloudtrail::Client::new(&regional(&cfg, region));
            let listed = ct
                .describe_trails()
                .include_shadow_trails(false)
                .send()
                .await
                .with_context(|| format!("DescribeTrails in {account} {region}"))?;
            for t in listed.trail_list() {
                if t.home_region() != Some(region.as_str()) {
                    continue;
                }
                let arn = t.trail_arn().unwrap_or_default().to_string();
                let status = ct
                    .get_trail_status()
                    .name(&arn)
                    .send()
                    .await
                    .with_context(|| format!("GetTrailStatus {arn}"))?;
                let sel = ct
                    .get_event_selectors()
                    .trail_name(&arn)
                    .send()
                    .await
                    .with_context(|| format!("GetEventSelectors {arn}"))?;
                trails.push(TrailInfo {
                    name: t.name().unwrap_or_default().to_string(),
                    owner: account.clone(),
                    home: region.clone(),
                    multi: t.is_multi_region_trail().unwrap_or(false),
                    organization: t.is_organization_trail().unwrap_or(false),
                    global: t.include_global_service_events().unwrap_or(false),
                    bucket: t.s3_bucket_name().unwrap_or_default().to_string(),
                    prefix: t.s3_key_prefix().map(str::to_string),
                    kms: t.kms_key_id().map(str::to_string),
                    logging: status.is_logging().unwrap_or(false),
                    basic: sel.event_selectors().to_vec(),
                    advanced: sel.advanced_event_selectors().to_vec(),
                });
            }
        }
    }

    // Records per file: (trail, account, region, delivery time).
    let now = Utc::now();
    let mut files: BTreeMap<(usize, String, String, DateTime<Utc>), Vec<Value>> = BTreeMap::new();
    for s in seen {
        let Some(status) = s.status else { continue };
        let Some((account, arn)) = principals.get(&(s.access_key.clone(), s.session_token.clone()))
        else {
            continue;
        };
        let Some(ev) = management_event(s) else {
            continue;
        };
        let region = if ev.global {
            "us-east-1"
        } else {
            s.region.as_str()
        };
        let at = s.at - age;
        let delivered_at =
            at.duration_trunc(Duration::minutes(5)).unwrap_or(at) + Duration::minutes(5);
        let record = record(s, &ev, account, arn, region, at, status);
        for (i, t) in trails.iter().enumerate() {
            let reaches = t.owner == *account || (t.organization && t.owner == management);
            let in_region = t.multi || t.home == region;
            if t.logging
                && !t.bucket.is_empty()
                && reaches
                && in_region
                && (!ev.global || t.global)
                && selects(t, &ev)
            {
                files
                    .entry((i, account.clone(), region.to_string(), delivered_at))
                    .or_default()
                    .push(record.clone());
            }
        }
    }

    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&mgmt)
            .force_path_style(true)
            .build(),
    );
    let mut out = Delivered::default();
    let mut policies: HashMap<String, Option<Value>> = HashMap::new();
    let mut lifecycles: HashMap<String, Vec<(String, i32)>> = HashMap::new();
    for ((i, account, region, when), records) in files {
        let t = &trails[i];
        let org = t.organization.then_some(org_id.as_str());
        let key = object_key(
            t.prefix.as_deref(),
            org,
            &account,
            &region,
            &t.name,
            ObjectKind::Log,
            when,
        );
        let url = format!("s3://{}/{key}", t.bucket);
        if !policies.contains_key(&t.bucket) {
            let p = s3.get_bucket_policy().bucket(&t.bucket).send().await.ok();
            let doc = p
                .and_then(|p| p.policy().map(str::to_string))
                .and_then(|p| serde_json::from_str(&p).ok());
            policies.insert(t.bucket.clone(), doc);
            let rules = s3
                .get_bucket_lifecycle_configuration()
                .bucket(&t.bucket)
                .send()
                .await
                .map(|l| {
                    l.rules()
                        .iter()
                        .filter(|r| r.status().as_str() == "Enabled")
                        .filter_map(|r| {
                            let days = r.expiration().and_then(|e| e.days())?;
                            let prefix = r
                                .filter()
                                .and_then(|f| f.prefix())
                                .unwrap_or_default()
                                .to_string();
                            Some((prefix, days))
                        })
                        .collect()
                })
                .unwrap_or_default();
            lifecycles.insert(t.bucket.clone(), rules);
        }
        if let Err(why) = policy_allows(policies[&t.bucket].as_ref(), &t.bucket, &key) {
            out.blocked.push(format!("{url}: {why}"));
            continue;
        }
        if lifecycles[&t.bucket]
            .iter()
            .any(|(p, d)| key.starts_with(p.as_str()) && when + Duration::days(i64::from(*d)) < now)
        {
            out.expired.push(url);
            continue;
        }
        let n = records.len();
        let body = gzip(&json!({ "Records": records }).to_string())?;
        let mut put = s3
            .put_object()
            .bucket(&t.bucket)
            .key(&key)
            .body(body.into())
            .content_type("application/json");
        if let Some(k) = &t.kms {
            put = put
                .server_side_encryption(aws_sdk_s3::types::ServerSideEncryption::AwsKms)
                .ssekms_key_id(k);
        }
        put.send().await.with_context(|| format!("writing {url}"))?;
        out.records += n;
        out.files.push(url);
    }
    Ok(out)
}

async fn account_config(
    endpoint: &str,
    mgmt: &aws_config::SdkConfig,
    account: &str,
    management: &str,
) -> Result<aws_config::SdkConfig> {
    if account == management {
        return Ok(mgmt.clone());
    }
    let role = aws_sdk_sts::Client::new(mgmt)
        .assume_role()
        .role_arn(format!(
            "arn:aws:iam::{account}:role/OrganizationAccountAccessRole"
        ))
        .role_session_name("delivery-model")
        .send()
        .await?;
    let c = role.credentials().context("credentials")?;
    Ok(emulator_config(
        endpoint,
        Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_string()),
            None,
            "delivery-model",
        ),
    ))
}

fn regional(cfg: &aws_config::SdkConfig, region: &str) -> aws_config::SdkConfig {
    cfg.to_builder()
        .region(aws_types::region::Region::new(region.to_string()))
        .build()
}

/// The management event a request is, if it is one (S3 object calls are
/// data events; the proxy's own answers without a status were never made).
fn management_event(s: &Seen) -> Option<Ev<'_>> {
    if s.operation.is_empty() || s.service.is_empty() {
        return None;
    }
    let object_call = s.service == "s3"
        && matches!(
            s.operation.as_str(),
            "GetObject"
                | "PutObject"
                | "HeadObject"
                | "DeleteObject"
                | "ListObjects"
                | "ListObjectsV2"
        );
    if object_call {
        return None;
    }
    let read_only = ["Get", "Describe", "List", "Lookup", "Head", "BatchGet"]
        .iter()
        .any(|p| s.operation.starts_with(p));
    Some(Ev {
        source: format!("{}.amazonaws.com", s.service),
        name: &s.operation,
        read_only,
        global: matches!(s.service.as_str(), "iam" | "organizations" | "cloudfront"),
    })
}

fn record(
    s: &Seen,
    ev: &Ev,
    account: &str,
    arn: &str,
    region: &str,
    at: DateTime<Utc>,
    status: u16,
) -> Value {
    let assumed = arn.contains(":assumed-role/");
    let mut r = json!({
        "eventVersion": "1.10",
        "userIdentity": {
            "type": if assumed { "AssumedRole" } else { "IAMUser" },
            "arn": arn,
            "accountId": account,
            "accessKeyId": s.access_key,
        },
        "eventTime": at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "eventSource": ev.source,
        "eventName": ev.name,
        "awsRegion": region,
        "sourceIPAddress": "127.0.0.1",
        "userAgent": "aws-sdk-rust",
        "requestParameters": null,
        "responseElements": null,
        "requestID": s.request_id,
        "eventID": format!("{:08x}-0000-4000-8000-{:012x}", s.index, at.timestamp()),
        "readOnly": ev.read_only,
        "eventType": "AwsApiCall",
        "managementEvent": true,
        "recipientAccountId": account,
        "eventCategory": "Management",
    });
    if status >= 400 {
        r["errorCode"] = json!(format!("HTTP{status}"));
    }
    r
}

/// Whether the trail's selectors select the management event.
fn selects(t: &TrailInfo, ev: &Ev) -> bool {
    if t.basic.is_empty() && t.advanced.is_empty() {
        return true;
    }
    let basic = t.basic.iter().any(|s| {
        s.include_management_events() == Some(true)
            && match s.read_write_type() {
                Some(ReadWriteType::ReadOnly) => ev.read_only,
                Some(ReadWriteType::WriteOnly) => !ev.read_only,
                _ => true,
            }
            && !s.exclude_management_event_sources().contains(&ev.source)
    });
    basic
        || t.advanced.iter().any(|a| {
            let mut management = false;
            let all = a.field_selectors().iter().all(|f| {
                let value = match f.field() {
                    "eventCategory" => "Management".to_string(),
                    "readOnly" => ev.read_only.to_string(),
                    "eventSource" => ev.source.clone(),
                    "eventName" => ev.name.to_string(),
                    _ => return false,
                };
                if f.field() == "eventCategory" {
                    management = f.equals().iter().any(|v| v == "Management");
                }
                let v = value.as_str();
                (f.equals().is_empty() || f.equals().iter().any(|x| x == v))
                    && (f.starts_with().is_empty()
                        || f.starts_with().iter().any(|x| v.starts_with(x.as_str())))
                    && (f.ends_with().is_empty()
                        || f.ends_with().iter().any(|x| v.ends_with(x.as_str())))
                    && !f.not_equals().iter().any(|x| x == v)
                    && !f
                        .not_starts_with()
                        .iter()
                        .any(|x| v.starts_with(x.as_str()))
                    && !f.not_ends_with().iter().any(|x| v.ends_with(x.as_str()))
            });
            all && management
        })
}

/// Whether the bucket policy lets CloudTrail put `key` (see the module).
fn policy_allows(policy: Option<&Value>, bucket: &str, key: &str) -> Result<(), String> {
    let Some(p) = policy else {
        return Err("the bucket has no policy".into());
    };
    let object = format!("arn:aws:s3:::{bucket}/{key}");
    let list = |v: Option<&Value>| -> Vec<String> {
        match v {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect(),
            _ => vec![],
        }
    };
    let statements = match p.get("Statement") {
        Some(Value::Array(a)) => a.clone(),
        Some(o @ Value::Object(_)) => vec![o.clone()],
        _ => vec![],
    };
    let mut allowed = false;
    for st in &statements {
        let principal = st.get("Principal");
        let to_cloudtrail = match principal {
            Some(Value::String(s)) => s == "*",
            Some(Value::Object(o)) => {
                list(o.get("Service"))
                    .iter()
                    .any(|s| s == "cloudtrail.amazonaws.com")
                    || list(o.get("AWS")).iter().any(|s| s == "*")
            }
            _ => false,
        };
        let put = list(st.get("Action"))
            .iter()
            .any(|a| wildcard(&a.to_ascii_lowercase(), "s3:putobject"));
        let on_key = list(st.get("Resource"))
            .iter()
            .any(|r| wildcard(r, &object));
        if !(to_cloudtrail && put && on_key) {
            continue;
        }
        match st.get("Effect").and_then(|e| e.as_str()) {
            Some("Deny") if st.get("Condition").is_none() => {
                return Err(format!(
                    "statement {} denies CloudTrail s3:PutObject",
                    st.get("Sid").and_then(|s| s.as_str()).unwrap_or("(no Sid)")
                ))
            }
            Some("Allow") => allowed = true,
            _ => {}
        }
    }
    if allowed {
        Ok(())
    } else {
        Err("no statement allows CloudTrail s3:PutObject on the key".into())
    }
}

/// Makes an account-region's archive busy: `files` more log files in the
/// hour after `from`, at the real key layout under `prefix` (the
/// account-region's `.../CloudTrail/REGION/`), as a busy account-region's
/// trail delivers them: in 5-minute batches of many files, each holding the
/// events of the few seconds it covers (a management read by another
/// principal, none of them a footprint). For benchmarks of proof of delivery.
pub async fn busy_prefix(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    prefix: &str,
    account: &str,
    region: &str,
    from: DateTime<Utc>,
    files: usize,
) -> Result<()> {
    use futures::stream::{self, StreamExt, TryStreamExt};
    let slice = Duration::minutes(61) / (files.max(1) as i32);
    stream::iter(0..files)
        .map(|i| {
            let start = from - Duration::minutes(1) + slice * (i as i32);
            // Delivered with the batch that closes after the slice.
            let at = (start + slice).duration_trunc(Duration::minutes(5)).unwrap_or(start)
                + Duration::minutes(5);
            let day = at.format("%Y/%m/%d");
            // CloudTrail's suffix is random: a file's place among its
            // batch's is not known before it is listed.
            let mut z = (i as u64).wrapping_add(0x9e37_79b9_7f4a_7c15);
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            let key = format!(
                "{prefix}{day}/{account}_CloudTrail_{region}_{}_{:016x}.json.gz",
                at.format("%Y%m%dT%H%MZ"),
                z ^ (z >> 31)
            );
            let record = json!({
                "eventVersion": "1.10",
                "userIdentity": {"type": "AssumedRole", "arn": format!("arn:aws:sts::{account}:assumed-role/busy-app/i-{i:08x}"), "accountId": account},
                "eventTime": start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                "eventSource": "ec2.amazonaws.com",
                "eventName": "DescribeInstances",
                "awsRegion": region,
                "requestID": format!("busy-{i}"),
                "readOnly": true,
                "eventType": "AwsApiCall",
                "managementEvent": true,
                "recipientAccountId": account,
                "eventCategory": "Management",
            });
            async move {
                let body = gzip(&json!({ "Records": [record] }).to_string())?;
                s3.put_object()
                    .bucket(bucket)
                    .key(&key)
                    .body(body.into())
                    .send()
                    .await
                    .with_context(|| format!("writing s3://{bucket}/{key}"))?;
                Ok::<_, anyhow::Error>(())
            }
        })
        .buffer_unordered(16)
        .try_collect::<Vec<()>>()
        .await?;
    Ok(())
}

fn gzip(text: &str) -> Result<Vec<u8>> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(text.as_bytes())?;
    Ok(enc.finish()?)
}

/// Moves a written snapshot's run times and footprints `age` into the past
/// (with [`deliver`]'s `age`: a run made that long ago).
pub fn age_snapshot(path: &std::path::Path, age: Duration) -> Result<()> {
    let mut s = trailaudit_model::Snapshot::from_json(&std::fs::read_to_string(path)?)?;
    s.started_at -= age;
    s.finished_at -= age;
    for a in &mut s.accounts {
        for r in &mut a.regions {
            if let Some(f) = r.footprint.as_deref_mut() {
                f.sent_at -= age;
                f.answered_at -= age;
            }
        }
    }
    let mut out = Vec::new();
    s.write_json(&mut out)?;
    std::fs::write(path, out)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_policies_are_read_as_cloudtrail_would_meet_them() {
        let allow = json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/AWSLogs/111111111111/*",
            "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}}]});
        assert!(policy_allows(
            Some(&allow),
            "b",
            "AWSLogs/111111111111/CloudTrail/x.json.gz"
        )
        .is_ok());
        assert!(policy_allows(
            Some(&allow),
            "b",
            "AWSLogs/222222222222/CloudTrail/x.json.gz"
        )
        .is_err());
        assert!(policy_allows(None, "b", "AWSLogs/111111111111/x").is_err());
        let mut deny = allow.clone();
        deny["Statement"].as_array_mut().unwrap().push(json!({"Sid": "D", "Effect": "Deny",
            "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/*"}));
        assert!(policy_allows(
            Some(&deny),
            "b",
            "AWSLogs/111111111111/CloudTrail/x.json.gz"
        )
        .unwrap_err()
        .contains("statement D"));
        assert!(
            wildcard("s3:*", "s3:putobject")
                && wildcard("*", "x")
                && !wildcard("s3:get*", "s3:putobject")
        );
    }
}
