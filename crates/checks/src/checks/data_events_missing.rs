//! Required data events not recorded (by resource type, or for named resources).

use crate::audit_policy::Effective;
use crate::check::*;
use crate::coverage::State;

/// Metadata.
pub const META: CheckMeta = CheckMeta {
    id: "data_events_missing",
    title: "Required data events not recorded",
    severity: Severity::Medium,
    what: "Data events the policy requires (`[data_events]` `s3`, `lambda`, `types`: any resource type such as DynamoDB tables, S3 Express objects or Bedrock agents, read, write or both; `resources`: named buckets, tables, functions) are not recorded, or only partly (some buckets excluded, read or write only), in a required region of an account the requirement applies to (see `[[scope]]`). One finding per account and class, and one per named resource and region. Without a requirement, one informational note when S3 or Lambda data events are not recorded everywhere.",
    why: "Data exfiltration from S3, item-level reads of cardholder data and abuse of functions or models leave no trace in management events.",
    fix: "aws cloudtrail put-event-selectors --trail-name TRAIL_ARN --region HOME_REGION --advanced-event-selectors '[{\"Name\":\"S3 objects\",\"FieldSelectors\":[{\"Field\":\"eventCategory\",\"Equals\":[\"Data\"]},{\"Field\":\"resources.type\",\"Equals\":[\"AWS::S3::Object\"]}]},{\"Name\":\"DynamoDB items\",\"FieldSelectors\":[{\"Field\":\"eventCategory\",\"Equals\":[\"Data\"]},{\"Field\":\"resources.type\",\"Equals\":[\"AWS::DynamoDB::Table\"]}]},{\"Name\":\"Management\",\"FieldSelectors\":[{\"Field\":\"eventCategory\",\"Equals\":[\"Management\"]}]}]'",
};

/// Findings for required classes missing in an account's required regions
/// (shared with `network_events_missing`).
pub(super) fn missing_classes(
    ctx: &Ctx,
    out: &mut Out,
    required: impl Fn(&Effective) -> Vec<EventClass>,
) {
    for a in &ctx.snapshot.accounts {
        if !ctx.accessed(&a.id) {
            continue; // reported once by permission_gap / account_suspended
        }
        let eff = ctx.req(&a.id);
        for class in required(eff) {
            let cells: Vec<Cell> = ctx
                .coverage
                .of_account(&a.id)
                .filter(|c| c.class == class && eff.region_required(c.region))
                .collect();
            let missing: Vec<String> = cells
                .iter()
                .filter(|c| matches!(c.state, State::Gap | State::Partial))
                .map(|c| format!("{} ({})", c.region, c.state.as_str()))
                .collect();
            let unknown: Vec<&Cell> = cells.iter().filter(|c| c.state == State::Unknown).collect();
            let origin = ctx.origin(&a.id, requirement_key(eff, class));
            if !missing.is_empty() {
                let why = cells
                    .iter()
                    .find(|c| matches!(c.state, State::Gap | State::Partial))
                    .map(|c| c.reason)
                    .unwrap_or_default();
                out.push(
                    Status::Fail,
                    &a.id,
                    "",
                    class.as_str(),
                    format!(
                        "{} are required{origin} but not (fully) recorded in {} region(s): {}; {why}",
                        class.describe(),
                        missing.len(),
                        missing.join(", ")
                    ),
                );
            } else if let Some(c) = unknown.first() {
                out.push(
                    Status::Unknown,
                    &a.id,
                    "",
                    class.as_str(),
                    format!(
                        "cannot tell whether {} are recorded in {} region(s): {}",
                        class.describe(),
                        unknown.len(),
                        c.reason
                    ),
                );
            }
        }
    }
}

/// The policy key that asked for a class (for "required by" in messages).
fn requirement_key(eff: &Effective, class: EventClass) -> &'static str {
    use trailaudit_catalogue::ClassKind;
    let set = |k: &str| eff.origins.get(k).is_some_and(|o| o != "default");
    match class.kind() {
        ClassKind::Network {
            vpce_denied: true, ..
        } => "network_activity.vpce_denied",
        ClassKind::Network { .. } => "network_activity.sources",
        _ if class == EventClass::S3Data && set("data_events.s3") => "data_events.s3",
        _ if class == EventClass::LambdaData && set("data_events.lambda") => "data_events.lambda",
        _ => "data_events.types",
    }
}

/// Run.
pub fn run(ctx: &Ctx, out: &mut Out) {
    missing_classes(ctx, out, |e| e.data_classes.clone());
    for r in ctx.resources {
        if !ctx.accessed(&r.account_id) || !ctx.req(&r.account_id).region_required(&r.region) {
            continue;
        }
        let what = format!(
            "{} data events of {} ({})",
            r.access.words(),
            r.resource,
            r.resource_type
        );
        let origin = ctx.origin(&r.account_id, "data_events.resources");
        let (status, message) = match r.state {
            State::Gap => (
                Status::Fail,
                format!("{what} are required{origin} but not recorded: {}", r.reason),
            ),
            State::Partial => (
                Status::Fail,
                format!(
                    "{what} are required{origin} but only partly recorded ({}): {}",
                    r.sources.join(", "),
                    r.reason
                ),
            ),
            State::Unknown => (
                Status::Unknown,
                format!("cannot tell whether {what} are recorded: {}", r.reason),
            ),
            State::Covered | State::Verified | State::NotEnabled => continue,
        };
        out.push(status, &r.account_id, &r.region, &r.resource, message);
    }
    // Not required: one note when S3 or Lambda data events are missing somewhere.
    let mut not_required = 0usize;
    for a in &ctx.snapshot.accounts {
        if !ctx.accessed(&a.id) {
            continue;
        }
        let eff = ctx.req(&a.id);
        for class in [EventClass::S3Data, EventClass::LambdaData] {
            if eff.data_classes.contains(&class) {
                continue;
            }
            if ctx
                .coverage
                .of_account(&a.id)
                .any(|c| c.class == class && matches!(c.state, State::Gap | State::Partial))
            {
                not_required += 1;
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
    use crate::{AuditPolicy, Status};
    use trailaudit_model::{AdvancedSelector, Fact, FieldSelector, Selectors};

    fn field(name: &str, op: &str, v: &str) -> FieldSelector {
        let mut f = FieldSelector {
            field: name.into(),
            ..Default::default()
        };
        match op {
            "Equals" => f.equals = vec![v.into()],
            "NotStartsWith" => f.not_starts_with = vec![v.into()],
            _ => unreachable!(),
        }
        f
    }

    #[test]
    fn pass_fail_unknown() {
        let mut required = AuditPolicy::default();
        required.data_events.s3 = Some(true);
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
        s.trails[0].selectors = basic(
            trailaudit_model::ReadWriteType::All,
            &[],
            "AWS::S3::Object",
            &["arn:aws:s3"],
        );
        let f = run_one_with("data_events_missing", &s, &required);
        assert!(
            f.iter().all(|f| f.status == Status::Info),
            "S3 covered; Lambda not required: {f:#?}"
        );
    }

    /// The verdict hole of issue 12: a selector excluding one bucket covers
    /// other buckets, not that one; a required resource says which.
    #[test]
    fn named_resources_get_their_own_answer() {
        let mut s = healthy();
        s.trails[0].selectors = Fact::Collected {
            value: Selectors::Advanced(vec![
                AdvancedSelector {
                    name: None,
                    field_selectors: vec![field("eventCategory", "Equals", "Management")],
                },
                AdvancedSelector {
                    name: None,
                    field_selectors: vec![
                        field("eventCategory", "Equals", "Data"),
                        field("resources.type", "Equals", "AWS::S3::Object"),
                        field("resources.ARN", "NotStartsWith", "arn:aws:s3:::secret/"),
                    ],
                },
            ]),
        };
        let p = crate::checks::parse_policy(
            &format!(
                "[data_events]\nresources = [{{ arn = \"arn:aws:s3:::secret\", account = \"{MEMBER}\", region = \"eu-west-1\" }}, {{ arn = \"arn:aws:s3:::orders/\", account = \"{MEMBER}\", region = \"eu-west-1\", access = \"write\" }}, {{ arn = \"arn:aws:s3:::far/\", account = \"{MEMBER}\", region = \"ap-south-1\" }}]\n"
            ),
            "audit.toml",
        )
        .unwrap();
        let f = run_one_with("data_events_missing", &s, &p);
        let fails: Vec<_> = f.iter().filter(|f| f.status == Status::Fail).collect();
        assert_eq!(fails.len(), 1, "{f:#?}");
        assert_eq!(fails[0].resource, "arn:aws:s3:::secret");
        assert_eq!(fails[0].account_id, MEMBER);
        assert_eq!(fails[0].region, "eu-west-1");
        assert!(
            fails[0].message.contains("not recorded"),
            "{}",
            fails[0].message
        );
    }
}
