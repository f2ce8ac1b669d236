//! The log bucket is Requester Pays: CloudTrail cannot deliver to it.

use crate::check::*;

/// Metadata.
pub const META: CheckMeta = CheckMeta {
    id: "bucket_requester_pays",
    title: "Log bucket is Requester Pays",
    severity: Severity::High,
    what: "The destination bucket has Requester Pays enabled (GetBucketRequestPayment answers Requester). CloudTrail does not support Requester Pays buckets.",
    why: "CloudTrail cannot write: no log file arrives while the trail shows as logging.",
    fix: "aws s3api put-bucket-request-payment --bucket LOG_BUCKET --request-payment-configuration Payer=BucketOwner",
};

/// Run.
pub fn run(ctx: &Ctx, out: &mut Out) {
    for b in &ctx.snapshot.buckets {
        let trails: Vec<&str> = ctx
            .trails()
            .iter()
            .filter(|t| t.s3_bucket_name.as_deref() == Some(b.name.as_str()))
            .map(|t| t.name.as_str())
            .collect();
        let account = b.owner_account_id().unwrap_or_default().to_string();
        let pays = out.fact(&b.requester_pays, &account, "", &b.name, |why| {
            format!("Requester Pays of log bucket {} unknown: {why}", b.name)
        });
        if pays == Some(&true) {
            out.push(
                Status::Fail,
                &account,
                "",
                &b.name,
                format!(
                    "log bucket {} is Requester Pays: CloudTrail cannot deliver the logs of {}",
                    b.name,
                    trails.join(", ")
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
    use trailaudit_model::Fact;

    #[test]
    fn pass_fail_unknown_and_the_cell_is_not_covered() {
        assert!(run_one("bucket_requester_pays", &healthy()).is_empty());
        let mut s = healthy();
        s.buckets[0].requester_pays = Fact::Collected { value: true };
        let f = run_one("bucket_requester_pays", &s);
        assert_eq!(f[0].status, Status::Fail);
        assert!(f[0].message.contains("Requester Pays"), "{}", f[0].message);
        let t = s.trails[0].clone();
        assert!(matches!(
            crate::analysis::trail_health(&s, &t, &t.owner_account_id),
            crate::analysis::Health::NotRecording(ref why) if why.contains("Requester Pays")
        ));
        s.buckets[0].requester_pays = denied("s3:GetBucketRequestPayment");
        assert_eq!(
            run_one("bucket_requester_pays", &s)[0].status,
            Status::Unknown
        );
    }
}
