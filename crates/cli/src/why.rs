//! `audit why`: checks the question, collects the one account (and the
//! organization trail's owner and log bucket owner) live or loads a snapshot,
//! runs the planned probes, and prints the verdict first.

use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use chrono::{DateTime, Utc};
use trailaudit_collect::{Cancel, CollectOptions, FatalError, Guard};
use trailaudit_explain::{Explanation, Outcome, Question};
use trailaudit_model::regions::RegionSelection;
use trailaudit_model::{is_account_id, Mode, WhyProbes};

use crate::args::{Global, WhyArgs};
use crate::progress::Bars;

/// Runs `audit why`.
pub fn run(global: &Global, w: &WhyArgs) -> Result<ExitCode> {
    let q = question(global, w)?;
    let class = trailaudit_explain::classify(&q).map_err(anyhow::Error::msg)?;
    let (snapshot, probes) = match &w.from_snapshot {
        Some(p) => (crate::snapshots::load_snapshot(p)?, WhyProbes::offline()),
        None => {
            let mut regions = vec![class.record_region.clone()];
            if let Some(r) = &q.region {
                if !regions.contains(r) {
                    regions.push(r.clone());
                }
            }
            collect(global, w, &q, &regions)?
        }
    };
    if snapshot.account(&q.account).is_none() {
        bail!(
            "account {} is not in the {} (check --account, or run from the management account)",
            q.account,
            if snapshot.organization.is_some() {
                "organization"
            } else {
                "snapshot"
            }
        );
    }
    if w.athena {
        let a = trailaudit_explain::athena(&snapshot, &q).map_err(anyhow::Error::msg)?;
        if w.json {
            println!("{}", serde_json::to_string_pretty(&a)?);
        } else {
            println!(
                "-- 1. Create the table once (Athena, in the log bucket's region):\n{}\n\n-- 2. Find the event:\n{}",
                a.ddl, a.query
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let e = trailaudit_explain::explain(&snapshot, &q, &probes).map_err(anyhow::Error::msg)?;
    if w.json {
        println!("{}", serde_json::to_string_pretty(&e)?);
    } else {
        print!("{}", render(&q, &e));
    }
    Ok(ExitCode::SUCCESS)
}

fn question(global: &Global, w: &WhyArgs) -> Result<Question> {
    let file = match &w.event_file {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read the event file {}", p.display()))?;
            Some(
                trailaudit_explain::parse_event_file(&text)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?,
            )
        }
        None => None,
    };
    let account = w
        .account
        .clone()
        .or_else(|| file.as_ref().and_then(|f| f.account.clone()))
        .context("--account is required: the 12-digit id of the account the event happened in")?;
    if !is_account_id(&account) {
        bail!(
            "--account: `{account}` is not an AWS account id (12 digits, for example 123456789012)"
        );
    }
    let event_name = w
        .event_name
        .clone()
        .or_else(|| file.as_ref().map(|f| f.event_name.clone()))
        .context("--event-name is required (for example CreateUser), or give --event-file")?;
    let real_now = Utc::now();
    let now = match &w.now {
        Some(t) => DateTime::parse_from_rfc3339(t)
            .map(|d| d.with_timezone(&Utc))
            .map_err(|e| anyhow::anyhow!("--now: `{t}` is not an RFC 3339 time ({e})"))?,
        None => real_now,
    };
    let time = match &w.time {
        Some(t) => DateTime::parse_from_rfc3339(t)
            .map(|d| d.with_timezone(&Utc))
            .map_err(|e| anyhow::anyhow!("--time: `{t}` is not an RFC 3339 time ({e}); write it like 2026-11-21T10:15:00Z or 2026-11-21T11:15:00+01:00"))?,
        None => file
            .as_ref()
            .and_then(|f| f.time)
            .context("--time is required (RFC 3339, for example 2026-11-21T10:15:00Z)")?,
    };
    if time > real_now.max(now) + chrono::Duration::minutes(5) {
        bail!(
            "--time {} is in the future (now is {}); give the time the event happened",
            time.to_rfc3339(),
            now.to_rfc3339()
        );
    }
    let region = global
        .region
        .clone()
        .or_else(|| file.as_ref().and_then(|f| f.region.clone()));
    if let Some(r) = &region {
        RegionSelection::parse(r).map_err(anyhow::Error::msg)?;
    }
    Ok(Question {
        account,
        region,
        event_name,
        event_source: w
            .event_source
            .clone()
            .or_else(|| file.as_ref().and_then(|f| f.event_source.clone())),
        time,
        resource: w
            .resource
            .clone()
            .or_else(|| file.as_ref().and_then(|f| f.resource.clone())),
        category: w
            .category
            .or_else(|| file.as_ref().and_then(|f| f.category)),
        resource_type: w
            .resource_type
            .clone()
            .or_else(|| file.as_ref().and_then(|f| f.resource_type.clone())),
        error_code: w
            .error_code
            .clone()
            .or_else(|| file.and_then(|f| f.error_code)),
        now,
    })
}

fn collect(
    global: &Global,
    w: &WhyArgs,
    q: &Question,
    regions: &[String],
) -> Result<(trailaudit_model::Snapshot, WhyProbes)> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let cfg = trailaudit_collect::load_config(&global.connection()).await;
        let mut opts = CollectOptions {
            mode: Mode::Organization,
            regions: RegionSelection::List(regions.to_vec()),
            accounts: vec![q.account.clone()],
            role_name: w.role.role_name.clone(),
            external_id: w.role.external_id.clone(),
            concurrency: 8,
            profile: global.profile.clone(),
            arguments: std::env::args().collect(),
            ..CollectOptions::default()
        };
        let bars = Bars::new(true);
        let plan = |s: &trailaudit_model::Snapshot| trailaudit_explain::plan(s, q);
        let region = trailaudit_explain::classify(q)
            .map(|c| c.record_region)
            .unwrap_or_default();
        let history = |s: &trailaudit_model::Snapshot| {
            (!w.no_history).then(|| {
                trailaudit_checks::history::trail_plan(s, &q.account, &region, chrono::Utc::now())
            })
        };
        let first = trailaudit_collect::collect_and_probe(
            &cfg,
            Guard::new(),
            &opts,
            &bars,
            Cancel::default(),
            plan,
            history,
        )
        .await;
        let (snapshot, probes) = match first {
            // Not in an organization: the caller's own account only.
            Err(FatalError::Organization(_)) => {
                opts.mode = Mode::Account;
                opts.accounts.clear();
                trailaudit_collect::collect_and_probe(
                    &cfg,
                    Guard::new(),
                    &opts,
                    &bars,
                    Cancel::default(),
                    plan,
                    history,
                )
                .await?
            }
            other => other?,
        };
        let probes = probes.unwrap_or_else(|| {
            WhyProbes::not_probed(
                "not probed: no trail with an S3 destination records this account and region, so there is no log location to list and LookupEvents was not called",
            )
        });
        Ok((snapshot, probes))
    })
}

fn render(q: &Question, e: &Explanation) -> String {
    let mut o = String::new();
    o.push_str(&format!(
        "verdict: {}: {}\n\n",
        serde_json::to_value(e.verdict.cause)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        e.verdict.summary
    ));
    let c = &e.event;
    o.push_str(&format!(
        "event: {} ({}) at {} in account {}: {}{}; recorded in {}\n",
        q.event_name,
        c.event_source.as_deref().unwrap_or("source unknown"),
        trailaudit_model::utc(q.time),
        q.account,
        c.category.words(),
        if c.global {
            ", global service event"
        } else {
            ""
        },
        c.record_region
    ));
    for w in &c.warnings {
        o.push_str(&format!("warning: {w}\n"));
    }
    o.push_str("\nchecklist:\n");
    for ch in &e.checklist {
        let mark = match ch.result {
            Outcome::Holds => "[holds]      ",
            Outcome::DoesNotHold => "[no]         ",
            Outcome::CannotTell => "[cannot tell]",
        };
        let cause = serde_json::to_value(ch.cause)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        o.push_str(&format!("  {mark} {cause:<21} {}\n", ch.evidence));
    }
    o.push_str(&format!("\nevent history: {}\n", e.event_history));
    if !e.trail_changes.is_empty() {
        o.push_str("\nwho changed the trails (event history):\n");
        for c in &e.trail_changes {
            o.push_str(&format!("  {c}\n"));
        }
    }
    if !e.locations.is_empty() {
        o.push_str("\nlook in:\n");
        for l in &e.locations {
            o.push_str(&format!("  {l}\n"));
        }
    }
    if !e.commands.is_empty() {
        o.push_str("\ncommands:\n");
        for cmd in &e.commands {
            o.push_str(&format!("  {cmd}\n"));
        }
    }
    o
}
