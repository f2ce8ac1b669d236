//! `audit why`: explains why a CloudTrail event cannot be found in the logs,
//! and where it should be. A pure function of a snapshot, a question and the
//! results of a few live probes (none when working offline).
//!
//! 1. [`classify`] the event: management read or write, data event, global
//!    service event (recorded in us-east-1).
//! 2. [`plan`] which S3 prefixes to probe (the CLI runs the probes through
//!    the collector, read-only).
//! 3. [`explain`] walks the causes in order, each holding, not holding, or
//!    impossible to tell, with its evidence; the verdict is the first cause
//!    that holds.
//!
//! [`question`] holds the question and its classification, [`walk`] what
//! the causes read ([`walk::Walk`]), [`causes`] the catalogue of causes
//! with their fixes, [`mod@athena`] the Athena table and query.

pub mod athena;
pub mod causes;
pub mod question;
pub mod walk;

#[cfg(test)]
mod tests;

use chrono::Duration;
use trailaudit_model::{Snapshot, WhyProbes};

pub use athena::{athena, Athena};
pub use question::*;

/// Walks the causes of [`causes::CAUSES`] in order and gives the verdict:
/// the first cause that holds, else `found` when the log file holds the
/// event, else `unknown`.
pub fn explain(s: &Snapshot, q: &Question, probes: &WhyProbes) -> Result<Explanation, String> {
    let c = classify(q)?;
    let w = walk::Walk::new(s, q, &c, probes);
    let mut checks: Vec<Check> = causes::CAUSES
        .iter()
        .flat_map(|def| (def.evaluate)(&w))
        .collect();
    w.reconcile(&mut checks);
    let found = w.found_key();
    // The record in the log file outweighs every cause read from the
    // configuration or the clock (a delivery faster than usual, a trail
    // stopped after the event).
    if let Some(k) = &found {
        for ch in checks
            .iter_mut()
            .filter(|c| c.cause != Cause::Found && c.result == Outcome::Holds)
        {
            ch.result = Outcome::DoesNotHold;
            ch.evidence = format!("{}; but the log file {k} holds the event", ch.evidence);
        }
    }
    let first = causes::CAUSES.iter().find_map(|def| {
        checks
            .iter()
            .find(|ch| ch.cause == def.cause && ch.result == Outcome::Holds && def.verdict)
    });
    let verdict = match (first, &found) {
        (Some(ch), _) => Verdict {
            cause: ch.cause,
            summary: ch.evidence.clone(),
        },
        (None, Some(k)) => Verdict {
            cause: Cause::Found,
            summary: format!(
                "the event is in s3://{}/{k}",
                w.bucket_name().unwrap_or_default()
            ),
        },
        (None, None) => Verdict {
            cause: Cause::Unknown,
            summary: "no cause could be established; see the checklist for what could not be told"
                .into(),
        },
    };
    let locations = w.locations();
    let commands = causes::commands(&w, &verdict, &locations, found.as_deref());
    let event_history = w.event_history();
    let trail_changes = trail_changes(s, q, &c.record_region);
    Ok(Explanation {
        verdict,
        event: c,
        checklist: checks,
        locations,
        event_history,
        commands,
        trail_changes,
    })
}

/// The trail changes around the event's time, as lines.
fn trail_changes(s: &Snapshot, q: &Question, region: &str) -> Vec<String> {
    let (changes, unreadable) = trailaudit_checks::history::trail_changes(s, &q.account, region);
    let mut out: Vec<String> = changes
        .iter()
        .map(|c| {
            format!(
                "{} the event: {} on {}",
                if c.event_time <= q.time {
                    "before"
                } else {
                    "after"
                },
                c.describe(),
                c.resource
            )
        })
        .collect();
    if out.is_empty() && unreadable.is_empty() && s.history.is_some() {
        out.push(format!(
            "no {} of the trails that record {} {} in the {} days of event history",
            trailaudit_checks::history::TRAIL_CHANGES.join(", "),
            q.account,
            region,
            trailaudit_model::HISTORY_DAYS
        ));
    }
    out.extend(
        unreadable
            .into_iter()
            .map(|u| format!("event history not readable (who changed the trail is unknown): {u}")),
    );
    out
}

/// Cells where the coverage matrix and `audit why` disagree, as lines
/// (empty when they agree). For every management cell (`management_write`,
/// `management_read`, and `global_service` in us-east-1) a representative
/// event is asked offline at the snapshot's end: a `covered` cell must not
/// get a verdict that says the event was never recorded, a `gap` cell must,
/// and an `unknown` cell must get neither. Used by the tests on `demo` and on
/// hand-made snapshots.
pub fn disagreements(s: &Snapshot) -> Vec<String> {
    use trailaudit_checks::{EventClass, State};
    let never = [
        Cause::NoTrail,
        Cause::NotLogging,
        Cause::NotSelected,
        Cause::DeliveryFailing,
    ];
    let mut out = Vec::new();
    let matrix = trailaudit_checks::coverage::matrix(s);
    for cell in matrix.iter() {
        let (name, source) = match cell.class {
            EventClass::ManagementWrite => ("RunInstances", "ec2.amazonaws.com"),
            EventClass::ManagementRead => ("DescribeInstances", "ec2.amazonaws.com"),
            EventClass::GlobalService => ("CreateUser", "iam.amazonaws.com"),
            _ => continue,
        };
        let q = Question {
            account: cell.account_id.to_string(),
            region: Some(cell.region.to_string()),
            event_name: name.into(),
            event_source: Some(source.into()),
            time: s.finished_at,
            resource: None,
            category: None,
            resource_type: None,
            error_code: None,
            now: s.finished_at + Duration::hours(1),
        };
        let Ok(e) = explain(s, &q, &WhyProbes::offline()) else {
            out.push(format!(
                "{} {} {}: why refused the question",
                cell.account_id,
                cell.region,
                cell.class.as_str()
            ));
            continue;
        };
        let says_never = never.contains(&e.verdict.cause);
        let cannot_tell = e
            .checklist
            .iter()
            .any(|c| never.contains(&c.cause) && c.result == Outcome::CannotTell);
        let ok = match cell.state {
            State::Covered | State::Verified => !says_never && !cannot_tell,
            State::Gap => says_never,
            State::Unknown => !says_never && (cannot_tell || e.verdict.cause == Cause::Unknown),
            State::Partial | State::NotEnabled => true,
        };
        if !ok {
            out.push(format!(
                "{} {} {}: matrix says {} ({}), why says {:?}: {}",
                cell.account_id,
                cell.region,
                cell.class.as_str(),
                cell.state.as_str(),
                cell.reason,
                e.verdict.cause,
                e.verdict.summary
            ));
        }
    }
    out
}
