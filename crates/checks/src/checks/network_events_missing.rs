//! Required network activity events not recorded.

use crate::check::*;

/// Metadata.
pub const META: CheckMeta = CheckMeta {
    id: "network_events_missing",
    title: "Required network activity events not recorded",
    severity: Severity::Medium,
    what: "Network activity events (API calls through VPC endpoints, `eventCategory` `NetworkActivity`) that the policy requires (`[network_activity]` `sources`: every event of an event source; `vpce_denied`: those a VPC endpoint policy denied, `errorCode` `VpceAccessDenied`) are not recorded, or only partly (one endpoint, one error code), in a required region of an account the requirement applies to. Only advanced event selectors on a trail or an event data store can record them. One finding per account and class.",
    why: "A data perimeter is proven by its denials: without network activity events nobody sees credentials from outside the organization trying a VPC endpoint, or data leaving through one.",
    fix: "aws cloudtrail put-event-selectors --trail-name TRAIL_ARN --region HOME_REGION --advanced-event-selectors '[{\"Name\":\"Management\",\"FieldSelectors\":[{\"Field\":\"eventCategory\",\"Equals\":[\"Management\"]}]},{\"Name\":\"VPC endpoint denials\",\"FieldSelectors\":[{\"Field\":\"eventCategory\",\"Equals\":[\"NetworkActivity\"]},{\"Field\":\"eventSource\",\"Equals\":[\"kms.amazonaws.com\"]},{\"Field\":\"errorCode\",\"Equals\":[\"VpceAccessDenied\"]}]}]'",
};

/// Run.
pub fn run(ctx: &Ctx, out: &mut Out) {
    super::data_events_missing::missing_classes(ctx, out, |e| e.network_classes.clone());
}

#[cfg(test)]
mod tests {
    use crate::checks::run_one_with;
    use crate::fixture::*;
    use crate::Status;
    use trailaudit_model::{AdvancedSelector, Fact, FieldSelector, Selectors};

    fn eq(name: &str, v: &str) -> FieldSelector {
        FieldSelector {
            field: name.into(),
            equals: vec![v.into()],
            ..Default::default()
        }
    }

    #[test]
    fn required_sources_and_denials() {
        let p = crate::checks::parse_policy(
            "[network_activity]\nsources = [\"kms\"]\nvpce_denied = [\"ec2\"]\n",
            "audit.toml",
        )
        .unwrap();
        // Nothing selected: both missing in both accounts.
        let f = run_one_with("network_events_missing", &healthy(), &p);
        assert_eq!(
            f.iter().filter(|f| f.status == Status::Fail).count(),
            4,
            "{f:#?}"
        );
        assert!(f.iter().any(|f| f.resource == "network_ec2_vpce_denied"));
        // Denials of EC2 and every KMS event: nothing missing.
        let mut s = healthy();
        s.trails[0].selectors = Fact::Collected {
            value: Selectors::Advanced(vec![
                AdvancedSelector {
                    name: None,
                    field_selectors: vec![eq("eventCategory", "Management")],
                },
                AdvancedSelector {
                    name: None,
                    field_selectors: vec![
                        eq("eventCategory", "NetworkActivity"),
                        eq("eventSource", "kms.amazonaws.com"),
                    ],
                },
                AdvancedSelector {
                    name: None,
                    field_selectors: vec![
                        eq("eventCategory", "NetworkActivity"),
                        eq("eventSource", "ec2.amazonaws.com"),
                        eq("errorCode", "VpceAccessDenied"),
                    ],
                },
            ]),
        };
        assert!(run_one_with("network_events_missing", &s, &p).is_empty());
        // Asking for every EC2 network event: only the denials are: partial.
        let all_ec2 =
            crate::checks::parse_policy("[network_activity]\nsources = [\"ec2\"]\n", "audit.toml")
                .unwrap();
        let f = run_one_with("network_events_missing", &s, &all_ec2);
        assert_eq!(f.len(), 2, "{f:#?}");
        assert!(f[0].message.contains("(partial)"), "{}", f[0].message);
        // Unreadable selectors: unknown, never a pass.
        s.trails[0].selectors = denied("cloudtrail:GetEventSelectors");
        let f = run_one_with("network_events_missing", &s, &p);
        assert!(f.iter().all(|f| f.status == Status::Unknown) && !f.is_empty());
    }
}
