//! More than one trail records the same management events: paid copies.

use crate::analysis::Health;
use crate::check::*;
use crate::coverage::class_extent;
use trailaudit_catalogue::selectors::Extent;
use trailaudit_model::Fact;

/// Metadata.
pub const META: CheckMeta = CheckMeta {
    id: "duplicate_management_trails",
    title: "Duplicate trails recording management events (paid copies)",
    severity: Severity::Low,
    what: "In some regions of the account, two or more recording trails capture management events. The first copy of management events is free; every further copy is billed (about USD 2 per 100,000 events).",
    why: "A local trail left over after an organization trail was created costs money every month and adds nothing.",
    fix: "aws cloudtrail delete-trail --name REDUNDANT_TRAIL_ARN --region HOME_REGION\n# or keep it for data events only:\naws cloudtrail put-event-selectors --trail-name REDUNDANT_TRAIL_ARN --event-selectors '[{\"ReadWriteType\":\"All\",\"IncludeManagementEvents\":false,\"DataResources\":[...]}]'",
};

/// Run. Trails whose selectors are unknown are left out (never counted as copies).
pub fn run(ctx: &Ctx, out: &mut Out) {
    let s = ctx.snapshot;
    for a in &s.accounts {
        if !ctx.accessed(&a.id) {
            continue;
        }
        let mut regions = Vec::new();
        let mut names: Vec<String> = Vec::new();
        let mut memo = crate::sources::HealthMemo::default();
        for r in &a.regions {
            let recording: Vec<&Trail> = s
                .trails_applying(&a.id, &r.region)
                .into_iter()
                .filter(|t| memo.health(s, t, &a.id) == Health::Recording)
                .filter(|t| matches!(&t.selectors, Fact::Collected { value } if class_extent(value, EventClass::ManagementWrite) != Extent::None))
                .collect();
            if recording.len() > 1 {
                regions.push(r.region.as_str());
                for t in recording {
                    if !names.contains(&t.name) {
                        names.push(t.name.clone());
                    }
                }
            }
        }
        if !regions.is_empty() {
            out.push(Status::Fail, &a.id, "", &a.id, format!(
                "{} trails ({}) record management events in {} region(s) of account {}; all but one copy are billed",
                names.len(), names.join(", "), regions.len(), a.name
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::run_one;
    use crate::fixture::*;
    use crate::Status;

    #[test]
    fn pass_fail_and_unknown_selectors_not_counted() {
        assert!(run_one("duplicate_management_trails", &healthy()).is_empty());
        let mut s = healthy();
        let mut t = local_trail(MEMBER, "eu-west-1");
        t.s3_bucket_name = None;
        s.trails.push(t);
        let f = run_one("duplicate_management_trails", &s);
        assert_eq!(f.len(), 1);
        assert_eq!(
            (f[0].status, f[0].account_id.as_str()),
            (Status::Fail, MEMBER)
        );
        s.trails[1].selectors = denied("cloudtrail:GetEventSelectors");
        assert!(run_one("duplicate_management_trails", &s).is_empty());
    }
}
