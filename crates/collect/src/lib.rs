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

pub mod allowlist;
pub mod aws;
mod convert;
mod org;
mod resources;
mod verify;
mod why;

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use aws_config::{Region, SdkConfig};
use futures::stream::{self, StreamExt};
use trailaudit_model::regions::{self, RegionSelection};
use trailaudit_model::{
    Access, Account, AccountRegion, AccountStatus, CallerIdentity, CollectionError, ErrorInfo,
    ErrorKind, Fact, Mode, RegionStatus, Snapshot, Trail, TrailRef,
};

pub use aws::{load_config, Connection, Guard};

/// What to collect.
#[derive(Debug, Clone)]
pub struct CollectOptions {
    /// Organization or single account.
    pub mode: Mode,
    /// `--regions`.
    pub regions: RegionSelection,
    /// Only these account ids (empty: all).
    pub accounts: Vec<String>,
    /// Never these account ids.
    pub exclude_accounts: Vec<String>,
    /// Only accounts under these OUs (id `ou-...`, name, or path `Root/Prod`).
    pub ous: Vec<String>,
    /// Role to assume in each account.
    pub role_name: String,
    /// External id for the role assumption.
    pub external_id: Option<String>,
    /// Role session name.
    pub session_name: String,
    /// Calls in flight at once, across accounts and regions.
    pub concurrency: usize,
    /// Calls per second per account-region (CloudTrail allows about 10).
    pub rate_per_account_region: u32,
    /// Look for the newest log and digest objects per account-region.
    pub probe_delivery: bool,
    /// The command line, recorded in the snapshot.
    pub arguments: Vec<String>,
    /// The named profile in use, if any (named in credential errors).
    pub profile: Option<String>,
    /// An earlier run's footprints to look for in the archive
    /// (`--verify-previous`), planned from the earlier snapshot by
    /// `trailaudit_checks::footprints::plan`; `None`: nothing to verify.
    pub verify: PlanSlot,
}

/// The verification plan, taken by the collection that runs it (so the
/// plan is not copied: at 10,000 accounts it is tens of MB).
#[derive(Debug, Clone, Default)]
pub struct PlanSlot(Option<Arc<Mutex<Option<trailaudit_model::VerifyPlan>>>>);

impl PlanSlot {
    /// A slot holding `plan`.
    pub fn new(plan: trailaudit_model::VerifyPlan) -> PlanSlot {
        PlanSlot(Some(Arc::new(Mutex::new(Some(plan)))))
    }

    /// The plan, once.
    pub fn take(&self) -> Option<trailaudit_model::VerifyPlan> {
        self.0.as_ref()?.lock().expect("plan lock").take()
    }
}

impl Default for CollectOptions {
    fn default() -> Self {
        CollectOptions {
            mode: Mode::Organization,
            regions: RegionSelection::All,
            accounts: vec![],
            exclude_accounts: vec![],
            ous: vec![],
            role_name: "OrganizationAccountAccessRole".into(),
            external_id: None,
            session_name: "trailaudit".into(),
            concurrency: 32,
            rate_per_account_region: 10,
            probe_delivery: false,
            arguments: vec![],
            profile: None,
            verify: PlanSlot::default(),
        }
    }
}

/// Progress callbacks; the CLI draws bars with them, libraries stay silent.
pub trait Reporter: Send + Sync {
    /// A phase starts with `total` units (`accounts`, `regions`, `resources`,
    /// `probes`, `footprints`).
    fn phase(&self, _name: &str, _total: usize) {}
    /// One unit of the current phase is done.
    fn step(&self, _name: &str) {}
    /// `n` more units in a phase whose total grows as work is found (the
    /// accounts of an organization still being walked).
    fn grow(&self, _name: &str, _n: usize) {}
    /// A call failed (recorded in the snapshot).
    fn error(&self, _error: &CollectionError) {}
}

/// A reporter that reports nothing.
pub struct Silent;
impl Reporter for Silent {}

/// Why collection could not run at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FatalError {
    /// The starting credentials do not work.
    #[error("the starting AWS credentials cannot be used: {0}")]
    Credentials(String),
    /// Organization mode, but the organization cannot be read.
    #[error("cannot read the AWS Organization: {0}")]
    Organization(String),
    /// `--accounts`, `--exclude-accounts` or `--ou` name something the
    /// organization does not have.
    #[error("{0}")]
    Scope(String),
}

/// Set to stop a run early: units not yet started are recorded as not
/// collected and the snapshot is marked incomplete.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// Requests the stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    /// Whether a stop was requested.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// One account's role assumption: credentials or the error, decided once.
type Assumption = tokio::sync::OnceCell<Result<SdkConfig, ErrorInfo>>;

/// Shared state of one run.
pub(crate) struct Run<'a> {
    pub base: SdkConfig,
    pub guard: Arc<Guard>,
    pub opts: &'a CollectOptions,
    pub rate: aws::RateBound,
    pub permits: tokio::sync::Semaphore,
    pub errors: Mutex<Vec<CollectionError>>,
    pub reporter: &'a dyn Reporter,
    pub cancel: Cancel,
    /// Credentials per audited account (caller's own account: the base config).
    pub configs: Mutex<HashMap<String, SdkConfig>>,
    /// The CloudTrail Lake API answered "not implemented" once: stop asking.
    pub lake_unavailable: AtomicBool,
    /// The Account API's ListRegions is unusable: use the known region list.
    pub list_regions_unavailable: AtomicBool,
    /// With `--regions all`: the regions enabled in the caller's account,
    /// the list shown for accounts that could not be entered (their own
    /// list cannot be read); `None` when ListRegions is unusable.
    pub caller_regions: Mutex<Option<(String, Vec<String>)>>,
    /// CloudTrail Lake event data stores found.
    pub stores: Mutex<Vec<trailaudit_model::EventDataStore>>,
    /// Every active account of the organization (also those filtered out),
    /// whose role may be assumed on demand to read resources it owns.
    pub org_accounts: Mutex<Vec<String>>,
    /// One STS client (starting credentials) for every role assumption.
    pub sts_base: aws_sdk_sts::Client,
    /// Role assumptions, one cell per account: each role is assumed at most
    /// once per run (also when it fails), however many tasks ask.
    pub assumed: Mutex<HashMap<String, Arc<Assumption>>>,
}

impl<'a> Run<'a> {
    fn new(
        cfg: &SdkConfig,
        guard: Arc<Guard>,
        opts: &'a CollectOptions,
        reporter: &'a dyn Reporter,
        cancel: Cancel,
    ) -> Run<'a> {
        Run {
            base: cfg.clone(),
            guard: guard.clone(),
            opts,
            rate: aws::RateBound::new(opts.rate_per_account_region),
            permits: tokio::sync::Semaphore::new(opts.concurrency.max(1)),
            errors: Mutex::new(Vec::new()),
            reporter,
            cancel,
            configs: Mutex::new(HashMap::new()),
            lake_unavailable: AtomicBool::new(false),
            list_regions_unavailable: AtomicBool::new(false),
            caller_regions: Mutex::new(None),
            stores: Mutex::new(Vec::new()),
            org_accounts: Mutex::new(Vec::new()),
            assumed: Mutex::new(HashMap::new()),
            sts_base: sts_client(cfg, &guard),
        }
    }
}

impl Run<'_> {
    pub fn record(
        &self,
        account: Option<&str>,
        region: Option<&str>,
        resource: Option<&str>,
        error: &ErrorInfo,
    ) {
        let e = CollectionError {
            account_id: account.map(str::to_string),
            region: region.map(str::to_string),
            resource: resource.map(str::to_string),
            error: error.clone(),
        };
        tracing::debug!(account, region, resource, error = %error.full(), "call failed");
        self.reporter.error(&e);
        self.errors.lock().expect("errors lock").push(e);
    }

    /// Records a failed fact and returns it.
    pub fn failed<T>(
        &self,
        account: &str,
        region: Option<&str>,
        resource: &str,
        error: ErrorInfo,
    ) -> Fact<T> {
        self.record(Some(account), region, Some(resource), &error);
        Fact::Failed { error }
    }

    pub fn config_for(&self, account: &str) -> Option<SdkConfig> {
        self.configs
            .lock()
            .expect("configs lock")
            .get(account)
            .cloned()
    }

    /// Assumes the audit role in `account`, once per run: later calls get
    /// the same credentials, or the same error (recorded once).
    pub async fn assume_once(&self, account: &str) -> Result<SdkConfig, ErrorInfo> {
        let cell = self
            .assumed
            .lock()
            .expect("assumed lock")
            .entry(account.to_string())
            .or_default()
            .clone();
        cell.get_or_init(|| async {
            let role_arn = format!("arn:aws:iam::{account}:role/{}", self.opts.role_name);
            let assumed = {
                let _p = self.permit().await;
                aws::AssumedRole::assume(
                    self.sts_base.clone(),
                    role_arn.clone(),
                    self.opts.session_name.clone(),
                    self.opts.external_id.clone(),
                )
                .await
            };
            match assumed {
                Ok(role) => {
                    let cfg = aws::config_for_role(&self.base, role);
                    self.configs
                        .lock()
                        .expect("configs lock")
                        .insert(account.to_string(), cfg.clone());
                    Ok(cfg)
                }
                Err(e) => {
                    self.record(Some(account), None, Some(&role_arn), &e);
                    Err(e)
                }
            }
        })
        .await
        .clone()
    }

    /// Credentials for an account: the caller's own, or, for an account of
    /// the organization (audited, or owning a log bucket, key or log group
    /// outside the audited set), the audit role assumed at most once.
    pub async fn config_or_assume(&self, account: &str) -> Option<SdkConfig> {
        if let Some(c) = self.config_for(account) {
            return Some(c);
        }
        if !self
            .org_accounts
            .lock()
            .expect("org lock")
            .iter()
            .any(|a| a == account)
        {
            return None;
        }
        self.assume_once(account).await.ok()
    }

    pub fn regional(&self, cfg: &SdkConfig, region: &str) -> SdkConfig {
        cfg.to_builder()
            .region(Region::new(region.to_string()))
            .build()
    }

    pub fn cloudtrail(&self, cfg: &SdkConfig, region: &str) -> aws_sdk_cloudtrail::Client {
        let conf = aws_sdk_cloudtrail::config::Builder::from(&self.regional(cfg, region))
            .interceptor(self.guard.interceptor())
            .build();
        aws_sdk_cloudtrail::Client::from_conf(conf)
    }

    pub fn s3(&self, cfg: &SdkConfig, region: &str) -> aws_sdk_s3::Client {
        let conf = aws_sdk_s3::config::Builder::from(&self.regional(cfg, region))
            .force_path_style(true)
            .interceptor(self.guard.interceptor())
            .build();
        aws_sdk_s3::Client::from_conf(conf)
    }

    pub fn kms(&self, cfg: &SdkConfig, region: &str) -> aws_sdk_kms::Client {
        let conf = aws_sdk_kms::config::Builder::from(&self.regional(cfg, region))
            .interceptor(self.guard.interceptor())
            .build();
        aws_sdk_kms::Client::from_conf(conf)
    }

    pub fn logs(&self, cfg: &SdkConfig, region: &str) -> aws_sdk_cloudwatchlogs::Client {
        let conf = aws_sdk_cloudwatchlogs::config::Builder::from(&self.regional(cfg, region))
            .interceptor(self.guard.interceptor())
            .build();
        aws_sdk_cloudwatchlogs::Client::from_conf(conf)
    }

    pub fn sts(&self, cfg: &SdkConfig) -> aws_sdk_sts::Client {
        sts_client(cfg, &self.guard)
    }

    pub fn organizations(&self) -> aws_sdk_organizations::Client {
        let conf = aws_sdk_organizations::config::Builder::from(&self.base)
            .interceptor(self.guard.interceptor())
            .build();
        aws_sdk_organizations::Client::from_conf(conf)
    }

    pub fn account_api(&self, cfg: &SdkConfig) -> aws_sdk_account::Client {
        let conf = aws_sdk_account::config::Builder::from(cfg)
            .interceptor(self.guard.interceptor())
            .build();
        aws_sdk_account::Client::from_conf(conf)
    }

    /// Waits for the account-region's CloudTrail rate slot, then for a
    /// global permit: a permit is never held while sleeping for a slot, so a
    /// busy account-region does not idle calls every other one could make.
    pub async fn slot(&self, account: &str, region: &str) -> tokio::sync::SemaphorePermit<'_> {
        self.rate.wait(account, region).await;
        self.permit().await
    }

    /// Waits for a global permit (calls to services other than CloudTrail).
    pub async fn permit(&self) -> tokio::sync::SemaphorePermit<'_> {
        self.permits
            .acquire()
            .await
            .expect("semaphore never closed")
    }
}

fn sts_client(cfg: &SdkConfig, guard: &Arc<Guard>) -> aws_sdk_sts::Client {
    let conf = aws_sdk_sts::config::Builder::from(cfg)
        .interceptor(guard.interceptor())
        .build();
    aws_sdk_sts::Client::from_conf(conf)
}

/// Collects a snapshot. `cfg` carries the starting credentials (see
/// [`load_config`]); `guard` counts and polices every call.
pub async fn collect(
    cfg: &SdkConfig,
    guard: Arc<Guard>,
    opts: &CollectOptions,
    reporter: &dyn Reporter,
    cancel: Cancel,
) -> Result<Snapshot, FatalError> {
    collect_and_probe(cfg, guard, opts, reporter, cancel, |_| None)
        .await
        .map(|(s, _)| s)
}

/// Collects a snapshot, then, in the same run (same credentials, same guard),
/// runs the probes `audit why` plans from it.
pub async fn collect_and_probe(
    cfg: &SdkConfig,
    guard: Arc<Guard>,
    opts: &CollectOptions,
    reporter: &dyn Reporter,
    cancel: Cancel,
    plan: impl FnOnce(&Snapshot) -> Option<trailaudit_model::WhyPlan>,
) -> Result<(Snapshot, Option<trailaudit_model::WhyProbes>), FatalError> {
    let started_at = chrono::Utc::now();
    let run = Run::new(cfg, guard.clone(), opts, reporter, cancel.clone());

    // 1. Who are we? Unusable credentials stop the run here.
    let caller = caller_identity(&run, cfg, opts).await?;

    // 2. Which accounts, and 3. per account: credentials, regions, trails,
    // trail details. Without a scope filter every account is audited, so
    // each is audited as soon as the organization walk lists it (the walk of
    // a large organization is hundreds of sequential pages); with one, the
    // whole organization is read first so the scope can be checked (and an
    // error reported) before anything is audited.
    let trails: Mutex<BTreeMap<String, Trail>> = Mutex::new(BTreeMap::new());
    let caller_account = caller.account_id.clone();
    let audit = |a: Account| {
        let run = &run;
        let trails = &trails;
        let caller_account = caller_account.clone();
        async move {
            let a = collect_account(run, a, &caller_account, trails).await;
            run.reporter.step("accounts");
            a
        }
    };
    let unscoped =
        opts.accounts.is_empty() && opts.exclude_accounts.is_empty() && opts.ous.is_empty();
    let (organization, collected) = match opts.mode {
        Mode::Organization if unscoped => {
            // Optional APIs are probed once, so a missing one costs one call, not one per region.
            probe_optional_apis(&run, &caller.account_id).await;
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
            let walked = org::walk(&run, &caller.account_id, Some(tx));
            let audited = listed
                .map(audit)
                .buffer_unordered(opts.concurrency.max(1))
                .collect::<Vec<Account>>();
            let (walked, audited) = futures::join!(walked, audited);
            let (o, _) = walked?;
            (Some(o), audited)
        }
        _ => {
            let (organization, mut accounts) = match opts.mode {
                Mode::Organization => {
                    let (o, a) = org::walk(&run, &caller.account_id, None).await?;
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
            probe_optional_apis(&run, &caller.account_id).await;

            run.reporter.phase("accounts", accounts.len());
            let collected: Vec<Account> = stream::iter(accounts.into_iter().map(audit))
                .buffer_unordered(opts.concurrency.max(1))
                .collect()
                .await;
            (organization, collected)
        }
    };
    let mut accounts = collected;
    accounts.sort_by(|a, b| a.id.cmp(&b.id));

    // Organization trails apply to every member: when the management account
    // is not among the audited accounts (--accounts, --ou), list its
    // organization trails anyway, so coverage never depends on members
    // seeing the shadow copies.
    if let Some(mgmt) = organization
        .as_ref()
        .map(|o| o.management_account_id.clone())
    {
        if !accounts.iter().any(|a| a.id == mgmt) && !run.cancel.is_cancelled() {
            if let Some(cfg) = run.config_or_assume(&mgmt).await {
                for region in run.opts.regions.known() {
                    let (_, found) = describe_region(&run, &mgmt, &cfg, region).await;
                    let mut map = trails.lock().expect("trails lock");
                    for t in found.into_iter().filter(|t| t.is_organization_trail) {
                        map.entry(t.arn.clone()).or_insert(t);
                    }
                }
            }
        }
    }

    // Trails seen only as shadows whose owner was not audited: read their
    // details from the owner when we hold its credentials.
    let pending: Vec<Trail> = trails
        .lock()
        .expect("trails lock")
        .values()
        .filter(|t| matches!(t.status, Fact::NotCollected { .. }))
        .cloned()
        .collect();
    for t in pending {
        let cfg = if run.cancel.is_cancelled() {
            None
        } else {
            run.config_or_assume(&t.owner_account_id).await
        };
        let t = match cfg {
            Some(cfg) => trail_details(&run, &cfg, t).await,
            None => not_in_scope(t),
        };
        trails.lock().expect("trails lock").insert(t.arn.clone(), t);
    }
    let trails: Vec<Trail> = trails
        .into_inner()
        .expect("trails lock")
        .into_values()
        .collect();

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
        errors: vec![],
        api_calls: BTreeMap::new(),
        session_name: (opts.mode == Mode::Organization).then(|| opts.session_name.clone()),
        lookup: Default::default(),
    };
    resources::collect_resources(&run, &mut snapshot).await;
    if opts.probe_delivery {
        resources::probe_delivery(&run, &mut snapshot).await;
    }

    if !run.cancel.is_cancelled() {
        if let Some(plan) = opts.verify.take() {
            snapshot.verification = Some(verify::verify(&run, plan).await);
        }
    }

    let probes = match plan(&snapshot) {
        Some(p) => Some(why::probe(&run, &p).await),
        None => None,
    };

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
    Ok((snapshot, probes))
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
    plan: trailaudit_model::VerifyPlan,
    reporter: &dyn Reporter,
) -> Result<(trailaudit_model::Verification, Vec<CollectionError>), FatalError> {
    let run = Run::new(cfg, guard, opts, reporter, Cancel::default());
    caller_identity(&run, cfg, opts).await?;
    *run.org_accounts.lock().expect("org lock") = accounts;
    let v = verify::verify(&run, plan).await;
    Ok((v, run.errors.into_inner().expect("errors lock")))
}

/// Who the starting credentials are, kept as the caller's account's
/// credentials; unusable credentials are fatal, with what to check.
async fn caller_identity(
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
async fn probe_optional_apis(run: &Run<'_>, caller: &str) {
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

fn not_in_scope(mut t: Trail) -> Trail {
    let reason = format!(
        "owner account {} is not in the audit scope; its details can only be read there",
        t.owner_account_id
    );
    t.status = Fact::not_collected(&reason);
    t.selectors = Fact::not_collected(&reason);
    t.insight_types = Fact::not_collected(reason);
    t
}

async fn collect_account(
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

async fn describe_region(
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
async fn trail_details(run: &Run<'_>, cfg: &SdkConfig, mut t: Trail) -> Trail {
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
