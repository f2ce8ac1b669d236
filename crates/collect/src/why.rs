//! The live probes of `audit why`: list the exact day prefixes with the
//! bucket owner's credentials and with the asking account's, read the log
//! files delivered just after the event to find its record, and ask
//! `LookupEvents` (90-day event history) in the right region.

use aws_config::SdkConfig;
use trailaudit_model::{Fact, WhyPlan, WhyProbes};

use crate::run::Run;
use crate::{aws, convert};

/// Log files read at most, looking for the record.
const MAX_FILES: usize = 12;

pub(crate) async fn probe(run: &Run<'_>, plan: &WhyPlan) -> WhyProbes {
    let owner_cfg = match &plan.bucket_owner {
        Some(o) => run.config_or_assume(o).await,
        None => None,
    };
    let owner_listing = match (&owner_cfg, &plan.bucket_owner) {
        (Some(cfg), Some(o)) => list(run, cfg, o, plan).await,
        (None, Some(o)) => Fact::not_collected(format!(
            "the role in the bucket owner's account {o} could not be assumed"
        )),
        _ => Fact::not_collected("the bucket is not owned by an account of the organization"),
    };
    let account_cfg = run.config_or_assume(&plan.asking_account).await;
    let account_listing = match &account_cfg {
        Some(cfg) => list(run, cfg, &plan.asking_account, plan).await,
        None => Fact::not_collected(format!(
            "the role in account {} could not be assumed",
            plan.asking_account
        )),
    };
    // Read with whichever credentials could list.
    let reader = match (&owner_listing, &account_listing) {
        (Fact::Collected { value }, _) => owner_cfg.as_ref().map(|c| {
            (
                c,
                plan.bucket_owner.clone().unwrap_or_default(),
                value.clone(),
            )
        }),
        (_, Fact::Collected { value }) => account_cfg
            .as_ref()
            .map(|c| (c, plan.asking_account.clone(), value.clone())),
        _ => None,
    };
    let record_key = match reader {
        Some((cfg, acct, keys)) => find_record(run, cfg, &acct, plan, &keys).await,
        None => Fact::not_collected("the log prefix could not be listed"),
    };
    let lookup_found = match (&plan.lookup_region, &account_cfg) {
        (Some(region), Some(cfg)) => lookup(run, cfg, region, plan).await,
        (Some(_), None) => Fact::not_collected("no credentials for the account"),
        (None, _) => Fact::not_collected(
            "not a management event younger than 90 days: event history cannot have it",
        ),
    };
    WhyProbes {
        owner_listing,
        account_listing,
        record_key,
        lookup_found,
    }
}

async fn list(run: &Run<'_>, cfg: &SdkConfig, account: &str, plan: &WhyPlan) -> Fact<Vec<String>> {
    let s3 = run.s3(cfg, &plan.bucket_region);
    let mut keys = Vec::new();
    for prefix in &plan.prefixes {
        let pages = {
            let _p = run.permit().await;
            s3.list_objects_v2()
                .bucket(&plan.bucket)
                .prefix(prefix)
                .into_paginator()
                .send()
                .collect::<Vec<_>>()
                .await
        };
        for page in pages {
            match page {
                Ok(p) => keys.extend(
                    p.contents()
                        .iter()
                        .filter_map(|o| o.key().map(str::to_string)),
                ),
                Err(e) => {
                    return run.failed(
                        account,
                        Some(&plan.bucket_region),
                        &plan.bucket,
                        aws::classify("s3:ListBucket", &e),
                    )
                }
            }
        }
    }
    Fact::Collected { value: keys }
}

async fn find_record(
    run: &Run<'_>,
    cfg: &SdkConfig,
    account: &str,
    plan: &WhyPlan,
    keys: &[String],
) -> Fact<Option<String>> {
    let mut candidates: Vec<(&String, chrono::DateTime<chrono::Utc>)> = keys
        .iter()
        .filter(|k| k.ends_with(".json.gz") && !k.contains("/CloudTrail-Digest/"))
        .filter_map(|k| convert::key_time(k).map(|t| (k, t)))
        .filter(|(_, t)| *t >= plan.delivered_from && *t <= plan.delivered_to)
        .collect();
    candidates.sort_by_key(|(_, t)| *t);
    let s3 = run.s3(cfg, &plan.bucket_region);
    for (key, _) in candidates.into_iter().take(MAX_FILES) {
        let records = match crate::verify::read_records(run, &s3, &plan.bucket, key).await {
            Ok(r) => r,
            Err(e) if e.kind == trailaudit_model::ErrorKind::Network => {
                return Fact::Failed { error: e }
            }
            Err(e) => return run.failed(account, Some(&plan.bucket_region), key, e),
        };
        let hit = records.iter().any(|r| {
            let name_ok =
                r.get("eventName").and_then(|v| v.as_str()) == Some(plan.event_name.as_str());
            let source_ok = plan
                .event_source
                .as_deref()
                .is_none_or(|s| r.get("eventSource").and_then(|v| v.as_str()) == Some(s));
            let time_ok = r
                .get("eventTime")
                .and_then(|v| v.as_str())
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                .is_some_and(|t| t >= plan.event_from && t <= plan.event_to);
            name_ok && source_ok && time_ok
        });
        if hit {
            return Fact::Collected {
                value: Some(key.clone()),
            };
        }
    }
    Fact::Collected { value: None }
}

async fn lookup(run: &Run<'_>, cfg: &SdkConfig, region: &str, plan: &WhyPlan) -> Fact<bool> {
    use aws_sdk_cloudtrail::types::{LookupAttribute, LookupAttributeKey};
    let client = run.cloudtrail(cfg, region);
    let resp = {
        let _p = run.slot(&plan.asking_account, region).await;
        client
            .lookup_events()
            .lookup_attributes(
                LookupAttribute::builder()
                    .attribute_key(LookupAttributeKey::EventName)
                    .attribute_value(&plan.event_name)
                    .build()
                    .expect("key and value set"),
            )
            .start_time(aws_smithy_types::DateTime::from_secs(
                plan.event_from.timestamp(),
            ))
            .end_time(aws_smithy_types::DateTime::from_secs(
                plan.event_to.timestamp(),
            ))
            .max_results(50)
            .send()
            .await
    };
    match resp {
        Ok(o) => Fact::Collected {
            value: o.events().iter().any(|e| {
                plan.event_source
                    .as_deref()
                    .is_none_or(|s| e.event_source() == Some(s))
            }),
        },
        Err(e) => run.failed(
            &plan.asking_account,
            Some(region),
            &plan.event_name,
            aws::classify("cloudtrail:LookupEvents", &e),
        ),
    }
}
