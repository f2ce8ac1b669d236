//! AWS plumbing shared by every call: one HTTP client and base config, the
//! read-only guard (refuses non-allowlisted operations and counts calls),
//! per-account credentials assumed once, error classification, and the
//! per account-region rate bound.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::{
    error::CredentialsError, future::ProvideCredentials as ProvideFuture, ProvideCredentials,
    SharedCredentialsProvider,
};
use aws_credential_types::Credentials;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::{Intercept, SharedInterceptor};
use aws_smithy_runtime_api::client::orchestrator::{HttpResponse, Metadata};
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_smithy_types::timeout::TimeoutConfig;
use trailaudit_model::{ErrorInfo, ErrorKind};

use crate::allowlist;

/// Where and as whom to connect: the AWS CLI's conventional options.
#[derive(Debug, Clone, Default)]
pub struct Connection {
    /// Named profile (`--profile`); otherwise the standard chain (env, profile, SSO, IMDS...).
    pub profile: Option<String>,
    /// Region for Organizations and STS calls (`--region`); default from the
    /// profile/environment, else `us-east-1`.
    pub region: Option<String>,
    /// Endpoint override (`--endpoint-url`), for emulators and VPC endpoints.
    pub endpoint_url: Option<String>,
}

/// Loads the base configuration with the standard credential chain, one
/// shared HTTP client, and timeouts on every call.
pub async fn load_config(conn: &Connection) -> SdkConfig {
    use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http)
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .operation_attempt_timeout(Duration::from_secs(20))
                .operation_timeout(Duration::from_secs(90))
                .build(),
        );
    if let Some(p) = &conn.profile {
        loader = loader.profile_name(p);
    }
    if let Some(u) = &conn.endpoint_url {
        loader = loader.endpoint_url(u);
    }
    if let Some(r) = &conn.region {
        loader = loader.region(Region::new(r.clone()));
    }
    let mut cfg = loader.load().await;
    if cfg.region().is_none() {
        cfg = cfg.to_builder().region(Region::new("us-east-1")).build();
    }
    cfg
}

/// Counts every operation and refuses any that is not on the read-only
/// allowlist, before it is serialized, signed or sent.
#[derive(Debug, Default)]
pub struct Guard {
    calls: Mutex<BTreeMap<String, u64>>,
    refused: Mutex<Vec<String>>,
}

impl Guard {
    /// A new guard, shared by every client of a run.
    pub fn new() -> Arc<Guard> {
        Arc::new(Guard::default())
    }

    /// Calls made so far by `service:Operation` (IAM-style service prefix).
    pub fn calls(&self) -> BTreeMap<String, u64> {
        self.calls.lock().expect("guard lock").clone()
    }

    /// Operations that were refused (should always be empty).
    pub fn refused(&self) -> Vec<String> {
        self.refused.lock().expect("guard lock").clone()
    }

    /// As an SDK interceptor.
    pub fn interceptor(self: &Arc<Self>) -> SharedInterceptor {
        SharedInterceptor::new(GuardInterceptor(self.clone()))
    }
}

#[derive(Debug)]
struct GuardInterceptor(Arc<Guard>);

impl Intercept for GuardInterceptor {
    fn name(&self) -> &'static str {
        "trailaudit-read-only-guard"
    }

    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(meta) = cfg.load::<Metadata>() else {
            return Err("trailaudit refused an AWS call whose operation it cannot identify".into());
        };
        let (service, operation) = (meta.service().to_string(), meta.name().to_string());
        match allowlist::iam_action(&service, &operation) {
            Some(action) => {
                *self
                    .0
                    .calls
                    .lock()
                    .expect("guard lock")
                    .entry(action.to_string())
                    .or_default() += 1;
                Ok(())
            }
            None => {
                self.0
                    .refused
                    .lock()
                    .expect("guard lock")
                    .push(format!("{service}:{operation}"));
                Err(format!(
                    "trailaudit is read-only and refused {service}:{operation}, which is not on its allowlist"
                )
                .into())
            }
        }
    }
}

/// Credentials for one account: the audit role assumed once, kept until
/// five minutes before expiry, then assumed again.
#[derive(Debug)]
pub struct AssumedRole {
    sts: aws_sdk_sts::Client,
    role_arn: String,
    session_name: String,
    external_id: Option<String>,
    cached: tokio::sync::Mutex<Option<Credentials>>,
}

impl AssumedRole {
    /// Assumes `role_arn` now (so failures are known up front) and returns a
    /// provider that serves the cached credentials.
    pub async fn assume(
        sts: aws_sdk_sts::Client,
        role_arn: String,
        session_name: String,
        external_id: Option<String>,
    ) -> Result<Arc<AssumedRole>, ErrorInfo> {
        let role = Arc::new(AssumedRole {
            sts,
            role_arn,
            session_name,
            external_id,
            cached: tokio::sync::Mutex::new(None),
        });
        role.fresh().await?;
        Ok(role)
    }

    async fn fresh(&self) -> Result<Credentials, ErrorInfo> {
        let mut cached = self.cached.lock().await;
        if let Some(c) = cached.as_ref() {
            let margin = SystemTime::now() + Duration::from_secs(300);
            if c.expiry().is_none_or(|e| e > margin) {
                return Ok(c.clone());
            }
        }
        let out = offload(
            self.sts
                .assume_role()
                .role_arn(&self.role_arn)
                .role_session_name(&self.session_name)
                .set_external_id(self.external_id.clone())
                .send(),
        )
        .await
        .map_err(|e| {
            let mut info = classify("sts:AssumeRole", &e);
            if matches!(
                info.kind,
                ErrorKind::AccessDenied | ErrorKind::NotFound | ErrorKind::Other
            ) {
                info.kind = ErrorKind::RoleNotAssumable;
            }
            info
        })?;
        let c = out.credentials().ok_or_else(|| ErrorInfo {
            kind: ErrorKind::RoleNotAssumable,
            operation: "sts:AssumeRole".into(),
            code: None,
            message: "AssumeRole returned no credentials".into(),
        })?;
        let expiry = SystemTime::try_from(*c.expiration()).ok();
        let creds = Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_string()),
            expiry,
            "trailaudit-assume-role",
        );
        *cached = Some(creds.clone());
        Ok(creds)
    }

    /// The role ARN.
    pub fn role_arn(&self) -> &str {
        &self.role_arn
    }
}

#[derive(Debug)]
struct AssumedProvider(Arc<AssumedRole>);

impl ProvideCredentials for AssumedProvider {
    fn provide_credentials<'a>(&'a self) -> ProvideFuture<'a>
    where
        Self: 'a,
    {
        ProvideFuture::new(async move {
            self.0
                .fresh()
                .await
                .map_err(|e| CredentialsError::provider_error(e.describe()))
        })
    }
}

/// A config that acts as the assumed role (same HTTP client and timeouts).
pub fn config_for_role(base: &SdkConfig, role: Arc<AssumedRole>) -> SdkConfig {
    base.to_builder()
        .credentials_provider(SharedCredentialsProvider::new(AssumedProvider(role)))
        .build()
}

/// Turns an SDK error into a classified [`ErrorInfo`].
pub fn classify<E>(operation: &str, err: &SdkError<E, HttpResponse>) -> ErrorInfo
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let info = |kind, code: Option<&str>, message: String| ErrorInfo {
        kind,
        operation: operation.to_string(),
        code: code.map(str::to_string),
        message,
    };
    match err {
        SdkError::ServiceError(se) => {
            let status = se.raw().status().as_u16();
            let (xml_code, xml_message) = xml_error(se.raw());
            let code = se.err().code().map(str::to_string).or(xml_code);
            let message = se
                .err()
                .message()
                .map(str::to_string)
                .or(xml_message)
                .unwrap_or_else(|| {
                    if (200..300).contains(&status) {
                        format!("the response could not be read ({})", chain(err))
                    } else {
                        body_hint(se.raw())
                    }
                });
            info(
                kind_of(code.as_deref(), status, se.raw()),
                code.as_deref(),
                message,
            )
        }
        SdkError::ResponseError(re) => {
            let status = re.raw().status().as_u16();
            let (code, xml_message) = xml_error(re.raw());
            let message = if (200..300).contains(&status) {
                format!("the response could not be read ({})", chain(err))
            } else {
                xml_message.unwrap_or_else(|| body_hint(re.raw()))
            };
            info(
                kind_of(code.as_deref(), status, re.raw()),
                code.as_deref(),
                message,
            )
        }
        SdkError::TimeoutError(_) => info(
            ErrorKind::Timeout,
            None,
            "no answer before the timeout".into(),
        ),
        SdkError::DispatchFailure(df) => {
            let kind = if df.is_timeout() {
                ErrorKind::Timeout
            } else if df.is_io() {
                ErrorKind::Network
            } else {
                ErrorKind::Other
            };
            info(kind, None, chain(err))
        }
        _ => {
            // Construction failures: no usable credentials, or the read-only
            // guard refused the operation.
            let text = chain(err);
            let kind = if text.contains("credential") || text.contains("Credential") {
                ErrorKind::AccessDenied
            } else {
                ErrorKind::Other
            };
            info(kind, None, text)
        }
    }
}

fn chain(err: &dyn std::error::Error) -> String {
    let mut s = err.to_string();
    let mut src = err.source();
    while let Some(e) = src {
        s.push_str(": ");
        s.push_str(&e.to_string());
        src = e.source();
    }
    s
}

/// `<Code>` and `<Message>` of an XML error body (some endpoints answer XML
/// even for JSON-protocol services).
fn xml_error(raw: &HttpResponse) -> (Option<String>, Option<String>) {
    let body = String::from_utf8_lossy(raw.body().bytes().unwrap_or_default()).to_string();
    let tag = |name: &str| {
        let open = format!("<{name}>");
        let start = body.find(&open)? + open.len();
        let end = body[start..].find(&format!("</{name}>"))? + start;
        Some(body[start..end].trim().to_string()).filter(|s| !s.is_empty())
    };
    (tag("Code"), tag("Message"))
}

fn body_hint(raw: &HttpResponse) -> String {
    let status = raw.status().as_u16();
    let body = raw.body().bytes().unwrap_or_default();
    let text = String::from_utf8_lossy(&body[..body.len().min(200)]);
    let text = text.trim();
    if looks_like_html(body) {
        format!("HTTP {status} with an HTML body instead of an AWS error: the endpoint does not implement this API")
    } else if text.is_empty() {
        format!("HTTP {status} with an empty body")
    } else {
        format!("HTTP {status}: {text}")
    }
}

fn looks_like_html(body: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&body[..body.len().min(64)]).to_ascii_lowercase();
    head.trim_start().starts_with("<!doctype html") || head.trim_start().starts_with("<html")
}

fn kind_of(code: Option<&str>, status: u16, raw: &HttpResponse) -> ErrorKind {
    if let Some(code) = code {
        let k = match code {
            "AccessDenied"
            | "AccessDeniedException"
            | "UnauthorizedOperation"
            | "AuthorizationError"
            | "Forbidden"
            | "AllAccessDisabled"
            | "AWSOrganizationsNotInUseException" => Some(ErrorKind::AccessDenied),
            "Throttling"
            | "ThrottlingException"
            | "TooManyRequestsException"
            | "SlowDown"
            | "RequestLimitExceeded"
            | "RequestThrottled"
            | "RequestThrottledException"
            | "ProvisionedThroughputExceededException" => Some(ErrorKind::Throttled),
            "OptInRequired" => Some(ErrorKind::RegionNotEnabled),
            "TrailNotFoundException"
            | "NoSuchBucket"
            | "NotFoundException"
            | "ResourceNotFoundException"
            | "NoSuchEntity"
            | "CloudTrailARNInvalidException"
            | "NoSuchKey" => Some(ErrorKind::NotFound),
            "UnknownOperationException"
            | "InvalidAction"
            | "NotImplemented"
            | "UnsupportedOperationException" => Some(ErrorKind::NotImplemented),
            "UnrecognizedClientException"
            | "InvalidClientTokenId"
            | "AuthFailure"
            | "ExpiredToken"
            | "ExpiredTokenException"
            | "InvalidAccessKeyId" => Some(ErrorKind::AccessDenied),
            _ => None,
        };
        if let Some(k) = k {
            return k;
        }
    }
    if looks_like_html(raw.body().bytes().unwrap_or_default()) {
        // AWS answers errors in XML or JSON; an HTML page comes from something
        // that does not implement the API (an emulator, a proxy).
        return ErrorKind::NotImplemented;
    }
    match status {
        401 | 403 => ErrorKind::AccessDenied,
        404 => ErrorKind::NotFound,
        429 => ErrorKind::Throttled,
        501 => ErrorKind::NotImplemented,
        503 => ErrorKind::Throttled,
        _ => ErrorKind::Other,
    }
}

/// Error codes that, in an opt-in region, mean "this region is not enabled".
pub fn means_region_not_enabled(info: &ErrorInfo) -> bool {
    matches!(
        info.code.as_deref(),
        Some(
            "UnrecognizedClientException"
                | "InvalidClientTokenId"
                | "AuthFailure"
                | "OptInRequired"
                | "InvalidSignatureException"
        )
    ) || info.kind == ErrorKind::RegionNotEnabled
}

/// Runs an SDK call's future (signing, sending, retrying, parsing: most of a
/// run's CPU) as its own task on the runtime's worker threads, so the calls
/// of a run use every core instead of the one polling the collector. Outside
/// a multi-threaded runtime it simply awaits.
pub(crate) async fn offload<F>(fut: F) -> F::Output
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(h) if h.runtime_flavor() == RuntimeFlavor::MultiThread => match h.spawn(fut).await {
            Ok(v) => v,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => panic!("an AWS call's task was cancelled: {e}"),
        },
        _ => fut.await,
    }
}

/// The next free slot per (account, region).
type Slots = HashMap<(String, String), Instant>;

/// Spaces calls to one account-region so the run stays under CloudTrail's
/// control-plane quota (about 10 requests per second per account per region).
#[derive(Debug)]
pub struct RateBound {
    interval: Duration,
    /// Next free slot per account-region, and the size at which to prune.
    next: Mutex<(Slots, usize)>,
}

impl RateBound {
    /// At most `per_second` calls per account-region.
    pub fn new(per_second: u32) -> RateBound {
        RateBound::every(Duration::from_secs(1) / per_second.max(1))
    }

    /// One call per `interval` per account-region.
    pub fn every(interval: Duration) -> RateBound {
        RateBound {
            interval,
            next: Mutex::new((HashMap::new(), 1024)),
        }
    }

    /// Waits for this account-region's next slot.
    pub async fn wait(&self, account: &str, region: &str) {
        let delay = self.reserve(account, region, Instant::now());
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
    }

    /// Reserves the next slot at or after `now`; returns how long to wait for it.
    fn reserve(&self, account: &str, region: &str, now: Instant) -> Duration {
        let mut next = self.next.lock().expect("rate lock");
        // Forget account-regions whose next slot has passed (they would get
        // `now` anyway), so the table holds only the busy ones, not every
        // account-region of a 10,000-account run. Pruned when it has doubled
        // since the last pruning: amortized constant time per call.
        let (next, prune_at) = &mut *next;
        if next.len() >= *prune_at {
            next.retain(|_, at| *at > now);
            *prune_at = (next.len() * 2).max(1024);
        }
        let slot = next
            .entry((account.to_string(), region.to_string()))
            .or_insert(now);
        let at = (*slot).max(now);
        *slot = at + self.interval;
        at - now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_bound_spaces_calls_per_account_region() {
        let rb = RateBound::new(10);
        let now = Instant::now();
        let waits: Vec<Duration> = (0..3)
            .map(|_| rb.reserve("111111111111", "us-east-1", now))
            .collect();
        assert_eq!(
            waits,
            vec![
                Duration::ZERO,
                Duration::from_millis(100),
                Duration::from_millis(200)
            ]
        );
        // Another account-region is not held back by the first.
        assert_eq!(rb.reserve("222222222222", "us-east-1", now), Duration::ZERO);
        assert_eq!(rb.reserve("111111111111", "eu-west-1", now), Duration::ZERO);
        // Once time has passed, no wait.
        let later = now + Duration::from_secs(5);
        assert_eq!(
            rb.reserve("111111111111", "us-east-1", later),
            Duration::ZERO
        );
    }
}
