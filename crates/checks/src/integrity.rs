//! Which archives `audit verify --integrity` reads ([`plan`]): every
//! account-region each trail with a destination delivers (an organization
//! trail: every account of the organization; a multi-region trail: every
//! region enabled for the account), `not_validated` when the trail does not
//! validate log files, and with `--sample N` at most N of the others, spread
//! over accounts then regions and rotated month by month as the footprint
//! sample is.

use chrono::{DateTime, Utc};
use trailaudit_model::{
    Integrity, IntegrityCell, IntegrityDepth, IntegrityPlan, IntegrityTarget, IntegrityVerdict,
    LoggingWindow, RegionStatus, Snapshot, Trail,
};

use crate::sample::{rotated, spread};

/// The plan for `[from, to)`.
pub fn plan(
    s: &Snapshot,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    depth: IntegrityDepth,
    sample: Option<usize>,
    rotation: u64,
) -> IntegrityPlan {
    let mut cells = Vec::new();
    let mut targets = Vec::new();
    for t in &s.trails {
        let Some(bucket) = t.s3_bucket_name.as_deref() else {
            continue;
        };
        let b = s.bucket(bucket);
        let target = IntegrityTarget {
            trail_name: t.name.clone(),
            home_region: t.home_region.clone(),
            bucket_owner: b.and_then(|b| b.owner_account_id().map(str::to_string)),
            bucket_region: b
                .and_then(|b| b.region.value().cloned())
                .unwrap_or_else(|| t.home_region.clone()),
            logging: logging(t),
        };
        for (account, region) in delivered(s, t) {
            cells.push(IntegrityCell {
                account_id: account.to_string(),
                region: region.to_string(),
                trail_arn: t.arn.clone(),
                bucket: bucket.to_string(),
                digest_prefix: s.trail_digest_prefix(t, account, region),
                verdict: if t.log_file_validation_enabled {
                    IntegrityVerdict::NotSampled
                } else {
                    IntegrityVerdict::NotValidated
                },
                digests_read: 0,
                log_files_checked: 0,
                bytes_read: 0,
                newest_digest: None,
            });
            targets.push(t.log_file_validation_enabled.then(|| target.clone()));
        }
    }
    if let Some(n) = sample {
        let readable: Vec<usize> = (0..cells.len()).filter(|&i| targets[i].is_some()).collect();
        if n < readable.len() {
            let accounts: Vec<&str> = readable
                .iter()
                .map(|&i| cells[i].account_id.as_str())
                .collect();
            let keep = rotated(&spread(&accounts), n, rotation);
            for (k, &i) in readable.iter().enumerate() {
                if !keep.contains(&k) {
                    targets[i] = None;
                }
            }
        }
    }
    IntegrityPlan {
        integrity: Integrity {
            checked_at: to,
            from,
            to,
            depth,
            cells,
        },
        targets,
    }
}

/// The digests a plan will read at most: one per cell read and hour.
pub fn digests_to_read(p: &IntegrityPlan) -> u64 {
    let hours = ((p.integrity.to - p.integrity.from).num_minutes().max(0) as u64).div_ceil(60);
    p.targets.iter().filter(|t| t.is_some()).count() as u64 * hours
}

/// When a trail was logging, from its status: `None` when the status was
/// not read, or the trail is stopped and says not since when.
fn logging(t: &Trail) -> Option<LoggingWindow> {
    let status = t.status.value()?;
    Some(LoggingWindow {
        since: status.start_logging_time,
        until: match (status.is_logging, status.stop_logging_time) {
            (true, _) => None,
            (false, Some(stopped)) => Some(stopped),
            (false, None) => return None,
        },
    })
}

/// The account-regions whose logs trail `t` delivers.
fn delivered<'a>(s: &'a Snapshot, t: &'a Trail) -> Vec<(&'a str, &'a str)> {
    let accounts: Vec<&trailaudit_model::Account> =
        if t.is_organization_trail && s.organization.is_some() {
            s.accounts.iter().collect()
        } else {
            s.account(&t.owner_account_id).into_iter().collect()
        };
    let mut out = Vec::new();
    for a in accounts {
        if t.is_multi_region {
            for r in a
                .regions
                .iter()
                .filter(|r| r.status != RegionStatus::NotEnabled)
            {
                out.push((a.id.as_str(), r.region.as_str()));
            }
        } else {
            out.push((a.id.as_str(), t.home_region.as_str()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::fixture::*;

    #[test]
    fn every_delivered_cell_is_planned_and_a_sample_reads_n() {
        let mut s = healthy();
        let t = s.trails[0].clone();
        assert!(t.is_organization_trail && t.is_multi_region);
        s.trails[0].log_file_validation_enabled = true;
        let now = s.finished_at;
        let p = plan(
            &s,
            now - Duration::days(7),
            now,
            IntegrityDepth::Digests,
            None,
            0,
        );
        let enabled: usize = s
            .accounts
            .iter()
            .map(|a| {
                a.regions
                    .iter()
                    .filter(|r| r.status != RegionStatus::NotEnabled)
                    .count()
            })
            .sum();
        assert_eq!(p.integrity.cells.len(), enabled);
        assert!(p.targets.iter().all(Option::is_some));
        // Logging since it started, as its status says; unknown when the
        // status was not read.
        assert!(p.targets[0].as_ref().unwrap().logging.is_some());
        let mut unread = s.clone();
        unread.trails[0].status = denied("cloudtrail:GetTrailStatus");
        let q = plan(
            &unread,
            now - Duration::days(7),
            now,
            IntegrityDepth::Digests,
            None,
            0,
        );
        assert_eq!(q.targets[0].as_ref().unwrap().logging, None);
        assert_eq!(digests_to_read(&p), enabled as u64 * 168);
        let p = plan(
            &s,
            now - Duration::days(7),
            now,
            IntegrityDepth::Digests,
            Some(1),
            0,
        );
        assert_eq!(p.targets.iter().filter(|t| t.is_some()).count(), 1);
        s.trails[0].log_file_validation_enabled = false;
        let p = plan(
            &s,
            now - Duration::days(7),
            now,
            IntegrityDepth::Digests,
            None,
            0,
        );
        assert!(p.targets.iter().all(Option::is_none));
        assert!(p
            .integrity
            .cells
            .iter()
            .all(|c| c.verdict == IntegrityVerdict::NotValidated));
    }
}
