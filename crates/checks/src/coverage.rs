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

use crate::selectors::{extent, Category, Event, Extent};
use crate::sources::{selectors_unknown, sources, tally, Sources, Take};

/// The event classes of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventClass {
    /// Management events that change something.
    ManagementWrite,
    /// Management events that only read.
    ManagementRead,
    /// IAM, STS global, CloudFront, sign-in, Organizations (in us-east-1).
    GlobalService,
    /// S3 object-level data events.
    S3Data,
    /// Lambda Invoke data events.
    LambdaData,
    /// CloudTrail Insights events.
    Insights,
}

impl EventClass {
    /// Every class, in report order.
    pub const ALL: [EventClass; 6] = [
        EventClass::ManagementWrite,
        EventClass::ManagementRead,
        EventClass::GlobalService,
        EventClass::S3Data,
        EventClass::LambdaData,
        EventClass::Insights,
    ];

    /// snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            EventClass::ManagementWrite => "management_write",
            EventClass::ManagementRead => "management_read",
            EventClass::GlobalService => "global_service",
            EventClass::S3Data => "s3_data",
            EventClass::LambdaData => "lambda_data",
            EventClass::Insights => "insights",
        }
    }
}

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
        }
    }
}

/// One account x region x class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cell {
    /// Account.
    pub account_id: String,
    /// Region.
    pub region: String,
    /// Event class.
    pub class: EventClass,
    /// State.
    pub state: State,
    /// ARNs of the trails or event data stores providing the state.
    pub trails: Vec<String>,
    /// Why (for partial, gap and unknown), empty when covered.
    pub reason: String,
}

const MGMT_SOURCES: [&str; 8] = [
    "ec2.amazonaws.com",
    "iam.amazonaws.com",
    "s3.amazonaws.com",
    "lambda.amazonaws.com",
    "kms.amazonaws.com",
    "rdsdata.amazonaws.com",
    "cloudtrail.amazonaws.com",
    "sts.amazonaws.com",
];

fn mgmt(read_only: bool, source: &str) -> Event<'_> {
    Event {
        category: Category::Management,
        read_only: Some(read_only),
        event_source: Some(source),
        event_name: None,
        resource_type: None,
        resource_arn: None,
    }
}

fn data<'a>(
    source: &'a str,
    name: &'a str,
    ty: &'a str,
    arn: &'a str,
    read_only: bool,
) -> Event<'a> {
    Event {
        category: Category::Data,
        read_only: Some(read_only),
        event_source: Some(source),
        event_name: Some(name),
        resource_type: Some(ty),
        resource_arn: Some(arn),
    }
}

fn open(e: Event<'_>) -> Event<'_> {
    Event {
        event_source: if e.category == Category::Management {
            None
        } else {
            e.event_source
        },
        event_name: None,
        resource_arn: None,
        ..e
    }
}

/// Probe events for a class (concrete) and their open counterparts.
fn probes(class: EventClass) -> (Vec<Event<'static>>, Vec<Event<'static>>) {
    let p: Vec<Event<'static>> = match class {
        EventClass::ManagementWrite => MGMT_SOURCES.iter().map(|s| mgmt(false, s)).collect(),
        EventClass::ManagementRead => MGMT_SOURCES.iter().map(|s| mgmt(true, s)).collect(),
        EventClass::GlobalService => vec![
            mgmt(false, "iam.amazonaws.com"),
            mgmt(true, "iam.amazonaws.com"),
            mgmt(false, "signin.amazonaws.com"),
            mgmt(false, "sts.amazonaws.com"),
            mgmt(false, "organizations.amazonaws.com"),
        ],
        EventClass::S3Data => vec![
            data(
                "s3.amazonaws.com",
                "GetObject",
                "AWS::S3::Object",
                "arn:aws:s3:::trailaudit-probe-a/k",
                true,
            ),
            data(
                "s3.amazonaws.com",
                "PutObject",
                "AWS::S3::Object",
                "arn:aws:s3:::trailaudit-probe-b/k",
                false,
            ),
            data(
                "s3.amazonaws.com",
                "DeleteObject",
                "AWS::S3::Object",
                "arn:aws:s3:::trailaudit-probe-c/k",
                false,
            ),
        ],
        EventClass::LambdaData => vec![data(
            "lambda.amazonaws.com",
            "Invoke",
            "AWS::Lambda::Function",
            "arn:aws:lambda:us-east-1:000000000000:function:trailaudit-probe",
            false,
        )],
        EventClass::Insights => vec![],
    };
    let o = p.iter().map(|e| open(*e)).collect();
    (p, o)
}

/// How much of an event class the selectors take (not for Insights).
pub(crate) fn class_extent(selectors: &Selectors, class: EventClass) -> Extent {
    let (p, o) = probes(class);
    extent(selectors, &p, &o)
}

/// The matrix for a whole snapshot.
pub fn matrix(s: &Snapshot) -> Vec<Cell> {
    let mut cells = Vec::new();
    for a in &s.accounts {
        let account_unknown = crate::sources::account_unknown(a);
        for r in &a.regions {
            // The sources (and their health: policy evaluation) once per
            // account-region, for every class.
            let found = (account_unknown.is_none() && r.status != RegionStatus::NotEnabled)
                .then(|| sources(s, &a.id, &r.region));
            for class in EventClass::ALL {
                if class == EventClass::GlobalService && r.region != GLOBAL_EVENTS_REGION {
                    continue;
                }
                let cell = |state: State, trails: Vec<String>, reason: String| Cell {
                    account_id: a.id.clone(),
                    region: r.region.clone(),
                    class,
                    state,
                    trails,
                    reason,
                };
                if let Some(reason) = &account_unknown {
                    cells.push(cell(State::Unknown, vec![], reason.clone()));
                    continue;
                }
                if r.status == RegionStatus::NotEnabled {
                    cells.push(cell(
                        State::NotEnabled,
                        vec![],
                        "region not enabled for the account".into(),
                    ));
                    continue;
                }
                let found = found
                    .as_ref()
                    .expect("sources of an audited, enabled region");
                let (state, trails, reason) = evaluate_cell(found, class);
                cells.push(cell(state, trails, reason));
            }
        }
    }
    cells
}

/// One cell from the sources that apply.
fn evaluate_cell(found: &Sources, class: EventClass) -> (State, Vec<String>, String) {
    let (probes, open) = probes(class);
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
            Fact::Collected { value } => Take::Extent(extent(value, &probes, &open)),
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
mod tests {
    use super::*;
    use crate::fixture::*;

    fn state(s: &Snapshot, account: &str, region: &str, class: EventClass) -> (State, String) {
        let m = matrix(s);
        let c = m
            .iter()
            .find(|c| c.account_id == account && c.region == region && c.class == class)
            .unwrap_or_else(|| panic!("no cell {account} {region} {class:?}"));
        (c.state, c.reason.clone())
    }

    #[test]
    fn organization_trail_covers_members_that_cannot_see_it() {
        let mut s = snapshot();
        s.trails.push(org_trail());
        // The member lists nothing (as on the emulator): still covered.
        assert_eq!(
            state(&s, MEMBER, "eu-west-1", EventClass::ManagementWrite).0,
            State::Covered
        );
        assert_eq!(
            state(&s, MEMBER, "us-east-1", EventClass::GlobalService).0,
            State::Covered
        );
        assert_eq!(
            state(&s, MEMBER, "eu-west-1", EventClass::S3Data).0,
            State::Gap
        );
        assert!(!matrix(&s)
            .iter()
            .any(|c| c.class == EventClass::GlobalService && c.region != "us-east-1"));
    }

    #[test]
    fn organization_trail_seen_as_shadow_in_member_counts_once() {
        let mut s = snapshot();
        s.trails.push(org_trail());
        list_in(&mut s, MEMBER, "eu-west-1", ORG_TRAIL, true);
        let m = matrix(&s);
        let c = m
            .iter()
            .find(|c| {
                c.account_id == MEMBER
                    && c.region == "eu-west-1"
                    && c.class == EventClass::ManagementRead
            })
            .unwrap();
        assert_eq!(c.state, State::Covered);
        assert_eq!(c.trails, vec![ORG_TRAIL.to_string()]);
    }

    #[test]
    fn stopped_or_failing_trails_do_not_cover() {
        let mut s = snapshot();
        let mut t = org_trail();
        t.status = logging(false);
        s.trails.push(t);
        let (st, why) = state(&s, MEMBER, "eu-west-1", EventClass::ManagementWrite);
        assert_eq!(st, State::Gap);
        assert!(why.contains("not logging"), "{why}");

        let mut s = snapshot();
        let mut t = org_trail();
        t.status = Fact::Collected {
            value: trailaudit_model::TrailStatus {
                is_logging: true,
                latest_delivery_error: Some("AccessDenied".into()),
                ..Default::default()
            },
        };
        s.trails.push(t);
        let (st, why) = state(&s, MEMBER, "eu-west-1", EventClass::ManagementWrite);
        assert_eq!(st, State::Gap);
        assert!(why.contains("AccessDenied"), "{why}");
    }

    #[test]
    fn unknown_is_never_covered() {
        let mut s = snapshot();
        let mut t = org_trail();
        t.selectors = denied("cloudtrail:GetEventSelectors");
        s.trails.push(t);
        assert_eq!(
            state(&s, MEMBER, "eu-west-1", EventClass::ManagementWrite).0,
            State::Unknown
        );

        // A member whose role could not be assumed.
        let mut s = snapshot();
        s.trails.push(org_trail());
        s.accounts[1].access = trailaudit_model::Access::Failed {
            error: access_denied("sts:AssumeRole"),
        };
        let (st, why) = state(&s, MEMBER, "eu-west-1", EventClass::ManagementWrite);
        assert_eq!(st, State::Unknown);
        assert!(why.contains("role could not be assumed"), "{why}");

        // The trail list failed and nothing else covers: unknown, not gap.
        let mut s = snapshot();
        s.accounts[1].regions[1].status = RegionStatus::Failed {
            error: access_denied("cloudtrail:DescribeTrails"),
        };
        assert_eq!(
            state(&s, MEMBER, "eu-west-1", EventClass::ManagementWrite).0,
            State::Unknown
        );
        assert_eq!(
            state(&s, MEMBER, "us-east-1", EventClass::ManagementWrite).0,
            State::Gap
        );
    }

    #[test]
    fn unreadable_bucket_or_key_policy_is_covered_only_with_delivery_evidence() {
        // The trail logs, its bucket policy could not be read.
        let mut s = healthy();
        s.buckets[0].policy = denied("s3:GetBucketPolicy");
        // With a delivery five minutes ago: covered.
        assert_eq!(
            state(&s, MEMBER, "eu-west-1", EventClass::ManagementWrite).0,
            State::Covered
        );
        // Without delivery evidence: unknown, saying why.
        for t in &mut s.trails {
            if let Fact::Collected { value } = &mut t.status {
                value.latest_delivery_time = Some(now() - chrono::Duration::hours(30));
            }
        }
        let (st, why) = state(&s, MEMBER, "eu-west-1", EventClass::ManagementWrite);
        assert_eq!(st, State::Unknown);
        assert!(why.contains("s3:GetBucketPolicy"), "{why}");
        assert!(why.contains("no delivery in the last 24 hours"), "{why}");
        // The same for an unreadable key policy.
        let mut s = healthy();
        s.kms_keys[0].policy = denied("kms:GetKeyPolicy");
        for t in &mut s.trails {
            if let Fact::Collected { value } = &mut t.status {
                value.latest_delivery_time = None;
            }
        }
        assert_eq!(
            state(&s, MEMBER, "eu-west-1", EventClass::ManagementWrite).0,
            State::Unknown
        );
        // A bucket policy statement that may deny (unknowable key): unknown, named.
        let mut s = healthy();
        let policy = s.buckets[0].policy.value().cloned().flatten().unwrap();
        let maybe = policy.replacen(
            "\"Statement\":[",
            "\"Statement\":[{\"Sid\":\"CorpOnly\",\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"s3:*\",\"Resource\":\"*\",\"Condition\":{\"NotIpAddress\":{\"aws:SourceIp\":\"10.0.0.0/8\"}}},",
            1,
        );
        assert_ne!(maybe, policy);
        s.buckets[0].policy = Fact::Collected { value: Some(maybe) };
        let (st, why) = state(&s, MEMBER, "eu-west-1", EventClass::ManagementWrite);
        assert_eq!(st, State::Unknown);
        assert!(why.contains("CorpOnly"), "{why}");
    }

    fn lake_store(account: &str, org: bool) -> trailaudit_model::EventDataStore {
        trailaudit_model::EventDataStore {
            arn: format!("arn:aws:cloudtrail:eu-west-1:{account}:eventdatastore/lake"),
            name: "lake".into(),
            account_id: account.into(),
            region: "eu-west-1".into(),
            status: "ENABLED".into(),
            multi_region: true,
            organization_enabled: org,
            retention_days: Some(2557),
            selectors: vec![trailaudit_model::AdvancedSelector {
                name: None,
                field_selectors: vec![trailaudit_model::FieldSelector {
                    field: "eventCategory".into(),
                    equals: vec!["Management".into()],
                    ..Default::default()
                }],
            }],
        }
    }

    #[test]
    fn event_data_stores_are_facts_per_account_region() {
        // A Lake store is the only source: covered.
        let mut s = snapshot();
        s.event_data_stores.push(lake_store(MEMBER, false));
        s.accounts[1].regions[1].event_data_stores = Fact::Collected {
            value: vec![s.event_data_stores[0].arn.clone()],
        };
        let (st, _) = state(&s, MEMBER, "us-east-1", EventClass::ManagementWrite);
        assert_eq!(st, State::Covered);
        // Nothing anywhere, every listing read: gap.
        let s = snapshot();
        assert_eq!(
            state(&s, MEMBER, "eu-west-1", EventClass::ManagementWrite).0,
            State::Gap
        );
        // One AccessDenied on ListEventDataStores in the member: its cells
        // that nothing else covers are unknown, with the reason...
        let mut s = snapshot();
        s.accounts[1].regions[0].event_data_stores = denied("cloudtrail:ListEventDataStores");
        let (st, why) = state(&s, MEMBER, "eu-west-1", EventClass::ManagementWrite);
        assert_eq!(st, State::Unknown);
        assert!(why.contains("ListEventDataStores"), "{why}");
        // ...the other accounts are not affected...
        assert_eq!(
            state(&s, MGMT, "eu-west-1", EventClass::ManagementWrite).0,
            State::Gap
        );
        // ...and a covering trail still covers.
        s.trails.push(org_trail());
        assert_eq!(
            state(&s, MEMBER, "eu-west-1", EventClass::ManagementWrite).0,
            State::Covered
        );
        // A store listed but whose details could not be read: unknown.
        let mut s = snapshot();
        s.accounts[1].regions[1].event_data_stores = Fact::Collected {
            value: vec!["arn:aws:cloudtrail:eu-west-1:222222222222:eventdatastore/x".into()],
        };
        assert_eq!(
            state(&s, MEMBER, "eu-west-1", EventClass::ManagementWrite).0,
            State::Unknown
        );
        // An organization store of the management account covers members.
        let mut s = snapshot();
        s.event_data_stores.push(lake_store(MGMT, true));
        assert_eq!(
            state(&s, MEMBER, "us-east-1", EventClass::ManagementRead).0,
            State::Covered
        );
    }

    #[test]
    fn partial_selections() {
        let mut s = snapshot();
        let mut t = local_trail(MEMBER, "eu-west-1");
        t.selectors = Fact::Collected {
            value: Selectors::Basic(vec![trailaudit_model::BasicSelector {
                read_write_type: trailaudit_model::ReadWriteType::WriteOnly,
                include_management_events: true,
                exclude_management_event_sources: vec!["kms.amazonaws.com".into()],
                data_resources: vec![trailaudit_model::DataResource {
                    resource_type: "AWS::S3::Object".into(),
                    values: vec!["arn:aws:s3:::orders/".into()],
                }],
            }]),
        };
        s.trails.push(t);
        assert_eq!(
            state(&s, MEMBER, "eu-west-1", EventClass::ManagementWrite).0,
            State::Partial
        );
        assert_eq!(
            state(&s, MEMBER, "eu-west-1", EventClass::ManagementRead).0,
            State::Gap
        );
        assert_eq!(
            state(&s, MEMBER, "eu-west-1", EventClass::S3Data).0,
            State::Partial
        );
        assert_eq!(
            state(&s, MEMBER, "us-east-1", EventClass::ManagementWrite).0,
            State::Gap
        );
    }

    #[test]
    fn not_enabled_regions() {
        let mut s = snapshot();
        s.trails.push(org_trail());
        s.accounts[1].regions[1].status = RegionStatus::NotEnabled;
        assert_eq!(
            state(&s, MEMBER, "eu-west-1", EventClass::ManagementWrite).0,
            State::NotEnabled
        );
    }
}
