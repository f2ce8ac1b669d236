//! Turns parsed flags into checked options and runs the pipeline:
//! collect (or load) -> snapshot -> checks -> reports and terminal summary,
//! then maps the outcome to an exit code.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use trailaudit_collect::{Cancel, CollectOptions, Guard};
use trailaudit_model::regions::RegionSelection;
use trailaudit_model::{is_account_id, Mode, Snapshot};
use trailaudit_report::diff::Previous;

use crate::analyse::{analyse_and_report, analysis, load_policy, previous_run};
use crate::args::{AuditArgs, ChecksArgs, Cli, Command, Global, OrgArgs, ReportArgs};
use crate::output;
use crate::progress::Bars;
use crate::snapshots::{find_previous, load_snapshot, newest_before, newest_snapshot};

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode> {
    match &cli.command {
        Command::Org(org) => audit(&cli.global, Mode::Organization, &org.audit, Some(org)),
        Command::Account(a) => audit(&cli.global, Mode::Account, a, None),
        Command::Report(r) => report(&cli.global, r),
        Command::Checks(c) => checks(c),
        Command::Why(w) => crate::why::run(&cli.global, w),
        Command::Verify(v) => crate::verify::run(&cli.global, v),
        Command::PolicyExplain(p) => policy_explain(p),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut cmd = Cli::command();
            clap_complete::generate(*shell, &mut cmd, "audit", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Command::Manpage => {
            use clap::CommandFactory;
            // The crate version only: the page must not change with every commit.
            let cmd = Cli::command().version(env!("CARGO_PKG_VERSION"));
            clap_mangen::Man::new(cmd)
                .render(&mut std::io::stdout())
                .context("writing the man page")?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Classes => {
            print!("{}", classes());
            Ok(ExitCode::SUCCESS)
        }
        Command::Policy(p) => {
            if p.trusted_account != "MANAGEMENT_ACCOUNT_ID" && !is_account_id(&p.trusted_account) {
                bail!(
                    "--trusted-account: `{}` is not an AWS account id (12 digits)",
                    p.trusted_account
                );
            }
            for (title, doc) in trailaudit_collect::allowlist::policy_documents(
                &p.role_name,
                &p.trusted_account,
                p.external_id.as_deref(),
            ) {
                println!("# {title}\n{doc}\n");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn audit(global: &Global, mode: Mode, a: &AuditArgs, org: Option<&OrgArgs>) -> Result<ExitCode> {
    // Check everything the user typed before any work starts.
    let regions = RegionSelection::parse(&a.regions).map_err(anyhow::Error::msg)?;
    if a.concurrency == 0 {
        bail!("--concurrency must be at least 1");
    }
    if a.sample == Some(0) {
        bail!("--sample must be at least 1");
    }
    let an = analysis(&a.analysis)?;
    let mut verify = None;
    let mut opts = CollectOptions {
        mode,
        regions,
        concurrency: a.concurrency,
        probe_delivery: a.probe_delivery,
        arguments: std::env::args().collect(),
        profile: global.profile.clone(),
        ..CollectOptions::default()
    };
    if let Some(o) = org {
        for (flag, ids) in [
            ("--accounts", &o.accounts),
            ("--exclude-accounts", &o.exclude_accounts),
        ] {
            if let Some(bad) = ids.iter().find(|id| !is_account_id(id)) {
                bail!("{flag}: `{bad}` is not an AWS account id (12 digits, for example 123456789012)");
            }
        }
        if o.role.role_name.trim().is_empty() || o.role.role_name.contains(['/', ':']) {
            bail!("--role-name: `{}` is not a role name (give the name only, for example OrganizationAccountAccessRole)", o.role.role_name);
        }
        opts.accounts = o.accounts.clone();
        opts.exclude_accounts = o.exclude_accounts.clone();
        opts.ous = o.ou.clone();
        opts.role_name = o.role.role_name.clone();
        opts.external_id = o.role.external_id.clone();
        opts.session_name = o.session_name.clone();
    }
    let stored = match &a.from_snapshot {
        Some(p) => Some(load_snapshot(p)?),
        None => None,
    };
    let out_dir = a.out_dir.clone().unwrap_or_else(|| {
        PathBuf::from("reports").join(chrono::Utc::now().format("%Y-%m-%d").to_string())
    });
    // The earlier run given, or the one to verify: read now, digested
    // (and planned for verification) and dropped before collection.
    let chosen_previous = match &a.previous {
        Some(p) => Some(load_snapshot(p)?),
        // The run to verify is chosen before collection (and is also the
        // one compared with).
        None if a.verify_previous => Some(newest_before(&out_dir, chrono::Utc::now()).ok_or_else(|| {
            anyhow::anyhow!("--verify-previous: no earlier snapshot.json under reports/ or beside --out-dir; give the run to verify with --previous FILE")
        })?),
        None => None,
    };
    let verified_org = chosen_previous
        .as_ref()
        .filter(|_| a.verify_previous)
        .map(|p| p.organization_id().map(str::to_string));
    // The previous run's trails: a trail gone since is looked up as deleted.
    let mut previous_trails = chosen_previous
        .as_ref()
        .map(trailaudit_checks::history::known_trails);
    let chosen_previous = match chosen_previous {
        Some(p) => {
            let evaluation = trailaudit_checks::evaluate(&p, &an.policy);
            if a.verify_previous {
                if p.accounts
                    .iter()
                    .all(|acc| acc.regions.iter().all(|r| r.footprint.is_none()))
                {
                    // A run made before footprints were recorded (the first
                    // month after an upgrade): nothing to look for, not an error.
                    eprintln!("--verify-previous: the run of {} recorded no footprints (made by an earlier version, or nothing was audited); nothing to verify this time", trailaudit_model::utc(p.started_at));
                }
                // The sample rotates with the month of this run.
                verify = Some(trailaudit_checks::footprints::plan(
                    &p,
                    &evaluation.coverage,
                    a.sample,
                    trailaudit_checks::footprints::rotation_of(chrono::Utc::now()),
                ));
            }
            Some(Previous::of(&p, &evaluation))
        }
        None => None,
    };
    output::prepare_dir(&out_dir)?;

    // The earlier run found for the plan is digested then, not read twice.
    let mut found_previous: Option<Previous> = None;
    let history_planner = |snapshot: &Snapshot| {
        if a.no_history {
            return None;
        }
        let trails = match previous_trails.take() {
            Some(t) => t,
            None => match find_previous(&out_dir, snapshot) {
                Some(p) => {
                    found_previous = Some(previous_run(&p, &an));
                    trailaudit_checks::history::known_trails(&p)
                }
                None => vec![],
            },
        };
        let evaluation = trailaudit_checks::evaluate(snapshot, &an.policy);
        Some(trailaudit_checks::history::plan(
            snapshot,
            &evaluation.findings,
            &trails,
            chrono::Utc::now(),
        ))
    };
    let (snapshot, interrupted) = match stored {
        Some(s) => (s, false),
        None => collect(global, &opts, verify, history_planner)?,
    };
    if let Some(org) = verified_org {
        if org.as_deref() != snapshot.organization_id() {
            eprintln!(
                "--verify-previous: the verified run is of organization {}, this one of {}: its footprints were looked for where its own trails deliver; give the right run with --previous FILE",
                org.as_deref().unwrap_or("(none)"),
                snapshot.organization_id().unwrap_or("(none)")
            );
        }
    }
    let previous = match chosen_previous.or(found_previous) {
        Some(p) => Some(p),
        None => find_previous(&out_dir, &snapshot).map(|p| previous_run(&p, &an)),
    };

    let mut written = vec![output::write_atomic_with(
        &out_dir.join("snapshot.json"),
        |w| snapshot.write_json(w),
    )?];
    if let Some(p) = &a.snapshot_out {
        written.push(output::write_atomic_with(p, |w| snapshot.write_json(w))?);
    }
    let code = analyse_and_report(
        global,
        &an,
        &snapshot,
        previous.as_ref(),
        &out_dir,
        &mut written,
    )?;
    if interrupted {
        eprintln!("interrupted: the snapshot is partial and marked incomplete (complete = false); run again to audit everything");
        return Ok(ExitCode::from(2));
    }
    Ok(code)
}

fn report(global: &Global, r: &ReportArgs) -> Result<ExitCode> {
    let an = analysis(&r.analysis)?;
    // The earlier run first: it is read, digested and dropped before this
    // one is loaded, so two organizations are never held at once.
    let previous = match &r.previous {
        Some(p) => Some(previous_run(&load_snapshot(p)?, &an)),
        None => None,
    };
    let snapshot = load_snapshot(&r.snapshot)?;
    let out_dir = r.out_dir.clone().unwrap_or_else(|| {
        r.snapshot
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    });
    output::prepare_dir(&out_dir)?;
    let mut written = Vec::new();
    analyse_and_report(
        global,
        &an,
        &snapshot,
        previous.as_ref(),
        &out_dir,
        &mut written,
    )
}

fn policy_explain(p: &crate::args::PolicyExplainArgs) -> Result<ExitCode> {
    use trailaudit_model::{Access, Account, AccountStatus};
    if !is_account_id(&p.account) {
        bail!(
            "--account: `{}` is not an AWS account id (12 digits, for example 123456789012)",
            p.account
        );
    }
    let (policy, file) = load_policy(p.policy.as_ref())?;
    let needs_ou = policy.scope.iter().any(|s| !s.ou.is_empty());
    let snapshot = match &p.snapshot {
        Some(s) => Some(load_snapshot(s)?),
        None => newest_snapshot(),
    };
    // Scopes by OU need the account's OU, from a snapshot; scopes by
    // account id do not.
    let (account, paths): (Account, Vec<Vec<String>>) = match &snapshot {
        Some(snapshot) => {
            policy
                .check_scopes(snapshot, &file)
                .map_err(|e| anyhow::anyhow!("invalid policy: {e}"))?;
            let account = snapshot.account(&p.account).cloned().with_context(|| {
                format!(
                    "account {} is not in the snapshot (it has {} accounts); give --snapshot of a run that audited it",
                    p.account,
                    snapshot.accounts.len()
                )
            })?;
            let paths = policy.scope.iter().map(|sc| sc.ou_paths(snapshot)).collect();
            (account, paths)
        }
        None if needs_ou => bail!(
            "no snapshot under reports/ tells the account's OU, and {file} has scopes by OU: give --snapshot FILE (a snapshot.json written by `audit org`)"
        ),
        None => (
            Account {
                id: p.account.clone(),
                name: String::new(),
                email: None,
                status: AccountStatus::Active,
                ou_path: String::new(),
                is_management: false,
                access: Access::Skipped {
                    reason: "not audited".into(),
                },
                regions: vec![],
            },
            vec![vec![]; policy.scope.len()],
        ),
    };
    let applying: Vec<usize> = (0..policy.scope.len())
        .filter(|&i| policy.scope[i].applies_to(&account, &paths[i]))
        .collect();
    let eff = policy.resolve_scopes(&applying);
    println!(
        "Requirements of account {}{}\npolicy: {file}\n",
        account.id,
        match (account.name.as_str(), account.ou_path.as_str()) {
            ("", "") => String::new(),
            (name, "") => format!(" ({name}, no OU)"),
            (name, ou) => format!(" ({name}, {ou})"),
        }
    );
    let labels: Vec<String> = applying.iter().map(|&i| policy.scope[i].label()).collect();
    println!(
        "scopes that apply, in order (later ones win): {}\n",
        if labels.is_empty() {
            "none".to_string()
        } else {
            labels.join("; ")
        }
    );
    println!("{:<30} {:<44} from", "key", "value");
    for key in trailaudit_checks::audit_policy::KEYS {
        println!(
            "{:<30} {:<44} {}",
            key,
            eff.show(key),
            eff.origins
                .get(key)
                .map(String::as_str)
                .unwrap_or("default")
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `audit classes`: every class name the matrix and the policy accept.
fn classes() -> String {
    use trailaudit_catalogue::data_types::{short_name, Kinds, DATA_TYPES, NETWORK_SOURCES};
    let mut o = String::from(
        "Management and other classes (always in the matrix):
",
    );
    for c in trailaudit_checks::EventClass::ALL {
        o.push_str(&format!(
            "  {:<38} {}
",
            c.as_str(),
            c.describe()
        ));
    }
    o.push_str("\nData events (in audit.toml: [data_events] types = [\"NAME\"] or the resource type; add _read / _write for one kind):\n");
    for d in DATA_TYPES {
        let name = format!("{}_data", short_name(d.resource_type));
        o.push_str(&format!(
            "  {:<38} {}{}{}
",
            name,
            d.resource_type,
            if d.basic {
                " (basic or advanced selectors)"
            } else {
                ""
            },
            if d.kinds == Kinds::WriteOnly {
                " (write events only)"
            } else {
                ""
            }
        ));
    }
    o.push_str(
        "  (any other AWS::Service::Resource type is accepted as well)
",
    );
    o.push_str("\nNetwork activity events (in audit.toml: [network_activity] sources = [\"SERVICE\"], vpce_denied = [\"SERVICE\"]):\n");
    for s in NETWORK_SOURCES {
        let svc = s.trim_end_matches(".amazonaws.com").replace('-', "_");
        o.push_str(&format!(
            "  {:<38} every network activity event of {s}
  {:<38} only those a VPC endpoint policy denied
",
            format!("network_{svc}"),
            format!("network_{svc}_vpce_denied")
        ));
    }
    o.push_str(
        "  (any other SERVICE.amazonaws.com is accepted as well)
",
    );
    o
}

fn checks(c: &ChecksArgs) -> Result<ExitCode> {
    if c.markdown {
        print!("{}", trailaudit_checks::checks::catalogue_markdown());
        return Ok(ExitCode::SUCCESS);
    }
    println!("{:<34} {:<9} title", "id", "severity");
    for check in trailaudit_checks::checks::CATALOGUE {
        println!(
            "{:<34} {:<9} {}",
            check.meta.id,
            check.meta.severity.as_str(),
            check.meta.title
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn collect(
    global: &Global,
    opts: &CollectOptions,
    verify: Option<trailaudit_model::VerifyPlan>,
    history: impl FnOnce(&Snapshot) -> Option<trailaudit_model::History>,
) -> Result<(Snapshot, bool)> {
    // Few blocking threads: they only resolve endpoint names, and each
    // thread that allocates may get its own malloc arena (measured on the
    // emulator bench, 301 accounts: 92 MiB peak with tokio's default of 512
    // blocking threads, 25.5 MiB with 4, at the same call rate).
    let rt = tokio::runtime::Builder::new_multi_thread()
        .max_blocking_threads(4)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    rt.block_on(async {
        let cfg = trailaudit_collect::load_config(&global.connection()).await;
        let guard = Guard::new();
        let cancel = Cancel::default();
        let on_signal = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("interrupt received: finishing calls in flight, then writing a partial snapshot");
                on_signal.cancel();
            }
        });
        let bars = Bars::new(global.quiet);
        let result = trailaudit_collect::collect_attributing(
            &cfg,
            guard,
            opts,
            verify,
            &bars,
            cancel.clone(),
            history,
        )
        .await;
        bars.finish();
        let snapshot = result.map_err(anyhow::Error::new)?;
        Ok((snapshot, cancel.is_cancelled()))
    })
}
