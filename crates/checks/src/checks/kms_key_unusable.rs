//! The trail's KMS key is disabled, pending deletion, or closed to CloudTrail.

use crate::analysis::key_decision;
use crate::check::*;
use trailaudit_model::Fact;
use trailaudit_model::Tri;

/// Metadata.
pub const META: CheckMeta = CheckMeta {
    id: "kms_key_unusable",
    title: "KMS key disabled, pending deletion, or not usable by CloudTrail",
    severity: Severity::High,
    what: "The trail's SSE-KMS key is Disabled or PendingDeletion, or its key policy does not allow cloudtrail.amazonaws.com to call kms:GenerateDataKey* for this trail.",
    why: "CloudTrail cannot encrypt, so it cannot deliver: logging silently stops. A key pending deletion also makes every log file already written unreadable once it is deleted.",
    fix: "aws kms cancel-key-deletion --key-id KEY_ARN\naws kms enable-key --key-id KEY_ARN\naws kms get-key-policy --key-id KEY_ARN --policy-name default  # allow cloudtrail.amazonaws.com kms:GenerateDataKey*",
};

/// Run.
pub fn run(ctx: &Ctx, out: &mut Out) {
    for t in ctx.trails() {
        let Some(arn) = &t.kms_key_id else { continue };
        let Some(k) = ctx.snapshot.kms_key(arn) else {
            continue;
        };
        let mut problems = Vec::new();
        let mut unknown = Vec::new();
        match &k.key_state {
            Fact::Collected { value } if value != "Enabled" => {
                problems.push(format!("the key is {value}"))
            }
            Fact::Collected { .. } => {}
            other => unknown.push(format!(
                "key state unknown: {}",
                other.unknown_reason().unwrap_or_default()
            )),
        }
        match &k.policy {
            Fact::Collected { value } => {
                let d = key_decision(ctx.snapshot, t, arn, value);
                match d.allowed {
                    Tri::No => problems.push(format!(
                        "the key policy does not let cloudtrail.amazonaws.com use the key for this trail: {}",
                        d.reason
                    )),
                    Tri::Maybe => unknown.push(format!(
                        "cannot tell whether the key policy lets cloudtrail.amazonaws.com use the key: {}",
                        d.reason
                    )),
                    Tri::Yes => {}
                }
            }
            other => unknown.push(format!(
                "key policy unknown: {}",
                other.unknown_reason().unwrap_or_default()
            )),
        }
        if !problems.is_empty() {
            out.push(
                Status::Fail,
                &k.account_id,
                &k.region,
                arn,
                format!("trail {}: {}", t.name, problems.join("; ")),
            );
        } else if !unknown.is_empty() {
            out.push(
                Status::Unknown,
                &k.account_id,
                &k.region,
                arn,
                format!("trail {}: {}", t.name, unknown.join("; ")),
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
    fn pass_fail_unknown() {
        assert!(run_one("kms_key_unusable", &healthy()).is_empty());
        let mut s = healthy();
        s.kms_keys[0].key_state = Fact::Collected {
            value: "PendingDeletion".into(),
        };
        let f = run_one("kms_key_unusable", &s);
        assert_eq!(f[0].status, Status::Fail);
        assert!(f[0].message.contains("PendingDeletion"));
        let mut s = healthy();
        s.kms_keys[0].policy = Fact::Collected { value: r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"kms:*","Resource":"*"}]}"#.into() };
        assert_eq!(run_one("kms_key_unusable", &s)[0].status, Status::Fail);
        let mut s = healthy();
        s.kms_keys[0].key_state = denied("kms:DescribeKey");
        assert_eq!(run_one("kms_key_unusable", &s)[0].status, Status::Unknown);
    }
}
