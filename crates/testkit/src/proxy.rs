//! A recording, fault-injecting reverse proxy on 127.0.0.1 in front of the
//! emulator. Every request is parsed enough to name its AWS operation (so a
//! test can prove which operations were sent, independently of the tool's own
//! counting) and a fault plan may answer it instead of the emulator:
//! throttling (HTTP 400 `ThrottlingException`/`Throttling`, 503 `SlowDown`,
//! each in its protocol's format), HTTP 500, added latency, a hang (the
//! client's timeout must fire), or a dropped connection.
//!
//! One request per connection: the emulator closes every connection after its
//! response, and so does the proxy.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Result;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A request as the proxy saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// Index of the request (0, 1, 2...).
    pub index: usize,
    /// Signing service (`cloudtrail`, `s3`, `sts`...).
    pub service: String,
    /// Operation name as the SDK names it (`DescribeTrails`, `GetBucketPolicy`...).
    pub operation: String,
    /// Region from the signature.
    pub region: String,
    /// Access key id from the signature (never logged by the proxy).
    pub access_key: String,
    /// Session token sent with the request, if any.
    pub session_token: Option<String>,
    /// The SDK's attempt number (`amz-sdk-request: attempt=N`), 1 when absent.
    pub attempt: u32,
    /// When the proxy received it.
    pub at: chrono::DateTime<chrono::Utc>,
    /// HTTP status of the answer; `None` when none was given (dropped, hung).
    pub status: Option<u16>,
    /// The answer's request id (`x-amzn-RequestId`, `x-amz-request-id`).
    pub request_id: Option<String>,
}

/// What to do with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Throttle, in the service's own error format.
    Throttle,
    /// HTTP 500 internal error.
    ServerError,
    /// Forward after a delay.
    Latency(Duration),
    /// Never answer (until the proxy stops).
    Hang,
    /// Close the connection without a response.
    Drop,
}

/// Decides a fault for a request; `None` forwards it.
pub type Plan = Arc<dyn Fn(&Seen) -> Option<Fault> + Send + Sync>;

/// A running proxy; stops when dropped.
pub struct Proxy {
    port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Proxy {
    /// Starts a proxy to `upstream_port` on 127.0.0.1 with a fault plan.
    pub fn start(upstream_port: u16, plan: Plan) -> Result<Proxy> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let seen = Arc::new(Mutex::new(Vec::new()));
        let listener = runtime.block_on(TcpListener::bind(("127.0.0.1", 0)))?;
        let port = listener.local_addr()?.port();
        let seen2 = seen.clone();
        runtime.spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    break;
                };
                let (plan, seen) = (plan.clone(), seen2.clone());
                tokio::spawn(async move {
                    let _ = handle(client, upstream_port, plan, seen).await;
                });
            }
        });
        Ok(Proxy {
            port,
            seen,
            runtime: Some(runtime),
        })
    }

    /// A proxy that forwards everything (to record what is sent).
    pub fn recording(upstream_port: u16) -> Result<Proxy> {
        Proxy::start(upstream_port, Arc::new(|_| None))
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Every request seen so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("seen").clone()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

async fn read_request(client: &mut TcpStream) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            anyhow::bail!("client closed");
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let len = header(&head, "content-length")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    while buf.len() < head_end + len {
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok(buf)
}

fn header(head: &str, name: &str) -> Option<String> {
    head.lines().skip(1).find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_string())
    })
}

fn describe(request: &[u8], index: usize) -> Seen {
    let text = String::from_utf8_lossy(request).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut first = head.lines().next().unwrap_or_default().split_whitespace();
    let (method, target) = (
        first.next().unwrap_or_default(),
        first.next().unwrap_or_default(),
    );
    let scope: Vec<String> = header(head, "authorization")
        .and_then(|a| {
            a.split("Credential=")
                .nth(1)
                .map(|c| c.split(',').next().unwrap_or_default().to_string())
        })
        .map(|c| c.split('/').map(str::to_string).collect())
        .unwrap_or_default();
    let (access_key, region, service) = match scope.as_slice() {
        [k, _, r, s, ..] => (k.clone(), r.clone(), s.clone()),
        _ => (String::new(), String::new(), String::new()),
    };
    let operation = if let Some(t) = header(head, "x-amz-target") {
        t.rsplit('.').next().unwrap_or_default().to_string()
    } else if service == "s3" {
        crate::fake::s3_operation_name(method, target)
    } else if let Some(a) = body.split('&').find_map(|p| p.strip_prefix("Action=")) {
        a.to_string()
    } else {
        // REST-JSON: the Account API's POST /listRegions and friends.
        let path = target
            .split('?')
            .next()
            .unwrap_or_default()
            .trim_start_matches('/');
        let mut c = path.chars();
        c.next()
            .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
            .unwrap_or_default()
    };
    let session_token = header(head, "x-amz-security-token");
    let attempt = header(head, "amz-sdk-request")
        .and_then(|v| {
            v.split(';').find_map(|p| {
                p.trim()
                    .strip_prefix("attempt=")
                    .and_then(|n| n.parse().ok())
            })
        })
        .unwrap_or(1);
    Seen {
        index,
        service,
        operation,
        region,
        access_key,
        session_token,
        attempt,
        at: chrono::Utc::now(),
        status: None,
        request_id: None,
    }
}

/// Status and request id of a raw HTTP response.
fn answer(response: &[u8]) -> (Option<u16>, Option<String>) {
    let end = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(response.len());
    let head = String::from_utf8_lossy(&response[..end]).to_string();
    let status = head
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok());
    let id = header(&head, "x-amzn-requestid").or_else(|| header(&head, "x-amz-request-id"));
    (status, id)
}

fn fault_response(service: &str, fault: Fault) -> Vec<u8> {
    let (status, reason, ctype, body) = match (fault, service) {
        (Fault::Throttle, "s3") => (503, "Slow Down", "application/xml", "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>".to_string()),
        (Fault::Throttle, "sts") => (400, "Bad Request", "text/xml", "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>".to_string()),
        (Fault::Throttle, _) => (400, "Bad Request", "application/x-amz-json-1.1", r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#.to_string()),
        (_, "s3") | (_, "sts") => (500, "Internal Server Error", "application/xml", "<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>".to_string()),
        _ => (500, "Internal Server Error", "application/x-amz-json-1.1", r#"{"__type":"InternalFailure","message":"internal error"}"#.to_string()),
    };
    format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nx-amzn-RequestId: proxy\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

async fn handle(
    mut client: TcpStream,
    upstream: u16,
    plan: Plan,
    seen: Arc<Mutex<Vec<Seen>>>,
) -> Result<()> {
    let request = read_request(&mut client).await?;
    let s = {
        let mut log = seen.lock().expect("seen");
        let s = describe(&request, log.len());
        log.push(s.clone());
        s
    };
    match plan(&s) {
        Some(Fault::Drop) => return Ok(()),
        Some(Fault::Hang) => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return Ok(());
        }
        Some(f @ (Fault::Throttle | Fault::ServerError)) => {
            let response = fault_response(&s.service, f);
            record_answer(&seen, s.index, &response);
            client.write_all(&response).await?;
            return Ok(());
        }
        Some(Fault::Latency(d)) => tokio::time::sleep(d).await,
        None => {}
    }
    let mut up = TcpStream::connect(("127.0.0.1", upstream)).await?;
    up.write_all(&request).await?;
    let mut response = Vec::new();
    up.read_to_end(&mut response).await?;
    record_answer(&seen, s.index, &response);
    client.write_all(&response).await?;
    Ok(())
}

fn record_answer(seen: &Mutex<Vec<Seen>>, index: usize, response: &[u8]) {
    let (status, id) = answer(response);
    if let Some(s) = seen.lock().expect("seen").get_mut(index) {
        s.status = status;
        s.request_id = id;
    }
}
