//! Automatic rotation off on the trail's KMS key.

use crate::check::*;

/// Metadata.
pub const META: CheckMeta = CheckMeta {
    id: "kms_rotation_off",
    title: "KMS key rotation off",
    severity: Severity::Low,
    what: "Automatic yearly rotation is not enabled on the customer managed key that encrypts the trail's log files.",
    why: "Rotation limits how much data one key version protects; CIS and Security Hub expect it on customer managed keys.",
    fix: "aws kms enable-key-rotation --key-id KEY_ARN",
};

/// Run.
pub fn run(ctx: &Ctx, out: &mut Out) {
    let mut seen = Vec::new();
    for t in ctx.trails() {
        let Some(arn) = &t.kms_key_id else { continue };
        if seen.contains(&arn) {
            continue;
        }
        seen.push(arn);
        let Some(k) = ctx.snapshot.kms_key(arn) else {
            continue;
        };
        let rotation = out.fact(&k.rotation_enabled, &k.account_id, &k.region, arn, |why| {
            format!("rotation of the key of trail {} unknown: {why}", t.name)
        });
        if rotation == Some(&false) {
            out.push(
                Status::Fail,
                &k.account_id,
                &k.region,
                arn,
                format!("automatic rotation is off for the key of trail {}", t.name),
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
        assert!(run_one("kms_rotation_off", &healthy()).is_empty());
        let mut s = healthy();
        s.kms_keys[0].rotation_enabled = Fact::Collected { value: false };
        assert_eq!(run_one("kms_rotation_off", &s)[0].status, Status::Fail);
        s.kms_keys[0].rotation_enabled = denied("kms:GetKeyRotationStatus");
        assert_eq!(run_one("kms_rotation_off", &s)[0].status, Status::Unknown);
    }
}
