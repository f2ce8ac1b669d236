//! The moto emulator harness: installs `moto[server]` into a virtual
//! environment under `target/` when missing, starts it on a free 127.0.0.1
//! port with `TZ=UTC`, waits until it answers, resets it between tests, and
//! always stops it by its own PID (on drop, so also when a test panics).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// The pinned emulator.
pub const MOTO_REQUIREMENT: &str = "moto[server]==5.2.5";

/// The workspace root (where `target/` lives).
pub fn workspace_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.ancestors()
        .nth(2)
        .expect("crates/testkit sits two levels below the workspace root")
        .to_path_buf()
}

/// `target/moto-venv`.
pub fn venv_dir() -> PathBuf {
    workspace_root().join("target").join("moto-venv")
}

fn moto_server_bin() -> PathBuf {
    venv_dir().join("bin").join("moto_server")
}

/// The compatibility layer loaded into the moto process: fixes where moto
/// answers differently from AWS in what trailaudit reads (documented in the
/// file, each checked through the real SDK by the end-to-end tests).
pub fn compat_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("moto_compat.py")
}

/// Installs the pinned moto into `target/moto-venv` unless it is already
/// there. A file lock makes concurrent test processes wait for one install.
pub fn ensure_installed() -> Result<PathBuf> {
    let venv = venv_dir();
    let marker = venv.join(".trailaudit-moto");
    let installed = || {
        moto_server_bin().exists()
            && std::fs::read_to_string(&marker).unwrap_or_default() == MOTO_REQUIREMENT
    };
    if installed() {
        return Ok(moto_server_bin());
    }
    std::fs::create_dir_all(venv.parent().expect("target dir"))?;
    let lock = std::fs::File::create(venv.with_file_name("moto-venv.lock"))?;
    lock.lock().context("locking the emulator install")?;
    if installed() {
        return Ok(moto_server_bin());
    }
    let python = ["python3", "python"]
        .into_iter()
        .find(|p| Command::new(p).arg("--version").output().is_ok_and(|o| o.status.success()))
        .context("python3 is needed to run the moto emulator; install Python 3.9+ (for example `apt-get install python3 python3-venv`)")?;
    let _ = std::fs::remove_dir_all(&venv);
    eprintln!(
        "trailaudit-testkit: installing {MOTO_REQUIREMENT} into {} ...",
        venv.display()
    );
    let status = Command::new(python)
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .context("creating the virtual environment")?;
    if !status.success() {
        bail!("`{python} -m venv` failed; install the venv module (Debian: `apt-get install python3-venv`)");
    }
    let out = Command::new(venv.join("bin").join("pip"))
        .args([
            "install",
            "--quiet",
            "--disable-pip-version-check",
            MOTO_REQUIREMENT,
        ])
        .output()
        .context("running pip")?;
    if !out.status.success() {
        bail!(
            "pip install {MOTO_REQUIREMENT} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    std::fs::write(&marker, MOTO_REQUIREMENT)?;
    Ok(moto_server_bin())
}

/// A running moto server, stopped by its own PID when dropped.
#[derive(Debug)]
pub struct Emulator {
    child: Option<Child>,
    port: u16,
}

impl Emulator {
    /// Installs (when needed) and starts moto on a free 127.0.0.1 port.
    pub fn start() -> Result<Emulator> {
        ensure_installed()?;
        let python = venv_dir().join("bin").join("python");
        let mut last = None;
        for _ in 0..5 {
            let port = free_port()?;
            let log = std::env::temp_dir().join(format!("trailaudit-moto-{port}.log"));
            let child = Command::new(&python)
                .arg(compat_script())
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .env("TZ", "UTC")
                .env_remove("MOTO_ACCOUNT_ID")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(
                    std::fs::File::create(&log)
                        .map(Stdio::from)
                        .unwrap_or(Stdio::null()),
                )
                .spawn()
                .with_context(|| format!("starting {}", compat_script().display()))?;
            let mut emu = Emulator {
                child: Some(child),
                port,
            };
            match emu.wait_ready(Duration::from_secs(30)) {
                Ok(()) => return Ok(emu),
                Err(e) => {
                    emu.stop();
                    last = Some(e.context(format!("moto log: {}", log.display())));
                }
            }
        }
        Err(last.expect("at least one attempt"))
    }

    fn wait_ready(&mut self, limit: Duration) -> Result<()> {
        let start = Instant::now();
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Some(status) = child.try_wait()? {
                    bail!("moto_server exited early with {status}");
                }
            }
            if let Ok((200, _)) = self.request("GET", "/moto-api/data.json", None) {
                return Ok(());
            }
            if start.elapsed() > limit {
                bail!(
                    "moto_server did not answer on port {} within {limit:?}",
                    self.port
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's process id.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Clears all state and turns IAM enforcement off.
    pub fn reset(&self) -> Result<()> {
        self.expect_ok("POST", "/moto-api/reset", None)?;
        self.set_iam_enforcement(false)
    }

    /// Makes generated ids (organization, accounts, keys) repeatable.
    pub fn seed_ids(&self, seed: u64) -> Result<()> {
        self.expect_ok("POST", &format!("/moto-api/seed?a={seed}"), None)
    }

    /// Turns the emulator's IAM policy evaluation on or off.
    pub fn set_iam_enforcement(&self, on: bool) -> Result<()> {
        let body = if on { "0" } else { "inf" };
        self.expect_ok("POST", "/moto-api/reset-auth", Some(body))
    }

    fn expect_ok(&self, method: &str, path: &str, body: Option<&str>) -> Result<()> {
        let (status, text) = self.request(method, path, body)?;
        if status != 200 {
            bail!("{method} {path} answered {status}: {text}");
        }
        Ok(())
    }

    /// Moves `account`'s recorded event history `days` back (the compat
    /// layer's test control): a change made now becomes one older than the
    /// 90 days LookupEvents answers for.
    pub fn age_history(&self, account: &str, days: u32) -> Result<()> {
        self.expect_ok(
            "POST",
            "/_compat/history/age",
            Some(&format!(r#"{{"account": "{account}", "days": {days}}}"#)),
        )
    }

    /// Sets how many LookupEvents requests per second per account-region
    /// the emulator answers before it throttles (AWS: 2; `reset` restores
    /// it): another caller sharing the quota.
    pub fn set_lookup_rate(&self, per_second: u32) -> Result<()> {
        self.expect_ok(
            "POST",
            "/_compat/lookup-rate",
            Some(&per_second.to_string()),
        )
    }

    /// A plain HTTP/1.1 request to the emulator's control API.
    pub fn request(&self, method: &str, path: &str, body: Option<&str>) -> Result<(u16, String)> {
        let mut s = TcpStream::connect(("127.0.0.1", self.port))?;
        s.set_read_timeout(Some(Duration::from_secs(30)))?;
        let body = body.unwrap_or("");
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.port,
            body.len()
        )?;
        let mut out = String::new();
        s.read_to_string(&mut out)?;
        let status = out
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let text = out
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default();
        Ok((status, text))
    }

    /// Stops the server (by its PID) and waits for it.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.stop();
    }
}

fn free_port() -> Result<u16> {
    let l = TcpListener::bind(("127.0.0.1", 0))?;
    Ok(l.local_addr()?.port())
}

/// True while a process with this PID exists.
pub fn process_alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
        && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|s| s.split_whitespace().nth(2) == Some("Z"))
            .unwrap_or(true)
}

static SHARED: Mutex<Option<Emulator>> = Mutex::new(None);
static SHARED_PID: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// Exclusive use of the process's shared emulator (see [`shared`]).
pub struct Lease(MutexGuard<'static, Option<Emulator>>);

impl std::ops::Deref for Lease {
    type Target = Emulator;
    fn deref(&self) -> &Emulator {
        self.0
            .as_ref()
            .expect("started before the lease is handed out")
    }
}

/// One emulator per test process, handed to one test at a time, reset first.
/// It is started on first use, under the lock (so exactly one is ever
/// started), and stopped by its PID when the process exits.
pub fn shared() -> Result<Lease> {
    let mut guard = SHARED.lock().unwrap_or_else(|e| e.into_inner());
    if guard.is_none() {
        let emu = Emulator::start()?;
        if let Some(pid) = emu.pid() {
            if SHARED_PID.swap(pid, std::sync::atomic::Ordering::SeqCst) == 0 {
                register_exit_hook();
            }
        }
        *guard = Some(emu);
    }
    let lease = Lease(guard);
    lease.reset()?;
    Ok(lease)
}

extern "C" fn stop_shared_at_exit() {
    let pid = SHARED_PID.load(std::sync::atomic::Ordering::SeqCst);
    if pid != 0 {
        let _ = Command::new("kill").arg(pid.to_string()).status();
    }
}

#[allow(unsafe_code)]
fn register_exit_hook() {
    // SAFETY: `atexit` only stores the function pointer; the function is
    // `extern "C"`, takes no arguments and does not unwind.
    unsafe {
        libc::atexit(stop_shared_at_exit);
    }
}
