//! Table tests of the evaluator against the examples and rules of the IAM
//! User Guide ("IAM JSON policy elements: Condition operators", "Single-valued
//! vs. multivalued context keys", "Policy evaluation logic").

use crate::*;

fn caller() -> Caller {
    Caller {
        service: "cloudtrail.amazonaws.com".into(),
        accounts: vec!["086441151436".into()],
    }
}

/// One statement (Allow unless it says otherwise) evaluated for a request
/// with the given context.
fn eval(statement: &str, ctx: &Context) -> Tri {
    let policy = format!(r#"{{"Version":"2012-10-17","Statement":[{statement}]}}"#);
    let c = caller();
    evaluate(
        &policy,
        &Request {
            caller: &c,
            action: "s3:PutObject",
            resource: "arn:aws:s3:::logs/AWSLogs/111122223333/x.json.gz",
            context: ctx,
        },
    )
    .allowed
}

fn allow_if(cond: &str) -> String {
    format!(
        r#"{{"Effect":"Allow","Principal":{{"Service":"cloudtrail.amazonaws.com"}},"Action":"s3:PutObject","Resource":"arn:aws:s3:::logs/*","Condition":{cond}}}"#
    )
}

fn ctx(pairs: &[(&str, &str)]) -> Context {
    let mut c = Context::default();
    for (k, v) in pairs {
        c.set(k, *v);
    }
    c
}

#[test]
fn condition_operator_table() {
    use Tri::*;
    let src = "aws:SourceAccount";
    let cases: Vec<(&str, Context, Tri)> = vec![
        // String operators; values are alternatives (OR); keys case-insensitive.
        (
            r#"{"StringEquals":{"aws:SourceAccount":["1","111122223333"]}}"#,
            ctx(&[(src, "111122223333")]),
            Yes,
        ),
        (
            r#"{"StringEquals":{"AWS:SOURCEACCOUNT":"111122223333"}}"#,
            ctx(&[(src, "111122223333")]),
            Yes,
        ),
        (
            r#"{"StringEquals":{"aws:SourceAccount":"999"}}"#,
            ctx(&[(src, "111122223333")]),
            No,
        ),
        // Negated: holds only when the value matches none of them.
        (
            r#"{"StringNotEquals":{"aws:SourceAccount":["111122223333","2"]}}"#,
            ctx(&[(src, "111122223333")]),
            No,
        ),
        (
            r#"{"StringNotEquals":{"aws:SourceAccount":"999"}}"#,
            ctx(&[(src, "111122223333")]),
            Yes,
        ),
        // Values are case-sensitive unless IgnoreCase.
        (
            r#"{"StringEquals":{"aws:PrincipalServiceName":"CloudTrail.amazonaws.com"}}"#,
            ctx(&[("aws:PrincipalServiceName", "cloudtrail.amazonaws.com")]),
            No,
        ),
        (
            r#"{"StringEqualsIgnoreCase":{"aws:PrincipalServiceName":"CloudTrail.amazonaws.com"}}"#,
            ctx(&[("aws:PrincipalServiceName", "cloudtrail.amazonaws.com")]),
            Yes,
        ),
        (
            r#"{"StringLike":{"aws:SourceArn":"arn:aws:cloudtrail:*:111122223333:trail/*"}}"#,
            ctx(&[(
                "aws:SourceArn",
                "arn:aws:cloudtrail:us-east-1:111122223333:trail/org",
            )]),
            Yes,
        ),
        (
            r#"{"StringLike":{"aws:SourceArn":"arn:aws:cloudtrail:?s-east-1:111122223333:trail/o?g"}}"#,
            ctx(&[(
                "aws:SourceArn",
                "arn:aws:cloudtrail:us-east-1:111122223333:trail/org",
            )]),
            Yes,
        ),
        (
            r#"{"StringNotLike":{"aws:SourceArn":"arn:aws:cloudtrail:*:111122223333:*"}}"#,
            ctx(&[(
                "aws:SourceArn",
                "arn:aws:cloudtrail:us-east-1:111122223333:trail/org",
            )]),
            No,
        ),
        // StringEquals does not expand wildcards.
        (
            r#"{"StringEquals":{"aws:SourceArn":"arn:aws:cloudtrail:*"}}"#,
            ctx(&[("aws:SourceArn", "arn:aws:cloudtrail:us-east-1:1:trail/x")]),
            No,
        ),
        // Arn operators match each part.
        // Fewer than six components (the account left out): a wildcard does
        // not span a colon, so the pattern matches no six-part ARN...
        (
            r#"{"ArnLike":{"aws:SourceArn":"arn:aws:cloudtrail:*:trail/org"}}"#,
            ctx(&[(
                "aws:SourceArn",
                "arn:aws:cloudtrail:us-east-1:111122223333:trail/org",
            )]),
            No,
        ),
        (
            r#"{"ArnEquals":{"aws:SourceArn":"arn:aws:cloudtrail:us-east-1:trail/org"}}"#,
            ctx(&[(
                "aws:SourceArn",
                "arn:aws:cloudtrail:us-east-1:111122223333:trail/org",
            )]),
            No,
        ),
        // ...and its negation holds for every one.
        (
            r#"{"ArnNotLike":{"aws:SourceArn":"arn:aws:cloudtrail:*:trail/*"}}"#,
            ctx(&[(
                "aws:SourceArn",
                "arn:aws:cloudtrail:us-east-1:111122223333:trail/org",
            )]),
            Yes,
        ),
        // A value that is not an ARN matches no ARN pattern.
        (
            r#"{"ArnLike":{"aws:SourceArn":"arn:aws:*:*:*:*"}}"#,
            ctx(&[("aws:SourceArn", "trail/org")]),
            No,
        ),
        // Each component on its own: `*` in the region does not eat the account.
        (
            r#"{"ArnLike":{"aws:SourceArn":"arn:aws:cloudtrail:*:111122223333:trail/*"}}"#,
            ctx(&[(
                "aws:SourceArn",
                "arn:aws:cloudtrail:us-east-1:999999999999:trail/org",
            )]),
            No,
        ),
        (
            r#"{"ArnLike":{"aws:SourceArn":"arn:aws:cloudtrail:*:111122223333:trail/*"}}"#,
            ctx(&[(
                "aws:SourceArn",
                "arn:aws:cloudtrail:eu-west-1:111122223333:trail/a",
            )]),
            Yes,
        ),
        (
            r#"{"ArnEquals":{"aws:SourceArn":"arn:aws:cloudtrail:us-east-1:111122223333:trail/a"}}"#,
            ctx(&[(
                "aws:SourceArn",
                "arn:aws:cloudtrail:us-east-1:111122223333:trail/b",
            )]),
            No,
        ),
        (
            r#"{"ArnNotLike":{"aws:SourceArn":"arn:aws:cloudtrail:*:999999999999:trail/*"}}"#,
            ctx(&[(
                "aws:SourceArn",
                "arn:aws:cloudtrail:us-east-1:111122223333:trail/b",
            )]),
            Yes,
        ),
        // Bool (case-insensitive values), Numeric, Date, IpAddress.
        (
            r#"{"Bool":{"aws:SecureTransport":"FALSE"}}"#,
            ctx(&[("aws:SecureTransport", "false")]),
            Yes,
        ),
        (
            r#"{"Bool":{"aws:SecureTransport":"false"}}"#,
            ctx(&[("aws:SecureTransport", "true")]),
            No,
        ),
        (
            r#"{"NumericLessThan":{"s3:TlsVersion":"1.2"}}"#,
            ctx(&[("s3:TlsVersion", "1.3")]),
            No,
        ),
        (
            r#"{"NumericGreaterThanEquals":{"s3:TlsVersion":"1.2"}}"#,
            ctx(&[("s3:TlsVersion", "1.2")]),
            Yes,
        ),
        (
            r#"{"NumericNotEquals":{"s3:max-keys":"10"}}"#,
            ctx(&[("s3:max-keys", "10")]),
            No,
        ),
        (
            r#"{"DateGreaterThan":{"aws:CurrentTime":"2020-04-01T00:00:00Z"}}"#,
            ctx(&[("aws:CurrentTime", "2026-11-24T00:00:00Z")]),
            Yes,
        ),
        (
            r#"{"DateLessThan":{"aws:EpochTime":"1577836800"}}"#,
            ctx(&[("aws:EpochTime", "1764000000")]),
            No,
        ),
        (
            r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
            ctx(&[("aws:SourceIp", "203.0.113.7")]),
            Yes,
        ),
        (
            r#"{"NotIpAddress":{"aws:SourceIp":["203.0.113.0/24","198.51.100.0/24"]}}"#,
            ctx(&[("aws:SourceIp", "203.0.113.7")]),
            No,
        ),
        // Several operators and keys: AND.
        (
            r#"{"StringEquals":{"aws:SourceAccount":"111122223333"},"Bool":{"aws:SecureTransport":"false"}}"#,
            ctx(&[(src, "111122223333"), ("aws:SecureTransport", "true")]),
            No,
        ),
    ];
    for (i, (cond, c, want)) in cases.iter().enumerate() {
        assert_eq!(eval(&allow_if(cond), c), *want, "case {i}: {cond}");
    }
}

#[test]
fn missing_keys_follow_the_documented_rules() {
    use Tri::*;
    let mut absent = Context::default();
    absent.absent(&["aws:PrincipalOrgID", "aws:SourceVpce"]);
    let cases = [
        // Missing key: positive operators are false...
        (r#"{"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}"#, No),
        // ...negated operators are true...
        (r#"{"StringNotEquals":{"aws:PrincipalOrgID":"o-abc"}}"#, Yes),
        (r#"{"ArnNotLike":{"aws:SourceVpce":"vpce-1"}}"#, Yes),
        // ...IfExists is true...
        (
            r#"{"StringEqualsIfExists":{"aws:PrincipalOrgID":"o-abc"}}"#,
            Yes,
        ),
        // ...Null tests presence...
        (r#"{"Null":{"aws:PrincipalOrgID":"true"}}"#, Yes),
        (r#"{"Null":{"aws:PrincipalOrgID":"false"}}"#, No),
        // ...ForAllValues is true on an empty set, ForAnyValue false.
        (
            r#"{"ForAllValues:StringEquals":{"aws:PrincipalOrgID":"o-abc"}}"#,
            Yes,
        ),
        (
            r#"{"ForAnyValue:StringEquals":{"aws:PrincipalOrgID":"o-abc"}}"#,
            No,
        ),
    ];
    for (cond, want) in cases {
        assert_eq!(eval(&allow_if(cond), &absent), want, "{cond}");
    }
}

#[test]
fn multivalued_keys_with_set_operators() {
    use Tri::*;
    let mut c = Context::default();
    c.set_many("aws:TagKeys", &["env", "team"]);
    let cases = [
        (
            r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["env","team","cost"]}}"#,
            Yes,
        ),
        (
            r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["env"]}}"#,
            No,
        ),
        (
            r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["team"]}}"#,
            Yes,
        ),
        (
            r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["cost"]}}"#,
            No,
        ),
        (
            r#"{"ForAllValues:StringNotEquals":{"aws:TagKeys":["cost"]}}"#,
            Yes,
        ),
        (
            r#"{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["env"]}}"#,
            Yes,
        ),
        (
            r#"{"ForAllValues:StringNotEquals":{"aws:TagKeys":["env"]}}"#,
            No,
        ),
    ];
    for (cond, want) in cases {
        assert_eq!(eval(&allow_if(cond), &c), want, "{cond}");
    }
}

#[test]
fn unknowable_keys_are_maybe_and_a_deny_that_may_apply_is_never_allowed() {
    let c = Context::default(); // every key unknown
    assert_eq!(
        eval(
            &allow_if(r#"{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#),
            &c
        ),
        Tri::Maybe
    );
    let mut known = ctx(&[("aws:SourceAccount", "111122223333")]);
    known.unknown("aws:SourceIp");
    let allow = allow_if(r#"{"StringEquals":{"aws:SourceAccount":"111122223333"}}"#);
    assert_eq!(eval(&allow, &known), Tri::Yes);
    let maybe_deny = r#"{"Sid":"OnlyCorpIps","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}"#;
    let policy = format!(r#"{{"Version":"2012-10-17","Statement":[{allow},{maybe_deny}]}}"#);
    let d = evaluate(
        &policy,
        &Request {
            caller: &caller(),
            action: "s3:PutObject",
            resource: "arn:aws:s3:::logs/k",
            context: &known,
        },
    );
    assert_eq!(d.allowed, Tri::Maybe);
    assert!(d.reason.contains("OnlyCorpIps"), "{}", d.reason);
    assert!(d.reason.contains("aws:SourceIp"), "{}", d.reason);
}

#[test]
fn effect_principal_action_resource_elements() {
    let c = ctx(&[]);
    let run = |statements: &str, action: &str, resource: &str| {
        let policy = format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#);
        evaluate(
            &policy,
            &Request {
                caller: &caller(),
                action,
                resource,
                context: &c,
            },
        )
    };
    let ok = r#"{"Sid":"W","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:Put*","Resource":"arn:aws:s3:::logs/AWSLogs/*"}"#;
    let d = run(ok, "s3:PutObject", "arn:aws:s3:::logs/AWSLogs/1/x");
    assert_eq!(d.allowed, Tri::Yes);
    assert!(d.reason.contains("statement W"), "{}", d.reason);
    // Actions are case-insensitive, resources are not.
    assert_eq!(
        run(ok, "S3:PUTOBJECT", "arn:aws:s3:::logs/AWSLogs/1/x").allowed,
        Tri::Yes
    );
    assert_eq!(
        run(ok, "s3:PutObject", "arn:aws:s3:::logs/awslogs/1/x").allowed,
        Tri::No
    );
    // Implicit deny: nothing allows another action.
    let d = run(ok, "s3:GetBucketAcl", "arn:aws:s3:::logs");
    assert_eq!(d.allowed, Tri::No);
    assert!(d.reason.contains("no statement allows"), "{}", d.reason);
    // Explicit deny wins, and is named.
    let deny =
        r#"{"Sid":"NoPut","Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"*"}"#;
    let d = run(
        &format!("{ok},{deny}"),
        "s3:PutObject",
        "arn:aws:s3:::logs/AWSLogs/1/x",
    );
    assert_eq!(d.allowed, Tri::No);
    assert!(d.reason.contains("NoPut"), "{}", d.reason);
    // NotPrincipal excluding CloudTrail: the deny does not apply to it.
    let deny_others = r#"{"Effect":"Deny","NotPrincipal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:*","Resource":"*"}"#;
    assert_eq!(
        run(
            &format!("{ok},{deny_others}"),
            "s3:PutObject",
            "arn:aws:s3:::logs/AWSLogs/1/x"
        )
        .allowed,
        Tri::Yes
    );
    // NotAction and NotResource.
    let deny_not_get = r#"{"Effect":"Deny","Principal":"*","NotAction":"s3:Get*","Resource":"*"}"#;
    assert_eq!(
        run(
            &format!("{ok},{deny_not_get}"),
            "s3:PutObject",
            "arn:aws:s3:::logs/AWSLogs/1/x"
        )
        .allowed,
        Tri::No
    );
    let deny_elsewhere = r#"{"Effect":"Deny","Principal":"*","Action":"s3:*","NotResource":"arn:aws:s3:::logs/AWSLogs/*"}"#;
    assert_eq!(
        run(
            &format!("{ok},{deny_elsewhere}"),
            "s3:PutObject",
            "arn:aws:s3:::logs/AWSLogs/1/x"
        )
        .allowed,
        Tri::Yes
    );
    // Another principal does not grant CloudTrail; the legacy account does.
    let other = r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:*","Resource":"*"}"#;
    assert_eq!(
        run(other, "s3:PutObject", "arn:aws:s3:::logs/k").allowed,
        Tri::No
    );
    let legacy = r#"{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::903692715234:root","arn:aws:iam::086441151436:root"]},"Action":"s3:PutObject","Resource":"*"}"#;
    assert_eq!(
        run(legacy, "s3:PutObject", "arn:aws:s3:::logs/k").allowed,
        Tri::Yes
    );
    // A statement without Principal never applies in a resource policy.
    let nobody = r#"{"Effect":"Allow","Action":"s3:*","Resource":"*"}"#;
    assert_eq!(
        run(nobody, "s3:PutObject", "arn:aws:s3:::logs/k").allowed,
        Tri::No
    );
    // Unparseable JSON cannot be decided.
    let c2 = caller();
    assert_eq!(
        evaluate(
            "{not json",
            &Request {
                caller: &c2,
                action: "s3:PutObject",
                resource: "x",
                context: &c
            }
        )
        .allowed,
        Tri::Maybe
    );
}

#[test]
fn policy_variables_are_replaced_in_version_2012_only() {
    let c = ctx(&[("aws:SourceAccount", "111122223333")]);
    let st = r#"{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::logs/AWSLogs/${aws:SourceAccount}/*"}"#;
    let run = |version: &str| {
        evaluate(
            &format!(r#"{{"Version":"{version}","Statement":[{st}]}}"#),
            &Request {
                caller: &caller(),
                action: "s3:PutObject",
                resource: "arn:aws:s3:::logs/AWSLogs/111122223333/k",
                context: &c,
            },
        )
        .allowed
    };
    assert_eq!(run("2012-10-17"), Tri::Yes);
    assert_eq!(run("2008-10-17"), Tri::No);
    // An unknowable variable cannot be decided.
    assert_eq!(
        eval(
            &allow_if(r#"{"StringEquals":{"aws:SourceAccount":"${aws:PrincipalTag/team}"}}"#),
            &c
        ),
        Tri::Maybe
    );
}

#[test]
fn wildcards() {
    assert!(wildcard("a*c", "abbbc", false));
    assert!(wildcard("*", "", false));
    assert!(wildcard("a?c", "abc", false));
    assert!(!wildcard("a?c", "ac", false));
    assert!(wildcard("s3:*Object", "s3:putobject", true));
    assert!(!wildcard(
        "arn:aws:s3:::b/AWSLogs/1/*",
        "arn:aws:s3:::b/AWSLogs/2/k",
        false
    ));
}
