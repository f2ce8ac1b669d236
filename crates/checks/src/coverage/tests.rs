//! Tests of [`crate::coverage`].

use crate::coverage::*;
use crate::fixture::*;

#[test]
fn a_cell_takes_16_bytes_and_keeps_its_state() {
    assert_eq!(std::mem::size_of::<Packed>(), 16);
    let mut c = Coverage::default();
    c.start_account("1");
    for st in STATES {
        c.push("r", EventClass::Insights, st, vec![], &format!("{st:?}"));
    }
    let got: Vec<(State, String)> = c.iter().map(|x| (x.state, x.reason.to_string())).collect();
    assert_eq!(
        got,
        STATES
            .iter()
            .map(|s| (*s, format!("{s:?}")))
            .collect::<Vec<_>>()
    );
}

fn state(s: &Snapshot, account: &str, region: &str, class: EventClass) -> (State, String) {
    let m = matrix(s);
    let c = m
        .iter()
        .find(|c| c.account_id == account && c.region == region && c.class == class)
        .unwrap_or_else(|| panic!("no cell {account} {region} {class:?}"));
    (c.state, c.reason.to_string())
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
    t.selectors = basic(
        trailaudit_model::ReadWriteType::WriteOnly,
        &["kms.amazonaws.com"],
        "AWS::S3::Object",
        &["arn:aws:s3:::orders/"],
    );
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

fn fsel(field: &str) -> trailaudit_model::FieldSelector {
    trailaudit_model::FieldSelector {
        field: field.into(),
        ..Default::default()
    }
}

/// The organization trail with these advanced selectors.
fn with_advanced(fields: Vec<trailaudit_model::FieldSelector>) -> Snapshot {
    let mut s = snapshot();
    let mut t = org_trail();
    t.selectors = Fact::Collected {
        value: Selectors::Advanced(vec![trailaudit_model::AdvancedSelector {
            name: None,
            field_selectors: fields,
        }]),
    };
    s.trails.push(t);
    s
}

fn s3_data_state(s: &Snapshot) -> State {
    state(s, MEMBER, "eu-west-1", EventClass::S3Data).0
}

#[test]
fn a_selector_that_excludes_one_bucket_does_not_record_every_bucket() {
    let data = || {
        let mut c = fsel("eventCategory");
        c.equals = vec!["Data".into()];
        let mut t = fsel("resources.type");
        t.equals = vec!["AWS::S3::Object".into()];
        vec![c, t]
    };
    // Every object of every bucket.
    assert_eq!(s3_data_state(&with_advanced(data())), State::Covered);
    let mut all = data();
    let mut arn = fsel("resources.ARN");
    arn.starts_with = vec!["arn:aws:s3:::".into()];
    all.push(arn);
    assert_eq!(s3_data_state(&with_advanced(all)), State::Covered);
    // One bucket excluded (NotStartsWith, NotEquals): only part.
    for exclude in [
        |f: &mut trailaudit_model::FieldSelector| {
            f.not_starts_with = vec!["arn:aws:s3:::secret-bucket/".into()]
        },
        |f: &mut trailaudit_model::FieldSelector| {
            f.not_equals = vec!["arn:aws:s3:::secret-bucket/key".into()]
        },
    ] {
        let mut fields = data();
        let mut arn = fsel("resources.ARN");
        exclude(&mut arn);
        fields.push(arn);
        assert_eq!(s3_data_state(&with_advanced(fields)), State::Partial);
    }
    // One bucket selected, or one event name left out: only part.
    let mut fields = data();
    let mut arn = fsel("resources.ARN");
    arn.starts_with = vec!["arn:aws:s3:::payments/".into()];
    fields.push(arn);
    assert_eq!(s3_data_state(&with_advanced(fields)), State::Partial);
    let mut fields = data();
    let mut name = fsel("eventName");
    name.not_equals = vec!["DeleteObject".into()];
    fields.push(name);
    assert_eq!(s3_data_state(&with_advanced(fields)), State::Partial);
}

#[test]
fn basic_data_resources_for_all_buckets_or_one_bucket() {
    let basic = |values: &[&str]| {
        let mut s = snapshot();
        let mut t = org_trail();
        t.selectors = basic(
            trailaudit_model::ReadWriteType::All,
            &[],
            "AWS::S3::Object",
            values,
        );
        s.trails.push(t);
        s
    };
    assert_eq!(s3_data_state(&basic(&["arn:aws:s3"])), State::Covered);
    assert_eq!(s3_data_state(&basic(&["arn:aws:s3:::"])), State::Covered);
    assert_eq!(
        s3_data_state(&basic(&["arn:aws:s3:::payments/"])),
        State::Partial
    );
}

#[test]
fn excluding_a_management_source_leaves_global_events_whole() {
    let mut s = snapshot();
    let mut t = org_trail();
    t.selectors = basic(
        trailaudit_model::ReadWriteType::All,
        &["kms.amazonaws.com"],
        "",
        &[],
    );
    s.trails.push(t);
    assert_eq!(
        state(&s, MEMBER, "eu-west-1", EventClass::ManagementWrite).0,
        State::Partial
    );
    assert_eq!(
        state(&s, MEMBER, "us-east-1", EventClass::GlobalService).0,
        State::Covered
    );
}

/// Analysis builds the index once: every position it gives is one the
/// lookup asked for (a check that failed would rebuild it per call and
/// make the analysis quadratic again).
#[test]
fn analysis_builds_the_index_once() {
    let mut s = snapshot();
    s.trails.push(org_trail());
    s.trails.push(local_trail(MEMBER, "eu-west-1"));
    s.trails.push(local_trail(MGMT, "us-east-1"));
    let _ = crate::evaluate(&s, &crate::AuditPolicy::default());
    assert_eq!(s.lookup.builds(), 1);
}

/// The snapshot's index is built at the first lookup; edits after it
/// (as tests and the collector make) are seen, never answered from a
/// stale index.
#[test]
fn lookups_see_edits_made_after_the_index_was_built() {
    let mut s = snapshot();
    s.trails.push(org_trail());
    assert_eq!(
        state(&s, MEMBER, "eu-west-1", EventClass::ManagementWrite).0,
        State::Covered
    );
    // An edit in place: positions unchanged.
    s.trails[0].status = logging(false);
    assert_eq!(
        state(&s, MEMBER, "eu-west-1", EventClass::ManagementWrite).0,
        State::Gap
    );
    // Positions moved: a hit that names another key rebuilds the index.
    s.accounts.swap(0, 1);
    assert_eq!(s.account(MEMBER).map(|a| a.id.as_str()), Some(MEMBER));
    // A collection that shrank or grew: rebuilt.
    s.trails.clear();
    assert!(s.trail(ORG_TRAIL).is_none());
    s.trails.push(org_trail());
    assert!(s.trail(ORG_TRAIL).is_some());
    assert_eq!(s.trails_owned_by(&org_trail().owner_account_id).count(), 1);
    // Reordered in place (same lengths): owners and organization trails
    // are still right.
    s.trails.push(local_trail(MEMBER, "eu-west-1"));
    let _ = s.trails_owned_by(MEMBER).count();
    s.trails.swap(0, 1);
    let owned: Vec<&str> = s
        .trails_owned_by(MEMBER)
        .map(|t| t.owner_account_id.as_str())
        .collect();
    assert_eq!(owned, vec![MEMBER]);
    let org: Vec<&str> = s.organization_trails().map(|t| t.arn.as_str()).collect();
    assert_eq!(org, vec![ORG_TRAIL]);
}

/// A trail whose delivery verdict is unknown leaves unknown only the cells
/// its selectors and insight selectors would fill: a trail that records
/// only S3 data events cannot record Lambda data events, Insights or
/// management events, whatever its bucket, key or RCPs say. Checked for
/// every kind of verdict: bucket policy, key policy, RCPs unread (unknown)
/// and Requester Pays (not recording).
#[test]
fn an_unknown_delivery_verdict_stays_with_what_the_trail_records() {
    use trailaudit_model::{AdvancedSelector, FieldSelector, Selectors};
    let s3_only = || {
        let mut s = healthy();
        let f = |field: &str, v: &str| FieldSelector {
            field: field.into(),
            equals: vec![v.into()],
            ..Default::default()
        };
        s.trails[0].selectors = trailaudit_model::Fact::Collected {
            value: Selectors::Advanced(vec![AdvancedSelector {
                name: None,
                field_selectors: vec![
                    f("eventCategory", "Data"),
                    f("resources.type", "AWS::S3::Object"),
                ],
            }]),
        };
        // No delivery evidence: what was not read stays unknown.
        if let trailaudit_model::Fact::Collected { value } = &mut s.trails[0].status {
            value.latest_delivery_time = None;
        }
        s
    };
    type Cause = (&'static str, Box<dyn Fn(&mut Snapshot)>, State);
    let causes: Vec<Cause> = vec![
        (
            "bucket policy unread",
            Box::new(|s| s.buckets[0].policy = denied("s3:GetBucketPolicy")),
            State::Unknown,
        ),
        (
            "key policy unread",
            Box::new(|s| s.kms_keys[0].policy = denied("kms:GetKeyPolicy")),
            State::Unknown,
        ),
        (
            "RCPs unread",
            Box::new(|s| {
                s.buckets[0].owner = trailaudit_model::Fact::Collected {
                    value: Some(MEMBER.into()),
                };
                s.organization.as_mut().unwrap().resource_control_policies =
                    denied("organizations:ListPoliciesForTarget");
            }),
            State::Unknown,
        ),
        (
            "Requester Pays",
            Box::new(|s| {
                s.buckets[0].requester_pays = trailaudit_model::Fact::Collected { value: true }
            }),
            State::Gap,
        ),
    ];
    let healthy_s3 = state(&s3_only(), MEMBER, "eu-west-1", EventClass::S3Data).0;
    assert_eq!(healthy_s3, State::Covered);
    for (cause, change, s3) in causes {
        let mut s = s3_only();
        change(&mut s);
        assert_eq!(
            state(&s, MEMBER, "eu-west-1", EventClass::S3Data).0,
            s3,
            "{cause}"
        );
        for class in [
            EventClass::LambdaData,
            EventClass::Insights,
            EventClass::ManagementWrite,
        ] {
            let (st, why) = state(&s, MEMBER, "us-east-1", class);
            assert_eq!(st, State::Gap, "{cause}: {class:?} {why}");
        }
    }
}
