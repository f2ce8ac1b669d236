use super::*;
use crate::audit_policy::AuditPolicy;
use crate::fixture::*;
use trailaudit_model::LifecycleRule;

fn change(event: &str, resource: &str, minutes_ago: i64, who: &str) -> Change {
    Change {
        event_id: format!("e-{event}-{minutes_ago}"),
        event_name: event.into(),
        event_time: now() - chrono::Duration::minutes(minutes_ago),
        account_id: MGMT.into(),
        region: "us-east-1".into(),
        resource: resource.into(),
        principal_arn: format!("arn:aws:sts::{MGMT}:assumed-role/{who}/s"),
        role_arn: Some(format!("arn:aws:iam::{MGMT}:role/{who}")),
        session: Some("s".into()),
        source_ip: None,
        user_agent: None,
        detail: None,
    }
}

/// The organization trail stopped: every cell of both accounts is a gap.
fn stopped() -> Snapshot {
    let mut s = healthy();
    s.trails[0].status = logging(false);
    s
}

fn evaluated(s: &Snapshot) -> Vec<Finding> {
    crate::evaluate(s, &AuditPolicy::default()).findings
}

/// Answers every planned query with `answer` (per event name).
fn answered(mut s: Snapshot, answer: impl Fn(&HistoryQuery) -> HistoryAnswer) -> Snapshot {
    let findings = evaluated(&s);
    let mut h = plan(&s, &findings, &[], now());
    for q in &mut h.queries {
        q.answer = answer(q);
    }
    s.history = Some(h);
    s
}

#[test]
fn one_query_per_account_region_and_event_name_never_one_per_cell() {
    let s = stopped();
    let findings = evaluated(&s);
    let cells = findings
        .iter()
        .filter(|f| f.check_id == "region_not_logged")
        .count();
    assert_eq!(cells, 4, "2 accounts x 2 regions");
    let h = plan(&s, &findings, &[], now());
    let stops: Vec<_> = h
        .queries
        .iter()
        .filter(|q| q.event_name == "StopLogging")
        .collect();
    assert_eq!(stops.len(), 1, "{:#?}", h.queries);
    assert_eq!(
        (stops[0].account_id.as_str(), stops[0].region.as_str()),
        (MGMT, "us-east-1")
    );
    assert_eq!(stops[0].resources, vec![ORG_TRAIL.to_string()]);
    assert!(h
        .queries
        .iter()
        .all(|q| q.answer == HistoryAnswer::NotLookedUp));
    // No finding a change causes: nothing to look up.
    let healthy = healthy();
    assert!(plan(&healthy, &evaluated(&healthy), &[], now())
        .queries
        .is_empty());
}

#[test]
fn the_newest_change_of_the_resource_is_the_attribution() {
    let s = answered(stopped(), |q| HistoryAnswer::Read {
        changes: if q.event_name == "StopLogging" {
            vec![
                change("StopLogging", ORG_TRAIL, 10, "Newer"),
                change("StopLogging", ORG_TRAIL, 600, "Older"),
                change(
                    "StopLogging",
                    "arn:aws:cloudtrail:us-east-1:1:trail/other",
                    1,
                    "Other",
                ),
            ]
        } else {
            vec![]
        },
        complete: true,
        events_read: 3,
    });
    let findings = evaluated(&s);
    let cells: Vec<_> = findings
        .iter()
        .filter(|f| f.check_id == "region_not_logged" || f.check_id == "trail_not_logging")
        .collect();
    assert_eq!(cells.len(), 5);
    for f in cells {
        let a = f.attribution.as_ref().expect("attributed");
        assert_eq!(a.changed_by(), "role/Newer (session s)", "{f:?}");
        assert_eq!(
            a.since(now()).unwrap(),
            "since 2026-11-20T11:50:00Z (10 minutes)"
        );
    }
    // A finding no change causes carries none.
    assert!(findings
        .iter()
        .filter(|f| f.check_id == "permission_gap")
        .all(|f| f.attribution.is_none()));
}

#[test]
fn nothing_found_in_the_whole_history_is_older_than_the_history() {
    let s = answered(stopped(), |_| HistoryAnswer::Read {
        changes: vec![],
        complete: true,
        events_read: 0,
    });
    let f = evaluated(&s)
        .into_iter()
        .find(|f| f.check_id == "trail_not_logging")
        .unwrap();
    match f.attribution.unwrap() {
        Attribution::NotInHistory { before, looked_for } => {
            assert_eq!(before, now() - chrono::Duration::days(90));
            assert_eq!(looked_for, vec!["StopLogging".to_string()]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_history_read_in_part_or_not_at_all_is_unknown_never_an_actor() {
    let s = answered(stopped(), |_| HistoryAnswer::Read {
        changes: vec![],
        complete: false,
        events_read: 500,
    });
    let f = evaluated(&s)
        .into_iter()
        .find(|f| f.check_id == "trail_not_logging")
        .unwrap();
    assert!(matches!(
        f.attribution,
        Some(Attribution::NotFoundInPart {
            events_read: 500,
            ..
        })
    ));
    let s = answered(stopped(), |_| HistoryAnswer::Unreadable {
        error: access_denied("cloudtrail:LookupEvents"),
    });
    let f = evaluated(&s)
        .into_iter()
        .find(|f| f.check_id == "trail_not_logging")
        .unwrap();
    let a = f.attribution.unwrap();
    assert_eq!(a.changed_by(), "");
    assert_eq!(a.since(now()), None);
    assert!(
        a.describe()
            .starts_with("event history not readable (cloudtrail:LookupEvents: AccessDenied"),
        "{}",
        a.describe()
    );
    // A planned query with no answer (an interrupted run) is unknown too.
    let s = answered(stopped(), |_| HistoryAnswer::NotLookedUp);
    let f = evaluated(&s)
        .into_iter()
        .find(|f| f.check_id == "trail_not_logging")
        .unwrap();
    assert!(matches!(
        f.attribution,
        Some(Attribution::Unreadable { .. })
    ));
}

#[test]
fn a_bucket_change_is_looked_up_in_the_owner_account_and_the_bucket_region() {
    let mut s = healthy();
    s.buckets[0].owner = trailaudit_model::Fact::Collected {
        value: Some(MEMBER.into()),
    };
    s.buckets[0].region = trailaudit_model::Fact::Collected {
        value: "eu-west-1".into(),
    };
    s.buckets[0].lifecycle_rules = trailaudit_model::Fact::Collected {
        value: vec![LifecycleRule {
            id: Some("short".into()),
            enabled: true,
            expiration_days: Some(7),
            ..Default::default()
        }],
    };
    let findings = evaluated(&s);
    assert!(findings.iter().any(|f| f.check_id == "retention_short"));
    let h = plan(&s, &findings, &[], now());
    let q = h
        .query(MEMBER, "eu-west-1", "PutBucketLifecycle")
        .expect("lifecycle query");
    assert_eq!(q.resources, vec!["org-logs".to_string()]);
}

#[test]
fn a_trail_gone_since_the_previous_run_is_looked_up_as_deleted() {
    let mut s = snapshot();
    let gone = KnownTrail {
        arn: format!("arn:aws:cloudtrail:us-east-1:{MEMBER}:trail/gone"),
        owner_account_id: MEMBER.into(),
        home_region: "us-east-1".into(),
        is_multi_region: true,
        is_organization_trail: false,
    };
    let kept = known_trails(&healthy());
    s.trails.push(org_trail());
    s.trails[0].status = logging(false);
    let findings = evaluated(&s);
    let mut previous = kept.clone();
    previous.push(gone.clone());
    let h = plan(&s, &findings, &previous, now());
    assert_eq!(h.deleted_trails, vec![gone.clone()]);
    let q = h
        .query(MEMBER, "us-east-1", "DeleteTrail")
        .expect("delete query");
    assert_eq!(q.resources, vec![gone.arn.clone()]);
    // Only for the member's cells: the management account's are not the
    // member trail's.
    let mut answered_h = h.clone();
    for q in &mut answered_h.queries {
        q.answer = HistoryAnswer::Read {
            changes: if q.event_name == "DeleteTrail" {
                let mut c = change("DeleteTrail", &gone.arn, 30, "Cleaner");
                c.account_id = MEMBER.into();
                vec![c]
            } else {
                vec![]
            },
            complete: true,
            events_read: 1,
        };
    }
    s.history = Some(answered_h);
    let f = evaluated(&s);
    let member_cell = f
        .iter()
        .find(|f| f.check_id == "region_not_logged" && f.account_id == MEMBER)
        .unwrap();
    assert_eq!(
        member_cell.attribution.as_ref().unwrap().changed_by(),
        "role/Cleaner (session s)"
    );
    let mgmt_cell = f
        .iter()
        .find(|f| f.check_id == "region_not_logged" && f.account_id == MGMT)
        .unwrap();
    assert!(matches!(
        mgmt_cell.attribution,
        Some(Attribution::NotInHistory { .. })
    ));
}

#[test]
fn audit_why_looks_up_the_changes_of_the_trails_recording_the_cell() {
    let mut s = stopped();
    let h = trail_plan(&s, MEMBER, "eu-west-1", now());
    let names: Vec<&str> = h.queries.iter().map(|q| q.event_name.as_str()).collect();
    assert_eq!(names.len(), TRAIL_CHANGES.len());
    assert!(h
        .queries
        .iter()
        .all(|q| q.account_id == MGMT && q.region == "us-east-1"));
    let mut h = h;
    for q in &mut h.queries {
        q.answer = HistoryAnswer::Read {
            changes: match q.event_name.as_str() {
                "StopLogging" => vec![change("StopLogging", ORG_TRAIL, 30, "Ops")],
                "StartLogging" => vec![change("StartLogging", ORG_TRAIL, 300, "Ops")],
                _ => vec![],
            },
            complete: true,
            events_read: 1,
        };
    }
    s.history = Some(h);
    let (changes, unreadable) = trail_changes(&s, MEMBER, "eu-west-1");
    assert!(unreadable.is_empty());
    assert_eq!(
        changes
            .iter()
            .map(|c| c.event_name.as_str())
            .collect::<Vec<_>>(),
        vec!["StartLogging", "StopLogging"],
        "oldest first"
    );
}

#[test]
fn every_attributed_check_exists() {
    for id in ATTRIBUTED_CHECKS {
        assert!(
            crate::checks::CATALOGUE.iter().any(|c| c.meta.id == *id),
            "{id} is not a check"
        );
    }
}

#[test]
fn a_stop_explains_missing_data_events_only_if_the_trail_recorded_them() {
    let f = Finding {
        check_id: "data_events_missing".into(),
        severity: crate::Severity::Medium,
        status: Status::Fail,
        account_id: MEMBER.into(),
        account_name: String::new(),
        ou_path: String::new(),
        region: String::new(),
        resource: "s3_data".into(),
        message: String::new(),
        attribution: None,
    };
    let names = |s: &Snapshot| -> Vec<&'static str> {
        wanted(&f, s, &[])
            .iter()
            .flat_map(|w| w.event_names.iter().copied())
            .collect()
    };
    // Management events only: the stop took no data events away.
    let s = stopped();
    assert_eq!(names(&s), vec!["PutEventSelectors"]);
    // S3 data events selected: the stop is a cause too.
    let mut s = stopped();
    s.trails[0].selectors = basic(
        trailaudit_model::ReadWriteType::All,
        &[],
        "AWS::S3::Object",
        &["arn:aws:s3"],
    );
    assert_eq!(names(&s), vec!["PutEventSelectors", "StopLogging"]);
}

#[test]
fn members_an_organization_trail_no_longer_reaches_look_up_trusted_access() {
    let mut s = healthy();
    s.organization.as_mut().unwrap().cloudtrail_trusted_access =
        trailaudit_model::Fact::Collected { value: false };
    let findings = evaluated(&s);
    let member = findings
        .iter()
        .find(|f| f.check_id == "region_not_logged" && f.account_id == MEMBER)
        .expect("the member is not recorded");
    let w = wanted(member, &s, &[]);
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].event_names, &["DisableAWSServiceAccess"]);
    assert_eq!(
        (w[0].account_id.as_str(), w[0].region.as_str()),
        (MGMT, "us-east-1")
    );
    // The management account's own cells are not the member's drift.
    assert!(findings
        .iter()
        .filter(|f| f.check_id == "region_not_logged" && f.account_id == MGMT)
        .all(|f| wanted(f, &s, &[]).is_empty()));
}
