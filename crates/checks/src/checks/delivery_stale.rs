//! No recent log or digest object where delivery was probed.

use crate::check::*;
use trailaudit_model::{Fact, IntegrityVerdict};

/// Metadata.
pub const META: CheckMeta = CheckMeta {
    id: "delivery_stale",
    title: "No recent log files (delivery probe)",
    severity: Severity::Medium,
    what: "With --probe-delivery, the newest log file and the newest digest file under the account-region's prefix are older than `delivery.stale_hours` (default 24), or there are none; after `audit verify --integrity`, the newest valid digest of an account-region read is older than that before the window's end. Digest files arrive hourly even when nothing happens.",
    why: "The only proof that logging works end to end is a file in the bucket; a configuration can look perfect while nothing arrives.",
    fix: "aws cloudtrail get-trail-status --name TRAIL_ARN --region HOME_REGION\naws s3 ls s3://LOG_BUCKET/PREFIX/AWSLogs/ --recursive | tail",
};

/// (account, bucket), stale regions with evidence, unknown reasons.
type Group = ((String, String), Vec<String>, Vec<String>);

/// Run: one finding per account and bucket, naming the regions.
pub fn run(ctx: &Ctx, out: &mut Out) {
    let mut groups: Vec<Group> = Vec::new();
    for p in &ctx.snapshot.delivery_probes {
        let key = (p.account_id.clone(), p.bucket.clone());
        let idx = match groups.iter().position(|(k, _, _)| *k == key) {
            Some(i) => i,
            None => {
                groups.push((key, vec![], vec![]));
                groups.len() - 1
            }
        };
        let limit = chrono::Duration::hours(ctx.req(&p.account_id).stale_hours);
        let newest = [&p.newest_log, &p.newest_digest];
        if let Some(reason) = newest.iter().find_map(|f| f.unknown_reason()) {
            groups[idx].2.push(format!("{}: {reason}", p.region));
            continue;
        }
        let times: Vec<_> = newest
            .iter()
            .filter_map(|f| match f {
                Fact::Collected { value: Some(o) } => o.delivered_at,
                _ => None,
            })
            .collect();
        if !times.iter().any(|t| ctx.now - *t <= limit) {
            let last = times
                .iter()
                .max()
                .map(|t| format!("newest {}", trailaudit_model::utc(*t)))
                .unwrap_or_else(|| "none since yesterday".into());
            groups[idx].1.push(format!("{} ({last})", p.region));
        }
    }
    // An integrity check's newest valid digest is delivery evidence too
    // (digests arrive hourly, with or without log files), read without
    // opening any log file.
    if let Some(i) = &ctx.snapshot.integrity {
        for c in &i.cells {
            let read = matches!(
                c.verdict,
                IntegrityVerdict::Intact | IntegrityVerdict::Broken { .. }
            );
            let probed = ctx
                .snapshot
                .delivery_probes
                .iter()
                .any(|p| p.account_id == c.account_id && p.region == c.region);
            if !read || probed {
                continue;
            }
            let limit = chrono::Duration::hours(ctx.req(&c.account_id).stale_hours);
            if c.newest_digest.is_some_and(|t| i.to - t <= limit) {
                continue;
            }
            let key = (c.account_id.clone(), c.bucket.clone());
            let idx = match groups.iter().position(|(k, _, _)| *k == key) {
                Some(k) => k,
                None => {
                    groups.push((key, vec![], vec![]));
                    groups.len() - 1
                }
            };
            let last = c.newest_digest.map_or_else(
                || "no valid digest in the integrity window".to_string(),
                |t| format!("newest digest {}", trailaudit_model::utc(t)),
            );
            groups[idx].1.push(format!("{} ({last})", c.region));
        }
    }
    for ((account, bucket), stale, unknown) in groups {
        let resource = format!("s3://{bucket}");
        if !stale.is_empty() {
            out.push(
                Status::Fail,
                &account,
                "",
                &resource,
                format!(
                "no log or digest file newer than {} h for account {account} in {} region(s): {}",
                ctx.req(&account).stale_hours, stale.len(), stale.join(", ")
            ),
            );
        }
        if !unknown.is_empty() {
            out.push(
                Status::Unknown,
                &account,
                "",
                &resource,
                format!(
                    "could not look for recent log files in {} region(s): {}",
                    unknown.len(),
                    unknown.join("; ")
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::run_one;
    use crate::fixture::*;
    use crate::Status;
    use trailaudit_model::{DeliveryProbe, Fact, ObjectSeen};

    fn probe(hours_ago: Option<i64>) -> DeliveryProbe {
        let seen = hours_ago.map(|h| ObjectSeen {
            key: "k".into(),
            delivered_at: Some(now() - chrono::Duration::hours(h)),
        });
        DeliveryProbe {
            account_id: MEMBER.into(),
            region: "eu-west-1".into(),
            trail_arn: ORG_TRAIL.into(),
            bucket: "org-logs".into(),
            log_prefix: "AWSLogs/o-abc123/222222222222/CloudTrail/eu-west-1/".into(),
            newest_log: Fact::Collected {
                value: seen.clone(),
            },
            newest_digest: Fact::Collected { value: seen },
        }
    }

    #[test]
    fn pass_fail_unknown() {
        let mut s = healthy();
        s.delivery_probes.push(probe(Some(1)));
        assert!(run_one("delivery_stale", &s).is_empty());
        s.delivery_probes[0] = probe(Some(30));
        assert_eq!(run_one("delivery_stale", &s)[0].status, Status::Fail);
        s.delivery_probes[0] = probe(None);
        assert!(run_one("delivery_stale", &s)[0]
            .message
            .contains("eu-west-1 (none since yesterday)"));
        s.delivery_probes[0].newest_log = denied("s3:ListBucket");
        assert_eq!(run_one("delivery_stale", &s)[0].status, Status::Unknown);
    }
}

#[cfg(test)]
mod integrity_tests {
    use chrono::Duration;
    use trailaudit_model::IntegrityVerdict;

    use crate::checks::run_one;
    use crate::Status;

    /// The newest digest an integrity check read is delivery evidence: a
    /// day-old one is stale, a recent one is not, an unread cell says
    /// nothing.
    #[test]
    fn the_newest_digest_of_an_integrity_check_is_delivery_evidence() {
        let mut s = super::super::log_files_tampered::tests::with_cells(vec![
            IntegrityVerdict::Intact,
            IntegrityVerdict::NotValidated,
        ]);
        let to = s.integrity.as_ref().unwrap().to;
        s.integrity.as_mut().unwrap().cells[0].newest_digest = Some(to - Duration::hours(30));
        let f = run_one("delivery_stale", &s);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].status, Status::Fail);
        assert!(
            f[0].message.contains("eu-west-1 (newest digest"),
            "{}",
            f[0].message
        );
        s.integrity.as_mut().unwrap().cells[0].newest_digest = Some(to - Duration::hours(2));
        assert!(run_one("delivery_stale", &s).is_empty());
    }
}
