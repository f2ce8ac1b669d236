//! Tests of [`crate::audit_policy`].

use chrono::NaiveDate;

use crate::audit_policy::*;

#[test]
fn empty_file_is_the_default_policy() {
    assert_eq!(
        crate::checks::parse_policy("", "audit.toml").unwrap(),
        AuditPolicy::default()
    );
    assert_eq!(AuditPolicy::default().retention.days, None);
    let s = crate::fixture::snapshot();
    let e = AuditPolicy::default().resolve(s.accounts.first(), &s);
    assert_eq!(e.retention_days, 365);
    assert!(e.kms && e.log_file_validation && !e.cloudwatch_logs);
    assert!(e.origins.values().all(|o| o == "default"));
}

#[test]
fn invalid_files_name_line_and_problem() {
    let e =
        crate::checks::parse_policy("[retention]\ndays = \"long\"\n", "audit.toml").unwrap_err();
    assert_eq!(e.line, Some(2), "{e}");
    let e = crate::checks::parse_policy("[retention]\ndayz = 3\n", "audit.toml").unwrap_err();
    assert!(e.to_string().contains("dayz"), "{e}");
    let e = crate::checks::parse_policy(
        "[[suppress]]\ncheck = \"no_such_check\"\nreason = \"x\"\n",
        "audit.toml",
    )
    .unwrap_err();
    assert_eq!(e.line, Some(2));
    assert!(e.problem.contains("no_such_check"));
    let e = crate::checks::parse_policy("[retention]\ndays = 0\n", "p.toml").unwrap_err();
    assert!(e.to_string().starts_with("p.toml: line 2"), "{e}");
    // A resource's access is typed when the file is read.
    let e = crate::checks::parse_policy(
        "[data_events]\nresources = [{ arn = \"arn:aws:s3:::cards\", access = \"sometimes\" }]\n",
        "audit.toml",
    )
    .unwrap_err();
    assert_eq!(e.line, Some(2), "{e}");
    assert!(
        e.problem
            .contains("access `sometimes` is not read, write or read_write"),
        "{e}"
    );
}

#[test]
fn overrides_and_suppressions_parse() {
    let p = crate::checks::parse_policy(
        "required_regions = [\"eu-*\"]\n[severity]\ntrail_not_logging = \"critical\"\n[[suppress]]\ncheck = \"insights_off\"\nreason = \"cost\"\nexpires = \"2027-01-31\"\n",
        "audit.toml",
    )
    .unwrap();
    assert_eq!(
        p.severity_of("trail_not_logging", Severity::High),
        Severity::Critical
    );
    assert_eq!(p.suppress[0].expires, NaiveDate::from_ymd_opt(2027, 1, 31));
}

#[test]
fn scopes_resolve_key_by_key_later_ones_winning() {
    let text = r#"
required_regions = ["eu-*"]
[data_events]
s3 = true
[retention]
days = 400

[[scope]]
name = "payments"
ou = "Root/Prod"
[scope.data_events]
types = ["AWS::DynamoDB::Table:write", "bedrock_agent_alias_data"]
resources = [{ arn = "arn:aws:s3:::cards", access = "read" }]
[scope.network_activity]
vpce_denied = ["ec2"]

[[scope]]
accounts = ["2222*"]
retention.days = 2555
require.cloudwatch_logs = true
"#;
    let p = crate::checks::parse_policy(text, "audit.toml").unwrap();
    assert_eq!(p.scope[0].line, 8);
    assert_eq!(p.scope[1].line, 17);
    let mut s = crate::fixture::snapshot();
    let org = s.organization.as_mut().unwrap();
    org.ous.push(trailaudit_model::OrganizationalUnit {
        id: "ou-prod".into(),
        name: "Prod".into(),
        path: "Root/Prod".into(),
    });
    s.accounts[1].ou_path = "Root/Prod/Web".into();
    s.accounts[1].id = "222233334444".into();
    let member = p.resolve(Some(&s.accounts[1]), &s);
    let mgmt = p.resolve(Some(&s.accounts[0]), &s);
    assert_eq!(mgmt.retention_days, 400);
    assert_eq!(mgmt.origins["retention.days"], "top level");
    assert_eq!(mgmt.data_classes, vec![crate::EventClass::S3Data]);
    assert_eq!(member.retention_days, 2555);
    assert_eq!(
        member.origins["retention.days"],
        "[[scope]] account 2222* (line 17)"
    );
    // `types` replaces the inherited list.
    let names: Vec<&str> = member.data_classes.iter().map(|c| c.as_str()).collect();
    assert_eq!(names, ["dynamodb_data_write", "bedrock_agent_alias_data"]);
    assert_eq!(
        member.origins["data_events.types"],
        "[[scope]] payments (line 8)"
    );
    assert_eq!(
        member.resources[0].arn_values(),
        trailaudit_catalogue::selectors::Values::Prefix("arn:aws:s3:::cards/".into())
    );
    assert_eq!(
        member.network_classes[0].as_str(),
        "network_ec2_vpce_denied"
    );
    assert!(member.cloudwatch_logs && !mgmt.cloudwatch_logs);
    assert_eq!(member.required_regions, ["eu-*"]);
    // An OU that is not in the organization is an error with its line.
    let bad = crate::checks::parse_policy(
        "[[scope]]\nou = \"Root/Nope\"\nretention.days = 9\n",
        "p.toml",
    )
    .unwrap();
    let e = bad.check_scopes(&s, "p.toml").unwrap_err();
    assert_eq!(e.line, Some(1));
    assert!(
        e.problem.contains("Root/Nope") && e.problem.contains("Root/Prod"),
        "{e}"
    );
    assert!(p.check_scopes(&s, "audit.toml").is_ok());
    // OU ids work as well as paths.
    let by_id = crate::checks::parse_policy(
        "[[scope]]\nou = \"ou-prod\"\nretention.days = 9\n",
        "p.toml",
    )
    .unwrap();
    assert_eq!(by_id.resolve(Some(&s.accounts[1]), &s).retention_days, 9);
    assert_eq!(by_id.resolve(Some(&s.accounts[0]), &s).retention_days, 365);
}

#[test]
fn invalid_requirements_name_their_line() {
    for (text, line, needle) in [
        ("[data_events]\ntypes = [\"s3_dataz\"]\n", 2, "s3_dataz"),
        (
            "[data_events]\ntypes = [\"management_write\"]\n",
            2,
            "not a data event class",
        ),
        (
            "[data_events]\ntypes = [\"lambda_data_read\"]\n",
            2,
            "no read-only",
        ),
        (
            "[[scope]]\naccounts = \"1\"\n[scope.network_activity]\nsources = [\"Not A Source\"]\n",
            4,
            "not an event source",
        ),
        (
            "[data_events]\nresources = [{ arn = \"arn:aws:foo:eu-west-1:1:thing/x\" }]\n",
            2,
            "type =",
        ),
        (
            "[data_events]\nresources = [{ arn = \"arn:aws:s3:::b/\", access = \"rw\" }]\n",
            2,
            "access",
        ),
        ("[[scope]]\nretention.days = 3\n", 1, "needs `ou`"),
        (
            "[[scope]]\nou = \"Root\"\nretention.days = 0\n",
            3,
            "at least 1",
        ),
    ] {
        let e = crate::checks::parse_policy(text, "audit.toml").unwrap_err();
        assert_eq!(e.line, Some(line), "{text}: {e}");
        assert!(e.problem.contains(needle), "{text}: {e}");
    }
}

#[test]
fn every_example_in_the_docs_parses() {
    let doc = include_str!("../../../../docs/policy.md");
    let blocks: Vec<&str> = doc
        .split("```toml\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap_or_default())
        .collect();
    assert!(blocks.len() >= 2);
    for b in blocks {
        let p =
            crate::checks::parse_policy(b, "docs/policy.md").unwrap_or_else(|e| panic!("{e}\n{b}"));
        let e = p.resolve(None, &crate::fixture::snapshot());
        assert!(e.retention_days >= 365);
    }
}
