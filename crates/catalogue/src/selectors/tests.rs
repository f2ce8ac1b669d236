//! Basic and advanced selectors over sets of events, with every operator.

use crate::selectors::*;
use trailaudit_model::DataResource;

fn mgmt(read_only: bool, source: &str) -> Event<'_> {
    Event::management(Some(read_only), Some(source))
}

fn s3_obj(arn: &str, read_only: bool) -> Event<'_> {
    Event::data(
        "AWS::S3::Object",
        Some(read_only),
        Values::Is(arn.into()),
        "aws",
    )
    .named(if read_only { "GetObject" } else { "PutObject" })
}

fn fs(field: &str) -> FieldSelector {
    FieldSelector {
        field: field.into(),
        ..Default::default()
    }
}

#[test]
fn default_selectors_take_all_management_and_no_data() {
    assert_eq!(
        selects(&Selectors::Default, &mgmt(true, "ec2.amazonaws.com")),
        Tri::Yes
    );
    assert_eq!(
        selects(&Selectors::Default, &s3_obj("arn:aws:s3:::b/k", true)),
        Tri::No
    );
}

#[test]
fn basic_write_only_with_excluded_source() {
    let s = Selectors::Basic(vec![BasicSelector {
        read_write_type: ReadWriteType::WriteOnly,
        include_management_events: true,
        exclude_management_event_sources: vec!["kms.amazonaws.com".into()],
        data_resources: vec![],
    }]);
    assert_eq!(selects(&s, &mgmt(false, "ec2.amazonaws.com")), Tri::Yes);
    assert_eq!(selects(&s, &mgmt(true, "ec2.amazonaws.com")), Tri::No);
    assert_eq!(selects(&s, &mgmt(false, "kms.amazonaws.com")), Tri::No);
}

#[test]
fn basic_data_resources_by_prefix_and_all_buckets() {
    let one = Selectors::Basic(vec![BasicSelector {
        read_write_type: ReadWriteType::All,
        include_management_events: true,
        exclude_management_event_sources: vec![],
        data_resources: vec![DataResource {
            resource_type: "AWS::S3::Object".into(),
            values: vec!["arn:aws:s3:::orders/".into()],
        }],
    }]);
    assert_eq!(
        selects(&one, &s3_obj("arn:aws:s3:::orders/x", true)),
        Tri::Yes
    );
    assert_eq!(
        selects(&one, &s3_obj("arn:aws:s3:::other/x", true)),
        Tri::No
    );
    let all = Selectors::Basic(vec![BasicSelector {
        read_write_type: ReadWriteType::All,
        include_management_events: false,
        exclude_management_event_sources: vec![],
        data_resources: vec![DataResource {
            resource_type: "AWS::S3::Object".into(),
            values: vec!["arn:aws:s3".into()],
        }],
    }]);
    assert_eq!(
        selects(&all, &s3_obj("arn:aws:s3:::any/x", false)),
        Tri::Yes
    );
    assert_eq!(selects(&all, &mgmt(false, "ec2.amazonaws.com")), Tri::No);
}

#[test]
fn advanced_operators() {
    let mut cat = fs("eventCategory");
    cat.equals = vec!["Data".into()];
    let mut ty = fs("resources.type");
    ty.equals = vec!["AWS::S3::Object".into()];
    let mut arn = fs("resources.ARN");
    arn.starts_with = vec!["arn:aws:s3:::orders/".into()];
    let mut not_read = fs("readOnly");
    not_read.equals = vec!["false".into()];
    let s = Selectors::Advanced(vec![AdvancedSelector {
        name: None,
        field_selectors: vec![cat.clone(), ty.clone(), arn, not_read],
    }]);
    assert_eq!(
        selects(&s, &s3_obj("arn:aws:s3:::orders/a", false)),
        Tri::Yes
    );
    assert_eq!(selects(&s, &s3_obj("arn:aws:s3:::orders/a", true)), Tri::No);
    assert_eq!(selects(&s, &s3_obj("arn:aws:s3:::else/a", false)), Tri::No);
    let unknown_arn = Event {
        resource_arn: Values::any(),
        ..s3_obj("x", false)
    };
    assert_eq!(selects(&s, &unknown_arn), Tri::Maybe);

    let mut mcat = fs("eventCategory");
    mcat.equals = vec!["Management".into()];
    let mut no_kms = fs("eventSource");
    no_kms.not_equals = vec!["kms.amazonaws.com".into()];
    let m = Selectors::Advanced(vec![AdvancedSelector {
        name: None,
        field_selectors: vec![mcat, no_kms],
    }]);
    assert_eq!(selects(&m, &mgmt(true, "ec2.amazonaws.com")), Tri::Yes);
    assert_eq!(selects(&m, &mgmt(true, "kms.amazonaws.com")), Tri::No);
    assert_eq!(selects(&m, &s3_obj("arn:aws:s3:::b/k", true)), Tri::No);

    let mut ends = fs("resources.ARN");
    ends.not_ends_with = vec![".log".into()];
    let e = Selectors::Advanced(vec![AdvancedSelector {
        name: None,
        field_selectors: vec![cat, ty, ends],
    }]);
    assert_eq!(selects(&e, &s3_obj("arn:aws:s3:::b/a.log", true)), Tri::No);
    assert_eq!(selects(&e, &s3_obj("arn:aws:s3:::b/a.txt", true)), Tri::Yes);
}

#[test]
fn unknown_fields_are_maybe_never_yes() {
    let mut u = fs("userIdentity.arn");
    u.not_starts_with = vec!["arn:aws:sts::111122223333:assumed-role/ci".into()];
    let mut c = fs("eventCategory");
    c.equals = vec!["Management".into()];
    let s = Selectors::Advanced(vec![AdvancedSelector {
        name: None,
        field_selectors: vec![c, u],
    }]);
    assert_eq!(selects(&s, &mgmt(false, "ec2.amazonaws.com")), Tri::Maybe);
    let probes = [mgmt(false, "ec2.amazonaws.com")];
    assert_eq!(extent(&s, &probes), Extent::Some);
}

fn adv(fields: Vec<FieldSelector>) -> AdvancedSelector {
    AdvancedSelector {
        name: None,
        field_selectors: fields,
    }
}

fn eq(field: &str, v: &[&str]) -> FieldSelector {
    FieldSelector {
        field: field.into(),
        equals: v.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    }
}

fn with(mut f: FieldSelector, op: &str, v: &[&str]) -> FieldSelector {
    let v: Vec<String> = v.iter().map(|s| s.to_string()).collect();
    match op {
        "Equals" => f.equals = v,
        "StartsWith" => f.starts_with = v,
        "EndsWith" => f.ends_with = v,
        "NotEquals" => f.not_equals = v,
        "NotStartsWith" => f.not_starts_with = v,
        "NotEndsWith" => f.not_ends_with = v,
        _ => unreachable!(),
    }
    f
}

/// Every event of a type, read and write (as the matrix asks).
fn class(ty: &str) -> Vec<Event<'_>> {
    [true, false]
        .into_iter()
        .map(|ro| Event::data(ty, Some(ro), Values::any(), "aws"))
        .collect()
}

fn one_type(ty: &str) -> Selectors {
    Selectors::Advanced(vec![adv(vec![
        eq("eventCategory", &["Data"]),
        eq("resources.type", &[ty]),
    ])])
}

#[test]
fn every_catalogued_type_through_advanced_selectors() {
    for d in crate::data_types::DATA_TYPES {
        let ty = d.resource_type;
        let s = one_type(ty);
        assert_eq!(extent(&s, &class(ty)), Extent::All, "{ty}");
        // Another type's selector takes none of it.
        let other = if ty == "AWS::S3::Object" {
            "AWS::Lambda::Function"
        } else {
            "AWS::S3::Object"
        };
        assert_eq!(extent(&one_type(other), &class(ty)), Extent::None, "{ty}");
        // Every ARN of the type: a StartsWith the type's ARN head.
        if let Some(head) = crate::data_types::arn_head(ty, "aws") {
            let s = Selectors::Advanced(vec![adv(vec![
                eq("eventCategory", &["Data"]),
                eq("resources.type", &[ty]),
                with(fs("resources.ARN"), "StartsWith", &[&head]),
            ])]);
            assert_eq!(extent(&s, &class(ty)), Extent::All, "{ty} {head}");
            let s = Selectors::Advanced(vec![adv(vec![
                eq("eventCategory", &["Data"]),
                eq("resources.type", &[ty]),
                with(fs("resources.ARN"), "StartsWith", &[&format!("{head}x")]),
            ])]);
            assert_eq!(extent(&s, &class(ty)), Extent::Some, "{ty}");
        }
        // Only read events: half of it.
        let ro = Selectors::Advanced(vec![adv(vec![
            eq("eventCategory", &["Data"]),
            eq("resources.type", &[ty]),
            eq("readOnly", &["true"]),
        ])]);
        assert_eq!(extent(&ro, &class(ty)), Extent::Some, "{ty}");
        assert_eq!(
            extent(&ro, &[Event::data(ty, Some(true), Values::any(), "aws")]),
            Extent::All
        );
        assert_eq!(
            extent(&ro, &[Event::data(ty, Some(false), Values::any(), "aws")]),
            Extent::None
        );
        // No selector of the default kind or of management takes data.
        assert_eq!(extent(&Selectors::Default, &class(ty)), Extent::None);
    }
}

#[test]
fn basic_selectors_express_three_types() {
    for (ty, all) in [
        ("AWS::S3::Object", "arn:aws:s3"),
        ("AWS::Lambda::Function", "arn:aws:lambda"),
        ("AWS::DynamoDB::Table", "arn:aws:dynamodb"),
    ] {
        let mk = |rw, values: &[&str]| {
            Selectors::Basic(vec![BasicSelector {
                read_write_type: rw,
                include_management_events: true,
                exclude_management_event_sources: vec![],
                data_resources: vec![DataResource {
                    resource_type: ty.into(),
                    values: values.iter().map(|s| s.to_string()).collect(),
                }],
            }])
        };
        assert_eq!(
            extent(&mk(ReadWriteType::All, &[all]), &class(ty)),
            Extent::All
        );
        assert_eq!(
            extent(&mk(ReadWriteType::WriteOnly, &[all]), &class(ty)),
            Extent::Some
        );
        assert_eq!(
            extent(
                &mk(ReadWriteType::WriteOnly, &[all]),
                &[Event::data(ty, Some(false), Values::any(), "aws")]
            ),
            Extent::All
        );
        assert_eq!(
            extent(
                &mk(ReadWriteType::All, &[&format!("{all}:::x/")]),
                &class(ty)
            ),
            Extent::Some,
            "one resource of {ty}"
        );
        assert_eq!(
            extent(&mk(ReadWriteType::All, &[]), &class(ty)),
            Extent::None
        );
    }
}

#[test]
fn exclusions_and_resource_prefixes() {
    let ty = "AWS::S3::Object";
    let base = || vec![eq("eventCategory", &["Data"]), eq("resources.type", &[ty])];
    let excluding = |op: &str, v: &str| {
        let mut f = base();
        f.push(with(fs("resources.ARN"), op, &[v]));
        Selectors::Advanced(vec![adv(f)])
    };
    let bucket = |name: &str| {
        vec![
            Event::data(
                ty,
                Some(true),
                Values::Prefix(format!("arn:aws:s3:::{name}/").into()),
                "aws",
            ),
            Event::data(
                ty,
                Some(false),
                Values::Prefix(format!("arn:aws:s3:::{name}/").into()),
                "aws",
            ),
        ]
    };
    let not_secret = excluding("NotStartsWith", "arn:aws:s3:::secret/");
    assert_eq!(extent(&not_secret, &class(ty)), Extent::Some);
    assert_eq!(extent(&not_secret, &bucket("secret")), Extent::None);
    assert_eq!(extent(&not_secret, &bucket("orders")), Extent::All);
    // One object excluded: the bucket is partly recorded.
    let not_one = excluding("NotEquals", "arn:aws:s3:::orders/key");
    assert_eq!(extent(&not_one, &bucket("orders")), Extent::Some);
    assert_eq!(extent(&not_one, &bucket("other")), Extent::All);
    let only_orders = excluding("StartsWith", "arn:aws:s3:::orders/");
    assert_eq!(extent(&only_orders, &bucket("orders")), Extent::All);
    assert_eq!(extent(&only_orders, &bucket("ordersx")), Extent::None);
    assert_eq!(extent(&only_orders, &class(ty)), Extent::Some);
    let no_logs = excluding("NotEndsWith", ".log");
    assert_eq!(extent(&no_logs, &bucket("orders")), Extent::Some);
    let only_key = excluding("Equals", "arn:aws:s3:::orders/key");
    assert_eq!(extent(&only_key, &bucket("orders")), Extent::Some);
    assert_eq!(extent(&only_key, &bucket("other")), Extent::None);
    // An event name left out: not every event.
    let mut f = base();
    f.push(with(fs("eventName"), "NotEquals", &["GetObject"]));
    let no_get = Selectors::Advanced(vec![adv(f)]);
    assert_eq!(extent(&no_get, &class(ty)), Extent::Some);
    assert_eq!(selects(&no_get, &s3_obj("arn:aws:s3:::b/k", true)), Tri::No);
    // A table: exact ARNs.
    let t = "arn:aws:dynamodb:eu-west-1:111122223333:table/cards";
    let only_cards = Selectors::Advanced(vec![adv(vec![
        eq("eventCategory", &["Data"]),
        eq("resources.type", &["AWS::DynamoDB::Table"]),
        eq("resources.ARN", &[t]),
    ])]);
    let cards = class("AWS::DynamoDB::Table")
        .into_iter()
        .map(|e| Event {
            resource_arn: Values::Is(t.into()),
            ..e
        })
        .collect::<Vec<_>>();
    assert_eq!(extent(&only_cards, &cards), Extent::All);
    assert_eq!(
        extent(&only_cards, &class("AWS::DynamoDB::Table")),
        Extent::Some
    );
    // Read and write in two selectors: all.
    let split = Selectors::Advanced(
        ["true", "false"]
            .iter()
            .map(|ro| {
                adv(vec![
                    eq("eventCategory", &["Data"]),
                    eq("resources.type", &[ty]),
                    eq("readOnly", &[ro]),
                ])
            })
            .collect(),
    );
    assert_eq!(extent(&split, &class(ty)), Extent::All);
}

#[test]
fn network_activity_selectors() {
    let kms = || Event::network("kms.amazonaws.com", false);
    let kms_denied = || Event::network("kms.amazonaws.com", true);
    let all_kms = Selectors::Advanced(vec![adv(vec![
        eq("eventCategory", &["NetworkActivity"]),
        eq("eventSource", &["kms.amazonaws.com"]),
    ])]);
    assert_eq!(extent(&all_kms, &[kms()]), Extent::All);
    assert_eq!(extent(&all_kms, &[kms_denied()]), Extent::All);
    assert_eq!(
        extent(&all_kms, &[Event::network("ec2.amazonaws.com", false)]),
        Extent::None
    );
    let denied_only = Selectors::Advanced(vec![adv(vec![
        eq("eventCategory", &["NetworkActivity"]),
        eq("eventSource", &["kms.amazonaws.com"]),
        eq("errorCode", &["VpceAccessDenied"]),
    ])]);
    assert_eq!(extent(&denied_only, &[kms()]), Extent::Some);
    assert_eq!(extent(&denied_only, &[kms_denied()]), Extent::All);
    let one_endpoint = Selectors::Advanced(vec![adv(vec![
        eq("eventCategory", &["NetworkActivity"]),
        eq("eventSource", &["kms.amazonaws.com"]),
        eq("vpcEndpointId", &["vpce-1"]),
    ])]);
    assert_eq!(extent(&one_endpoint, &[kms_denied()]), Extent::Some);
    // Management, data, basic and default selectors record none.
    for s in [
        Selectors::Default,
        Selectors::Advanced(vec![adv(vec![eq("eventCategory", &["Management"])])]),
        one_type("AWS::S3::Object"),
    ] {
        assert_eq!(extent(&s, &[kms()]), Extent::None);
    }
    // And network selectors record no management or data events.
    assert_eq!(
        extent(&all_kms, &[Event::management(Some(false), None)]),
        Extent::None
    );
}

/// AWS takes selector values literally and bucket names cannot hold `*`:
/// `arn:aws:s3:::*/*` (written for "every object") selects nothing, in basic
/// and advanced selectors alike, so the cell is a gap, not partial.
#[test]
fn a_wildcard_bucket_value_selects_nothing() {
    let every_object = Event::data(
        "AWS::S3::Object",
        None,
        Values::Prefix("arn:aws:s3:::".into()),
        "aws",
    );
    let basic = Selectors::Basic(vec![BasicSelector {
        read_write_type: ReadWriteType::All,
        include_management_events: true,
        exclude_management_event_sources: vec![],
        data_resources: vec![DataResource {
            resource_type: "AWS::S3::Object".into(),
            values: vec!["arn:aws:s3:::*/*".into()],
        }],
    }]);
    assert_eq!(selects(&basic, &every_object), Tri::No);
    assert_eq!(selects(&basic, &s3_obj("arn:aws:s3:::b/k", true)), Tri::No);
    let advanced = |op: fn(&mut FieldSelector) -> &mut Vec<String>| {
        let mut arn = fs("resources.ARN");
        op(&mut arn).push("arn:aws:s3:::*/*".into());
        let mut cat = fs("eventCategory");
        cat.equals = vec!["Data".into()];
        let mut ty = fs("resources.type");
        ty.equals = vec!["AWS::S3::Object".into()];
        Selectors::Advanced(vec![AdvancedSelector {
            name: None,
            field_selectors: vec![cat, ty, arn],
        }])
    };
    assert_eq!(
        selects(&advanced(|f| &mut f.starts_with), &every_object),
        Tri::No
    );
    assert_eq!(
        selects(&advanced(|f| &mut f.equals), &every_object),
        Tri::No
    );
    // Excluding a bucket no ARN can name excludes nothing.
    assert_eq!(
        selects(&advanced(|f| &mut f.not_starts_with), &every_object),
        Tri::Yes
    );
    // A real prefix still selects some objects.
    let mut real = basic.clone();
    if let Selectors::Basic(b) = &mut real {
        b[0].data_resources[0].values = vec!["arn:aws:s3:::orders/".into()];
    }
    assert_eq!(selects(&real, &every_object), Tri::Maybe);
}
