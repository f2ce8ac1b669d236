//! The log bucket lacks a complete public access block.

use crate::check::*;

/// Metadata.
pub const META: CheckMeta = CheckMeta {
    id: "bucket_public_access_block_off",
    title: "Log bucket without a complete public access block",
    severity: Severity::Medium,
    what: "The bucket's public access block is missing or not all four settings are on (BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets). An account-level block may still apply; it is not read.",
    why: "Without it, one mistaken policy or ACL edit makes the logs public.",
    fix: "aws s3api put-public-access-block --bucket LOG_BUCKET --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true",
};

/// Run.
pub fn run(ctx: &Ctx, out: &mut Out) {
    for b in &ctx.snapshot.buckets {
        let account = b.owner_account_id().unwrap_or_default().to_string();
        let Some(value) = out.fact(&b.public_access_block, &account, "", &b.name, |why| {
            format!("public access block of {} unknown: {why}", b.name)
        }) else {
            continue;
        };
        match value {
            Some(p) if p.all_on() => {}
            _ => out.push(
                Status::Fail,
                &account,
                "",
                &b.name,
                match value {
                    None => format!("log bucket {} has no public access block", b.name),
                    Some(_) => format!(
                        "log bucket {} has a public access block with some settings off",
                        b.name
                    ),
                },
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
        assert!(run_one("bucket_public_access_block_off", &healthy()).is_empty());
        let mut s = healthy();
        s.buckets[0].public_access_block = Fact::Collected { value: None };
        assert_eq!(
            run_one("bucket_public_access_block_off", &s)[0].status,
            Status::Fail
        );
        s.buckets[0].public_access_block =
            Fact::not_collected("no audited account owns this bucket");
        assert_eq!(
            run_one("bucket_public_access_block_off", &s)[0].status,
            Status::Unknown
        );
    }
}
