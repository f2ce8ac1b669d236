//! The shared state of one run: credentials per account (each role assumed
//! at most once), clients behind the guard, the concurrency and rate bounds,
//! and the failed calls recorded as data.

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use aws_config::{Region, SdkConfig};
use trailaudit_model::{CollectionError, ErrorInfo, Fact};

use crate::aws::{self, Guard};
use crate::options::{Cancel, CollectOptions, Reporter};

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
    pub(crate) fn new(
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
