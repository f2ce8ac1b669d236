//! Log files not encrypted with SSE-KMS.

use crate::check::*;

/// Metadata.
pub const META: CheckMeta = CheckMeta {
    id: "not_kms_encrypted",
    title: "Logs not encrypted with SSE-KMS",
    severity: Severity::Medium,
    what: "The trail has no KmsKeyId: log files are encrypted with S3-managed keys only. Raised when `require.kms` is true (default).",
    why: "With SSE-KMS, reading the logs needs kms:Decrypt as well as s3:GetObject, a second, separately audited permission on a sensitive data set.",
    fix: "aws cloudtrail update-trail --name TRAIL_ARN --region HOME_REGION --kms-key-id KEY_ARN",
};

/// Run. Never unknown: the setting comes with the trail listing.
pub fn run(ctx: &Ctx, out: &mut Out) {
    for t in ctx.trails().iter().filter(|t| t.kms_key_id.is_none()) {
        let (required, who) = ctx.strictest(&[t], |e| e.kms, false);
        if !required {
            continue;
        }
        out.push(
            Status::Fail,
            &t.owner_account_id,
            &t.home_region,
            &t.arn,
            format!(
                "trail {} does not encrypt log files with SSE-KMS{}",
                t.name,
                ctx.origin(&who, "require.kms")
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::run_one;
    use crate::fixture::*;
    use crate::Status;

    #[test]
    fn pass_fail_and_unreadable_accounts_are_not_passes() {
        assert!(run_one("not_kms_encrypted", &healthy()).is_empty());
        let mut s = healthy();
        s.trails[0].kms_key_id = None;
        assert_eq!(run_one("not_kms_encrypted", &s)[0].status, Status::Fail);
        let mut s = snapshot();
        s.accounts[1].access = trailaudit_model::Access::Failed {
            error: access_denied("sts:AssumeRole"),
        };
        assert!(run_one("not_kms_encrypted", &s).is_empty());
        assert_eq!(run_one("permission_gap", &s)[0].status, Status::Unknown);
    }
}
