//! One account: who the caller is, the optional APIs probed once, the
//! account's regions, its trails per region (with the footprint of each
//! `DescribeTrails`) and the details of the trails it owns.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::Mutex;

use aws_config::SdkConfig;
use futures::stream::{self, StreamExt};
use trailaudit_model::regions::{self, RegionSelection};
use trailaudit_model::{
    Access, Account, AccountRegion, AccountStatus, CallerIdentity, ErrorInfo, ErrorKind, Fact,
    RegionStatus, Trail, TrailRef,
};

use crate::options::{CollectOptions, FatalError};
use crate::run::Run;
use crate::{aws, convert, resources};

/// Who the starting credentials are, kept as the caller's account's
/// credentials; unusable credentials are fatal, with what to check.
pub(crate) async fn caller_identity(
    run: &Run<'_>,
    cfg: &SdkConfig,
    opts: &CollectOptions,
) -> Result<CallerIdentity, FatalError> {
    let who = run
        .sts(cfg)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| {
            let info = aws::classify("sts:GetCallerIdentity", &e);
            let which = match cfg_profile(opts) {
                Some(p) => format!("profile `{p}` (from --profile or AWS_PROFILE): does it exist in ~/.aws/config or ~/.aws/credentials? "),
                None => String::new(),
            };
            FatalError::Credentials(format!(
                "{}. Check the credentials in use: {which}environment variables, AWS_PROFILE/--profile; for SSO profiles run `aws sso login --profile NAME`, for expired keys refresh them",
                info.describe()
            ))
        })?;
    let caller = CallerIdentity {
        account_id: who.account().unwrap_or_default().to_string(),
        arn: who.arn().unwrap_or_default().to_string(),
    };
    run.configs
        .lock()
        .expect("configs lock")
        .insert(caller.account_id.clone(), cfg.clone());
    Ok(caller)
}

/// Asks the Account API and CloudTrail Lake once with the starting
/// credentials; an API the endpoint does not implement (or the caller may not
/// use) is then left out of the whole run, said once in the errors.
pub(crate) async fn probe_optional_apis(run: &Run<'_>, caller: &str) {
    if matches!(run.opts.regions, RegionSelection::All) {
        // The caller's own enabled regions: kept for its account and for
        // accounts that cannot be entered (one listing, not two).
        match enabled_regions(run, &run.base).await {
            Err(info) => {
                if matches!(info.kind, ErrorKind::NotImplemented | ErrorKind::NotFound) {
                    run.list_regions_unavailable.store(true, Ordering::SeqCst);
                    run.record(Some(caller), None, None, &info);
                }
            }
            Ok(regions) if !regions.is_empty() => {
                *run.caller_regions.lock().expect("caller regions") =
                    Some((caller.to_string(), regions));
            }
            Ok(_) => {}
        }
    }
    let region = run
        .base
        .region()
        .map(|r| r.to_string())
        .unwrap_or_else(|| "us-east-1".into());
    let resp = {
        let _p = run.slot(caller, &region).await;
        run.cloudtrail(&run.base, &region)
            .list_event_data_stores()
            .max_results(1)
            .send()
            .await
    };
    if let Err(e) = resp {
        let info = aws::classify("cloudtrail:ListEventDataStores", &e);
        // Only an endpoint without CloudTrail Lake switches it off for the
        // run; a permission error is the caller's own, recorded per
        // account-region where it happens.
        if info.kind == ErrorKind::NotImplemented {
            run.lake_unavailable.store(true, Ordering::SeqCst);
            run.record(Some(caller), Some(&region), None, &info);
        }
    }
}

fn cfg_profile(opts: &CollectOptions) -> Option<&str> {
    opts.profile.as_deref()
}

pub(crate) fn not_in_scope(mut t: Trail) -> Trail {
    let reason = format!(
        "owner account {} is not in the audit scope; its details can only be read there",
        t.owner_account_id
    );
    t.status = Fact::not_collected(&reason);
    t.selectors = Fact::not_collected(&reason);
    t.insight_types = Fact::not_collected(reason);
    t
}

pub(crate) async fn collect_account(
    run: &Run<'_>,
    mut account: Account,
    caller_account: &str,
    trails: &Mutex<BTreeMap<String, Trail>>,
) -> Account {
    let skip = |account: &mut Account, reason: &str| {
        // Its own enabled regions cannot be read: the caller's stand in
        // (every cell is unknown either way).
        let regions = run
            .caller_regions
            .lock()
            .expect("caller regions")
            .as_ref()
            .filter(|_| matches!(run.opts.regions, RegionSelection::All))
            .map(|(_, r)| r.clone())
            .unwrap_or_else(|| run.opts.regions.known());
        account.regions = regions
            .into_iter()
            .map(|region| AccountRegion {
                region,
                status: RegionStatus::NotCollected {
                    reason: reason.to_string(),
                },
                trails: vec![],
                event_data_stores: Fact::not_collected(reason),
                footprint: None,
            })
            .collect();
    };
    if account.status == AccountStatus::Suspended {
        let reason = "account is suspended";
        account.access = Access::Skipped {
            reason: reason.into(),
        };
        skip(&mut account, reason);
        return account;
    }
    if run.cancel.is_cancelled() {
        let reason = "run interrupted before this account was collected";
        account.access = Access::Skipped {
            reason: reason.into(),
        };
        skip(&mut account, reason);
        return account;
    }

    // Credentials, once per account.
    let cfg = if account.id == caller_account {
        account.access = Access::Caller;
        run.base.clone()
    } else {
        let role_arn = format!("arn:aws:iam::{}:role/{}", account.id, run.opts.role_name);
        match run.assume_once(&account.id).await {
            Ok(cfg) => {
                account.access = Access::Assumed { role_arn };
                cfg
            }
            Err(error) => {
                let reason = format!("role {role_arn} could not be assumed: {}", error.message);
                account.access = Access::Failed { error };
                skip(&mut account, &reason);
                return account;
            }
        }
    };
    // Regions.
    let regions = regions_for(run, &account.id, &cfg).await;

    // DescribeTrails per region (and Lake stores where the API answers).
    let found: Vec<(AccountRegion, Vec<Trail>)> = stream::iter(regions.into_iter().map(|region| {
        let cfg = &cfg;
        let id = account.id.clone();
        async move { describe_region(run, &id, cfg, region).await }
    }))
    .buffer_unordered(run.opts.concurrency.max(1))
    .collect()
    .await;
    let mut owned: Vec<Trail> = Vec::new();
    for (ar, ts) in found {
        account.regions.push(ar);
        for t in ts {
            if t.owner_account_id == account.id && !owned.iter().any(|o| o.arn == t.arn) {
                owned.push(t);
            } else {
                trails
                    .lock()
                    .expect("trails lock")
                    .entry(t.arn.clone())
                    .or_insert(t);
            }
        }
    }
    account.regions.sort_by(|a, b| a.region.cmp(&b.region));

    // Details of the trails this account owns, from their home regions.
    let detailed: Vec<Trail> = stream::iter(owned.into_iter().map(|t| {
        let cfg = &cfg;
        async move { trail_details(run, cfg, t).await }
    }))
    .buffer_unordered(run.opts.concurrency.max(1))
    .collect()
    .await;
    let mut map = trails.lock().expect("trails lock");
    for t in detailed {
        map.insert(t.arn.clone(), t);
    }
    account
}

/// The regions to look at in one account.
/// The regions enabled in the account of `cfg` (Account API `ListRegions`).
async fn enabled_regions(run: &Run<'_>, cfg: &SdkConfig) -> Result<Vec<String>, ErrorInfo> {
    let _permit = run.permit().await;
    let pages = run
        .account_api(cfg)
        .list_regions()
        .region_opt_status_contains(aws_sdk_account::types::RegionOptStatus::Enabled)
        .region_opt_status_contains(aws_sdk_account::types::RegionOptStatus::EnabledByDefault)
        .into_paginator()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| aws::classify("account:ListRegions", &e))?;
    Ok(pages
        .iter()
        .flat_map(|p| p.regions())
        .filter_map(|r| r.region_name().map(str::to_string))
        .collect())
}

async fn regions_for(run: &Run<'_>, account: &str, cfg: &SdkConfig) -> Vec<String> {
    if let RegionSelection::List(_) = run.opts.regions {
        return run.opts.regions.known();
    }
    if let Some((_, regions)) = run
        .caller_regions
        .lock()
        .expect("caller regions")
        .as_ref()
        .filter(|(caller, _)| caller == account)
    {
        return regions.clone();
    }
    if !run.list_regions_unavailable.load(Ordering::SeqCst) {
        match enabled_regions(run, cfg).await {
            Ok(enabled) if !enabled.is_empty() => return enabled,
            Ok(_) => {}
            Err(info) => {
                // This account only: fall back to the known list, probing opt-in regions.
                if info.kind == ErrorKind::NotImplemented {
                    run.list_regions_unavailable.store(true, Ordering::SeqCst);
                } else {
                    run.record(Some(account), None, None, &info);
                }
            }
        }
    }
    regions::KNOWN_REGIONS
        .iter()
        .map(|r| r.name.to_string())
        .collect()
}

pub(crate) async fn describe_region(
    run: &Run<'_>,
    account: &str,
    cfg: &SdkConfig,
    region: String,
) -> (AccountRegion, Vec<Trail>) {
    if run.cancel.is_cancelled() {
        return (
            AccountRegion {
                region,
                status: RegionStatus::NotCollected {
                    reason: "run interrupted".into(),
                },
                trails: vec![],
                event_data_stores: Fact::not_collected("run interrupted"),
                footprint: None,
            },
            vec![],
        );
    }
    let (resp, footprint) = {
        // The client is built once the call may go: thousands of
        // account-regions wait for a slot, and a client is not small.
        let _p = run.slot(account, &region).await;
        let client = run.cloudtrail(cfg, &region);
        let sent_at = chrono::Utc::now();
        let resp = aws::offload(client.describe_trails().include_shadow_trails(true).send()).await;
        // The call is itself a management read event the account-region's
        // trails must record: its footprint, for a later run to look for.
        use aws_sdk_cloudtrail::operation::RequestId;
        let (request_id, error_code) = match &resp {
            Ok(o) => (o.request_id().map(str::to_string), None),
            Err(e) => (
                e.request_id().map(str::to_string),
                e.as_service_error()
                    .and_then(|se| aws_sdk_cloudtrail::error::ProvideErrorMetadata::code(se))
                    .map(str::to_string),
            ),
        };
        let footprint = trailaudit_model::Footprint {
            call: trailaudit_model::FootprintCall::DescribeTrails,
            sent_at,
            answered_at: chrono::Utc::now(),
            request_id,
            error_code,
        };
        (resp, footprint)
    };
    let (status, found) = match resp {
        Ok(out) => (
            RegionStatus::Collected,
            out.trail_list()
                .iter()
                .filter_map(convert::trail)
                .collect::<Vec<_>>(),
        ),
        Err(e) => {
            let info = aws::classify("cloudtrail:DescribeTrails", &e);
            if regions::is_opt_in(&region) && aws::means_region_not_enabled(&info) {
                (RegionStatus::NotEnabled, vec![])
            } else {
                run.record(Some(account), Some(&region), None, &info);
                (RegionStatus::Failed { error: info }, vec![])
            }
        }
    };
    let mut refs: Vec<TrailRef> = Vec::new();
    for t in &found {
        if !refs.iter().any(|r| r.arn == t.arn) {
            refs.push(TrailRef {
                arn: t.arn.clone(),
                shadow: t.home_region != region || t.owner_account_id != account,
            });
        }
    }
    let event_data_stores = match &status {
        RegionStatus::Collected => resources::event_data_stores(run, account, cfg, &region).await,
        RegionStatus::NotEnabled => Fact::Collected { value: vec![] },
        _ => Fact::not_collected("the region's trails could not be listed"),
    };
    // A region that is not enabled answers nothing CloudTrail records.
    let footprint = (status != RegionStatus::NotEnabled).then(|| Box::new(footprint));
    (
        AccountRegion {
            region,
            status,
            trails: refs,
            event_data_stores,
            footprint,
        },
        found,
    )
}

/// Status, selectors and insight selectors of one trail, from its home region
/// with its owner's credentials.
pub(crate) async fn trail_details(run: &Run<'_>, cfg: &SdkConfig, mut t: Trail) -> Trail {
    let client = run.cloudtrail(cfg, &t.home_region);
    let (owner, home) = (t.owner_account_id.clone(), t.home_region.clone());
    t.status = {
        let _p = run.slot(&owner, &home).await;
        match client.get_trail_status().name(&t.arn).send().await {
            Ok(o) => Fact::Collected {
                value: convert::status(&o),
            },
            Err(e) => run.failed(
                &owner,
                Some(&home),
                &t.arn,
                aws::classify("cloudtrail:GetTrailStatus", &e),
            ),
        }
    };
    t.selectors = {
        let _p = run.slot(&owner, &home).await;
        match client.get_event_selectors().trail_name(&t.arn).send().await {
            Ok(o) => Fact::Collected {
                value: convert::selectors(&o),
            },
            Err(e) => run.failed(
                &owner,
                Some(&home),
                &t.arn,
                aws::classify("cloudtrail:GetEventSelectors", &e),
            ),
        }
    };
    t.insight_types = {
        let _p = run.slot(&owner, &home).await;
        match client
            .get_insight_selectors()
            .trail_name(&t.arn)
            .send()
            .await
        {
            Ok(o) => Fact::Collected {
                value: o
                    .insight_selectors()
                    .iter()
                    .filter_map(|s| s.insight_type().map(|i| i.as_str().to_string()))
                    .fold(Vec::new(), |mut v, i| {
                        if !v.contains(&i) {
                            v.push(i);
                        }
                        v
                    }),
            },
            Err(e) => {
                let info = aws::classify("cloudtrail:GetInsightSelectors", &e);
                if info.code.as_deref() == Some("InsightNotEnabledException") {
                    Fact::Collected { value: vec![] }
                } else {
                    run.failed(&owner, Some(&home), &t.arn, info)
                }
            }
        }
    };
    t
}
