//! More than five trails in one region of an account.

use crate::check::*;

/// Metadata.
pub const META: CheckMeta = CheckMeta {
    id: "too_many_trails",
    title: "More than 5 trails in a region",
    severity: Severity::Medium,
    what: "An account has more than five of its own trails applying to one region (multi-region trails count in every region). AWS allows at most five; a sixth cannot be created.",
    why: "At the quota, a needed trail (for example for data events) cannot be added during an incident.",
    fix: "aws cloudtrail list-trails --region REGION\naws cloudtrail delete-trail --name UNUSED_TRAIL_ARN --region HOME_REGION",
};

/// Run. Regions whose trail list is unknown are reported by region_not_logged and permission_gap.
pub fn run(ctx: &Ctx, out: &mut Out) {
    for a in &ctx.snapshot.accounts {
        for r in &a.regions {
            let own = ctx
                .snapshot
                .trails_owned_by(&a.id)
                .filter(|t| t.is_multi_region || t.home_region == r.region)
                .count();
            if own > 5 {
                out.push(
                    Status::Fail,
                    &a.id,
                    &r.region,
                    &format!("{}/{}", a.id, r.region),
                    format!(
                        "{own} trails apply to {} in account {} (quota: 5)",
                        r.region, a.name
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::run_one;
    use crate::fixture::*;
    use crate::Status;

    #[test]
    fn pass_and_fail() {
        assert!(run_one("too_many_trails", &healthy()).is_empty());
        let mut s = snapshot();
        for i in 0..6 {
            let mut t = local_trail(MEMBER, "eu-west-1");
            t.arn = format!("{}{i}", t.arn);
            s.trails.push(t);
        }
        let f = run_one("too_many_trails", &s);
        assert_eq!(f.len(), 1);
        assert_eq!(
            (f[0].status, f[0].region.as_str()),
            (Status::Fail, "eu-west-1")
        );
    }
}
