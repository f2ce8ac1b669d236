//! `audit`: the trailaudit command line. The CLI plus glue: it parses flags
//! into checked options, runs collect -> snapshot -> checks -> reports, and
//! maps what happened to an exit code (0 clean, 1 findings at or above
//! `--fail-on`, 2 usage or fatal error).

mod analyse;
mod args;
mod integrity;
mod output;
mod progress;
mod run;
mod snapshots;
mod verify;
mod why;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    restore_sigpipe();
    let cli = match args::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    init_tracing(cli.global.verbose, cli.global.quiet);
    match run::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// `audit checks | head` should end quietly, as Unix tools do, not panic on
/// a closed pipe: restore the default SIGPIPE disposition Rust overrides.
#[allow(unsafe_code)]
fn restore_sigpipe() {
    // SAFETY: called first thing in main, before any thread is spawned;
    // setting a signal disposition to its default has no other effect.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn init_tracing(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (_, 0) => "warn",
        (_, 1) => "info",
        (_, 2) => "debug",
        _ => "trace",
    };
    // Our crates at the chosen level; the SDK one step quieter unless -vvv.
    let default = if verbose >= 3 {
        level.to_string()
    } else {
        format!("warn,trailaudit_collect={level},audit={level},trailaudit_cli={level}")
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| Redacting(std::io::stderr()))
        .with_target(false)
        .try_init();
}

/// Log output with AWS access key ids masked. The SDK's debug output of a
/// resolved identity shows `access_key_id` (it redacts secrets and session
/// tokens itself); nothing that identifies a credential leaves through logs.
struct Redacting<W: std::io::Write>(W);

impl<W: std::io::Write> std::io::Write for Redacting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write_all(&redact(buf))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// Masks `AKIA`/`ASIA` + 16 upper-case letters or digits (an access key id).
fn redact(buf: &[u8]) -> Vec<u8> {
    let mut out = buf.to_vec();
    let mut i = 0;
    while i + 20 <= out.len() {
        let prefix = &out[i..i + 4];
        if (prefix == b"AKIA" || prefix == b"ASIA")
            && out[i + 4..i + 20]
                .iter()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        {
            out[i + 4..i + 20].fill(b'*');
            i += 20;
        } else {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn access_key_ids_are_masked_in_logs() {
        let line = b"Credentials { access_key_id: \"AKIARZPUZDIKHO3RXIV6\", secret: ** } ASIA1234";
        let out = String::from_utf8(super::redact(line)).unwrap();
        assert!(
            out.contains("AKIA****************") && !out.contains("RZPUZ"),
            "{out}"
        );
        assert!(out.ends_with("ASIA1234"), "short strings are left alone");
    }
}
