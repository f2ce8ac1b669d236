//! `audit`: the trailaudit command line. The CLI plus glue: it parses flags
//! into checked options, runs collect -> snapshot -> checks -> reports, and
//! maps what happened to an exit code (0 clean, 1 findings at or above
//! `--fail-on`, 2 usage or fatal error).

mod args;
mod output;
mod progress;
mod run;
mod why;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
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
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}
