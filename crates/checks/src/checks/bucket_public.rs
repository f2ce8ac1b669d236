//! The log bucket is publicly readable.

use crate::analysis::public_exposure;
use crate::check::*;

/// Metadata.
pub const META: CheckMeta = CheckMeta {
    id: "bucket_public",
    title: "Log bucket is public",
    severity: Severity::Critical,
    what: "The bucket that receives CloudTrail logs grants access to anyone: a policy statement with Principal \"*\" and no conditions, or an ACL grant to AllUsers or AuthenticatedUsers, not neutralized by the bucket's public access block.",
    why: "CloudTrail logs map your whole estate (accounts, roles, resources, IP addresses); a public copy is a gift to attackers.",
    fix: "aws s3api put-public-access-block --bucket LOG_BUCKET --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true\naws s3api get-bucket-policy --bucket LOG_BUCKET  # remove Principal \"*\" statements",
};

/// Run.
pub fn run(ctx: &Ctx, out: &mut Out) {
    for b in &ctx.snapshot.buckets {
        let account = b.owner_account_id().unwrap_or_default().to_string();
        match public_exposure(b) {
            Ok(reasons) if !reasons.is_empty() => out.push(
                Status::Fail,
                &account,
                b.region.value().map(String::as_str).unwrap_or(""),
                &b.name,
                format!("log bucket {} is public: {}", b.name, reasons.join("; ")),
            ),
            Ok(_) => {}
            Err(why) => out.push(
                Status::Unknown,
                &account,
                "",
                &b.name,
                format!("cannot tell whether log bucket {} is public: {why}", b.name),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::run_one;
    use crate::fixture::*;
    use crate::Status;
    use trailaudit_model::Fact;

    #[test]
    fn pass_fail_unknown() {
        assert!(run_one("bucket_public", &healthy()).is_empty());
        let mut s = healthy();
        s.buckets[0].public_access_block = Fact::Collected { value: None };
        s.buckets[0].policy = Fact::Collected { value: Some(r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::org-logs/*"}]}"#.into()) };
        assert_eq!(run_one("bucket_public", &s)[0].status, Status::Fail);
        s.buckets[0].policy = denied("s3:GetBucketPolicy");
        assert_eq!(run_one("bucket_public", &s)[0].status, Status::Unknown);
    }
}
