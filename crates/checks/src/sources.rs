//! The one source model: which sources (trails and CloudTrail Lake event data
//! stores) record an account-region, with their health and selectors, and
//! what could make the list incomplete. The coverage matrix and `audit why`
//! both call [`sources`] and [`answer`], so they cannot disagree.

use std::borrow::Cow;

use trailaudit_model::{EventDataStore, Fact, Mode, Selectors, Snapshot, Trail};

use crate::analysis::{trail_health, Health};
use trailaudit_catalogue::selectors::{selects, Event, Extent};
use trailaudit_model::Tri;

/// What a source is.
#[derive(Debug, Clone, Copy)]
pub enum Kind<'a> {
    /// A trail.
    Trail(&'a Trail),
    /// A CloudTrail Lake event data store.
    Store(&'a EventDataStore),
}

/// A trail or event data store that applies to an account-region.
#[derive(Debug, Clone)]
pub struct Source<'a> {
    /// Trail or store.
    pub kind: Kind<'a>,
    /// ARN.
    pub arn: &'a str,
    /// Name.
    pub name: &'a str,
    /// Whether it records and delivers for the account.
    pub health: Health,
    /// Its selectors (a store's advanced selectors, as collected).
    pub selectors: Cow<'a, Fact<Selectors>>,
    /// Records global service events (a trail's `IncludeGlobalServiceEvents`; stores: yes).
    pub global_events: bool,
    /// Insight types (trails only).
    pub insight_types: Option<&'a Fact<Vec<String>>>,
}

/// The sources of one account-region.
#[derive(Debug, Clone, Default)]
pub struct Sources<'a> {
    /// The sources that apply.
    pub sources: Vec<Source<'a>>,
    /// Why a source might be missing from the list (a listing that failed,
    /// trusted access that could not be read...): when not empty, nothing
    /// short of a covering source may be reported.
    pub unknown: Vec<String>,
    /// Sources that do not apply, and why (an organization trail that does
    /// not reach members...).
    pub excluded: Vec<String>,
    /// The account could not be audited (suspended, role not assumable,
    /// skipped): nothing about it can be told, whatever applies.
    pub account_unknown: Option<String>,
}

/// Why an account's cells cannot be told at all, if they cannot.
pub fn account_unknown(a: &trailaudit_model::Account) -> Option<String> {
    use trailaudit_model::{Access, AccountStatus};
    match (&a.status, &a.access) {
        (AccountStatus::Suspended, _) => {
            Some("account is suspended; it was not audited".to_string())
        }
        (_, Access::Failed { error }) => {
            Some(format!("role could not be assumed: {}", error.describe()))
        }
        (_, Access::Skipped { reason }) => Some(format!("account not audited: {reason}")),
        _ => None,
    }
}

/// Trail health already decided for one account: a trail's health depends
/// on the account (its log prefix) but not on the region, so the matrix
/// decides it (and evaluates its policies) once per trail and account.
#[derive(Debug, Default)]
pub struct HealthMemo<'a> {
    account: String,
    by_trail: std::collections::HashMap<&'a str, Health>,
}

impl<'a> HealthMemo<'a> {
    /// The health of `t` for `account`, decided once per trail and account.
    pub fn health(&mut self, s: &'a Snapshot, t: &'a Trail, account: &str) -> Health {
        if self.account != account {
            self.account = account.to_string();
            self.by_trail.clear();
        }
        self.by_trail
            .entry(t.arn.as_str())
            .or_insert_with(|| trail_health(s, t, account))
            .clone()
    }
}

/// The sources that record `account` in `region`.
pub fn sources<'a>(s: &'a Snapshot, account: &str, region: &str) -> Sources<'a> {
    sources_memo(s, account, region, &mut HealthMemo::default())
}

/// [`sources`], reusing trail health decided earlier for the same account.
pub fn sources_memo<'a>(
    s: &'a Snapshot,
    account: &str,
    region: &str,
    memo: &mut HealthMemo<'a>,
) -> Sources<'a> {
    let mut out = Sources::default();
    let acct = s.account(account);
    out.account_unknown = acct.and_then(account_unknown);
    let ar = acct.and_then(|a| a.regions.iter().find(|r| r.region == region));
    if let Some(Err(why)) = ar.map(|r| r.listed_trails()) {
        out.unknown.push(why);
    }
    for t in s.trails_applying(account, region) {
        out.sources.push(Source {
            kind: Kind::Trail(t),
            arn: &t.arn,
            name: &t.name,
            health: memo.health(s, t, account),
            selectors: Cow::Borrowed(&t.selectors),
            global_events: t.include_global_service_events,
            insight_types: Some(&t.insight_types),
        });
    }
    let member = s.mode == Mode::Organization && acct.is_some();
    let reach = s.organization_trails_reach_members();
    let org_sources_elsewhere = |owner: &str| member && owner != account;
    for t in s.organization_trails() {
        let in_region = t.is_multi_region || t.home_region == region;
        if !(t.is_organization_trail && in_region && org_sources_elsewhere(&t.owner_account_id)) {
            continue;
        }
        if reach == Some(true) || out.sources.iter().any(|x| x.arn == t.arn) {
            continue;
        }
        match reach {
            Some(false) => out.excluded.push(format!(
                "organization trail {} does not reach this account: trusted access for CloudTrail is disabled in AWS Organizations",
                t.name
            )),
            _ => out.unknown.push(format!(
                "whether organization trail {} reaches this account is unknown: {}",
                t.name,
                trusted_access_reason(s)
            )),
        }
    }
    // Event data stores.
    for e in s.stores_for(account) {
        let in_region = e.multi_region || e.region == region;
        let own = e.account_id == account;
        let org = e.organization_enabled && org_sources_elsewhere(&e.account_id);
        if !in_region || !(own || org) {
            continue;
        }
        if org && !own && reach != Some(true) {
            match reach {
                Some(false) => out.excluded.push(format!(
                    "organization event data store {} does not reach this account: trusted access for CloudTrail is disabled",
                    e.name
                )),
                _ => out.unknown.push(format!(
                    "whether organization event data store {} reaches this account is unknown: {}",
                    e.name,
                    trusted_access_reason(s)
                )),
            }
            continue;
        }
        out.sources.push(Source {
            kind: Kind::Store(e),
            arn: &e.arn,
            name: &e.name,
            health: if e.status == "ENABLED" {
                Health::Recording
            } else {
                Health::NotRecording(format!("event data store {} is {}", e.name, e.status))
            },
            selectors: Cow::Owned(Fact::Collected {
                value: Selectors::Advanced(e.selectors.clone()),
            }),
            global_events: true,
            insight_types: None,
        });
    }
    // Event data store listings that failed where a store recording this
    // account could live: the account's own regions (its multi-region stores
    // are listed in their home region only), and the organization store
    // owners' (management account, CloudTrail delegated administrators).
    let mut owners: Vec<&str> = vec![account];
    if member {
        if let Some(o) = &s.organization {
            owners.push(&o.management_account_id);
            if let Some(d) = o.delegated_administrators.value() {
                owners.extend(d.iter().map(|d| d.account_id.as_str()));
            }
        }
    }
    owners.sort();
    owners.dedup();
    for owner in owners {
        let Some(a) = s.account(owner) else { continue };
        // Every region counts: a multi-region store is listed only in its
        // home region. Regions not enabled have none.
        for r in &a.regions {
            if r.status == trailaudit_model::RegionStatus::NotEnabled {
                continue;
            }
            match &r.event_data_stores {
                Fact::Collected { value } => {
                    for arn in value {
                        if s.event_data_store(arn).is_none() {
                            out.unknown.push(format!(
                                "details of event data store {arn} could not be read"
                            ));
                        }
                    }
                }
                other => {
                    out.unknown.push(format!(
                        "event data stores of account {owner} in {} unknown: {}",
                        r.region,
                        other.unknown_reason().unwrap_or_default()
                    ));
                }
            }
        }
    }
    out.unknown.dedup();
    out
}

fn trusted_access_reason(s: &Snapshot) -> String {
    match s
        .organization
        .as_ref()
        .map(|o| &o.cloudtrail_trusted_access)
    {
        Some(f) => format!(
            "trusted access for CloudTrail could not be read ({})",
            f.unknown_reason().unwrap_or_default()
        ),
        None => "no organization".into(),
    }
}

/// What one source takes of what is asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Take {
    /// All, some or none of it.
    Extent(Extent),
    /// Cannot tell (its selectors were not read...): the reason.
    Unknown(String),
    /// It cannot record this kind of event at all: the reason.
    Cannot(String),
}

/// The sources' answers to one question, sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// ARNs of the healthy sources that take all of it.
    pub all: Vec<String>,
    /// ARNs of the healthy sources that take part of it.
    pub some: Vec<String>,
    /// ARNs of the sources that may take it (state or selectors unknown).
    pub maybe: Vec<String>,
    /// Why it cannot be told (non-empty: nothing short of `all` may be reported).
    pub unknown: Vec<String>,
    /// Why the others do not take it.
    pub notes: Vec<String>,
}

/// Walks the sources once for one question: health first (a source that is
/// not recording takes nothing, one whose health is unknown may take it),
/// global service events only from sources that include them, then `take`.
/// The coverage matrix (a class of events) and [`answer`] (one event) both
/// use it, so they weigh sources the same way.
pub fn tally(srcs: &Sources, global: bool, take: impl Fn(&Source) -> Take) -> Tally {
    let mut t = Tally {
        unknown: srcs.unknown.clone(),
        notes: srcs.excluded.clone(),
        ..Tally::default()
    };
    if let Some(why) = &srcs.account_unknown {
        t.unknown = vec![why.clone()];
        return t;
    }
    if srcs.sources.is_empty() {
        t.notes.insert(
            0,
            "no trail or event data store records this account-region".into(),
        );
    }
    for src in &srcs.sources {
        if let Health::NotRecording(why) = &src.health {
            t.notes.push(why.clone());
            continue;
        }
        if global && !src.global_events {
            t.notes
                .push(format!("{} excludes global service events", src.name));
            continue;
        }
        let takes = take(src);
        // A source whose delivery is unknown leaves unknown only what it
        // would record: what its selectors leave out is a certain gap.
        if let Health::Unknown(why) = &src.health {
            match takes {
                Take::Extent(Extent::None) => t
                    .notes
                    .push(format!("{} does not select these events", src.name)),
                Take::Cannot(why) => t.notes.push(why),
                Take::Extent(_) | Take::Unknown(_) => {
                    t.unknown.push(why.clone());
                    t.maybe.push(src.arn.to_string());
                }
            }
            continue;
        }
        match takes {
            Take::Extent(Extent::All) => t.all.push(src.arn.to_string()),
            Take::Extent(Extent::Some) => t.some.push(src.arn.to_string()),
            Take::Extent(Extent::None) => t
                .notes
                .push(format!("{} does not select these events", src.name)),
            Take::Unknown(why) => {
                t.unknown.push(why);
                t.maybe.push(src.arn.to_string());
            }
            Take::Cannot(why) => t.notes.push(why),
        }
    }
    t
}

/// Why a source's selectors are unknown, as a [`Take`].
pub fn selectors_unknown(src: &Source) -> Take {
    Take::Unknown(format!(
        "event selectors of {} unknown: {}",
        src.name,
        src.selectors.unknown_reason().unwrap_or_default()
    ))
}

/// Whether one concrete event is recorded, by which sources, and why not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// Yes: recorded; No: not recorded; Maybe: cannot tell.
    pub recorded: Tri,
    /// ARNs of the sources that record it (Yes) or may (Maybe).
    pub by: Vec<String>,
    /// Why not (or why it cannot be told).
    pub reason: String,
}

/// Whether `event` in `account`/`region` is recorded, from [`sources`]: by a
/// healthy source whose selectors select it (global service events need a
/// source that includes them).
pub fn answer(srcs: &Sources, event: &Event, global: bool) -> Answer {
    let t = tally(srcs, global, |src| match src.selectors.as_ref() {
        Fact::Collected { value } => match selects(value, event) {
            Tri::Yes => Take::Extent(Extent::All),
            Tri::No => Take::Extent(Extent::None),
            Tri::Maybe => Take::Unknown(format!(
                "{} selects it only for some resources or values",
                src.name
            )),
        },
        _ => selectors_unknown(src),
    });
    if !t.all.is_empty() {
        Answer {
            recorded: Tri::Yes,
            by: t.all,
            reason: String::new(),
        }
    } else if !t.unknown.is_empty() {
        Answer {
            recorded: Tri::Maybe,
            by: t.maybe,
            reason: t.unknown.join("; "),
        }
    } else {
        Answer {
            recorded: Tri::No,
            by: vec![],
            reason: t.notes.join("; "),
        }
    }
}
