//! Hours without a digest while the trail was logging.

use trailaudit_model::{IntegrityProblem, IntegrityVerdict};

use crate::check::*;

/// Metadata.
pub const META: CheckMeta = CheckMeta {
    id: "digest_gap",
    title: "Digest files missing for hours the trail was logging",
    severity: Severity::High,
    what: "An integrity check of the archive (`audit verify --integrity`) found hours without a CloudTrail digest file while the trail was logging with validation on. CloudTrail delivers one digest per account-region and hour, with or without log files, so a missing hour means the digest was deleted, or delivery failed that hour. Each missing hour is named (`aws cloudtrail validate-logs` reports two consecutive missing digests as one).",
    why: "Without the digest, the log files of that hour cannot be proven complete: a deleted log file is no longer listed anywhere.",
    fix: "aws s3api list-object-versions --bucket BUCKET --prefix DIGEST_PREFIX   # a deleted digest may survive as a noncurrent version; aws cloudtrail get-trail-status --name TRAIL_ARN --region HOME_REGION   # LatestDigestDeliveryError",
};

/// Compact hour ranges: `2026-12-01T03:00Z to 05:00Z (3 hours)`.
fn hours(list: &[chrono::DateTime<chrono::Utc>]) -> String {
    let mut ranges: Vec<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)> =
        Vec::new();
    for h in list {
        match ranges.last_mut() {
            Some((_, end)) if *h - *end <= chrono::Duration::hours(1) => *end = *h,
            _ => ranges.push((*h, *h)),
        }
    }
    let shown: Vec<String> = ranges
        .iter()
        .take(10)
        .map(|(a, b)| {
            if a == b {
                a.format("%Y-%m-%dT%H:00Z").to_string()
            } else {
                format!(
                    "{} to {}",
                    a.format("%Y-%m-%dT%H:00Z"),
                    b.format("%Y-%m-%dT%H:00Z")
                )
            }
        })
        .collect();
    let more = ranges.len().saturating_sub(10);
    format!(
        "{}{}",
        shown.join(", "),
        if more > 0 {
            format!(" and {more} more ranges")
        } else {
            String::new()
        }
    )
}

/// Run.
pub fn run(ctx: &Ctx, out: &mut Out) {
    let Some(integrity) = &ctx.snapshot.integrity else {
        return;
    };
    for c in &integrity.cells {
        let IntegrityVerdict::Broken { problems } = &c.verdict else {
            continue;
        };
        let mut missing: Vec<chrono::DateTime<chrono::Utc>> = problems
            .iter()
            .filter_map(|p| match p {
                IntegrityProblem::DigestMissing { hour } => Some(*hour),
                _ => None,
            })
            .collect();
        if missing.is_empty() {
            continue;
        }
        missing.sort();
        missing.dedup();
        out.push(
            Status::Fail,
            &c.account_id,
            &c.region,
            &c.trail_arn,
            format!(
                "{} hour(s) without a digest in s3://{}/{}: {}",
                missing.len(),
                c.bucket,
                c.digest_prefix,
                hours(&missing)
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone, Utc};
    use trailaudit_model::{IntegrityProblem, IntegrityVerdict};

    use crate::checks::run_one;
    use crate::Status;

    #[test]
    fn every_missing_hour_is_named_in_ranges() {
        let h0 = Utc.with_ymd_and_hms(2026, 12, 1, 3, 0, 0).unwrap();
        let s =
            super::super::log_files_tampered::tests::with_cells(vec![IntegrityVerdict::Broken {
                problems: [0, 1, 5]
                    .iter()
                    .map(|k| IntegrityProblem::DigestMissing {
                        hour: h0 + Duration::hours(*k),
                    })
                    .collect(),
            }]);
        let f = run_one("digest_gap", &s);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].status, Status::Fail);
        assert!(
            f[0].message.starts_with("3 hour(s) without a digest"),
            "{}",
            f[0].message
        );
        assert!(
            f[0].message
                .contains("2026-12-01T03:00Z to 2026-12-01T04:00Z, 2026-12-01T08:00Z"),
            "{}",
            f[0].message
        );
        assert!(run_one("log_files_tampered", &s).is_empty());
    }
}
