//! The log bucket's default encryption keeps CloudTrail from writing.

use crate::analysis::{bucket_encryption_health, Health};
use crate::check::*;

/// Metadata.
pub const META: CheckMeta = CheckMeta {
    id: "bucket_encryption_blocks_delivery",
    title: "Bucket default encryption blocks delivery",
    severity: Severity::High,
    what: "The trail names no KMS key, and the destination bucket's default encryption is SSE-KMS with a customer managed key that is not enabled or whose key policy does not let cloudtrail.amazonaws.com use it (kms:GenerateDataKey through S3), or with the AWS managed key aws/s3, whose policy only lets principals of the bucket's account use it.",
    why: "S3 encrypts each log file CloudTrail writes with the bucket's default key, as CloudTrail: without that permission the write fails and no file arrives.",
    fix: "aws kms get-key-policy --key-id KEY --policy-name default\n# allow cloudtrail.amazonaws.com kms:GenerateDataKey* (condition aws:SourceArn = the trail ARN), or give the trail its own key:\naws cloudtrail update-trail --name TRAIL --kms-key-id KEY_ARN",
};

/// Run.
pub fn run(ctx: &Ctx, out: &mut Out) {
    let s = ctx.snapshot;
    for t in ctx.trails() {
        let Some(h) = bucket_encryption_health(s, t) else {
            continue;
        };
        let Some(b) = t.s3_bucket_name.as_deref().and_then(|n| s.bucket(n)) else {
            continue;
        };
        let account = b
            .owner_account_id()
            .unwrap_or(&t.owner_account_id)
            .to_string();
        match h {
            Health::NotRecording(why) => out.push(
                Status::Fail,
                &account,
                "",
                &b.name,
                format!("trail {} cannot deliver: {why}", t.name),
            ),
            Health::Unknown(why) => out.push(Status::Unknown, &account, "", &b.name, why),
            Health::Recording => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::run_one;
    use crate::fixture::*;
    use crate::Status;
    use trailaudit_model::{BucketEncryption, Fact};

    /// The organization trail without a key of its own, writing to a bucket
    /// whose default encryption is SSE-KMS with `key`.
    fn bucket_key(key: Option<&str>) -> trailaudit_model::Snapshot {
        let mut s = healthy();
        s.trails[0].kms_key_id = None;
        s.buckets[0].encryption = Fact::Collected {
            value: Some(BucketEncryption {
                sse_algorithm: "aws:kms".into(),
                kms_master_key_id: key.map(str::to_string),
            }),
        };
        s
    }

    #[test]
    fn the_default_key_must_let_cloudtrail_generate_data_keys() {
        // The key allows CloudTrail: nothing to report.
        let s = bucket_key(Some(ORG_KEY));
        assert!(run_one("bucket_encryption_blocks_delivery", &s).is_empty());
        // A key policy without CloudTrail: the trail cannot deliver, though
        // it names no key of its own.
        let mut s = bucket_key(Some(ORG_KEY));
        s.kms_keys[0].policy = Fact::Collected {
            value: r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"kms:*","Resource":"*"}]}"#.into(),
        };
        let f = run_one("bucket_encryption_blocks_delivery", &s);
        assert_eq!(f[0].status, Status::Fail, "{f:#?}");
        assert!(f[0].message.contains("default encryption key policy"));
        let t = s.trails[0].clone();
        assert!(matches!(
            crate::analysis::trail_health(&s, &t, MEMBER),
            crate::analysis::Health::NotRecording(_)
        ));
        // A disabled default key.
        let mut s = bucket_key(Some(ORG_KEY));
        s.kms_keys[0].key_state = Fact::Collected {
            value: "Disabled".into(),
        };
        assert_eq!(
            run_one("bucket_encryption_blocks_delivery", &s)[0].status,
            Status::Fail
        );
        // The AWS managed key aws/s3: unknown, never recording.
        let s = bucket_key(None);
        assert_eq!(
            run_one("bucket_encryption_blocks_delivery", &s)[0].status,
            Status::Unknown
        );
        // With a key of its own the trail's files are encrypted with it.
        let mut s = bucket_key(None);
        s.trails[0].kms_key_id = Some(ORG_KEY.into());
        assert!(run_one("bucket_encryption_blocks_delivery", &s).is_empty());
    }
}
