//! Unit tests on hand-made snapshots, for what the emulator cannot produce:
//! delivery errors, an organization trail seen from a member account,
//! LookupEvents answers, trails stopped after the event.

use chrono::{DateTime, Duration, TimeZone, Utc};
use trailaudit_catalogue::selectors::Category;
use trailaudit_model::*;

use super::*;

const MGMT: &str = "111111111111";
const MEMBER: &str = "222222222222";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap()
}

fn org_trail() -> Trail {
    Trail {
        is_multi_region: true,
        is_organization_trail: true,
        include_global_service_events: true,
        log_file_validation_enabled: true,
        s3_bucket_name: Some("org-logs".into()),
        s3_key_prefix: Some("org".into()),
        status: Fact::Collected {
            value: TrailStatus {
                is_logging: true,
                latest_delivery_time: Some(now() - chrono::Duration::minutes(5)),
                ..Default::default()
            },
        },
        selectors: Fact::Collected {
            value: Selectors::Default,
        },
        insight_types: Fact::Collected { value: vec![] },
        ..Trail::from_arn(&format!("arn:aws:cloudtrail:us-east-1:{MGMT}:trail/org")).unwrap()
    }
}

fn snapshot() -> Snapshot {
    let region = |r: &str, trails: Vec<TrailRef>| AccountRegion {
        region: r.into(),
        status: RegionStatus::Collected,
        trails,
        event_data_stores: Fact::Collected { value: vec![] },
        footprint: None,
    };
    let account = |id: &str, trails: Vec<TrailRef>| Account {
        id: id.into(),
        name: id.into(),
        email: None,
        status: AccountStatus::Active,
        ou_path: "Root".into(),
        is_management: id == MGMT,
        access: Access::Caller,
        regions: vec![
            region("us-east-1", trails.clone()),
            region("eu-west-1", trails),
        ],
    };
    // The member sees the organization trail as a shadow, as in AWS.
    let shadow = vec![TrailRef {
        arn: org_trail().arn,
        shadow: true,
    }];
    Snapshot {
        schema_version: SCHEMA_VERSION,
        tool_version: "t".into(),
        arguments: vec![],
        mode: Mode::Organization,
        caller: CallerIdentity { account_id: MGMT.into(), arn: "a".into() },
        started_at: now(),
        finished_at: now(),
        complete: true,
        region_selection: vec![],
        organization: Some(Organization {
            id: "o-abc".into(),
            arn: String::new(),
            management_account_id: MGMT.into(),
            ous: vec![],
            delegated_administrators: Fact::Collected { value: vec![] },
            cloudtrail_trusted_access: Fact::Collected { value: true },
            resource_control_policies: Fact::Collected {
                value: Default::default(),
            },
        }),
        accounts: vec![account(MGMT, vec![]), account(MEMBER, shadow)],
        trails: vec![org_trail()],
        buckets: vec![Bucket {
            name: "org-logs".into(),
            owner: Fact::Collected {
                value: Some(MGMT.into()),
            },
            region: Fact::Collected { value: "us-east-1".into() },
            policy: Fact::Collected { value: Some(r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":["s3:GetBucketAcl","s3:PutObject"],"Resource":["arn:aws:s3:::org-logs","arn:aws:s3:::org-logs/*"]}]}"#.into()) },
            lifecycle_rules: Fact::Collected { value: vec![] },
            versioning: Fact::Collected { value: Versioning::default() },
            encryption: Fact::Collected { value: None },
            public_access_block: Fact::Collected { value: None },
            public_acl_grants: Fact::Collected { value: vec![] },
            access_logging_target: Fact::Collected { value: None },
            object_lock: Fact::Collected { value: None },
            requester_pays: Fact::Collected { value: false },
        }],
        kms_keys: vec![],
        log_groups: vec![],
        event_data_stores: vec![],
        delivery_probes: vec![],
        verification: None,
        integrity: None,
        history: None,
        errors: vec![],
        api_calls: Default::default(),
        session_name: None,
        lookup: Default::default(),
    }
}

fn q(name: &str, region: &str, minutes_ago: i64) -> Question {
    Question {
        account: MEMBER.into(),
        region: Some(region.into()),
        event_name: name.into(),
        event_source: None,
        time: now() - Duration::minutes(minutes_ago),
        resource: None,
        category: None,
        resource_type: None,
        error_code: None,
        now: now(),
    }
}

fn result(e: &Explanation, cause: Cause) -> Outcome {
    e.checklist
        .iter()
        .find(|c| c.cause == cause)
        .map(|c| c.result)
        .unwrap_or_else(|| panic!("no {cause:?} in {e:#?}"))
}

#[test]
fn classification() {
    let c = classify(&q("CreateUser", "eu-west-1", 60)).unwrap();
    assert!(c.global && c.record_region == "us-east-1" && c.category == EventKind::ManagementWrite);
    let c = classify(&q("GetObject", "eu-west-1", 60)).unwrap();
    assert_eq!(
        (c.category.as_str(), c.read_only, c.resource_type.as_deref()),
        ("data", true, Some("AWS::S3::Object"))
    );
    let c = classify(&q("Invoke", "eu-west-1", 60)).unwrap();
    assert_eq!(c.event_source.as_deref(), Some("lambda.amazonaws.com"));
    let c = classify(&q("FrobnicateWidgets", "eu-west-1", 60)).unwrap();
    assert!(!c.known && !c.warnings.is_empty() && c.category == EventKind::ManagementWrite);
    let mut no_region = q("RunInstances", "x", 60);
    no_region.region = None;
    assert!(classify(&no_region).unwrap_err().contains("--region"));
}

#[test]
fn organization_trail_seen_from_a_member_is_the_destination() {
    let s = snapshot();
    let plan = plan(&s, &q("RunInstances", "eu-west-1", 60)).unwrap();
    assert_eq!(plan.bucket, "org-logs");
    assert_eq!(
        plan.prefixes,
        vec![format!(
            "org/AWSLogs/o-abc/{MEMBER}/CloudTrail/eu-west-1/2026/11/20/"
        )]
    );
    assert_eq!(plan.lookup_region.as_deref(), Some("eu-west-1"));
    let e = explain(
        &s,
        &q("RunInstances", "eu-west-1", 60),
        &WhyProbes::offline(),
    )
    .unwrap();
    assert_eq!(result(&e, Cause::NoTrail), Outcome::DoesNotHold);
    assert_eq!(
        e.locations,
        vec![format!(
            "s3://org-logs/org/AWSLogs/o-abc/{MEMBER}/CloudTrail/eu-west-1/2026/11/20/"
        )]
    );
    assert_eq!(
        e.verdict.cause,
        Cause::Unknown,
        "offline, nothing probed: {e:#?}"
    );
    assert_eq!(result(&e, Cause::OtherAccountBucket), Outcome::CannotTell);
}

#[test]
fn delivery_error_is_the_cause() {
    let mut s = snapshot();
    s.trails[0].status = Fact::Collected {
        value: TrailStatus {
            is_logging: true,
            latest_delivery_error: Some("NoSuchBucket".into()),
            ..Default::default()
        },
    };
    let e = explain(
        &s,
        &q("RunInstances", "eu-west-1", 60),
        &WhyProbes::offline(),
    )
    .unwrap();
    assert_eq!(e.verdict.cause, Cause::DeliveryFailing);
    assert!(e.verdict.summary.contains("NoSuchBucket"));
}

#[test]
fn a_requester_pays_bucket_is_the_cause_with_its_fix() {
    let mut s = snapshot();
    s.buckets[0].requester_pays = Fact::Collected { value: true };
    let e = explain(
        &s,
        &q("RunInstances", "eu-west-1", 60),
        &WhyProbes::offline(),
    )
    .unwrap();
    assert_eq!(e.verdict.cause, Cause::DeliveryFailing, "{e:#?}");
    assert!(e.verdict.summary.contains("Requester Pays"), "{e:#?}");
    assert!(
        e.commands
            .iter()
            .any(|c| c.contains("put-bucket-request-payment") && c.contains("Payer=BucketOwner")),
        "{:?}",
        e.commands
    );
}

#[test]
fn trail_stopped_after_the_event_was_logging_then() {
    let mut s = snapshot();
    s.trails[0].status = Fact::Collected {
        value: TrailStatus {
            is_logging: false,
            stop_logging_time: Some(now() - Duration::minutes(10)),
            ..Default::default()
        },
    };
    let e = explain(
        &s,
        &q("RunInstances", "eu-west-1", 60),
        &WhyProbes::offline(),
    )
    .unwrap();
    assert_eq!(result(&e, Cause::NotLogging), Outcome::DoesNotHold);
    let e = explain(
        &s,
        &q("RunInstances", "eu-west-1", 5),
        &WhyProbes::offline(),
    )
    .unwrap();
    assert_eq!(e.verdict.cause, Cause::NotLogging);
}

#[test]
fn lookup_events_and_found_records() {
    let s = snapshot();
    let probes = WhyProbes {
        owner_listing: Fact::Collected {
            value: vec!["k".into()],
        },
        account_listing: Fact::Collected {
            value: vec!["k".into()],
        },
        record_key: Fact::Collected {
            value: Some(
                "org/AWSLogs/o-abc/222222222222/CloudTrail/eu-west-1/2026/11/20/x.json.gz".into(),
            ),
        },
        lookup_found: Fact::Collected { value: true },
    };
    let e = explain(&s, &q("RunInstances", "eu-west-1", 60), &probes).unwrap();
    assert_eq!(e.verdict.cause, Cause::Found);
    assert_eq!(
        e.event_history,
        "LookupEvents in eu-west-1 finds it (90-day event history of account 222222222222)"
    );
    let none = WhyProbes {
        lookup_found: Fact::Collected { value: false },
        ..probes.clone()
    };
    let e2 = explain(&s, &q("RunInstances", "eu-west-1", 60), &none).unwrap();
    assert!(e2.event_history.contains("does not return it"));
    let old = explain(&s, &q("RunInstances", "eu-west-1", 60 * 24 * 100), &probes).unwrap();
    assert!(old.event_history.contains("older than 90 days"));
    let data = explain(&s, &q("GetObject", "eu-west-1", 60), &probes).unwrap();
    assert!(data.event_history.contains("never"));
    assert!(e
        .commands
        .iter()
        .any(|c| c.starts_with("aws cloudtrail lookup-events --region eu-west-1")));
    assert!(e.commands.iter().any(|c| c.contains("gunzip")));
}

#[test]
fn member_denied_on_another_accounts_bucket() {
    let s = snapshot();
    let probes = WhyProbes {
        owner_listing: Fact::Collected { value: vec![] },
        account_listing: Fact::Failed {
            error: ErrorInfo {
                kind: ErrorKind::AccessDenied,
                operation: "s3:ListBucket".into(),
                code: Some("AccessDenied".into()),
                message: "denied".into(),
            },
        },
        record_key: Fact::Collected { value: None },
        lookup_found: Fact::Collected { value: false },
    };
    let e = explain(&s, &q("RunInstances", "eu-west-1", 60), &probes).unwrap();
    assert_eq!(e.verdict.cause, Cause::OtherAccountBucket);

    // When the bucket's owner is unknown (some ListBuckets failed), neither
    // "another account's bucket" nor "access denied" is claimed.
    let mut s = snapshot();
    s.buckets[0].owner = Fact::not_collected("ListBuckets failed in 1 account(s): 333333333333");
    let e = explain(&s, &q("RunInstances", "eu-west-1", 60), &probes).unwrap();
    let line = |c: Cause| e.checklist.iter().find(|x| x.cause == c).unwrap().clone();
    assert_eq!(line(Cause::OtherAccountBucket).result, Outcome::CannotTell);
    assert!(line(Cause::OtherAccountBucket)
        .evidence
        .contains("333333333333"));
    assert_ne!(line(Cause::AccessDenied).result, Outcome::Holds);
    assert_ne!(e.verdict.cause, Cause::OtherAccountBucket);
}

#[test]
fn near_midnight_both_days_are_locations() {
    let s = snapshot();
    let mut question = q("RunInstances", "eu-west-1", 0);
    question.time = Utc.with_ymd_and_hms(2026, 11, 19, 23, 55, 0).unwrap();
    let p = plan(&s, &question).unwrap();
    assert_eq!(p.prefixes.len(), 2);
    assert!(p.prefixes[1].ends_with("2026/11/20/"));
}

#[test]
fn event_files() {
    let rec = r#"{"eventName":"GetObject","eventSource":"s3.amazonaws.com","awsRegion":"eu-west-1","eventTime":"2026-11-20T10:00:00Z","recipientAccountId":"222222222222","resources":[{"ARN":"arn:aws:s3:::b/k"}]}"#;
    let f = parse_event_file(rec).unwrap();
    assert_eq!(
        (
            f.event_name.as_str(),
            f.account.as_deref(),
            f.resource.as_deref()
        ),
        ("GetObject", Some("222222222222"), Some("arn:aws:s3:::b/k"))
    );
    let f = parse_event_file("An error occurred (AccessDenied) when calling the PutObject operation: Access Denied (Request ID: ABC)").unwrap();
    assert_eq!(f.event_name, "PutObject");
    assert!(parse_event_file("hello").is_err());
    assert!(parse_event_file("{\"foo\": 1}")
        .unwrap_err()
        .contains("eventName"));
}

#[test]
fn org_and_why_agree_on_every_cell_including_a_lake_only_region() {
    // The hand-made organization: an organization trail, a member.
    let s = snapshot();
    assert_eq!(disagreements(&s), Vec::<String>::new());
    // A Lake store is the only source: covered in the matrix, and why says
    // the event is in the event data store (not no_trail).
    let mut s = snapshot();
    s.trails.clear();
    for a in &mut s.accounts {
        for r in &mut a.regions {
            r.trails.clear();
        }
    }
    s.event_data_stores.push(EventDataStore {
        arn: format!("arn:aws:cloudtrail:eu-west-1:{MEMBER}:eventdatastore/lake"),
        name: "lake".into(),
        account_id: MEMBER.into(),
        region: "eu-west-1".into(),
        status: "ENABLED".into(),
        multi_region: false,
        organization_enabled: false,
        retention_days: Some(2557),
        selectors: vec![AdvancedSelector {
            name: None,
            field_selectors: vec![FieldSelector {
                field: "eventCategory".into(),
                equals: vec!["Management".into()],
                ..Default::default()
            }],
        }],
    });
    let m = trailaudit_checks::coverage::matrix(&s);
    let lake_cell = m
        .iter()
        .find(|c| c.account_id == MEMBER && c.region == "eu-west-1")
        .unwrap();
    assert_eq!(lake_cell.state, trailaudit_checks::State::Covered);
    assert_eq!(disagreements(&s), Vec::<String>::new());
    let e = explain(
        &s,
        &q("RunInstances", "eu-west-1", 60),
        &WhyProbes::offline(),
    )
    .unwrap();
    assert_eq!(e.verdict.cause, Cause::EventDataStore, "{:?}", e.verdict);
    assert!(e.commands[0].contains("start-query"), "{:?}", e.commands);
    // Other cells of that organization are gaps, and why says no_trail.
    let e = explain(
        &s,
        &q("RunInstances", "us-east-1", 60),
        &WhyProbes::offline(),
    )
    .unwrap();
    assert_eq!(e.verdict.cause, Cause::NoTrail);
    // The store listing failed in the member: unknown in both.
    s.accounts[1].regions[0].event_data_stores = Fact::Failed {
        error: ErrorInfo {
            kind: ErrorKind::AccessDenied,
            operation: "cloudtrail:ListEventDataStores".into(),
            code: Some("AccessDeniedException".into()),
            message: "denied".into(),
        },
    };
    assert_eq!(disagreements(&s), Vec::<String>::new());
    let e = explain(
        &s,
        &q("RunInstances", "us-east-1", 60),
        &WhyProbes::offline(),
    )
    .unwrap();
    assert_ne!(e.verdict.cause, Cause::NoTrail, "{:?}", e.verdict);
}

#[test]
fn org_and_why_agree_on_every_cell_of_demo() {
    // The stored `demo` run (an emulator run of tests/scenarios/demo.toml).
    let s = Snapshot::from_json(include_str!(
        "../../report/tests/fixtures/demo.snapshot.json"
    ))
    .unwrap();
    let cells = trailaudit_checks::coverage::matrix(&s).len();
    assert!(cells > 100, "{cells}");
    assert_eq!(disagreements(&s), Vec::<String>::new());
}

fn with_selectors(fields: &[&[(&str, &str)]]) -> Snapshot {
    let mut s = snapshot();
    s.trails[0].selectors = Fact::Collected {
        value: Selectors::Advanced(
            fields
                .iter()
                .map(|f| AdvancedSelector {
                    name: None,
                    field_selectors: f
                        .iter()
                        .map(|(k, v)| FieldSelector {
                            field: k.to_string(),
                            equals: vec![v.to_string()],
                            ..Default::default()
                        })
                        .collect(),
                })
                .collect(),
        ),
    };
    s
}

#[test]
fn data_events_of_every_type_are_classified_and_walked() {
    // DynamoDB by its event name; a Bedrock agent only by its resource type.
    let c = classify(&q("PutItem", "eu-west-1", 60)).unwrap();
    assert_eq!(
        (c.category.as_str(), c.read_only, c.resource_type.as_deref()),
        ("data", false, Some("AWS::DynamoDB::Table"))
    );
    let mut bedrock = q("InvokeAgent", "eu-west-1", 60);
    bedrock.resource_type = Some("AWS::Bedrock::AgentAlias".into());
    let c = classify(&bedrock).unwrap();
    assert_eq!(c.event_source.as_deref(), Some("bedrock.amazonaws.com"));
    assert!(c.selected_only() && c.known);
    let mut unknown_type = q("Frobnicate", "eu-west-1", 60);
    unknown_type.category = Some(Category::Data);
    assert!(classify(&unknown_type)
        .unwrap_err()
        .contains("--resource-type"));
    unknown_type.resource_type = Some("AWS::NewThing::Widget".into());
    assert_eq!(classify(&unknown_type).unwrap().category, EventKind::Data);

    // Management only: not selected, and the fix names the type.
    let s = snapshot();
    let e = explain(&s, &q("PutItem", "eu-west-1", 60), &WhyProbes::offline()).unwrap();
    assert_eq!(e.verdict.cause, Cause::NotSelected, "{e:#?}");
    assert!(
        e.commands[0].contains("AWS::DynamoDB::Table"),
        "{:?}",
        e.commands
    );
    // Tables selected: selected.
    let s = with_selectors(&[
        &[("eventCategory", "Management")],
        &[
            ("eventCategory", "Data"),
            ("resources.type", "AWS::DynamoDB::Table"),
        ],
    ]);
    let e = explain(&s, &q("PutItem", "eu-west-1", 60), &WhyProbes::offline()).unwrap();
    assert_eq!(
        result(&e, Cause::NotSelected),
        Outcome::DoesNotHold,
        "{e:#?}"
    );
}

#[test]
fn network_activity_events_are_classified_and_walked() {
    let rec = r#"{"eventName":"Decrypt","eventSource":"kms.amazonaws.com","eventCategory":"NetworkActivity","errorCode":"VpceAccessDenied","awsRegion":"eu-west-1","eventTime":"2026-11-20T11:00:00Z","recipientAccountId":"222222222222"}"#;
    let f = parse_event_file(rec).unwrap();
    assert_eq!(f.category, Some(Category::NetworkActivity));
    assert_eq!(f.error_code.as_deref(), Some("VpceAccessDenied"));
    let mut nq = q("Decrypt", "eu-west-1", 60);
    nq.event_source = f.event_source.clone();
    nq.category = f.category;
    nq.error_code = f.error_code.clone();
    let c = classify(&nq).unwrap();
    assert_eq!(c.category, EventKind::NetworkActivity);
    assert_eq!(c.record_region, "eu-west-1");
    let mut no_source = nq.clone();
    no_source.event_source = None;
    assert!(classify(&no_source).unwrap_err().contains("--event-source"));

    // Default selectors: not selected, with the network selector as the fix.
    let e = explain(&snapshot(), &nq, &WhyProbes::offline()).unwrap();
    assert_eq!(e.verdict.cause, Cause::NotSelected, "{e:#?}");
    assert!(
        e.commands[0].contains("NetworkActivity"),
        "{:?}",
        e.commands
    );
    assert!(e.event_history.contains("never in the event history"));
    // Denials of KMS selected: this (denied) event is selected.
    let denials = with_selectors(&[
        &[("eventCategory", "Management")],
        &[
            ("eventCategory", "NetworkActivity"),
            ("eventSource", "kms.amazonaws.com"),
            ("errorCode", "VpceAccessDenied"),
        ],
    ]);
    let e = explain(&denials, &nq, &WhyProbes::offline()).unwrap();
    assert_eq!(
        result(&e, Cause::NotSelected),
        Outcome::DoesNotHold,
        "{e:#?}"
    );
    // An allowed call is not a denial: not selected.
    let mut allowed = nq.clone();
    allowed.error_code = None;
    // As people write it.
    allowed.category = Some(Category::parse("network").unwrap());
    let e = explain(&denials, &allowed, &WhyProbes::offline()).unwrap();
    assert_ne!(
        result(&e, Cause::NotSelected),
        Outcome::DoesNotHold,
        "{e:#?}"
    );
}

#[test]
fn categories_are_parsed_as_people_write_them() {
    for (text, want) in [
        ("Management", Category::Management),
        ("data", Category::Data),
        ("NetworkActivity", Category::NetworkActivity),
        ("network_activity", Category::NetworkActivity),
    ] {
        assert_eq!(Category::parse(text), Ok(want));
    }
    assert_eq!(
        Category::parse("Insight").unwrap_err(),
        "event category `Insight` is not Management, Data or NetworkActivity"
    );
}

#[test]
fn athena_table_and_query_for_an_organization_trail() {
    let s = snapshot();
    let a = athena(&s, &q("RunInstances", "eu-west-1", 60)).unwrap();
    assert_eq!(a.table, "cloudtrail_org");
    assert!(
        a.ddl
            .contains("LOCATION 's3://org-logs/org/AWSLogs/o-abc/'"),
        "{}",
        a.ddl
    );
    assert!(
        a.ddl.contains("'storage.location.template' = 's3://org-logs/org/AWSLogs/o-abc/${account}/CloudTrail/${region}/${timestamp}'"),
        "{}",
        a.ddl
    );
    assert!(a.ddl.contains("'projection.account.type' = 'injected'"));
    assert!(
        a.ddl
            .contains("'projection.region.values' = 'eu-west-1,us-east-1'"),
        "{}",
        a.ddl
    );
    for part in [
        &format!("account = '{MEMBER}'"),
        "region = 'eu-west-1'",
        "\"timestamp\" BETWEEN '2026/11/20' AND '2026/11/20'",
        "eventname = 'RunInstances'",
        "eventtime BETWEEN '2026-11-20T10:45:00Z' AND '2026-11-20T11:15:00Z'",
        "eventsource = 'ec2.amazonaws.com'",
    ] {
        assert!(a.query.contains(part), "{part} not in\n{}", a.query);
    }
    // Global events are queried where they are recorded.
    let a = athena(&s, &q("CreateUser", "eu-west-1", 60)).unwrap();
    assert!(a.query.contains("region = 'us-east-1'"), "{}", a.query);
    // No trail with a bucket: nothing to query.
    let mut none = snapshot();
    none.trails[0].s3_bucket_name = None;
    assert!(athena(&none, &q("RunInstances", "eu-west-1", 60))
        .unwrap_err()
        .contains("no archive"));
}
