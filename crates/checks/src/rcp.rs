//! Resource control policies (RCPs) in the delivery verdict.
//!
//! RCPs bound what any principal may do to a member account's resources,
//! service principals such as `cloudtrail.amazonaws.com` included (the
//! management account's resources and service-linked roles are exempt).
//! As with SCPs, a request is allowed only when, at every level above the
//! resource's account (the root, each OU on its path, the account), some
//! attached policy allows it, and no attached policy denies it. Each level's
//! policies are evaluated together by the same IAM engine as the bucket and
//! key policies, each statement named by its policy, so a verdict names the
//! policy and the statement that decided.

use trailaudit_iam::{Attached, Levels};
use trailaudit_model::{Fact, ResourceControlPolicies, Snapshot};

/// The levels above `owner`'s resources: `Ok(None)` when no RCP applies (no
/// organization read, the management account, RCPs not enabled); `Err` says
/// what could not be read (the verdict then rests on delivery evidence, as
/// for an unread bucket or key policy).
pub fn above(s: &Snapshot, owner: &str) -> Result<Option<Levels>, String> {
    let Some(org) = &s.organization else {
        return Ok(None);
    };
    if owner == org.management_account_id {
        return Ok(None);
    }
    let rcps = match &org.resource_control_policies {
        Fact::Collected { value } => value,
        other => {
            return Err(format!(
                "the organization's resource control policies are unknown: {}",
                other.unknown_reason().unwrap_or_default()
            ))
        }
    };
    if !rcps.enabled {
        return Ok(None);
    }
    let targets = s
        .account(owner)
        .and_then(|a| org.targets_of(a))
        .ok_or_else(|| {
            format!("the OU path of account {owner} is unknown, so are the resource control policies above it")
        })?;
    let levels = targets
        .into_iter()
        .map(|t| attached(rcps, &t).map(|p| (t, p)))
        .collect::<Result<Vec<_>, _>>()?;
    Levels::new(levels).map(Some)
}

/// The policies attached to `target`; `Err` says what could not be read.
fn attached<'a>(
    rcps: &'a ResourceControlPolicies,
    target: &str,
) -> Result<Vec<Attached<'a>>, String> {
    let ids = match rcps.attached.get(target) {
        Some(Fact::Collected { value }) => value,
        Some(other) => {
            return Err(format!(
                "the resource control policies attached to {target} are unknown: {}",
                other.unknown_reason().unwrap_or_default()
            ))
        }
        None => {
            return Err(format!(
                "the resource control policies attached to {target} were not read"
            ))
        }
    };
    ids.iter()
        .map(|id| {
            let Some(p) = rcps.policies.get(id) else {
                return Err(format!("resource control policy {id} was not read"));
            };
            match &p.content {
                Fact::Collected { value } => Ok(Attached {
                    name: &p.name,
                    id,
                    content: value,
                }),
                other => Err(format!(
                    "resource control policy {} ({id}) is unknown: {}",
                    p.name,
                    other.unknown_reason().unwrap_or_default()
                )),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use trailaudit_model::{Fact, OrgPolicy, OrganizationalUnit, ResourceControlPolicies};

    use crate::analysis::{trail_health, Health};
    use crate::checks::run_one;
    use crate::fixture::*;
    use crate::Status;
    use trailaudit_iam::corpus::{RCP_IDENTITY_PERIMETER, RCP_NETWORK_PERIMETER};

    const FULL: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#;
    /// The data-perimeter RCP that forgets AWS services: CloudTrail carries
    /// no aws:PrincipalOrgID, so ...IfExists holds and the Deny applies.
    const PERIMETER: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"EnforceOrgIdentities","Effect":"Deny","Principal":"*","Action":["s3:*","kms:*"],"Resource":"*","Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"o-abc123"}}}]}"#;

    /// The organization's log bucket moved to the member account (under
    /// Root/Prod), RCPs enabled with RCPFullAWSAccess everywhere and
    /// `extra` attached to the OU.
    fn with_rcp(extra: Option<&str>) -> trailaudit_model::Snapshot {
        let mut s = healthy();
        s.buckets[0].owner = Fact::Collected {
            value: Some(MEMBER.into()),
        };
        let org = s.organization.as_mut().unwrap();
        org.ous = vec![
            OrganizationalUnit {
                id: "r-root".into(),
                name: "Root".into(),
                path: "Root".into(),
            },
            OrganizationalUnit {
                id: "ou-prod".into(),
                name: "Prod".into(),
                path: "Root/Prod".into(),
            },
        ];
        let mut rcps = ResourceControlPolicies {
            enabled: true,
            ..Default::default()
        };
        let policy = |name: &str, doc: &str| OrgPolicy {
            name: name.into(),
            content: Fact::Collected { value: doc.into() },
        };
        rcps.policies
            .insert("p-full".into(), policy("RCPFullAWSAccess", FULL));
        for target in ["r-root", "ou-prod", MEMBER] {
            let mut ids = vec!["p-full".to_string()];
            if let (Some(doc), "ou-prod") = (extra, target) {
                rcps.policies
                    .insert("p-extra".into(), policy("perimeter", doc));
                ids.push("p-extra".into());
            }
            rcps.attached
                .insert(target.into(), Fact::Collected { value: ids });
        }
        org.resource_control_policies = Fact::Collected { value: rcps };
        s
    }

    fn health(s: &trailaudit_model::Snapshot) -> Health {
        let t = s.trails[0].clone();
        trail_health(s, &t, MEMBER)
    }

    #[test]
    fn a_perimeter_rcp_without_a_service_exception_blocks_delivery_naming_policy_and_statement() {
        assert_eq!(health(&with_rcp(None)), Health::Recording);
        let s = with_rcp(Some(PERIMETER));
        let Health::NotRecording(why) = health(&s) else {
            panic!("{:?}", health(&s))
        };
        assert!(why.contains("EnforceOrgIdentities (perimeter)"), "{why}");
        assert!(why.contains("ou-prod"), "{why}");
        let f = run_one("rcp_blocks_delivery", &s);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].status, Status::Fail);
        assert_eq!(f[0].account_id, MEMBER);
        assert!(f[0].message.contains("EnforceOrgIdentities (perimeter)"));
    }

    #[test]
    fn a_perimeter_rcp_above_the_keys_account_blocks_the_trails_key() {
        // The bucket stays the management account's (exempt); the key is the member's.
        let mut s = with_rcp(Some(PERIMETER));
        s.buckets[0].owner = Fact::Collected {
            value: Some(MGMT.into()),
        };
        let member_key = ORG_KEY.replace(MGMT, MEMBER);
        s.kms_keys[0].arn = member_key.clone();
        s.kms_keys[0].account_id = MEMBER.into();
        s.trails[0].kms_key_id = Some(member_key.clone());
        let Health::NotRecording(why) = health(&s) else {
            panic!("{:?}", health(&s))
        };
        assert!(why.contains("KMS key"), "{why}");
        let f = run_one("rcp_blocks_delivery", &s);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(
            (f[0].account_id.as_str(), f[0].resource.as_str()),
            (MEMBER, member_key.as_str())
        );
        assert!(
            f[0].message.contains("kms:GenerateDataKey"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn the_service_exception_lets_cloudtrail_through() {
        let excepted = PERIMETER.replace(
            r#""Condition":{"#,
            r#""Condition":{"BoolIfExists":{"aws:PrincipalIsAWSService":"false"},"#,
        );
        let s = with_rcp(Some(&excepted));
        assert_eq!(health(&s), Health::Recording);
        assert!(run_one("rcp_blocks_delivery", &s).is_empty());
    }

    #[test]
    fn a_deny_that_may_apply_is_unknown_never_recording() {
        let doc = r#"{"Version":"2012-10-17","Statement":[{"Sid":"OnlyOurPaths","Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"*","Condition":{"StringNotLike":{"aws:SourceOrgPaths":"o-abc123/r-root/ou-prod/*"}}}]}"#;
        let s = with_rcp(Some(doc));
        let Health::Unknown(why) = health(&s) else {
            panic!("{:?}", health(&s))
        };
        assert!(why.contains("OnlyOurPaths (perimeter)"), "{why}");
        assert_eq!(
            run_one("rcp_blocks_delivery", &s)[0].status,
            Status::Unknown
        );
    }

    #[test]
    fn the_published_perimeter_rcps_let_cloudtrail_deliver() {
        for doc in [RCP_IDENTITY_PERIMETER, RCP_NETWORK_PERIMETER] {
            let s = with_rcp(Some(doc));
            assert_eq!(health(&s), Health::Recording, "{doc}");
            assert!(run_one("rcp_blocks_delivery", &s).is_empty());
        }
        // One change: the identity perimeter without its AWS-service
        // exception may deny CloudTrail (only a tag on the bucket, which is
        // not read, could exclude it): unknown, never recording.
        let mutated = RCP_IDENTITY_PERIMETER.replacen(
            r#""BoolIfExists":{"aws:PrincipalIsAWSService":"false"}"#,
            r#""BoolIfExists":{"aws:PrincipalIsAWSService":["false","true"]}"#,
            1,
        );
        assert_ne!(mutated, RCP_IDENTITY_PERIMETER);
        let Health::Unknown(why) = health(&with_rcp(Some(&mutated))) else {
            panic!("{:?}", health(&with_rcp(Some(&mutated))))
        };
        assert!(why.contains("EnforceOrgIdentities (perimeter)"), "{why}");
        // And a confused-deputy statement for another organization denies.
        let other = RCP_IDENTITY_PERIMETER.replace(
            r#""aws:SourceOrgID":"o-abc123""#,
            r#""aws:SourceOrgID":"o-other""#,
        );
        let Health::Unknown(why) = health(&with_rcp(Some(&other))) else {
            panic!("{:?}", health(&with_rcp(Some(&other))))
        };
        assert!(why.contains("EnforceConfusedDeputyProtection"), "{why}");
    }

    #[test]
    fn a_level_without_an_allowing_rcp_denies() {
        let mut s = with_rcp(None);
        if let Fact::Collected { value } =
            &mut s.organization.as_mut().unwrap().resource_control_policies
        {
            value
                .attached
                .insert("ou-prod".into(), Fact::Collected { value: vec![] });
        }
        let Health::NotRecording(why) = health(&s) else {
            panic!("{:?}", health(&s))
        };
        assert!(why.contains("attached to ou-prod"), "{why}");
    }

    #[test]
    fn exempt_or_off_or_unread() {
        // The management account's resources are not affected.
        let mut s = with_rcp(Some(PERIMETER));
        s.buckets[0].owner = Fact::Collected {
            value: Some(MGMT.into()),
        };
        assert_eq!(health(&s), Health::Recording);
        // Not enabled: nothing applies.
        let mut s = with_rcp(Some(PERIMETER));
        if let Fact::Collected { value } =
            &mut s.organization.as_mut().unwrap().resource_control_policies
        {
            value.enabled = false;
        }
        assert_eq!(health(&s), Health::Recording);
        // A level whose attachments could not be read: as for an unread
        // bucket policy, the verdict rests on delivery evidence (recording
        // with a delivery in the last 24 hours, else unknown naming it).
        let mut s = with_rcp(None);
        if let Fact::Collected { value } =
            &mut s.organization.as_mut().unwrap().resource_control_policies
        {
            value
                .attached
                .insert(MEMBER.into(), denied("organizations:ListPoliciesForTarget"));
        }
        assert_eq!(health(&s), Health::Recording);
        if let Fact::Collected { value } = &mut s.trails[0].status {
            value.latest_delivery_time = None;
        }
        let Health::Unknown(why) = health(&s) else {
            panic!("{:?}", health(&s))
        };
        assert!(why.contains(MEMBER), "{why}");
    }
}
