//! Who changed coverage: which changes in CloudTrail's event history can
//! explain a finding ([`wanted`]), the bounded lookups that find them
//! ([`plan`]: one query per account-region and event name, shared by every
//! resource and finding asking there, never one per cell), and each
//! finding's [`Attribution`] once they are read ([`attribute`]).
//!
//! Where a change is recorded: in the account that owns the resource (the
//! caller's account for the calls the audit role can see), in the
//! resource's region (a trail's home region, a bucket's, a key's, a log
//! group's); Organizations calls in the management account, in us-east-1.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use trailaudit_model::{
    parse_arn, Attribution, Change, History, HistoryAnswer, HistoryQuery, KnownTrail, Selectors,
    Snapshot, Trail,
};

use crate::finding::{Finding, Status};

/// One change that could explain a finding: these event names, in this
/// account-region, on this resource (empty: any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    /// Where it is recorded.
    pub account_id: String,
    /// The region it is recorded in.
    pub region: String,
    /// The event names.
    pub event_names: &'static [&'static str],
    /// The resource, as the snapshot names it (trail ARN, bucket name, key
    /// ARN, log group name); empty: any event of those names.
    pub resource: String,
}

const STOP: &[&str] = &["StopLogging"];
const DELETE_TRAIL: &[&str] = &["DeleteTrail"];
const UPDATE_TRAIL: &[&str] = &["UpdateTrail"];
const SELECTORS: &[&str] = &["PutEventSelectors"];
const INSIGHTS: &[&str] = &["PutInsightSelectors"];
const LIFECYCLE: &[&str] = &["PutBucketLifecycle"];
const BUCKET_POLICY: &[&str] = &["PutBucketPolicy", "DeleteBucketPolicy"];
const BUCKET_ENCRYPTION: &[&str] = &["PutBucketEncryption"];
const REQUESTER_PAYS: &[&str] = &["PutBucketRequestPayment"];
const PUBLIC: &[&str] = &[
    "PutBucketPolicy",
    "PutBucketAcl",
    "PutBucketPublicAccessBlock",
    "DeleteBucketPublicAccessBlock",
];
const PUBLIC_ACCESS_BLOCK: &[&str] = &[
    "PutBucketPublicAccessBlock",
    "DeleteBucketPublicAccessBlock",
];
const KEY: &[&str] = &["DisableKey", "ScheduleKeyDeletion", "PutKeyPolicy"];
const LOG_GROUP: &[&str] = &["PutRetentionPolicy", "DeleteLogGroup"];
const RCP: &[&str] = &["AttachPolicy", "UpdatePolicy", "DetachPolicy"];
const TRUSTED_ACCESS: &[&str] = &["DisableAWSServiceAccess"];

/// Organizations and other global services record in us-east-1.
const GLOBAL_REGION: &str = "us-east-1";

/// The checks whose findings a change can cause (`wanted` says which
/// changes); no other finding is looked up.
pub const ATTRIBUTED_CHECKS: &[&str] = &[
    "trail_not_logging",
    "region_not_logged",
    "global_events_not_captured",
    "management_events_incomplete",
    "data_events_missing",
    "network_events_missing",
    "insights_off",
    "log_validation_off",
    "not_kms_encrypted",
    "cloudwatch_logs",
    "retention_short",
    "bucket_policy_blocks_delivery",
    "bucket_encryption_blocks_delivery",
    "bucket_requester_pays",
    "bucket_public",
    "bucket_public_access_block_off",
    "kms_key_unusable",
    "rcp_blocks_delivery",
    "org_trail_not_reaching_members",
];

fn on_trail(t: &Trail, names: &'static [&'static str]) -> Wanted {
    Wanted {
        account_id: t.owner_account_id.clone(),
        region: t.home_region.clone(),
        event_names: names,
        resource: t.arn.clone(),
    }
}

/// The changes that could explain `f` (none for a finding no change causes,
/// or one that is not a failure). `deleted`: trails of the previous run
/// that are gone.
pub fn wanted(f: &Finding, s: &Snapshot, deleted: &[KnownTrail]) -> Vec<Wanted> {
    if f.status != Status::Fail || !ATTRIBUTED_CHECKS.contains(&f.check_id.as_str()) {
        return vec![];
    }
    let trail = || s.trail(&f.resource);
    let applying = || -> Vec<&Trail> {
        if f.region.is_empty() {
            // Account-wide: every trail recording the account somewhere.
            s.trails
                .iter()
                .filter(|t| {
                    t.owner_account_id == f.account_id
                        || (t.is_organization_trail && s.account(&f.account_id).is_some())
                })
                .collect()
        } else {
            s.trails_applying(&f.account_id, &f.region)
        }
    };
    // The finding's trail, else the trails recording its account-region;
    // for what they record (`coverage`: a trail that could record it and is
    // not logging was stopped), the stop is looked up too.
    let on_trails = |names: &'static [&'static str], coverage: fn(&Trail) -> bool| -> Vec<Wanted> {
        let trails = match trail() {
            Some(t) => vec![t],
            None => applying(),
        };
        let mut w: Vec<Wanted> = trails.iter().map(|t| on_trail(t, names)).collect();
        // A finding about the trail's own settings is not caused by a stop.
        if trail().is_none() {
            w.extend(
                trails
                    .iter()
                    .filter(|t| not_logging(t) && coverage(t))
                    .map(|t| on_trail(t, STOP)),
            );
        }
        w
    };
    // A bucket's findings name it, or a location in it (`s3://NAME/PREFIX`).
    let bucket = |names: &'static [&'static str]| -> Vec<Wanted> {
        let name = match f.resource.strip_prefix("s3://") {
            Some(rest) => rest.split('/').next().unwrap_or(rest),
            None => f.resource.as_str(),
        };
        let b = s.bucket(name);
        let region = b
            .and_then(|b| b.region.value().cloned())
            .unwrap_or_else(|| f.region.clone());
        let owner = b
            .and_then(|b| b.owner.value().cloned().flatten())
            .unwrap_or_else(|| f.account_id.clone());
        if region.is_empty() {
            return vec![];
        }
        vec![Wanted {
            account_id: owner,
            region,
            event_names: names,
            resource: name.to_string(),
        }]
    };
    let management = |names: &'static [&'static str], resource: &str| -> Vec<Wanted> {
        s.organization
            .as_ref()
            .map(|o| Wanted {
                account_id: o.management_account_id.clone(),
                region: GLOBAL_REGION.into(),
                event_names: names,
                resource: resource.into(),
            })
            .into_iter()
            .collect()
    };
    match f.check_id.as_str() {
        "trail_not_logging" => trail().map(|t| on_trail(t, STOP)).into_iter().collect(),
        "region_not_logged" => {
            let mut w: Vec<Wanted> = applying()
                .into_iter()
                .filter(|t| not_logging(t))
                .map(|t| on_trail(t, STOP))
                .collect();
            w.extend(
                deleted
                    .iter()
                    .filter(|t| {
                        (t.owner_account_id == f.account_id || t.is_organization_trail)
                            && (t.is_multi_region || t.home_region == f.region)
                    })
                    .map(|t| Wanted {
                        account_id: t.owner_account_id.clone(),
                        region: t.home_region.clone(),
                        event_names: DELETE_TRAIL,
                        resource: t.arn.clone(),
                    }),
            );
            // A member left out by organization trails that no longer reach
            // members: trusted access for CloudTrail was disabled.
            let member = s
                .organization
                .as_ref()
                .is_some_and(|o| o.management_account_id != f.account_id);
            if member
                && s.organization_trails_reach_members() == Some(false)
                && s.trails.iter().any(|t| {
                    t.is_organization_trail && (t.is_multi_region || t.home_region == f.region)
                })
            {
                w.extend(management(TRUSTED_ACCESS, "cloudtrail.amazonaws.com"));
            }
            w
        }
        "global_events_not_captured" => {
            on_trails(UPDATE_TRAIL, |t| t.include_global_service_events)
        }
        "log_validation_off" | "not_kms_encrypted" => on_trails(UPDATE_TRAIL, |_| false),
        "management_events_incomplete" => on_trails(SELECTORS, |_| true),
        "data_events_missing" | "network_events_missing" => {
            on_trails(SELECTORS, selects_beyond_management)
        }
        "insights_off" => on_trails(INSIGHTS, |_| false),
        "cloudwatch_logs" => match trail() {
            Some(t) => vec![on_trail(t, UPDATE_TRAIL)],
            None => {
                let name = log_group_name(&f.resource);
                vec![Wanted {
                    account_id: f.account_id.clone(),
                    region: f.region.clone(),
                    event_names: LOG_GROUP,
                    resource: name,
                }]
            }
        },
        "retention_short" => bucket(LIFECYCLE),
        "bucket_policy_blocks_delivery" => bucket(BUCKET_POLICY),
        "bucket_encryption_blocks_delivery" => bucket(BUCKET_ENCRYPTION),
        "bucket_requester_pays" => bucket(REQUESTER_PAYS),
        "bucket_public" => bucket(PUBLIC),
        "bucket_public_access_block_off" => bucket(PUBLIC_ACCESS_BLOCK),
        "kms_key_unusable" => match parse_arn(&f.resource) {
            Some((_, region, account, _)) if !account.is_empty() && !region.is_empty() => {
                vec![Wanted {
                    account_id: account.to_string(),
                    region: region.to_string(),
                    event_names: KEY,
                    resource: f.resource.clone(),
                }]
            }
            _ => vec![],
        },
        "rcp_blocks_delivery" => management(RCP, ""),
        "org_trail_not_reaching_members" => management(TRUSTED_ACCESS, "cloudtrail.amazonaws.com"),
        _ => vec![],
    }
}

/// Whether a trail's selectors could record data or network activity
/// events (a stop of one that records only management events did not take
/// them away).
fn selects_beyond_management(t: &Trail) -> bool {
    match t.selectors.value() {
        Some(Selectors::Default) => false,
        Some(Selectors::Basic(b)) => b.iter().any(|s| !s.data_resources.is_empty()),
        Some(Selectors::Advanced(_)) | None => true,
    }
}

/// Known not to be logging.
fn not_logging(t: &Trail) -> bool {
    t.status.value().is_some_and(|st| !st.is_logging)
}

/// A log group's name from its ARN (`arn:aws:logs:R:A:log-group:NAME[:*]`),
/// or the name given.
fn log_group_name(r: &str) -> String {
    match r.split_once(":log-group:") {
        Some((_, rest)) => rest.trim_end_matches(":*").to_string(),
        None => r.to_string(),
    }
}

/// The lookups for a snapshot's findings: one query per account-region and
/// event name, holding every resource asked about there. `previous_trails`:
/// the trails of the previous run (those gone now get a `DeleteTrail`
/// lookup).
pub fn plan(
    s: &Snapshot,
    findings: &[Finding],
    previous_trails: &[KnownTrail],
    now: DateTime<Utc>,
) -> History {
    let mut history = History::new(now);
    history.deleted_trails = previous_trails
        .iter()
        .filter(|t| s.trail(&t.arn).is_none())
        .cloned()
        .collect();
    let mut queries = Queries::default();
    for f in findings {
        for w in wanted(f, s, &history.deleted_trails) {
            for name in w.event_names {
                queries.ask(&w.account_id, &w.region, name, &w.resource);
            }
        }
    }
    history.queries = queries.planned();
    history
}

/// Queries keyed by account-region and event name, each resource once.
#[derive(Default)]
struct Queries(BTreeMap<(String, String, &'static str), Vec<String>>);

impl Queries {
    fn ask(&mut self, account: &str, region: &str, event_name: &'static str, resource: &str) {
        let resources = self
            .0
            .entry((account.to_string(), region.to_string(), event_name))
            .or_default();
        if !resources.iter().any(|r| r == resource) {
            resources.push(resource.to_string());
        }
    }

    fn planned(self) -> Vec<HistoryQuery> {
        self.0
            .into_iter()
            .map(|((account_id, region, name), resources)| HistoryQuery {
                account_id,
                region,
                event_name: name.to_string(),
                resources,
                answer: HistoryAnswer::NotLookedUp,
            })
            .collect()
    }
}

/// The attribution of one finding from a history that was looked up.
pub fn attribution(f: &Finding, s: &Snapshot, h: &History) -> Option<Attribution> {
    let wanted = wanted(f, s, &h.deleted_trails);
    if wanted.is_empty() {
        return None;
    }
    let mut newest: Option<&Change> = None;
    let mut unreadable: Option<String> = None;
    let mut partial: Option<u32> = None;
    let mut looked_for: Vec<String> = Vec::new();
    for w in &wanted {
        for name in w.event_names {
            if !looked_for.iter().any(|n| n == name) {
                looked_for.push(name.to_string());
            }
            match h.query(&w.account_id, &w.region, name).map(|q| &q.answer) {
                Some(HistoryAnswer::Read {
                    changes,
                    complete,
                    events_read,
                }) => {
                    for c in changes.iter().filter(|c| c.resource == w.resource) {
                        if newest.is_none_or(|n| c.event_time > n.event_time) {
                            newest = Some(c);
                        }
                    }
                    if !complete {
                        partial = Some(partial.unwrap_or(0) + events_read);
                    }
                }
                Some(HistoryAnswer::Unreadable { error }) => {
                    unreadable.get_or_insert_with(|| {
                        format!("{} in {} {}", error.describe(), w.account_id, w.region)
                    });
                }
                Some(HistoryAnswer::NotLookedUp) | None => {
                    unreadable.get_or_insert_with(|| {
                        format!("{name} in {} {} was not looked up", w.account_id, w.region)
                    });
                }
            }
        }
    }
    Some(match (newest, unreadable, partial) {
        (Some(c), _, _) => Attribution::Changed {
            change: Box::new(c.clone()),
        },
        (None, Some(reason), _) => Attribution::Unreadable {
            reason,
            open_before: None,
        },
        (None, None, Some(events_read)) => Attribution::NotFoundInPart {
            events_read,
            looked_for,
            open_before: None,
        },
        (None, None, None) => Attribution::NotInHistory {
            before: h.oldest,
            looked_for,
        },
    })
}

/// Gives every finding a change can cause its attribution, when the
/// snapshot's history was looked up.
pub fn attribute(findings: &mut [Finding], s: &Snapshot) {
    let Some(h) = &s.history else { return };
    for f in findings.iter_mut() {
        f.attribution = attribution(f, s, h);
    }
}

/// The changes `audit why` looks for on the trails that record an
/// account-region: logging stopped or started, selectors or settings changed.
pub const TRAIL_CHANGES: &[&str] = &[
    "StopLogging",
    "StartLogging",
    "PutEventSelectors",
    "PutInsightSelectors",
    "UpdateTrail",
];

/// The lookups `audit why` makes: [`TRAIL_CHANGES`] of every trail that
/// records `account` in `region`, in each trail's owner and home region.
pub fn trail_plan(s: &Snapshot, account: &str, region: &str, now: DateTime<Utc>) -> History {
    let mut history = History::new(now);
    let mut queries = Queries::default();
    for t in s.trails_applying(account, region) {
        for name in TRAIL_CHANGES {
            queries.ask(&t.owner_account_id, &t.home_region, name, &t.arn);
        }
    }
    history.queries = queries.planned();
    history
}

/// What the history says about the trails that record `account` in
/// `region`: every change found, oldest first, and why any query could not
/// be read.
pub fn trail_changes(s: &Snapshot, account: &str, region: &str) -> (Vec<Change>, Vec<String>) {
    let (mut changes, mut unreadable) = (Vec::new(), Vec::new());
    let Some(h) = &s.history else {
        return (changes, unreadable);
    };
    for t in s.trails_applying(account, region) {
        for name in TRAIL_CHANGES {
            match h
                .query(&t.owner_account_id, &t.home_region, name)
                .map(|q| &q.answer)
            {
                Some(HistoryAnswer::Read { changes: c, .. }) => changes.extend(
                    c.iter()
                        .filter(|c| c.resource == t.arn && !changes.contains(*c))
                        .cloned()
                        .collect::<Vec<_>>(),
                ),
                Some(HistoryAnswer::Unreadable { error }) => {
                    let line = format!(
                        "{} of {} in {} {}: {}",
                        name,
                        t.name,
                        t.owner_account_id,
                        t.home_region,
                        error.describe()
                    );
                    if !unreadable.contains(&line) {
                        unreadable.push(line);
                    }
                }
                _ => {}
            }
        }
    }
    changes.sort_by_key(|a| a.event_time);
    (changes, unreadable)
}

/// The trails of a snapshot, as a later run's plan needs them.
pub fn known_trails(s: &Snapshot) -> Vec<KnownTrail> {
    s.trails
        .iter()
        .map(|t| KnownTrail {
            arn: t.arn.clone(),
            owner_account_id: t.owner_account_id.clone(),
            home_region: t.home_region.clone(),
            is_multi_region: t.is_multi_region,
            is_organization_trail: t.is_organization_trail,
        })
        .collect()
}

#[cfg(test)]
#[path = "history/tests.rs"]
mod tests;
