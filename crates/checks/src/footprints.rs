//! Proof of delivery from the audit's own footprints: which account-regions
//! of an earlier run to look for in the archive ([`plan`]), and what a
//! footprint that is not there means now ([`diagnose_all`]).
//!
//! Every audited account-region's `DescribeTrails` call is a management
//! read event (see [`trailaudit_model::Footprint`]). Where the earlier run
//! found the account-region covered for management read events, the
//! covering trail must have delivered that record under its prefix. The
//! collector lists and reads the files (`trailaudit_collect`); everything
//! here is pure.

use std::collections::HashMap;

use chrono::Duration;
use trailaudit_model::{
    Fact, Footprint, Snapshot, Trail, Verification, VerifiedCell, VerifyDestination, VerifyOutcome,
    VerifyPlan,
};

use crate::analysis::{delivery_decision, rules_touching};
use crate::coverage::{Coverage, EventClass};
pub use crate::sample::rotation_of;
use crate::sample::{rotated, spread};
use trailaudit_model::Tri;

/// The account-regions of `prev` whose footprints can be looked for: every
/// management read cell that was covered then, with a footprint, a
/// principal and a covering trail that writes to S3, grouped by destination
/// (the covering trail's bucket and key root). With `sample`, at most that
/// many per destination are looked for, spread over accounts first and
/// regions second, and rotated by `rotation` (see [`rotation_of`]): the run
/// with rotation `k` takes the `sample` cells after those of run `k - 1`
/// in the same order, so successive monthly samples cover every cell of a
/// destination within `ceil(cells / sample)` months; the rest are
/// `not_sampled`.
pub fn plan(
    prev: &Snapshot,
    coverage: &Coverage,
    sample: Option<usize>,
    rotation: u64,
) -> VerifyPlan {
    let mut v = Verification {
        previous_started_at: prev.started_at,
        checked_at: prev.started_at,
        sample,
        ..Default::default()
    };
    // Per destination: (account, region, footprint) in snapshot order.
    let mut groups: Vec<Vec<(&str, &str, &Footprint)>> = Vec::new();
    let mut by_trail: HashMap<&str, usize> = HashMap::new();
    for cell in coverage.of_class(EventClass::ManagementRead) {
        if !cell.state.is_covered() {
            continue;
        }
        let Some(footprint) = prev
            .account(cell.account_id)
            .and_then(|a| a.regions.iter().find(|r| r.region == cell.region))
            .and_then(|r| r.footprint.as_deref())
            .filter(|f| f.error_code.is_none())
        else {
            continue;
        };
        let Some(t) = covering_trail(prev, cell.trails) else {
            continue;
        };
        if !v.principals.contains_key(cell.account_id) {
            let Some(principal) = prev.footprint_principal(cell.account_id) else {
                continue;
            };
            v.principals.insert(cell.account_id.to_string(), principal);
        }
        let d = *by_trail.entry(t.arn.as_str()).or_insert_with(|| {
            let bucket = t.s3_bucket_name.clone().expect("chosen for its bucket");
            let b = prev.bucket(&bucket);
            let prefix = prev.trail_log_prefix(t, cell.account_id, cell.region);
            let root = prefix
                .strip_suffix(&format!("{}/CloudTrail/{}/", cell.account_id, cell.region))
                .unwrap_or_default()
                .to_string();
            v.destinations.push(VerifyDestination {
                trail_arn: t.arn.clone(),
                bucket_owner: b.and_then(|b| b.owner_account_id().map(str::to_string)),
                bucket_region: b
                    .and_then(|b| b.region.value().cloned())
                    .unwrap_or_else(|| t.home_region.clone()),
                bucket,
                root,
            });
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[d].push((cell.account_id, cell.region, footprint));
    }
    let mut footprints = Vec::new();
    for (d, group) in groups.into_iter().enumerate() {
        let chosen = match sample {
            Some(n) if n < group.len() => {
                let accounts: Vec<&str> = group.iter().map(|(a, _, _)| *a).collect();
                Some(rotated(&spread(&accounts), n, rotation))
            }
            _ => None,
        };
        for (i, (account, region, f)) in group.into_iter().enumerate() {
            let look = chosen.as_ref().is_none_or(|c| c.contains(&i));
            v.cells.push(VerifiedCell {
                account_id: account.to_string(),
                region: region.to_string(),
                destination: d as u32,
                sent_at: f.sent_at,
                outcome: VerifyOutcome::NotSampled,
                lists: 0,
                gets: 0,
                digests: 0,
            });
            footprints.push(look.then(|| f.clone()));
        }
    }
    VerifyPlan {
        verification: v,
        footprints,
    }
}

/// The trail whose destination holds the record: among the sources of a
/// covered cell, a trail with a bucket, organization trails first (the
/// archive the organization keeps).
fn covering_trail<'a>(s: &'a Snapshot, sources: &[String]) -> Option<&'a Trail> {
    sources
        .iter()
        .filter_map(|arn| s.trail(arn))
        .filter(|t| t.s3_bucket_name.is_some())
        .max_by_key(|t| t.is_organization_trail)
}

/// Why a footprint that was looked for is not in the archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Miss {
    /// Delivered, then deleted by a lifecycle rule (the rule, in words).
    Expired(String),
    /// Never delivered: the cause seen in the configuration now, in words
    /// (the same for every account-region it explains), and what it says
    /// for this account-region (may be empty).
    NotDelivered(String, String),
}

/// What each `not_found` cell of the snapshot's verification means, in
/// order (`None` for other outcomes; empty without a verification), read
/// against `now` (the run that looked): expired by a lifecycle rule of the
/// bucket, else not delivered with the first cause the configuration
/// shows. A bucket policy is evaluated once per trail and account, however
/// many regions miss.
pub fn diagnose_all(now: &Snapshot) -> Vec<Option<Miss>> {
    let Some(v) = &now.verification else {
        return vec![];
    };
    let mut memo: HashMap<(String, String), (String, Option<String>)> = HashMap::new();
    v.cells
        .iter()
        .map(|c| diagnose_with(now, v, c, &mut memo))
        .collect()
}

type Memo = HashMap<(String, String), (String, Option<String>)>;

fn diagnose_with(
    now: &Snapshot,
    v: &Verification,
    cell: &VerifiedCell,
    memo: &mut Memo,
) -> Option<Miss> {
    let VerifyOutcome::NotFound { .. } = cell.outcome else {
        return None;
    };
    let d = v.destination(cell)?;
    let checked = v.checked_at;
    let age = checked - cell.sent_at;
    let prefix = d.prefix(&cell.account_id, &cell.region);
    if let Some(Fact::Collected { value: rules }) =
        now.bucket(&d.bucket).map(|b| &b.lifecycle_rules)
    {
        for r in rules_touching(rules, &prefix) {
            let id = r.id.as_deref().unwrap_or("(no id)");
            if let Some(days) = r
                .expiration_days
                .filter(|x| age > Duration::days(i64::from(*x)))
            {
                return Some(Miss::Expired(format!(
                    "lifecycle rule {id} of bucket {} deletes log files after {days} day(s); the footprints are {} day(s) old",
                    cell_bucket(v, cell),
                    age.num_days()
                )));
            }
            if let Some(date) = r.expiration_date.filter(|x| *x < checked) {
                return Some(Miss::Expired(format!(
                    "lifecycle rule {id} of bucket {} deleted log files on {}",
                    cell_bucket(v, cell),
                    date.date_naive()
                )));
            }
        }
    }
    // The cause depends on the trail and the account (its prefix in the
    // bucket policy), never on the region.
    let key = (d.trail_arn.clone(), cell.account_id.clone());
    let (cause, detail) = memo
        .entry(key)
        .or_insert_with(|| not_delivered(now, d, cell))
        .clone();
    Some(Miss::NotDelivered(cause, detail.unwrap_or_default()))
}

fn cell_bucket<'a>(v: &'a Verification, c: &VerifiedCell) -> &'a str {
    v.destination(c).map_or("", |d| d.bucket.as_str())
}

fn not_delivered(
    now: &Snapshot,
    t: &VerifyDestination,
    cell: &VerifiedCell,
) -> (String, Option<String>) {
    let Some(trail) = now.trail(&t.trail_arn) else {
        return (format!("trail {} no longer exists", t.trail_arn), None);
    };
    if let Fact::Collected { value: st } = &trail.status {
        if !st.is_logging {
            let said = match st.stop_logging_time {
                // Stop times have whole seconds.
                Some(stop) if stop + Duration::seconds(1) > cell.sent_at => format!(
                    "trail {} stopped logging at {}, before the footprints were delivered",
                    trail.name,
                    trailaudit_model::utc(stop)
                ),
                Some(stop) => format!(
                    "trail {} is not logging (stopped at {})",
                    trail.name,
                    trailaudit_model::utc(stop)
                ),
                None => format!("trail {} is not logging", trail.name),
            };
            return (said, None);
        }
        if let Some(e) = &st.latest_delivery_error {
            return (
                format!(
                    "CloudTrail reports the delivery error {e} for trail {}",
                    trail.name
                ),
                None,
            );
        }
    }
    if trail.s3_bucket_name.as_deref() != Some(t.bucket.as_str()) {
        return (
            format!(
                "trail {} now delivers to {} (was {})",
                trail.name,
                trail.s3_bucket_name.as_deref().unwrap_or("no bucket"),
                t.bucket
            ),
            None,
        );
    }
    if let Some(b) = now.bucket(&t.bucket) {
        if let Fact::Collected { value: policy } = &b.policy {
            let d = delivery_decision(now, trail, b, policy.as_deref(), &cell.account_id);
            if d.allowed == Tri::No {
                return (
                    format!(
                        "the policy of bucket {} does not let CloudTrail write",
                        t.bucket
                    ),
                    Some(d.reason),
                );
            }
        }
    }
    // Whatever else keeps CloudTrail from writing now: Requester Pays, the
    // key (the trail's or the bucket's default), a resource control policy.
    if let crate::analysis::Health::NotRecording(why) =
        crate::analysis::trail_health(now, trail, &cell.account_id)
    {
        return (why, None);
    }
    (
        "no cause shows in the configuration".to_string(),
        Some(format!(
            "`audit why --account {} --region {} --event-name DescribeTrails --time {}` walks every cause",
            cell.account_id,
            cell.region,
            trailaudit_model::utc(cell.sent_at)
        )),
    )
}
