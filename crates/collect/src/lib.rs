//! Collection: the only stage of trailaudit that talks to AWS.
//!
//! [`collect`] walks the organization (or the caller's single account),
//! assumes the audit role once per account, lists trails in every selected
//! region, reads each trail's details once from its home region with its
//! owner's credentials, then each destination bucket, KMS key and log group
//! once from its owner, and returns a [`Snapshot`]. Every failed call becomes
//! data in the snapshot; only unusable starting credentials (or an unreadable
//! organization in organization mode) stop the run.
//!
//! Every operation goes through [`aws::Guard`], which refuses anything not on
//! the read-only [`allowlist`].

mod account;
pub mod allowlist;
pub mod aws;
mod convert;
pub mod digest;
pub mod history;
mod integrity;
mod options;
mod org;
mod rcp;
mod resources;
mod run;
mod verify;
mod why;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aws_config::SdkConfig;
use futures::stream::{self, StreamExt};
use trailaudit_model::{
    Access, Account, AccountStatus, CallerIdentity, CollectionError, Fact, Mode, Organization,
    Snapshot, Trail, VerifyPlan,
};

pub use aws::{load_config, Connection, Guard};
pub use options::{Cancel, CollectOptions, FatalError, Reporter, Silent};
pub(crate) use run::Run;

/// Collects a snapshot. `cfg` carries the starting credentials (see
/// [`load_config`]); `guard` counts and polices every call.
pub async fn collect(
    cfg: &SdkConfig,
    guard: Arc<Guard>,
    opts: &CollectOptions,
    reporter: &dyn Reporter,
    cancel: Cancel,
) -> Result<Snapshot, FatalError> {
    collect_verifying(cfg, guard, opts, None, reporter, cancel).await
}

/// Collects a snapshot and, in the same run (same credentials, same
/// concurrency bound, same guard), looks for an earlier run's footprints
/// (`--verify-previous`): `verify` is the plan
/// `trailaudit_checks::footprints::plan` made from the earlier snapshot,
/// moved in (at 10,000 accounts it is tens of MB); `None`: nothing to verify.
pub async fn collect_verifying(
    cfg: &SdkConfig,
    guard: Arc<Guard>,
    opts: &CollectOptions,
    verify: Option<VerifyPlan>,
    reporter: &dyn Reporter,
    cancel: Cancel,
) -> Result<Snapshot, FatalError> {
    collect_attributing(cfg, guard, opts, verify, reporter, cancel, |_| None).await
}

/// [`collect_verifying`], then, in the same run (same credentials, same
/// guard), the event-history lookups `history` plans from the snapshot
/// (`trailaudit_checks::history::plan`; `None`: none, as with
/// `--no-history`), answered into `Snapshot::history`.
pub async fn collect_attributing(
    cfg: &SdkConfig,
    guard: Arc<Guard>,
    opts: &CollectOptions,
    verify: Option<VerifyPlan>,
    reporter: &dyn Reporter,
    cancel: Cancel,
    history: impl FnOnce(&Snapshot) -> Option<trailaudit_model::History>,
) -> Result<Snapshot, FatalError> {
    let run = Run::new(cfg, guard.clone(), opts, reporter, cancel);
    let mut snapshot = audit(&run, cfg, verify).await?;
    if let Some(plan) = history(&snapshot).filter(|_| !run.cancel.is_cancelled()) {
        snapshot.history = Some(history::look_up(&run, plan).await);
    }
    finish(run, &guard, &mut snapshot);
    Ok(snapshot)
}

/// Collects a snapshot, then, in the same run (same credentials, same guard),
/// runs the probes `audit why` plans from it and the event-history lookups
/// `history` plans (`trailaudit_checks::history::trail_plan`).
pub async fn collect_and_probe(
    cfg: &SdkConfig,
    guard: Arc<Guard>,
    opts: &CollectOptions,
    reporter: &dyn Reporter,
    cancel: Cancel,
    plan: impl FnOnce(&Snapshot) -> Option<trailaudit_model::WhyPlan>,
    history: impl FnOnce(&Snapshot) -> Option<trailaudit_model::History>,
) -> Result<(Snapshot, Option<trailaudit_model::WhyProbes>), FatalError> {
    let run = Run::new(cfg, guard.clone(), opts, reporter, cancel);
    let mut snapshot = audit(&run, cfg, None).await?;
    let probes = match plan(&snapshot) {
        Some(p) => Some(why::probe(&run, &p).await),
        None => None,
    };
    if let Some(h) = history(&snapshot) {
        snapshot.history = Some(history::look_up(&run, h).await);
    }
    finish(run, &guard, &mut snapshot);
    Ok((snapshot, probes))
}

/// The whole audit of one run: caller, accounts, trails, resources, probes
/// and the verification of an earlier run's footprints.
async fn audit(
    run: &Run<'_>,
    cfg: &SdkConfig,
    verify: Option<VerifyPlan>,
) -> Result<Snapshot, FatalError> {
    let started_at = chrono::Utc::now();
    let opts = run.opts;

    // 1. Who are we? Unusable credentials stop the run here.
    let caller = account::caller_identity(run, cfg, opts).await?;

    // 2. Which accounts, and 3. per account: credentials, regions, trails,
    // trail details.
    let trails: Mutex<BTreeMap<String, Trail>> = Mutex::new(BTreeMap::new());
    let (organization, mut accounts) = audit_accounts(run, &caller, &trails).await?;
    accounts.sort_by(|a, b| a.id.cmp(&b.id));
    management_org_trails(run, organization.as_ref(), &accounts, &trails).await;
    let trails = unaudited_owners_trails(run, trails).await;

    // 4. Buckets, keys, log groups, each once from its owner; Lake stores.
    let mut snapshot = Snapshot {
        schema_version: trailaudit_model::SCHEMA_VERSION,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        arguments: opts.arguments.clone(),
        mode: opts.mode,
        caller,
        started_at,
        finished_at: started_at,
        complete: true,
        region_selection: opts.regions.describe(),
        organization,
        accounts,
        trails,
        buckets: vec![],
        kms_keys: vec![],
        log_groups: vec![],
        event_data_stores: vec![],
        delivery_probes: vec![],
        verification: None,
        integrity: None,
        history: None,
        errors: vec![],
        api_calls: BTreeMap::new(),
        session_name: (opts.mode == Mode::Organization).then(|| opts.session_name.clone()),
        lookup: Default::default(),
    };
    resources::collect_resources(run, &mut snapshot).await;
    rcp::collect(run, &mut snapshot).await;
    if opts.probe_delivery {
        resources::probe_delivery(run, &mut snapshot).await;
    }
    if let Some(plan) = verify.filter(|_| !run.cancel.is_cancelled()) {
        snapshot.verification = Some(verify::verify(run, plan).await);
    }
    Ok(snapshot)
}

/// Marks the snapshot complete (or not), with the failed calls in a stable
/// order and the guard's call counts.
fn finish(run: Run<'_>, guard: &Guard, snapshot: &mut Snapshot) {
    snapshot.complete = !run.cancel.is_cancelled();
    snapshot.errors = run.errors.into_inner().expect("errors lock");
    // Concurrent collection records errors in any order; sort for stable snapshots.
    snapshot.errors.sort_by(|a, b| {
        (&a.account_id, &a.region, &a.error.operation, &a.resource).cmp(&(
            &b.account_id,
            &b.region,
            &b.error.operation,
            &b.resource,
        ))
    });
    snapshot.api_calls = guard.calls();
    snapshot.finished_at = chrono::Utc::now();
}

/// The organization (if any) and every audited account with its regions
/// and trails. Without a scope filter every account is audited, so each is
/// audited as soon as the organization walk lists it (the walk of a large
/// organization is hundreds of sequential pages); with one, the whole
/// organization is read first so the scope can be checked (and an error
/// reported) before anything is audited.
async fn audit_accounts(
    run: &Run<'_>,
    caller: &CallerIdentity,
    trails: &Mutex<BTreeMap<String, Trail>>,
) -> Result<(Option<Organization>, Vec<Account>), FatalError> {
    let opts = run.opts;
    let caller_account = caller.account_id.clone();
    let audit = |a: Account| {
        let caller_account = caller_account.clone();
        async move {
            let a = account::collect_account(run, a, &caller_account, trails).await;
            run.reporter.step("accounts");
            a
        }
    };
    let unscoped =
        opts.accounts.is_empty() && opts.exclude_accounts.is_empty() && opts.ous.is_empty();
    if opts.mode == Mode::Organization && unscoped {
        // Optional APIs are probed once, so a missing one costs one call, not one per region.
        account::probe_optional_apis(run, &caller.account_id).await;
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<Account>();
        run.reporter.phase("accounts", 0);
        let listed = stream::unfold(
            (rx, std::collections::HashSet::new()),
            |(mut rx, mut seen)| async move {
                loop {
                    let a: Account = rx.recv().await?;
                    if seen.insert(a.id.clone()) {
                        return Some((a, (rx, seen)));
                    }
                }
            },
        )
        .map(|a: Account| {
            run.reporter.grow("accounts", 1);
            if a.status == AccountStatus::Active {
                run.org_accounts
                    .lock()
                    .expect("org lock")
                    .push(a.id.clone());
            }
            a
        });
        let walked = org::walk(run, &caller.account_id, Some(tx));
        let audited = listed
            .map(audit)
            .buffer_unordered(opts.concurrency.max(1))
            .collect::<Vec<Account>>();
        let (walked, audited) = futures::join!(walked, audited);
        let (o, _) = walked?;
        return Ok((Some(o), audited));
    }
    let (organization, mut accounts) = match opts.mode {
        Mode::Organization => {
            let (o, a) = org::walk(run, &caller.account_id, None).await?;
            (Some(o), a)
        }
        Mode::Account => (
            None,
            vec![Account {
                id: caller.account_id.clone(),
                name: caller.account_id.clone(),
                email: None,
                status: AccountStatus::Active,
                ou_path: String::new(),
                is_management: false,
                access: Access::Caller,
                regions: vec![],
            }],
        ),
    };
    *run.org_accounts.lock().expect("org lock") = accounts
        .iter()
        .filter(|a| a.status == AccountStatus::Active)
        .map(|a| a.id.clone())
        .collect();
    if let Some(org) = &organization {
        org::check_scope(opts, org, &accounts).map_err(FatalError::Scope)?;
    }
    accounts.retain(|a| org::in_scope(opts, a, organization.as_ref()));

    // Optional APIs are probed once, so a missing one costs one call, not one per region.
    account::probe_optional_apis(run, &caller.account_id).await;

    run.reporter.phase("accounts", accounts.len());
    let collected: Vec<Account> = stream::iter(accounts.into_iter().map(audit))
        .buffer_unordered(opts.concurrency.max(1))
        .collect()
        .await;
    Ok((organization, collected))
}

/// Organization trails apply to every member: when the management account
/// is not among the audited accounts (--accounts, --ou), list its
/// organization trails anyway, so coverage never depends on members seeing
/// the shadow copies.
async fn management_org_trails(
    run: &Run<'_>,
    organization: Option<&Organization>,
    accounts: &[Account],
    trails: &Mutex<BTreeMap<String, Trail>>,
) {
    let Some(mgmt) = organization.map(|o| o.management_account_id.clone()) else {
        return;
    };
    if accounts.iter().any(|a| a.id == mgmt) || run.cancel.is_cancelled() {
        return;
    }
    if let Some(cfg) = run.config_or_assume(&mgmt).await {
        for region in run.opts.regions.known() {
            let (_, found) = account::describe_region(run, &mgmt, &cfg, region).await;
            let mut map = trails.lock().expect("trails lock");
            for t in found.into_iter().filter(|t| t.is_organization_trail) {
                map.entry(t.arn.clone()).or_insert(t);
            }
        }
    }
}

/// Trails seen only as shadows whose owner was not audited: their details
/// are read from the owner when we hold its credentials. Returns every trail.
async fn unaudited_owners_trails(
    run: &Run<'_>,
    trails: Mutex<BTreeMap<String, Trail>>,
) -> Vec<Trail> {
    let mut trails = trails.into_inner().expect("trails lock");
    let pending: Vec<String> = trails
        .values()
        .filter(|t| matches!(t.status, Fact::NotCollected { .. }))
        .map(|t| t.arn.clone())
        .collect();
    for arn in pending {
        let Some(t) = trails.remove(&arn) else {
            continue;
        };
        let cfg = if run.cancel.is_cancelled() {
            None
        } else {
            run.config_or_assume(&t.owner_account_id).await
        };
        let t = match cfg {
            Some(cfg) => account::trail_details(run, &cfg, t).await,
            None => account::not_in_scope(t),
        };
        trails.insert(t.arn.clone(), t);
    }
    trails.into_values().collect()
}

/// Looks for an earlier run's footprints without auditing again
/// (`audit verify`): the caller's identity, then only the archive reads of
/// the plan; roles in `accounts` (the earlier run's) are assumed
/// on demand, once each. Returns the verification and the failed calls.
pub async fn verify_only(
    cfg: &SdkConfig,
    guard: Arc<Guard>,
    opts: &CollectOptions,
    accounts: Vec<String>,
    plan: VerifyPlan,
    reporter: &dyn Reporter,
) -> Result<(trailaudit_model::Verification, Vec<CollectionError>), FatalError> {
    let run = Run::new(cfg, guard, opts, reporter, Cancel::default());
    account::caller_identity(&run, cfg, opts).await?;
    *run.org_accounts.lock().expect("org lock") = accounts;
    let v = verify::verify(&run, plan).await;
    Ok((v, run.errors.into_inner().expect("errors lock")))
}

/// Checks the archive's digest files (`audit verify --integrity`): the
/// caller's identity, ListPublicKeys once per region, then only the reads
/// of the plan; roles in `accounts` are assumed on demand, once each.
/// Returns the check and the failed calls.
pub async fn integrity_only(
    cfg: &SdkConfig,
    guard: Arc<Guard>,
    opts: &CollectOptions,
    accounts: Vec<String>,
    plan: trailaudit_model::IntegrityPlan,
    reporter: &dyn Reporter,
) -> Result<(trailaudit_model::Integrity, Vec<CollectionError>), FatalError> {
    let run = Run::new(cfg, guard, opts, reporter, Cancel::default());
    account::caller_identity(&run, cfg, opts).await?;
    *run.org_accounts.lock().expect("org lock") = accounts;
    let v = integrity::check(&run, plan).await;
    Ok((v, run.errors.into_inner().expect("errors lock")))
}
