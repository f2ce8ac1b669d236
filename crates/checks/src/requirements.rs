//! What each account must have (the policy resolved per account), the
//! classes the matrix must answer for, and the per-resource answers: for
//! each resource a requirement names, which trail or event data store
//! records its data events and which does not.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use trailaudit_model::{RegionStatus, Snapshot};

use crate::audit_policy::{AuditPolicy, Effective, Resource};
use crate::coverage::{data_questions, evaluate_cell, partition, EventClass, State};
use crate::sources::{account_unknown, sources_memo, HealthMemo};
use trailaudit_catalogue::Access;

/// The policy resolved for every account of a snapshot (accounts with the
/// same applying scopes share one [`Effective`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Requirements {
    distinct: Vec<Effective>,
    by_account: HashMap<String, usize>,
    base: Effective,
}

impl Requirements {
    /// Resolves `policy` for every account of `s`.
    pub fn resolve(policy: &AuditPolicy, s: &Snapshot) -> Requirements {
        let mut r = Requirements {
            base: policy.resolve(None, s),
            ..Requirements::default()
        };
        let mut by_scopes: HashMap<Vec<usize>, usize> = HashMap::new();
        // OU paths once per scope, not once per account.
        let paths: Vec<Vec<String>> = policy.scope.iter().map(|sc| sc.ou_paths(s)).collect();
        for a in &s.accounts {
            let applying: Vec<usize> = policy
                .scope
                .iter()
                .enumerate()
                .filter(|(i, sc)| sc.applies_to(a, &paths[*i]))
                .map(|(i, _)| i)
                .collect();
            let i = match by_scopes.get(&applying) {
                Some(i) => *i,
                None => {
                    r.distinct.push(policy.resolve_scopes(&applying));
                    by_scopes.insert(applying, r.distinct.len() - 1);
                    r.distinct.len() - 1
                }
            };
            r.by_account.insert(a.id.clone(), i);
        }
        r
    }

    /// The requirements of one account (the top level's for an account not
    /// in the snapshot).
    pub fn of(&self, account: &str) -> &Effective {
        self.by_account
            .get(account)
            .map(|&i| &self.distinct[i])
            .unwrap_or(&self.base)
    }

    /// Every distinct set of requirements (the top level's first).
    pub fn all(&self) -> impl Iterator<Item = &Effective> {
        std::iter::once(&self.base).chain(self.distinct.iter())
    }

    /// The classes of the matrix: the base ones, then every class some
    /// account requires, in registration order.
    pub fn classes(&self) -> Vec<EventClass> {
        let mut v: Vec<EventClass> = EventClass::ALL.to_vec();
        let mut extra: Vec<EventClass> = self
            .all()
            .flat_map(|e| e.classes())
            .filter(|c| !v.contains(c))
            .collect();
        extra.sort();
        extra.dedup();
        v.extend(extra);
        v
    }
}

/// One required resource in one account-region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceCell {
    /// Account.
    pub account_id: String,
    /// Region.
    pub region: String,
    /// The resource as required (ARN or ARN prefix).
    pub resource: String,
    /// `resources.type`.
    pub resource_type: String,
    /// `read`, `write` or `read_write`.
    pub access: Access,
    /// Covered, partial, gap, unknown or not enabled.
    pub state: State,
    /// ARNs of the trails or event data stores that record it (all of it
    /// when covered, part of it when partial).
    pub sources: Vec<String>,
    /// Why not (partial, gap, unknown).
    pub reason: String,
}

/// Where a required resource lives in `account`: the regions to answer for
/// (none when it lives in another account).
fn placements(
    r: &Resource,
    s: &Snapshot,
    account: &trailaudit_model::Account,
) -> Option<Vec<String>> {
    let (arn_region, arn_account) = r.arn_region_account();
    let bucket = (r.resource_type().as_deref() == Some("AWS::S3::Object"))
        .then(|| {
            r.arn
                .split(":::")
                .nth(1)
                .and_then(|rest| rest.split('/').next())
                .and_then(|name| s.bucket(name))
        })
        .flatten();
    let owner = arn_account
        .map(str::to_string)
        .or_else(|| r.account.clone())
        .or_else(|| bucket.and_then(|b| b.owner_account_id().map(str::to_string)));
    if owner.as_deref().is_some_and(|o| o != account.id) {
        return None;
    }
    let region = arn_region
        .map(str::to_string)
        .or_else(|| r.region.clone())
        .or_else(|| bucket.and_then(|b| b.region.value().cloned()));
    Some(match region {
        // Also when the run did not look there (outside --regions): the
        // answer is then unknown, never silently absent.
        Some(region) => vec![region],
        // Unknown region: every region of the account (a bucket's data
        // events are recorded only in its own region; name it to say which).
        None => account.regions.iter().map(|ar| ar.region.clone()).collect(),
    })
}

/// The per-resource answers for every account's required resources.
pub fn resource_matrix(s: &Snapshot, req: &Requirements) -> Vec<ResourceCell> {
    let part = partition(s);
    let mut out = Vec::new();
    for a in &s.accounts {
        let eff = req.of(&a.id);
        if eff.resources.is_empty() {
            continue;
        }
        let unknown = account_unknown(a);
        let mut memo = HealthMemo::default();
        for r in &eff.resources {
            let (Some(ty), access) = (r.resource_type(), r.access()) else {
                continue; // rejected when the policy was read
            };
            let Ok(class) = EventClass::data(&ty, access) else {
                continue;
            };
            let Some(regions) = placements(r, s, a) else {
                continue;
            };
            let qs = data_questions(&ty, access, r.arn_values(), part);
            for region in &regions {
                let region = region.as_str();
                let ar = a.regions.iter().find(|ar| ar.region == region);
                let not_enabled = ar.is_some_and(|ar| ar.status == RegionStatus::NotEnabled);
                let (state, sources, reason) = if let Some(why) = &unknown {
                    (State::Unknown, vec![], why.clone())
                } else if ar.is_none() {
                    (
                        State::Unknown,
                        vec![],
                        format!(
                            "{region} was not audited (not in --regions), and the resource lives there"
                        ),
                    )
                } else if not_enabled {
                    (
                        State::NotEnabled,
                        vec![],
                        "region not enabled for the account".to_string(),
                    )
                } else {
                    let found = sources_memo(s, &a.id, region, &mut memo);
                    evaluate_cell(&found, class, &qs)
                };
                out.push(ResourceCell {
                    account_id: a.id.clone(),
                    region: region.to_string(),
                    resource: r.arn.clone(),
                    resource_type: ty.clone(),
                    access,
                    state,
                    sources,
                    reason,
                });
            }
        }
    }
    out
}
