//! Organization trails reach member accounts only while AWS Organizations has
//! trusted access enabled for CloudTrail.

use crate::check::*;

/// Metadata.
pub const META: CheckMeta = CheckMeta {
    id: "org_trail_not_reaching_members",
    title: "Organization trail does not reach member accounts (trusted access disabled)",
    severity: Severity::High,
    what: "The organization has an organization trail, but trusted access for CloudTrail (cloudtrail.amazonaws.com) is not enabled in AWS Organizations (ListAWSServiceAccessForOrganization). The trail then records only the account that owns it.",
    why: "Every member account silently loses the organization trail's coverage; the trail still shows as logging. Disabling it is a known AWS Control Tower drift.",
    fix: "aws organizations enable-aws-service-access --service-principal cloudtrail.amazonaws.com\naws organizations list-aws-service-access-for-organization",
};

/// Run.
pub fn run(ctx: &Ctx, out: &mut Out) {
    let s = ctx.snapshot;
    let Some(org) = &s.organization else { return };
    let org_trails: Vec<&str> = s
        .trails
        .iter()
        .filter(|t| t.is_organization_trail)
        .map(|t| t.name.as_str())
        .collect();
    let stores: Vec<&str> = s
        .event_data_stores
        .iter()
        .filter(|e| e.organization_enabled)
        .map(|e| e.name.as_str())
        .collect();
    if org_trails.is_empty() && stores.is_empty() {
        return;
    }
    let names = org_trails
        .iter()
        .chain(stores.iter())
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    let members = s
        .accounts
        .iter()
        .filter(|a| a.id != org.management_account_id)
        .count();
    let trusted = out.fact(
        &org.cloudtrail_trusted_access,
        &org.management_account_id,
        "",
        &org.id,
        |why| format!("cannot tell whether {names} reach member accounts: trusted access for CloudTrail could not be read ({why})"),
    );
    if trusted == Some(&false) {
        out.push(
            Status::Fail,
            &org.management_account_id,
            "",
            &org.id,
            format!(
                "trusted access for CloudTrail is disabled in organization {}: {names} record only the owning account, not the {members} member accounts",
                org.id
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::run_one;
    use crate::coverage::{matrix, EventClass};
    use crate::fixture::*;
    use crate::{State, Status};
    use trailaudit_model::Fact;

    fn cell(s: &trailaudit_model::Snapshot, account: &str) -> (State, String) {
        let m = matrix(s);
        let c = m
            .iter()
            .find(|c| {
                c.account_id == account
                    && c.region == "eu-west-1"
                    && c.class == EventClass::ManagementWrite
            })
            .unwrap();
        (c.state, c.reason.to_string())
    }

    #[test]
    fn pass_fail_unknown() {
        assert!(run_one("org_trail_not_reaching_members", &healthy()).is_empty());
        let mut s = healthy();
        s.organization.as_mut().unwrap().cloudtrail_trusted_access =
            Fact::Collected { value: false };
        let f = run_one("org_trail_not_reaching_members", &s);
        assert_eq!(f[0].status, Status::Fail);
        assert_eq!(f[0].account_id, MGMT);
        assert!(
            f[0].message.contains("1 member accounts"),
            "{}",
            f[0].message
        );
        // Members' cells are gaps with the reason; the owner stays covered.
        let (st, why) = cell(&s, MEMBER);
        assert_eq!(st, State::Gap);
        assert!(
            why.contains("trusted access for CloudTrail is disabled"),
            "{why}"
        );
        assert_eq!(cell(&s, MGMT).0, State::Covered);

        s.organization.as_mut().unwrap().cloudtrail_trusted_access =
            denied("organizations:ListAWSServiceAccessForOrganization");
        assert_eq!(
            run_one("org_trail_not_reaching_members", &s)[0].status,
            Status::Unknown
        );
        let (st, why) = cell(&s, MEMBER);
        assert_eq!(st, State::Unknown);
        assert!(why.contains("ListAWSServiceAccessForOrganization"), "{why}");
        assert_eq!(cell(&s, MGMT).0, State::Covered);
    }
}
