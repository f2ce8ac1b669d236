//! Resource control policies (RCPs) that can bear on CloudTrail's requests:
//! for every member account that owns a log bucket or a KMS key CloudTrail
//! uses, the policies attached to the root, each OU on its path and the
//! account (`ListPoliciesForTarget`), then each policy once
//! (`DescribePolicy`). Read with the starting credentials (Organizations is
//! read from the management account or a delegated administrator); a failed
//! read is recorded, and the delivery verdict is then unknown.

use std::collections::BTreeSet;

use aws_sdk_organizations::types::PolicyType;
use futures::stream::{self, StreamExt};
use trailaudit_model::{Fact, OrgPolicy, Snapshot};

use crate::aws;
use crate::run::Run;

/// A policy id and its name.
type Named = (String, String);

/// The accounts whose resources CloudTrail writes to or uses: log bucket
/// owners and KMS key owners, the management account left out (RCPs do not
/// apply to its resources).
fn resource_owners(s: &Snapshot) -> BTreeSet<String> {
    let mgmt = s
        .organization
        .as_ref()
        .map(|o| o.management_account_id.as_str())
        .unwrap_or_default();
    s.buckets
        .iter()
        .filter_map(|b| b.owner_account_id().map(str::to_string))
        .chain(s.kms_keys.iter().map(|k| k.account_id.clone()))
        .filter(|a| a != mgmt && !a.is_empty())
        .collect()
}

/// Reads the RCPs above every resource owner into the snapshot's
/// organization (nothing when RCPs are not enabled or not known to be).
pub(crate) async fn collect(run: &Run<'_>, snap: &mut Snapshot) {
    let owners = resource_owners(snap);
    let Some(org) = snap.organization.as_ref() else {
        return;
    };
    if !matches!(
        &org.resource_control_policies,
        Fact::Collected { value } if value.enabled
    ) {
        return;
    }
    // Owners not audited (a key in an account outside the audit, or outside
    // the organization) or whose OU path is unknown are not read: without
    // the levels above them the verdict rests on delivery evidence anyway.
    let targets: BTreeSet<String> = owners
        .iter()
        .filter_map(|owner| snap.account(owner).and_then(|a| org.targets_of(a)))
        .flatten()
        .collect();
    let client = run.organizations();
    let caller = snap.caller.account_id.clone();
    let attached: Vec<(String, Fact<Vec<Named>>)> =
        stream::iter(targets.into_iter().map(|target| {
            let client = &client;
            let caller = &caller;
            async move {
                let _p = run.permit().await;
                let pages = client
                    .list_policies_for_target()
                    .target_id(&target)
                    .filter(PolicyType::ResourceControlPolicy)
                    .into_paginator()
                    .send()
                    .collect::<Vec<_>>()
                    .await
                    .into_iter()
                    .collect::<Result<Vec<_>, _>>();
                let fact = match pages {
                    Ok(pages) => Fact::Collected {
                        value: pages
                            .iter()
                            .flat_map(|p| p.policies())
                            .filter_map(|p| {
                                Some((
                                    p.id()?.to_string(),
                                    p.name().unwrap_or_default().to_string(),
                                ))
                            })
                            .collect(),
                    },
                    Err(e) => run.failed(
                        caller,
                        None,
                        &target,
                        aws::classify("organizations:ListPoliciesForTarget", &e),
                    ),
                };
                (target, fact)
            }
        }))
        .buffer_unordered(4)
        .collect()
        .await;
    let mut names: Vec<(String, String)> = attached
        .iter()
        .filter_map(|(_, f)| f.value())
        .flatten()
        .cloned()
        .collect();
    names.sort();
    names.dedup_by(|a, b| a.0 == b.0);
    let policies: Vec<(String, OrgPolicy)> = stream::iter(names.into_iter().map(|(id, name)| {
        let client = &client;
        let caller = &caller;
        async move {
            let _p = run.permit().await;
            let content = match client.describe_policy().policy_id(&id).send().await {
                Ok(o) => match o.policy().and_then(|p| p.content()) {
                    Some(c) => Fact::Collected {
                        value: c.to_string(),
                    },
                    None => Fact::not_collected("DescribePolicy returned no content"),
                },
                Err(e) => run.failed(
                    caller,
                    None,
                    &id,
                    aws::classify("organizations:DescribePolicy", &e),
                ),
            };
            (id, OrgPolicy { name, content })
        }
    }))
    .buffer_unordered(4)
    .collect()
    .await;
    let Some(Fact::Collected { value: rcps }) = snap
        .organization
        .as_mut()
        .map(|o| &mut o.resource_control_policies)
    else {
        return;
    };
    for (target, fact) in attached {
        rcps.attached.insert(
            target,
            fact.map(|ids| ids.into_iter().map(|(id, _)| id).collect()),
        );
    }
    rcps.policies.extend(policies);
}
