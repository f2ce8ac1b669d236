//! Log files deleted or modified, or digests forged or unchained, as the
//! archive's digest files show (`audit verify --integrity`).

use trailaudit_model::{IntegrityCell, IntegrityProblem, IntegrityVerdict};

use crate::check::*;

/// Metadata.
pub const META: CheckMeta = CheckMeta {
    id: "log_files_tampered",
    title: "Log files deleted or modified after delivery",
    severity: Severity::Critical,
    what: "An integrity check of the archive (`audit verify --integrity`) found a log file a CloudTrail digest lists that is gone, or (with `--integrity full`) whose SHA-256 differs from the digest's, or a digest whose signature does not verify with CloudTrail's public key, or one that does not chain to the digest before it. Unknown when the digests could not be read or CloudTrail's key for them was not found.",
    why: "Digests are signed by CloudTrail: a mismatch is evidence that someone deleted or rewrote audit logs after delivery, usually to hide what they did. PCI DSS 10.5, SOC 2 and ISO 27001 A.8.15 ask for logs protected from modification and deletion.",
    fix: "aws cloudtrail validate-logs --trail-arn TRAIL_ARN --start-time START --verbose   # confirm, then investigate who wrote to the bucket (S3 server access logs, CloudTrail data events on the bucket); protect it: aws s3api put-object-lock-configuration --bucket BUCKET --object-lock-configuration 'ObjectLockEnabled=Enabled,Rule={DefaultRetention={Mode=COMPLIANCE,Days=365}}'",
};

/// The first problems of a list, in words, and how many more.
pub(crate) fn listed<'a>(
    problems: impl Iterator<Item = &'a IntegrityProblem>,
    shown: usize,
) -> String {
    let all: Vec<String> = problems.map(IntegrityProblem::describe).collect();
    let mut s = all
        .iter()
        .take(shown)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    if all.len() > shown {
        s.push_str(&format!("; and {} more", all.len() - shown));
    }
    s
}

fn window(ctx: &Ctx) -> String {
    ctx.snapshot
        .integrity
        .as_ref()
        .map_or_else(String::new, |i| {
            format!(
                "{} to {}",
                i.from.format("%Y-%m-%dT%H:%MZ"),
                i.to.format("%Y-%m-%dT%H:%MZ")
            )
        })
}

/// Run.
pub fn run(ctx: &Ctx, out: &mut Out) {
    let Some(integrity) = &ctx.snapshot.integrity else {
        return;
    };
    let when = window(ctx);
    for c in &integrity.cells {
        let IntegrityCell {
            account_id,
            region,
            trail_arn,
            ..
        } = c;
        match &c.verdict {
            IntegrityVerdict::Broken { problems } => {
                let tampered = problems.iter().filter(|p| p.tampering());
                let n = problems.iter().filter(|p| p.tampering()).count();
                if n == 0 {
                    continue;
                }
                out.push(
                    Status::Fail,
                    account_id,
                    region,
                    trail_arn,
                    format!(
                        "{n} integrity problem(s) in s3://{}/{} ({when}): {}",
                        c.bucket,
                        c.digest_prefix,
                        listed(tampered, 5)
                    ),
                );
            }
            IntegrityVerdict::Unknown { error } => out.push(
                Status::Unknown,
                account_id,
                region,
                trail_arn,
                format!(
                    "the digests of s3://{}/{} ({when}) could not be checked: {}",
                    c.bucket,
                    c.digest_prefix,
                    error.describe()
                ),
            ),
            _ => {}
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use chrono::Duration;
    use trailaudit_model::{ErrorInfo, ErrorKind, Integrity, IntegrityDepth};

    use super::*;
    use crate::checks::run_one;
    use crate::fixture::*;

    pub(crate) fn with_cells(verdicts: Vec<IntegrityVerdict>) -> trailaudit_model::Snapshot {
        let mut s = healthy();
        let now = s.finished_at;
        let t = s.trails[0].arn.clone();
        s.integrity = Some(Integrity {
            checked_at: now,
            from: now - Duration::days(7),
            to: now,
            depth: IntegrityDepth::Digests,
            cells: verdicts
                .into_iter()
                .map(|verdict| IntegrityCell {
                    account_id: MEMBER.into(),
                    region: "eu-west-1".into(),
                    trail_arn: t.clone(),
                    bucket: "org-logs".into(),
                    digest_prefix: format!(
                        "AWSLogs/o-abc123/{MEMBER}/CloudTrail-Digest/eu-west-1/"
                    ),
                    verdict,
                    digests_read: 168,
                    log_files_checked: 1000,
                    bytes_read: 0,
                    newest_digest: None,
                })
                .collect(),
        });
        s
    }

    #[test]
    fn deleted_files_fail_a_missing_hour_alone_does_not_and_unknown_is_unknown() {
        assert!(run_one("log_files_tampered", &healthy()).is_empty());
        let s = with_cells(vec![
            IntegrityVerdict::Intact,
            IntegrityVerdict::Broken {
                problems: vec![IntegrityProblem::LogFileDeleted {
                    key: "AWSLogs/x.json.gz".into(),
                }],
            },
            IntegrityVerdict::Broken {
                problems: vec![IntegrityProblem::DigestMissing {
                    hour: chrono::Utc::now(),
                }],
            },
            IntegrityVerdict::Unknown {
                error: Box::new(ErrorInfo {
                    kind: ErrorKind::AccessDenied,
                    operation: "s3:ListBucket".into(),
                    code: Some("AccessDenied".into()),
                    message: "denied".into(),
                }),
            },
        ]);
        let f = run_one("log_files_tampered", &s);
        assert_eq!(f.len(), 2, "{f:#?}");
        assert_eq!(f[0].status, Status::Fail);
        assert_eq!(f[0].severity, Severity::Critical);
        assert_eq!(f[0].account_id, MEMBER);
        assert!(
            f[0].message.contains("log file AWSLogs/x.json.gz deleted"),
            "{}",
            f[0].message
        );
        assert_eq!(f[1].status, Status::Unknown);
        assert!(f[1].message.contains("s3:ListBucket"), "{}", f[1].message);
    }
}
