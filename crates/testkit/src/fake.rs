//! An in-process fake of the AWS APIs the collector reads, behind the SDK's own
//! `HttpClient`/`HttpConnector` traits: real SDK clients, real serialization,
//! no network. It answers with AWS's wire formats (JSON 1.1 for CloudTrail,
//! Organizations, KMS and Logs; query/XML for STS; REST/XML for S3; REST/JSON
//! for the Account API) from a small organization model, with an optional
//! fixed latency per call and a fault hook.
//!
//! It exists for what the emulator cannot show (an organization trail seen as
//! a shadow in a member account, `LatestDeliveryError`, throttling, HTML
//! error pages) and for scale benchmarks (thousands of accounts).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;

/// The access key of the fake organization's management account.
pub const CALLER_KEY: &str = "AKIAFAKEMANAGEMENT00";

/// One request as the fake saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// Account whose credentials signed it.
    pub account: String,
    /// Region from the signature.
    pub region: String,
    /// Signing service (`cloudtrail`, `s3`...).
    pub service: String,
    /// Operation (`DescribeTrails`, `GetBucketPolicy`...).
    pub operation: String,
    /// How many times this (account, region, operation) was seen, this one included.
    pub attempt: usize,
}

/// A canned response.
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Content type.
    pub content_type: &'static str,
    /// Body.
    pub body: String,
}

impl Reply {
    fn json(body: String) -> Reply {
        Reply {
            status: 200,
            content_type: "application/x-amz-json-1.1",
            body,
        }
    }
    fn xml(body: String) -> Reply {
        Reply {
            status: 200,
            content_type: "text/xml",
            body,
        }
    }
    /// A JSON-protocol error (`__type`).
    pub fn json_error(status: u16, code: &str, message: &str) -> Reply {
        Reply {
            status,
            content_type: "application/x-amz-json-1.1",
            body: format!(r#"{{"__type":"{code}","message":"{message}"}}"#),
        }
    }
    /// An XML error (STS, S3).
    pub fn xml_error(status: u16, code: &str, message: &str) -> Reply {
        Reply {
            status,
            content_type: "text/xml",
            body: format!("<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error></ErrorResponse>"),
        }
    }
    /// An HTML page, as an emulator or proxy answers an API it does not know.
    pub fn html(status: u16) -> Reply {
        Reply {
            status,
            content_type: "text/html",
            body: "<!doctype html>\n<html lang=en><title>500 Internal Server Error</title><h1>Internal Server Error</h1></html>".into(),
        }
    }
}

/// A trail of the fake organization.
#[derive(Debug, Clone)]
pub struct FakeTrail {
    /// Owner.
    pub account: String,
    /// Name.
    pub name: String,
    /// Home region.
    pub home_region: String,
    /// Multi-region.
    pub multi_region: bool,
    /// Organization trail (members see it as a shadow, as in AWS).
    pub organization: bool,
    /// `LatestDeliveryError`, if any.
    pub delivery_error: Option<String>,
    /// Stopped (by `arn:aws:sts::OWNER:assumed-role/Ops/night-shift`, an
    /// hour before the fake's clock: its event history says so).
    pub stopped: bool,
}

impl FakeTrail {
    fn arn(&self) -> String {
        format!(
            "arn:aws:cloudtrail:{}:{}:trail/{}",
            self.home_region, self.account, self.name
        )
    }
}

/// Decides a reply before the model does (faults); `None` lets the model answer.
pub type FaultHook = Arc<dyn Fn(&Call) -> Option<Reply> + Send + Sync>;

/// The fake organization and its transport.
#[derive(Clone)]
pub struct FakeAws {
    inner: Arc<Inner>,
}

struct Inner {
    management: String,
    members: Vec<String>,
    /// The same, to answer "is this a member" in constant time (the fake's
    /// own cost must not weigh on a 10,000-account benchmark).
    member_set: std::collections::HashSet<String>,
    regions: Vec<String>,
    trails: Vec<FakeTrail>,
    latency: Duration,
    fault: Option<FaultHook>,
    deny_assume: Vec<String>,
    calls: Mutex<Vec<Call>>,
    attempts: Mutex<HashMap<(String, String, String), usize>>,
    counts: Mutex<HashMap<String, usize>>,
    counts_only: bool,
    /// LookupEvents requests per account-region in the current second
    /// (AWS's quota: 2 a second, then ThrottlingException).
    lookups: Mutex<HashMap<(String, String), (std::time::Instant, u32)>>,
}

impl std::fmt::Debug for FakeAws {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeAws")
            .field("members", &self.inner.members.len())
            .finish()
    }
}

/// Builds a [`FakeAws`].
pub struct FakeAwsBuilder {
    management: String,
    members: Vec<String>,
    regions: Vec<String>,
    trails: Vec<FakeTrail>,
    latency: Duration,
    fault: Option<FaultHook>,
    deny_assume: Vec<String>,
    counts_only: bool,
}

impl FakeAws {
    /// An organization with `members` member accounts (ids 100000000001...),
    /// management account 100000000000, every region enabled.
    pub fn builder(members: usize, regions: &[&str]) -> FakeAwsBuilder {
        FakeAwsBuilder {
            management: "100000000000".into(),
            members: (1..=members)
                .map(|i| format!("{:012}", 100_000_000_000u64 + i as u64))
                .collect(),
            regions: regions.iter().map(|r| r.to_string()).collect(),
            trails: vec![],
            latency: Duration::ZERO,
            fault: None,
            deny_assume: vec![],
            counts_only: false,
        }
    }

    /// Calls per operation (`Operation` name), also when only counts are kept.
    pub fn call_counts(&self) -> HashMap<String, usize> {
        self.inner.counts.lock().expect("counts").clone()
    }

    /// Every call seen so far.
    pub fn calls(&self) -> Vec<Call> {
        self.inner.calls.lock().expect("calls").clone()
    }

    /// The management account id.
    pub fn management(&self) -> &str {
        &self.inner.management
    }

    /// Member account ids.
    pub fn members(&self) -> &[String] {
        &self.inner.members
    }

    /// An SDK config that sends everything to this fake, as the management account.
    pub fn sdk_config(&self) -> aws_config::SdkConfig {
        use aws_credential_types::provider::SharedCredentialsProvider;
        aws_config::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(SharedCredentialsProvider::new(
                aws_credential_types::Credentials::new(CALLER_KEY, "secret", None, None, "fake"),
            ))
            .http_client(self.clone())
            .retry_config(
                aws_smithy_types::retry::RetryConfig::standard()
                    .with_initial_backoff(Duration::from_millis(10)),
            )
            .sleep_impl(aws_smithy_async::rt::sleep::default_async_sleep().expect("tokio sleep"))
            .build()
    }

    fn account_of(&self, key: &str) -> String {
        if key == CALLER_KEY {
            return self.inner.management.clone();
        }
        key.strip_prefix("ASIA")
            .map(|k| k[..12].to_string())
            .unwrap_or_else(|| "999999999999".into())
    }

    fn reply(&self, req: &HttpRequest) -> Reply {
        let auth = req
            .headers()
            .get("authorization")
            .unwrap_or_default()
            .to_string();
        let scope: Vec<&str> = auth
            .split("Credential=")
            .nth(1)
            .and_then(|c| c.split(',').next())
            .map(|c| c.split('/').collect())
            .unwrap_or_default();
        let (key, region, service) = match scope.as_slice() {
            [key, _date, region, service, ..] => {
                (key.to_string(), region.to_string(), service.to_string())
            }
            _ => return Reply::xml_error(403, "MissingAuthenticationToken", "unsigned"),
        };
        let body = req
            .body()
            .bytes()
            .map(|b| String::from_utf8_lossy(b).to_string())
            .unwrap_or_default();
        let operation = match req.headers().get("x-amz-target") {
            Some(t) => t.rsplit('.').next().unwrap_or_default().to_string(),
            None if service == "sts" => form(&body, "Action").unwrap_or_default(),
            None if service == "account" => "ListRegions".into(),
            None => s3_operation_name(req.method(), req.uri()),
        };
        let account = self.account_of(&key);
        *self
            .inner
            .counts
            .lock()
            .expect("counts")
            .entry(operation.clone())
            .or_default() += 1;
        let attempt = if self.inner.counts_only {
            1
        } else {
            let mut a = self.inner.attempts.lock().expect("attempts");
            let n = a
                .entry((account.clone(), region.clone(), operation.clone()))
                .or_default();
            *n += 1;
            *n
        };
        let call = Call {
            account,
            region,
            service,
            operation,
            attempt,
        };
        if !self.inner.counts_only {
            self.inner.calls.lock().expect("calls").push(call.clone());
        }
        if let Some(f) = &self.inner.fault {
            if let Some(r) = f(&call) {
                return r;
            }
        }
        self.model(&call, &body)
    }

    fn model(&self, c: &Call, body: &str) -> Reply {
        let i = &self.inner;
        let all_accounts = || std::iter::once(&i.management).chain(i.members.iter());
        match (c.service.as_str(), c.operation.as_str()) {
            ("sts", "GetCallerIdentity") => Reply::xml(format!(
                "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::{0}:user/auditor</Arn><UserId>AIDAFAKE</UserId><Account>{0}</Account></GetCallerIdentityResult></GetCallerIdentityResponse>",
                c.account
            )),
            ("sts", "AssumeRole") => {
                let arn = form(body, "RoleArn").unwrap_or_default();
                let target = arn.split(':').nth(4).unwrap_or_default().to_string();
                if i.deny_assume.contains(&target) {
                    return Reply::xml_error(403, "AccessDenied", &format!("not authorized to perform: sts:AssumeRole on {arn}"));
                }
                Reply::xml(format!(
                    "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIA{target}FAKE</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser><Arn>{arn}</Arn><AssumedRoleId>AROA:x</AssumedRoleId></AssumedRoleUser></AssumeRoleResult></AssumeRoleResponse>"
                ))
            }
            ("organizations", "DescribeOrganization") => Reply::json(format!(
                r#"{{"Organization":{{"Id":"o-fake12345","Arn":"arn:aws:organizations::{0}:organization/o-fake12345","MasterAccountId":"{0}","FeatureSet":"ALL"}}}}"#,
                i.management
            )),
            ("organizations", "ListRoots") => Reply::json(r#"{"Roots":[{"Id":"r-fake","Name":"Root","Arn":"arn:aws:organizations::1:root/o-fake12345/r-fake"}]}"#.into()),
            ("organizations", "ListOrganizationalUnitsForParent") => Reply::json(r#"{"OrganizationalUnits":[]}"#.into()),
            ("organizations", "ListDelegatedAdministrators") => Reply::json(r#"{"DelegatedAdministrators":[]}"#.into()),
            ("organizations", "ListAWSServiceAccessForOrganization") => Reply::json(
                r#"{"EnabledServicePrincipals":[{"ServicePrincipal":"cloudtrail.amazonaws.com"}]}"#.into(),
            ),
            ("organizations", "ListAccountsForParent") | ("organizations", "ListAccounts") => {
                // Pages of 20, as AWS.
                let start: usize = json_str(body, "NextToken").and_then(|t| t.parse().ok()).unwrap_or(0);
                let ids: Vec<&String> = all_accounts().collect();
                let page: Vec<String> = ids
                    .iter()
                    .skip(start)
                    .take(20)
                    .map(|id| format!(r#"{{"Id":"{id}","Name":"acct-{id}","Email":"{id}@example.com","Status":"ACTIVE","Arn":"arn:aws:organizations::{0}:account/o-fake12345/{id}"}}"#, i.management))
                    .collect();
                let next = if start + 20 < ids.len() { format!(r#","NextToken":"{}""#, start + 20) } else { String::new() };
                Reply::json(format!(r#"{{"Accounts":[{}]{next}}}"#, page.join(",")))
            }
            ("account", "ListRegions") => Reply {
                status: 200,
                content_type: "application/json",
                body: format!(
                    r#"{{"Regions":[{}]}}"#,
                    i.regions.iter().map(|r| format!(r#"{{"RegionName":"{r}","RegionOptStatus":"ENABLED_BY_DEFAULT"}}"#)).collect::<Vec<_>>().join(",")
                ),
            },
            ("cloudtrail", "DescribeTrails") => {
                let visible: Vec<String> = i
                    .trails
                    .iter()
                    .filter(|t| {
                        let mine = t.account == c.account;
                        let org = t.organization && (c.account == i.management || i.member_set.contains(&c.account));
                        (mine || org) && (t.multi_region || t.home_region == c.region)
                    })
                    .map(|t| format!(
                        r#"{{"Name":"{}","S3BucketName":"fake-logs-{}","IncludeGlobalServiceEvents":true,"IsMultiRegionTrail":{},"HomeRegion":"{}","TrailARN":"{}","LogFileValidationEnabled":true,"HasCustomEventSelectors":false,"HasInsightSelectors":false,"IsOrganizationTrail":{}}}"#,
                        t.name, t.account, t.multi_region, t.home_region, t.arn(), t.organization
                    ))
                    .collect();
                Reply::json(format!(r#"{{"trailList":[{}]}}"#, visible.join(",")))
            }
            ("cloudtrail", op @ ("GetTrailStatus" | "GetEventSelectors" | "GetInsightSelectors")) => {
                let name = json_str(body, "Name").or_else(|| json_str(body, "TrailName")).unwrap_or_default();
                let Some(t) = i.trails.iter().find(|t| t.arn() == name || t.name == name) else {
                    return Reply::json_error(400, "TrailNotFoundException", "Unknown trail");
                };
                // As in AWS: only the owner, only in the home region.
                if t.account != c.account || t.home_region != c.region {
                    return Reply::json_error(400, "TrailNotFoundException", &format!("Unknown trail: {name} for the user: {}", c.account));
                }
                match op {
                    "GetTrailStatus" => Reply::json(format!(
                        r#"{{"IsLogging":{},"LatestDeliveryTime":1.7E9,"StartLoggingTime":1.6E9{}}}"#,
                        !t.stopped,
                        t.delivery_error.as_ref().map(|e| format!(r#","LatestDeliveryError":"{e}""#)).unwrap_or_default()
                    )),
                    "GetEventSelectors" => Reply::json(format!(
                        r#"{{"TrailARN":"{}","EventSelectors":[{{"ReadWriteType":"All","IncludeManagementEvents":true,"DataResources":[],"ExcludeManagementEventSources":[]}}]}}"#,
                        t.arn()
                    )),
                    _ => Reply::json_error(400, "InsightNotEnabledException", "Trail has no insight selectors"),
                }
            }
            ("cloudtrail", "LookupEvents") => {
                {
                    let mut q = i.lookups.lock().expect("lookups lock");
                    let now = std::time::Instant::now();
                    let slot = q.entry((c.account.clone(), c.region.clone())).or_insert((now, 0));
                    if now.duration_since(slot.0) >= Duration::from_secs(1) {
                        *slot = (now, 0);
                    }
                    if slot.1 >= 2 {
                        return Reply::json_error(400, "ThrottlingException", "Rate exceeded");
                    }
                    slot.1 += 1;
                }
                let events: Vec<String> = if body.contains("\"StopLogging\"") {
                    i.trails
                        .iter()
                        .filter(|t| t.stopped && t.account == c.account && t.home_region == c.region)
                        .map(|t| {
                            let record = format!(
                                r#"{{"eventVersion":"1.09","userIdentity":{{"type":"AssumedRole","arn":"arn:aws:sts::{0}:assumed-role/Ops/night-shift","accountId":"{0}","sessionContext":{{"sessionIssuer":{{"type":"Role","arn":"arn:aws:iam::{0}:role/Ops","userName":"Ops"}}}}}},"eventTime":"2026-11-01T00:00:00Z","eventSource":"cloudtrail.amazonaws.com","eventName":"StopLogging","awsRegion":"{1}","sourceIPAddress":"198.51.100.7","userAgent":"aws-cli/2.15.0","requestParameters":{{"name":"{2}"}},"eventID":"fake-{0}-{3}"}}"#,
                                t.account, t.home_region, t.arn(), t.name
                            );
                            format!(
                                r#"{{"EventId":"fake-{}-{}","EventName":"StopLogging","EventTime":1.7E9,"EventSource":"cloudtrail.amazonaws.com","Username":"night-shift","CloudTrailEvent":{}}}"#,
                                t.account,
                                t.name,
                                serde_json::Value::String(record)
                            )
                        })
                        .collect()
                } else {
                    vec![]
                };
                Reply::json(format!(r#"{{"Events":[{}]}}"#, events.join(",")))
            }
            ("cloudtrail", "ListEventDataStores") => Reply::json(r#"{"EventDataStores":[]}"#.into()),
            ("s3", "ListBuckets") => Reply::xml(format!(
                "<ListAllMyBucketsResult><Buckets><Bucket><Name>fake-logs-{}</Name><CreationDate>2024-01-01T00:00:00.000Z</CreationDate></Bucket></Buckets><Owner><ID>x</ID></Owner></ListAllMyBucketsResult>",
                c.account
            )),
            ("s3", "GetBucketLocation") => Reply::xml("<LocationConstraint/>".into()),
            ("s3", "GetBucketVersioning") => Reply::xml("<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>".into()),
            ("s3", "GetBucketAcl") => Reply::xml("<AccessControlPolicy><Owner><ID>x</ID></Owner><AccessControlList></AccessControlList></AccessControlPolicy>".into()),
            ("s3", "GetBucketLogging") => Reply::xml("<BucketLoggingStatus></BucketLoggingStatus>".into()),
            ("s3", "GetBucketRequestPayment") => Reply::xml("<RequestPaymentConfiguration><Payer>BucketOwner</Payer></RequestPaymentConfiguration>".into()),
            ("s3", "GetBucketPolicy") => s3_error("NoSuchBucketPolicy"),
            ("s3", "GetBucketLifecycleConfiguration") => s3_error("NoSuchLifecycleConfiguration"),
            ("s3", "GetBucketEncryption") => s3_error("ServerSideEncryptionConfigurationNotFoundError"),
            ("s3", "GetPublicAccessBlock") => s3_error("NoSuchPublicAccessBlockConfiguration"),
            ("s3", "GetObjectLockConfiguration") => s3_error("ObjectLockConfigurationNotFoundError"),
            ("s3", "ListObjectsV2") => Reply::xml("<ListBucketResult><Name>b</Name><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></ListBucketResult>".into()),
            _ => Reply::json_error(400, "UnknownOperationException", &format!("the fake does not model {}:{}", c.service, c.operation)),
        }
    }
}

fn s3_error(code: &str) -> Reply {
    Reply {
        status: 404,
        content_type: "application/xml",
        body: format!("<Error><Code>{code}</Code><Message>none</Message></Error>"),
    }
}

/// The SDK operation name of an S3 request, from its method and query.
pub fn s3_operation_name(method: &str, uri: &str) -> String {
    let query = uri.split_once('?').map(|(_, q)| q).unwrap_or("");
    let has = |k: &str| {
        query
            .split('&')
            .any(|p| p == k || p.starts_with(&format!("{k}=")))
    };
    let path = uri
        .split('?')
        .next()
        .unwrap_or("")
        .trim_start_matches("http://")
        .trim_start_matches("https://");
    let path = path.split_once('/').map(|(_, p)| p).unwrap_or("");
    // The SDK names most S3 operations in the query itself.
    if let Some(op) = query.split('&').find_map(|p| p.strip_prefix("x-id=")) {
        return op.to_string();
    }
    match method {
        "GET" if path.is_empty() => "ListBuckets",
        "GET" if has("location") => "GetBucketLocation",
        "GET" if has("versioning") => "GetBucketVersioning",
        "GET" if has("acl") => "GetBucketAcl",
        "GET" if has("logging") => "GetBucketLogging",
        "GET" if has("requestPayment") => "GetBucketRequestPayment",
        "GET" if has("policy") => "GetBucketPolicy",
        "GET" if has("lifecycle") => "GetBucketLifecycleConfiguration",
        "GET" if has("encryption") => "GetBucketEncryption",
        "GET" if has("publicAccessBlock") => "GetPublicAccessBlock",
        "GET" if has("object-lock") => "GetObjectLockConfiguration",
        "GET" if has("list-type") => "ListObjectsV2",
        "GET" if path.contains('/') => "GetObject",
        "HEAD" if path.contains('/') => "HeadObject",
        "HEAD" => "HeadBucket",
        _ => "Unknown",
    }
    .to_string()
}

fn form(body: &str, key: &str) -> Option<String> {
    body.split('&').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        (k == key).then(|| v.replace("%3A", ":").replace("%2F", "/"))
    })
}

fn json_str(body: &str, key: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    v.get(key)?.as_str().map(str::to_string)
}

impl FakeAwsBuilder {
    /// Adds a trail.
    pub fn trail(mut self, t: FakeTrail) -> Self {
        self.trails.push(t);
        self
    }
    /// An organization trail in the management account (multi-region, us-east-1).
    pub fn organization_trail(self, delivery_error: Option<&str>) -> Self {
        let management = self.management.clone();
        self.trail(FakeTrail {
            account: management,
            name: "org-trail".into(),
            home_region: "us-east-1".into(),
            multi_region: true,
            organization: true,
            delivery_error: delivery_error.map(str::to_string),
            stopped: false,
        })
    }
    /// The audit role in this account refuses AssumeRole.
    pub fn deny_assume(mut self, account: &str) -> Self {
        self.deny_assume.push(account.to_string());
        self
    }
    /// Fixed latency per call.
    pub fn latency(mut self, d: Duration) -> Self {
        self.latency = d;
        self
    }
    /// A fault hook consulted before the model.
    pub fn fault(mut self, f: impl Fn(&Call) -> Option<Reply> + Send + Sync + 'static) -> Self {
        self.fault = Some(Arc::new(f));
        self
    }
    /// Keep only a count per operation, not every call and attempt (for
    /// benchmarks, where the fake's own bookkeeping of hundreds of thousands
    /// of calls would weigh on the measured memory). [`FakeAws::calls`] is
    /// then empty and faults see every call as a first attempt.
    pub fn counts_only(mut self) -> Self {
        self.counts_only = true;
        self
    }
    /// Done.
    pub fn build(self) -> FakeAws {
        FakeAws {
            inner: Arc::new(Inner {
                management: self.management,
                member_set: self.members.iter().cloned().collect(),
                members: self.members,
                regions: self.regions,
                trails: self.trails,
                latency: self.latency,
                fault: self.fault,
                deny_assume: self.deny_assume,
                calls: Mutex::new(Vec::new()),
                attempts: Mutex::new(HashMap::new()),
                counts: Mutex::new(HashMap::new()),
                counts_only: self.counts_only,
                lookups: Mutex::new(HashMap::new()),
            }),
        }
    }
}

impl HttpConnector for FakeAws {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let reply = self.reply(&request);
        let latency = self.inner.latency;
        HttpConnectorFuture::new(async move {
            if !latency.is_zero() {
                tokio::time::sleep(latency).await;
            }
            let mut resp = HttpResponse::new(
                reply.status.try_into().expect("valid status"),
                SdkBody::from(reply.body),
            );
            resp.headers_mut()
                .insert("content-type", reply.content_type);
            resp.headers_mut()
                .insert("x-amzn-requestid", "fake-request");
            Ok(resp)
        })
    }
}

impl HttpClient for FakeAws {
    fn http_connector(
        &self,
        _settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}
