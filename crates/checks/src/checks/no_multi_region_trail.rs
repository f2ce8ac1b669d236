//! An account with neither a multi-region trail nor an organization trail.

use crate::check::*;

/// Metadata.
pub const META: CheckMeta = CheckMeta {
    id: "no_multi_region_trail",
    title: "No multi-region or organization trail",
    severity: Severity::Medium,
    what: "No multi-region trail and no organization trail applies to the account; any coverage comes from single-region trails.",
    why: "Single-region trails miss regions enabled later and regions nobody thought of; a multi-region trail follows every enabled region automatically.",
    fix: "aws cloudtrail update-trail --name TRAIL --is-multi-region-trail\n# or, from the management account, one trail for every account:\naws cloudtrail update-trail --name TRAIL --is-multi-region-trail --is-organization-trail",
};

/// Run.
pub fn run(ctx: &Ctx, out: &mut Out) {
    let s = ctx.snapshot;
    for a in &s.accounts {
        if !ctx.accessed(&a.id) {
            continue;
        }
        let has = a.regions.iter().any(|r| {
            s.trails_applying(&a.id, &r.region)
                .iter()
                .any(|t| t.is_multi_region)
        });
        if has {
            continue;
        }
        let unlisted: Vec<&str> = a
            .regions
            .iter()
            .filter(|r| {
                !matches!(
                    r.status,
                    trailaudit_model::RegionStatus::Collected
                        | trailaudit_model::RegionStatus::NotEnabled
                )
            })
            .map(|r| r.region.as_str())
            .collect();
        if unlisted.is_empty() {
            out.push(
                Status::Fail,
                &a.id,
                "",
                &a.id,
                format!(
                    "account {} ({}) has no multi-region trail and no organization trail",
                    a.name, a.id
                ),
            );
        } else {
            out.push(Status::Unknown, &a.id, "", &a.id, format!("account {} has no multi-region trail in the regions listed; trails could not be listed in {}", a.name, unlisted.join(", ")));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::run_one;
    use crate::fixture::*;
    use crate::Status;

    #[test]
    fn pass_fail_unknown() {
        assert!(run_one("no_multi_region_trail", &healthy()).is_empty());
        let mut s = snapshot();
        s.trails.push(local_trail(MEMBER, "eu-west-1"));
        s.accounts.truncate(2);
        let f = run_one("no_multi_region_trail", &s);
        assert_eq!(f.len(), 2);
        assert!(f.iter().all(|f| f.status == Status::Fail));
        let mut s = snapshot();
        s.accounts[1].regions[0].status = trailaudit_model::RegionStatus::Failed {
            error: access_denied("cloudtrail:DescribeTrails"),
        };
        let f = run_one("no_multi_region_trail", &s);
        assert!(f
            .iter()
            .any(|f| f.account_id == MEMBER && f.status == Status::Unknown));
    }
}
