//! S3 or Lambda data events not recorded.

use super::*;
use crate::coverage::State;

/// Metadata.
pub const META: CheckMeta = CheckMeta {
    id: "data_events_missing",
    title: "S3 or Lambda data events not recorded",
    severity: Severity::Medium,
    what: "S3 object-level events (GetObject, PutObject, DeleteObject) or Lambda Invoke events are not recorded (or only for some buckets or functions). They are never logged unless a selector asks for them. Failures are raised only for what `audit.toml` requires (`[data_events] s3 / lambda`); otherwise one informational note.",
    why: "Data exfiltration from S3 and abuse of functions leave no trace in management events.",
    fix: "aws cloudtrail put-event-selectors --trail-name TRAIL_ARN --region HOME_REGION --advanced-event-selectors '[{\"Name\":\"S3 objects\",\"FieldSelectors\":[{\"Field\":\"eventCategory\",\"Equals\":[\"Data\"]},{\"Field\":\"resources.type\",\"Equals\":[\"AWS::S3::Object\"]}]},{\"Name\":\"Management\",\"FieldSelectors\":[{\"Field\":\"eventCategory\",\"Equals\":[\"Management\"]}]}]'",
};

/// Run.
pub fn run(ctx: &Ctx, out: &mut Out) {
    let mut not_required = 0usize;
    for (class, required, name) in [
        (
            EventClass::S3Data,
            ctx.policy.data_events.s3,
            "S3 data events",
        ),
        (
            EventClass::LambdaData,
            ctx.policy.data_events.lambda,
            "Lambda data events",
        ),
    ] {
        for a in &ctx.snapshot.accounts {
            if !ctx.accessed(&a.id) {
                continue;
            }
            let cells: Vec<Cell> = ctx
                .coverage
                .of_account(&a.id)
                .filter(|c| c.class == class)
                .collect();
            let missing: Vec<&str> = cells
                .iter()
                .filter(|c| matches!(c.state, State::Gap | State::Partial))
                .map(|c| c.region)
                .collect();
            let unknown: Vec<&Cell> = cells.iter().filter(|c| c.state == State::Unknown).collect();
            if !required {
                if !missing.is_empty() {
                    not_required += 1;
                }
                continue;
            }
            if !missing.is_empty() {
                out.push(
                    Status::Fail,
                    &a.id,
                    "",
                    &a.id,
                    format!(
                        "{name} are required but not (fully) recorded in {} region(s): {}",
                        missing.len(),
                        missing.join(", ")
                    ),
                );
            } else if let Some(c) = unknown.first() {
                out.push(
                    Status::Unknown,
                    &a.id,
                    "",
                    &a.id,
                    format!("cannot tell whether {name} are recorded: {}", c.reason),
                );
            }
        }
    }
    if not_required > 0 {
        let who = ctx
            .snapshot
            .organization
            .as_ref()
            .map(|o| o.management_account_id.clone())
            .unwrap_or_else(|| ctx.snapshot.caller.account_id.clone());
        out.push_at(Severity::Info, Status::Info, &who, "", "organization",
            format!("S3 or Lambda data events are not recorded everywhere ({not_required} account/class combinations); the policy does not require them (set [data_events] in audit.toml)"));
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::{run_one, run_one_with};
    use crate::fixture::*;
    use crate::{Policy, Status};

    #[test]
    fn pass_fail_unknown() {
        let mut required = Policy::default();
        required.data_events.s3 = true;
        let f = run_one("data_events_missing", &healthy());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].status, Status::Info, "not required: one note");
        let f = run_one_with("data_events_missing", &healthy(), &required);
        assert_eq!(f.iter().filter(|f| f.status == Status::Fail).count(), 2);
        let mut s = healthy();
        s.trails[0].selectors = denied("cloudtrail:GetEventSelectors");
        let f = run_one_with("data_events_missing", &s, &required);
        assert!(f.iter().any(|f| f.status == Status::Unknown));
        let mut s = healthy();
        s.trails[0].selectors = trailaudit_model::Fact::Collected {
            value: trailaudit_model::Selectors::Basic(vec![trailaudit_model::BasicSelector {
                read_write_type: trailaudit_model::ReadWriteType::All,
                include_management_events: true,
                exclude_management_event_sources: vec![],
                data_resources: vec![trailaudit_model::DataResource {
                    resource_type: "AWS::S3::Object".into(),
                    values: vec!["arn:aws:s3".into()],
                }],
            }]),
        };
        let f = run_one_with("data_events_missing", &s, &required);
        assert!(
            f.iter().all(|f| f.status == Status::Info),
            "S3 covered; Lambda not required: {f:#?}"
        );
    }
}
