//! CloudTrail Insights not enabled on a trail.

use crate::check::*;

/// Metadata.
pub const META: CheckMeta = CheckMeta {
    id: "insights_off",
    title: "CloudTrail Insights off",
    severity: Severity::Info,
    what: "The trail has no Insights selectors (ApiCallRateInsight, ApiErrorRateInsight).",
    why: "Insights flags unusual API call and error rates (a runaway script, credential abuse) without writing rules; it is billed per event analysed, so it is a choice, not a requirement.",
    fix: "aws cloudtrail put-insight-selectors --trail-name TRAIL_ARN --region HOME_REGION --insight-selectors '[{\"InsightType\":\"ApiCallRateInsight\"},{\"InsightType\":\"ApiErrorRateInsight\"}]'",
};

/// Run.
pub fn run(ctx: &Ctx, out: &mut Out) {
    for t in ctx.trails() {
        let types = out.fact(
            &t.insight_types,
            &t.owner_account_id,
            &t.home_region,
            &t.arn,
            |why| format!("Insights selectors of trail {} unknown: {why}", t.name),
        );
        match types {
            Some(value) if value.is_empty() => out.push(
                Status::Info,
                &t.owner_account_id,
                &t.home_region,
                &t.arn,
                format!("trail {} has no Insights selectors", t.name),
            ),
            _ => {}
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
    fn pass_info_unknown() {
        let mut s = healthy();
        s.trails[0].insight_types = Fact::Collected {
            value: vec!["ApiCallRateInsight".into()],
        };
        assert!(run_one("insights_off", &s).is_empty());
        assert_eq!(run_one("insights_off", &healthy())[0].status, Status::Info);
        s.trails[0].insight_types = denied("cloudtrail:GetInsightSelectors");
        assert_eq!(run_one("insights_off", &s)[0].status, Status::Unknown);
    }
}
