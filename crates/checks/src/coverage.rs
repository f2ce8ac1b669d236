//! The coverage matrix: for every account x region x event class, one state
//! and the trails (or CloudTrail Lake event data stores) that provide it.
//!
//! Rules, in order:
//! 1. An account that could not be entered (role not assumable, suspended,
//!    skipped) is `unknown` everywhere, with the reason.
//! 2. A region not enabled for the account is `not_enabled`.
//! 3. The sources that apply are the trails listed in the account-region,
//!    the account's own multi-region trails, and the organization's
//!    organization trails (which apply to every member, seen or not), plus
//!    event data stores for the account or organization.
//! 4. A source counts only while it is recording (logging, delivery not known
//!    to fail). One whose state or selectors are unknown makes the cell
//!    `unknown` unless another source covers it.
//! 5. If the region's trail list itself is unknown, anything short of
//!    `covered` is `unknown`: an unseen local trail might cover it.
//!
//! `global_service` is evaluated in us-east-1 only, where those events are
//! recorded; other regions have no `global_service` cell.

use serde::{Deserialize, Serialize};
use trailaudit_model::regions::GLOBAL_EVENTS_REGION;
use trailaudit_model::{Fact, RegionStatus, Selectors, Snapshot};

use crate::sources::{selectors_unknown, sources_memo, tally, HealthMemo, Sources, Take};
use trailaudit_catalogue::selectors::{extent, Event, Extent, Values};

use trailaudit_catalogue::ClassKind;
pub use trailaudit_catalogue::EventClass;

/// A cell's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Every event of the class is recorded.
    Covered,
    /// Some are (some buckets, excluded sources, read or write only...).
    Partial,
    /// None are.
    Gap,
    /// Cannot tell (with the reason).
    Unknown,
    /// The region is not enabled for the account.
    NotEnabled,
    /// Covered, and proven: the audit's own footprint from the earlier run
    /// was found in the archive where the covering trail delivers
    /// (management read events only; see `--verify-previous`).
    Verified,
}

impl State {
    /// snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Covered => "covered",
            State::Partial => "partial",
            State::Gap => "gap",
            State::Unknown => "unknown",
            State::NotEnabled => "not_enabled",
            State::Verified => "verified",
        }
    }

    /// Covered, proven or not.
    pub fn is_covered(self) -> bool {
        matches!(self, State::Covered | State::Verified)
    }
}

/// One account x region x class, borrowed from a [`Coverage`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cell<'a> {
    /// Account.
    pub account_id: &'a str,
    /// Region.
    pub region: &'a str,
    /// Event class.
    pub class: EventClass,
    /// State.
    pub state: State,
    /// ARNs of the trails or event data stores providing the state.
    pub trails: &'a [String],
    /// Why (for partial, gap and unknown), empty when covered.
    pub reason: &'a str,
    /// Position of `region` in [`Coverage::regions`].
    pub region_id: usize,
    /// Position of `trails` in [`Coverage::source_sets`].
    pub sources_id: usize,
    /// Position of `reason` in [`Coverage::reasons`].
    pub reason_id: usize,
}

/// A cell as stored: 16 bytes, strings interned in the [`Coverage`]; the
/// state in the top 3 bits of the reason's position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Packed {
    account: u32,
    region: u16,
    class: EventClass,
    trails: u32,
    reason_state: u32,
}

const STATES: [State; 6] = [
    State::Covered,
    State::Partial,
    State::Gap,
    State::Unknown,
    State::NotEnabled,
    State::Verified,
];
const REASON_BITS: u32 = 29;

impl Packed {
    fn state(&self) -> State {
        STATES[(self.reason_state >> REASON_BITS) as usize]
    }
    fn reason(&self) -> u32 {
        self.reason_state & ((1 << REASON_BITS) - 1)
    }
}

/// Interns strings (or lists of strings) as positions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Interner<T: std::hash::Hash + Eq + Clone> {
    items: Vec<T>,
    pos: std::collections::HashMap<T, u32>,
}

impl<T: std::hash::Hash + Eq + Clone> Interner<T> {
    fn intern(&mut self, v: T) -> u32 {
        if let Some(&i) = self.pos.get(&v) {
            return i;
        }
        let i = u32::try_from(self.items.len()).expect("fewer than 2^32 distinct values");
        self.items.push(v.clone());
        self.pos.insert(v, i);
        i
    }
}

/// The coverage matrix: every cell, grouped by account in snapshot order,
/// then by region, then by class. Stored packed (16 bytes a cell; account
/// ids, regions, source lists and reasons interned), so 10,000 accounts x 17
/// regions x 6 classes fit in about 15 MB.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coverage {
    accounts: Vec<String>,
    account_pos: std::collections::HashMap<String, usize>,
    account_cells: Vec<std::ops::Range<usize>>,
    regions: Interner<String>,
    trails: Interner<Vec<String>>,
    reasons: Interner<String>,
    cells: Vec<Packed>,
    classes: Vec<EventClass>,
}

impl Coverage {
    /// Number of cells.
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    /// No cells at all.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    fn view(&self, p: &Packed) -> Cell<'_> {
        Cell {
            account_id: &self.accounts[p.account as usize],
            region: &self.regions.items[p.region as usize],
            class: p.class,
            state: p.state(),
            trails: &self.trails.items[p.trails as usize],
            reason: &self.reasons.items[p.reason() as usize],
            region_id: p.region as usize,
            sources_id: p.trails as usize,
            reason_id: p.reason() as usize,
        }
    }

    /// Every cell, in order.
    pub fn iter(&self) -> impl Iterator<Item = Cell<'_>> + '_ {
        self.cells.iter().map(|p| self.view(p))
    }

    /// The cells of one class.
    pub fn of_class(&self, class: EventClass) -> impl Iterator<Item = Cell<'_>> + '_ {
        self.cells
            .iter()
            .filter(move |p| p.class == class)
            .map(|p| self.view(p))
    }

    /// The accounts with cells, in order.
    pub fn accounts(&self) -> &[String] {
        &self.accounts
    }

    /// The cells of one account (constant time to find).
    pub fn of_account(&self, account: &str) -> impl Iterator<Item = Cell<'_>> + '_ {
        let range = self
            .account_pos
            .get(account)
            .map(|&i| self.account_cells[i].clone())
            .unwrap_or(0..0);
        self.cells[range].iter().map(|p| self.view(p))
    }

    /// The cells of the account at position `i` of [`Coverage::accounts`].
    pub fn of_account_at(&self, i: usize) -> impl Iterator<Item = Cell<'_>> + '_ {
        let range = self.account_cells.get(i).cloned().unwrap_or(0..0);
        self.cells[range].iter().map(|p| self.view(p))
    }

    /// One cell.
    pub fn get(&self, account: &str, region: &str, class: EventClass) -> Option<Cell<'_>> {
        self.of_account(account)
            .find(|c| c.region == region && c.class == class)
    }

    /// The classes of the matrix, in report order.
    pub fn classes(&self) -> &[EventClass] {
        &self.classes
    }

    /// Every distinct list of source ARNs, by [`Cell::sources_id`].
    pub fn source_sets(&self) -> &[Vec<String>] {
        &self.trails.items
    }

    /// Every distinct reason, by [`Cell::reason_id`].
    pub fn reasons(&self) -> &[String] {
        &self.reasons.items
    }

    /// Every region that has a cell, in first-seen order.
    pub fn regions(&self) -> &[String] {
        &self.regions.items
    }

    /// Marks the management read cells whose earlier footprint was found
    /// in the archive as [`State::Verified`] (only cells covered now: a
    /// cell that lost its coverage since stays as it is). Returns how many.
    pub fn apply_verification(&mut self, v: &trailaudit_model::Verification) -> usize {
        let found: std::collections::HashSet<(&str, &str)> = v
            .cells
            .iter()
            .filter(|c| matches!(c.outcome, trailaudit_model::VerifyOutcome::Verified { .. }))
            .map(|c| (c.account_id.as_str(), c.region.as_str()))
            .collect();
        if found.is_empty() {
            return 0;
        }
        let verified = STATES
            .iter()
            .position(|x| *x == State::Verified)
            .expect("a state") as u32;
        let mut n = 0;
        for i in 0..self.cells.len() {
            let p = self.cells[i];
            if p.class != EventClass::ManagementRead || p.state() != State::Covered {
                continue;
            }
            let key = (
                self.accounts[p.account as usize].as_str(),
                self.regions.items[p.region as usize].as_str(),
            );
            if found.contains(&key) {
                self.cells[i].reason_state = p.reason() | verified << REASON_BITS;
                n += 1;
            }
        }
        n
    }

    fn start_account(&mut self, id: &str) {
        self.account_pos
            .entry(id.to_string())
            .or_insert(self.accounts.len());
        self.accounts.push(id.to_string());
        let n = self.cells.len();
        self.account_cells.push(n..n);
    }

    fn push(
        &mut self,
        region: &str,
        class: EventClass,
        state: State,
        trails: Vec<String>,
        reason: &str,
    ) {
        let account = u32::try_from(self.accounts.len() - 1).expect("account started");
        let region = u16::try_from(self.regions.intern(region.to_string()))
            .expect("fewer than 65,536 regions");
        let trails = self.trails.intern(trails);
        let reason = self.reasons.intern(reason.to_string());
        assert!(
            reason < 1 << REASON_BITS,
            "fewer than 2^29 distinct reasons"
        );
        let state_bits = STATES.iter().position(|x| *x == state).expect("a state") as u32;
        self.cells.push(Packed {
            account,
            region,
            class,
            trails,
            reason_state: reason | state_bits << REASON_BITS,
        });
        let n = self.cells.len();
        if let Some(r) = self.account_cells.last_mut() {
            r.end = n;
        }
    }
}

/// The partition of the audited organization (`aws`, `aws-cn`,
/// `aws-us-gov`...), from the caller's ARN.
pub fn partition(s: &Snapshot) -> &str {
    s.caller
        .arn
        .split(':')
        .nth(1)
        .filter(|p| !p.is_empty())
        .unwrap_or("aws")
}

/// The events a class is made of, as questions to the selectors: a class is
/// `covered` by a source that answers `Yes` to every one. Empty for
/// Insights (not a matter of selectors).
pub fn questions(class: EventClass, partition: &str) -> Vec<Event<'static>> {
    match class.kind() {
        ClassKind::ManagementWrite => vec![Event::management(Some(false), None)],
        ClassKind::ManagementRead => vec![Event::management(Some(true), None)],
        // Global service events are defined by their sources: excluding
        // another source (kms.amazonaws.com) takes none of them away.
        ClassKind::GlobalService => [
            (false, "iam.amazonaws.com"),
            (true, "iam.amazonaws.com"),
            (false, "signin.amazonaws.com"),
            (false, "sts.amazonaws.com"),
            (false, "organizations.amazonaws.com"),
        ]
        .into_iter()
        .map(|(ro, src)| Event::management(Some(ro), Some(src)))
        .collect(),
        ClassKind::Insights => vec![],
        ClassKind::Data {
            resource_type,
            access,
        } => data_questions(&resource_type, access, Values::any(), partition),
        ClassKind::Network {
            source,
            vpce_denied,
        } => {
            let source: &'static str = leak(source);
            vec![Event::network(source, vpce_denied)]
        }
    }
}

/// The data events of `resource_type` on `resource` a requirement asks for:
/// read and write (only write for types that have no read events).
pub fn data_questions(
    resource_type: &str,
    access: trailaudit_catalogue::Access,
    resource: Values<'static>,
    partition: &str,
) -> Vec<Event<'static>> {
    let ty: &'static str = leak(resource_type.to_string());
    let write_only = trailaudit_catalogue::data_type(resource_type)
        .is_some_and(|d| d.kinds == trailaudit_catalogue::Kinds::WriteOnly);
    access
        .read_only_values()
        .iter()
        .filter(|ro| !(write_only && **ro))
        .map(|ro| Event::data(ty, Some(*ro), resource.clone(), partition))
        .collect()
}

/// Interns a string for the life of the process (class names and types: a
/// handful per run).
fn leak(s: String) -> &'static str {
    use std::collections::HashSet;
    use std::sync::{Mutex, OnceLock};
    static SEEN: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut seen = SEEN.get_or_init(Default::default).lock().expect("interner");
    if let Some(v) = seen.get(s.as_str()) {
        return v;
    }
    let v: &'static str = Box::leak(s.into_boxed_str());
    seen.insert(v);
    v
}

/// How much of an event class the selectors take (not for Insights).
pub(crate) fn class_extent(selectors: &Selectors, class: EventClass) -> Extent {
    extent(selectors, &questions(class, "aws"))
}

/// The matrix for a whole snapshot, with the base classes
/// ([`EventClass::ALL`]).
pub fn matrix(s: &Snapshot) -> Coverage {
    matrix_with(s, &EventClass::ALL)
}

/// The matrix for a whole snapshot and the given classes (linear in its
/// size: sources are found through the snapshot's index, once per
/// account-region, and a trail's health is decided once per account).
pub fn matrix_with(s: &Snapshot, classes: &[EventClass]) -> Coverage {
    let part = partition(s);
    let asked: Vec<(EventClass, Vec<Event<'static>>)> =
        classes.iter().map(|c| (*c, questions(*c, part))).collect();
    let mut cov = Coverage {
        classes: classes.to_vec(),
        ..Coverage::default()
    };
    for a in &s.accounts {
        cov.start_account(&a.id);
        let account_unknown = crate::sources::account_unknown(a);
        let mut memo = HealthMemo::default();
        for r in &a.regions {
            // The sources (and their health: policy evaluation) once per
            // account-region, for every class.
            let found = (account_unknown.is_none() && r.status != RegionStatus::NotEnabled)
                .then(|| sources_memo(s, &a.id, &r.region, &mut memo));
            for (class, qs) in &asked {
                let class = *class;
                if class == EventClass::GlobalService && r.region != GLOBAL_EVENTS_REGION {
                    continue;
                }
                if let Some(reason) = &account_unknown {
                    cov.push(&r.region, class, State::Unknown, vec![], reason);
                    continue;
                }
                if r.status == RegionStatus::NotEnabled {
                    cov.push(
                        &r.region,
                        class,
                        State::NotEnabled,
                        vec![],
                        "region not enabled for the account",
                    );
                    continue;
                }
                let found = found
                    .as_ref()
                    .expect("sources of an audited, enabled region");
                let (state, trails, reason) = evaluate_cell(found, class, qs);
                cov.push(&r.region, class, state, trails, &reason);
            }
        }
    }
    cov
}

/// One cell from the sources that apply.
pub(crate) fn evaluate_cell(
    found: &Sources,
    class: EventClass,
    questions: &[Event],
) -> (State, Vec<String>, String) {
    let t = tally(found, class == EventClass::GlobalService, |src| {
        if class == EventClass::Insights {
            return match src.insight_types {
                None => Take::Cannot(format!("{} cannot record Insights events", src.name)),
                Some(Fact::Collected { value }) => Take::Extent(match value.len() {
                    0 => Extent::None,
                    1 => Extent::Some,
                    _ => Extent::All,
                }),
                Some(other) => Take::Unknown(format!(
                    "insight selectors of {} unknown: {}",
                    src.name,
                    other.unknown_reason().unwrap_or_default()
                )),
            };
        }
        match src.selectors.as_ref() {
            Fact::Collected { value } => Take::Extent(extent(value, questions)),
            _ => selectors_unknown(src),
        }
    });
    if !t.all.is_empty() {
        return (State::Covered, t.all, String::new());
    }
    if !t.unknown.is_empty() {
        return (State::Unknown, vec![], t.unknown.join("; "));
    }
    if !t.some.is_empty() {
        let names: Vec<&str> = found
            .sources
            .iter()
            .filter(|x| t.some.iter().any(|p| p == x.arn))
            .map(|x| x.name)
            .collect();
        return (
            State::Partial,
            t.some,
            format!(
                "only part of these events is selected by {}",
                names.join(", ")
            ),
        );
    }
    (State::Gap, vec![], t.notes.join("; "))
}

#[cfg(test)]
mod tests;
