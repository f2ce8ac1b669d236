//! What the emulator cannot show, on the in-process fake AWS transport
//! (`trailaudit_testkit::fake`, built on the SDK's HttpConnector trait): an
//! organization trail seen as a shadow in member accounts, a delivery error,
//! an API answering HTTP 500 with an HTML page, throttling, the read-only
//! guard refusing a write before it is sent, and auditing overlapping the
//! organization walk.

use std::sync::Arc;

use trailaudit_collect::{collect, Cancel, CollectOptions, Guard, Silent};
use trailaudit_model::regions::RegionSelection;
use trailaudit_model::{ErrorKind, Fact, RegionStatus, Snapshot};
use trailaudit_testkit::fake::{FakeAws, Reply};

fn opts() -> CollectOptions {
    CollectOptions {
        regions: RegionSelection::parse("us-east-1,eu-west-1").unwrap(),
        concurrency: 8,
        ..CollectOptions::default()
    }
}

async fn run(fake: &FakeAws) -> Snapshot {
    collect(
        &fake.sdk_config(),
        Guard::new(),
        &opts(),
        &Silent,
        Cancel::default(),
    )
    .await
    .expect("collection runs")
}

#[tokio::test]
async fn organization_trail_seen_as_shadow_in_members_is_read_once_from_its_owner() {
    let fake = FakeAws::builder(3, &["us-east-1", "eu-west-1"])
        .organization_trail(None)
        .build();
    let s = run(&fake).await;
    assert_eq!(
        s.trails.len(),
        1,
        "one trail, however many copies are listed"
    );
    let t = &s.trails[0];
    assert!(t.is_organization_trail);
    assert!(matches!(t.status, Fact::Collected { .. }), "{:?}", t.status);
    for m in fake.members() {
        let a = s.account(m).unwrap();
        for r in &a.regions {
            assert_eq!(r.trails.len(), 1);
            assert!(
                r.trails[0].shadow,
                "the organization trail is a shadow in member {m}"
            );
        }
    }
    let calls = fake.calls();
    let details: Vec<_> = calls
        .iter()
        .filter(|c| {
            matches!(
                c.operation.as_str(),
                "GetTrailStatus" | "GetEventSelectors" | "GetInsightSelectors"
            )
        })
        .collect();
    assert_eq!(details.len(), 3, "{details:#?}");
    assert!(
        details
            .iter()
            .all(|c| c.account == fake.management() && c.region == "us-east-1"),
        "members never ask for the organization trail's details: {details:#?}"
    );
    let assumes = calls.iter().filter(|c| c.operation == "AssumeRole").count();
    assert_eq!(assumes, 3, "one AssumeRole per member");
}

#[tokio::test]
async fn delivery_error_is_recorded() {
    let fake = FakeAws::builder(1, &["us-east-1"])
        .organization_trail(Some("AccessDenied"))
        .build();
    let s = run(&fake).await;
    let st = s.trails[0].status.value().expect("status collected");
    assert!(st.is_logging);
    assert_eq!(st.latest_delivery_error.as_deref(), Some("AccessDenied"));
}

#[tokio::test]
async fn an_api_answering_html_500_is_not_implemented_said_once_and_skipped() {
    let fake = FakeAws::builder(2, &["us-east-1", "eu-west-1"])
        .organization_trail(None)
        .fault(|c| (c.operation == "ListEventDataStores").then(|| Reply::html(500)))
        .build();
    let s = run(&fake).await;
    let lake: Vec<_> = s
        .errors
        .iter()
        .filter(|e| e.error.operation == "cloudtrail:ListEventDataStores")
        .collect();
    assert_eq!(lake.len(), 1, "{lake:#?}");
    assert_eq!(lake[0].error.kind, ErrorKind::NotImplemented);
    let asked: Vec<_> = fake
        .calls()
        .into_iter()
        .filter(|c| c.operation == "ListEventDataStores")
        .collect();
    assert!(
        asked.iter().all(|c| c.account == fake.management()),
        "probed once with the caller (plus retries): {asked:#?}"
    );
    assert!(s.accounts.iter().all(|a| a
        .regions
        .iter()
        .all(|r| r.status == RegionStatus::Collected)));
}

#[tokio::test]
async fn throttling_then_success_leaves_no_trace_but_persistent_throttling_is_unknown() {
    let fake = FakeAws::builder(2, &["us-east-1", "eu-west-1"])
        .organization_trail(None)
        .fault(|c| {
            let throttled = c.operation == "DescribeTrails" && c.region == "eu-west-1";
            (throttled
                && (c.account == "100000000001" && c.attempt <= 2 || c.account == "100000000002"))
                .then(|| Reply::json_error(400, "ThrottlingException", "Rate exceeded"))
        })
        .build();
    let s = run(&fake).await;
    let ok = s.account("100000000001").unwrap();
    assert!(
        ok.regions
            .iter()
            .all(|r| r.status == RegionStatus::Collected),
        "retried to success: {:?}",
        ok.regions
    );
    let bad = s.account("100000000002").unwrap();
    let eu = bad
        .regions
        .iter()
        .find(|r| r.region == "eu-west-1")
        .unwrap();
    match &eu.status {
        RegionStatus::Failed { error } => assert_eq!(error.kind, ErrorKind::Throttled),
        other => panic!("expected throttled: {other:?}"),
    }
    let attempts = fake
        .calls()
        .iter()
        .filter(|c| {
            c.account == "100000000001"
                && c.operation == "DescribeTrails"
                && c.region == "eu-west-1"
        })
        .count();
    assert_eq!(attempts, 3);
    assert!(s
        .errors
        .iter()
        .all(|e| e.account_id.as_deref() != Some("100000000001")));
}

#[tokio::test]
async fn the_guard_refuses_writes_before_they_are_sent() {
    let fake = FakeAws::builder(0, &["us-east-1"])
        .organization_trail(None)
        .build();
    let guard = Guard::new();
    let conf = aws_sdk_cloudtrail::config::Builder::from(&fake.sdk_config())
        .interceptor(guard.interceptor())
        .build();
    let client = aws_sdk_cloudtrail::Client::from_conf(conf);
    let err = client
        .stop_logging()
        .name("org-trail")
        .send()
        .await
        .expect_err("refused");
    assert!(format!("{err:?}").contains("read-only"), "{err:?}");
    assert!(fake.calls().is_empty(), "nothing reached the wire");
    assert_eq!(guard.refused(), vec!["CloudTrail:StopLogging".to_string()]);
    let _ = Arc::strong_count(&guard);
}

#[tokio::test]
async fn a_role_that_cannot_be_assumed_is_tried_once_per_run() {
    // The log bucket is found in no account, so the owner search scans every
    // account of the organization, the unassumable one included.
    let denied = "100000000002";
    let fake = FakeAws::builder(2, &["us-east-1"])
        .organization_trail(None)
        .fault(move |c| match c.operation.as_str() {
            "ListBuckets" => Some(Reply {
                status: 200,
                content_type: "text/xml",
                body: "<ListAllMyBucketsResult><Buckets></Buckets><Owner><ID>x</ID></Owner></ListAllMyBucketsResult>".into(),
            }),
            _ => None,
        })
        .deny_assume(denied)
        .build();
    let s = run(&fake).await;
    assert!(matches!(
        s.account(denied).unwrap().access,
        trailaudit_model::Access::Failed { .. }
    ));
    let assumes: Vec<_> = fake
        .calls()
        .into_iter()
        .filter(|c| c.operation == "AssumeRole")
        .collect();
    assert_eq!(
        assumes.len(),
        2,
        "one AssumeRole per member, the failing one included: {assumes:#?}"
    );
    let recorded = s
        .errors
        .iter()
        .filter(|e| e.error.operation == "sts:AssumeRole")
        .count();
    assert_eq!(recorded, 1, "the failure is recorded once");
    // Nobody that could be listed owns the bucket, but the unassumable
    // member could not be listed: the owner is unknown, not "external".
    for b in &s.buckets {
        assert!(!b.is_external(), "{b:#?}");
        let why = b.owner.unknown_reason().unwrap_or_default();
        assert!(why.contains(denied), "{why}");
        assert!(b
            .policy
            .unknown_reason()
            .unwrap()
            .contains("owner is unknown"));
    }
}

/// Without a scope filter every account is audited as soon as its page of
/// the organization walk is read (the walk of a large organization is
/// hundreds of sequential pages); with one, the whole organization is read
/// first, so a scope naming something that does not exist fails before any
/// account is entered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auditing_overlaps_the_organization_walk_unless_a_scope_must_be_checked() {
    let position = |calls: &[trailaudit_testkit::fake::Call], op: &str, last: bool| {
        let mut it = calls.iter().enumerate().filter(|(_, c)| c.operation == op);
        let found = if last { it.next_back() } else { it.next() };
        found.map(|(k, _)| k).unwrap_or_else(|| panic!("no {op}"))
    };
    // 100 accounts: five pages of 20, 5 ms each.
    let fake = FakeAws::builder(99, &["us-east-1", "eu-west-1"])
        .organization_trail(None)
        .latency(std::time::Duration::from_millis(5))
        .build();
    let s = run(&fake).await;
    assert_eq!(s.accounts.len(), 100);
    let calls = fake.calls();
    assert_eq!(
        calls
            .iter()
            .filter(|c| c.operation == "ListAccountsForParent")
            .count(),
        5
    );
    assert!(
        position(&calls, "AssumeRole", false) < position(&calls, "ListAccountsForParent", true),
        "the first member is entered before the last page of accounts is read"
    );

    let fake = FakeAws::builder(99, &["us-east-1", "eu-west-1"])
        .organization_trail(None)
        .latency(std::time::Duration::from_millis(5))
        .build();
    let scoped = CollectOptions {
        accounts: fake.members()[..3].to_vec(),
        ..opts()
    };
    let s = collect(
        &fake.sdk_config(),
        Guard::new(),
        &scoped,
        &Silent,
        Cancel::default(),
    )
    .await
    .expect("collection runs");
    assert_eq!(s.accounts.len(), 3);
    let calls = fake.calls();
    assert!(
        position(&calls, "AssumeRole", false) > position(&calls, "ListAccountsForParent", true),
        "with --accounts the whole organization is read before a member is entered"
    );
}
