//! `audit org` collects the right inventory, once per thing, and fails closed.

use trailaudit_model::{Access, ErrorKind, Fact, RegionStatus};
use trailaudit_testkit::emulator::shared;
use trailaudit_testkit::Scenario;

use crate::{audit, audit_offline, seed};

const SCENARIO: &str = r#"
name = "collector"
[[ous]]
name = "Prod"
[[ous]]
name = "Team"
parent = "Root/Prod"
[[accounts]]
key = "member-a"          # no trail of its own: covered by the organization trail
ou = "Root/Prod"
[[accounts]]
key = "nested"            # two levels down the OU tree
ou = "Root/Prod/Team"
[[accounts]]
key = "member-b"          # its own multi-region trail, homed in eu-west-1
ou = "Root/Prod"
[[accounts]]
key = "locked"            # the audit role cannot be assumed
assume_denied = true
[[accounts]]
key = "partial"           # one read is denied
deny_actions = ["cloudtrail:GetTrailStatus"]

[[buckets]]
name = "collector-org-logs"
account = "management"
[[buckets]]
name = "collector-b-logs"
account = "member-b"
region = "eu-west-1"
[[buckets]]
name = "collector-p-logs"
account = "partial"

[[trails]]
name = "org-trail"
account = "management"
multi_region = true
organization = true
log_file_validation = true
bucket = "collector-org-logs"
[[trails]]
name = "b-multi"
account = "member-b"
home_region = "eu-west-1"
multi_region = true
bucket = "collector-b-logs"
[[trails]]
name = "p-trail"
account = "partial"
bucket = "collector-p-logs"
"#;

#[test]
fn organization_inventory_is_complete_deduplicated_and_fail_closed() {
    let emu = shared().expect("emulator");
    let scenario = Scenario::parse(SCENARIO, "collector.toml").unwrap();
    let seeded = seed(&emu, &scenario);
    // Made before the run: both runs then see the same earlier snapshots
    // beside them (the month-over-month comparison picks the newest).
    let again = crate::out_dir("collector-again");
    let run = audit(
        &emu,
        &seeded,
        "collector",
        &["org", "--regions", "us-east-1,eu-west-1", "--exit-zero"],
    );
    assert_eq!(run.code, 0, "stderr:\n{}", run.stderr);
    let s = run.snapshot();

    // Footprints: every account-region entered holds the audit's own
    // DescribeTrails call (the management read event its trails must
    // deliver), with AWS's request id, inside the run's window, made as the
    // audit role's session; accounts not entered have none.
    assert_eq!(s.session_name.as_deref(), Some("trailaudit"));
    for a in &s.accounts {
        let entered = matches!(
            a.access,
            trailaudit_model::Access::Caller | trailaudit_model::Access::Assumed { .. }
        );
        for r in &a.regions {
            if !entered || r.status != trailaudit_model::RegionStatus::Collected {
                assert!(r.footprint.is_none(), "{} {}", a.id, r.region);
                continue;
            }
            let f = r
                .footprint
                .as_deref()
                .unwrap_or_else(|| panic!("{} {}", a.id, r.region));
            assert_eq!(
                (f.call.event_source(), f.call.event_name()),
                ("cloudtrail.amazonaws.com", "DescribeTrails")
            );
            assert!(
                s.started_at <= f.sent_at
                    && f.sent_at <= f.answered_at
                    && f.answered_at <= s.finished_at
            );
            assert!(
                f.request_id.as_deref().is_some_and(|id| !id.is_empty()),
                "{f:?}"
            );
        }
        let principal = s.footprint_principal(&a.id);
        match &a.access {
            trailaudit_model::Access::Assumed { .. } => assert_eq!(
                principal.as_deref(),
                Some(
                    format!(
                        "arn:aws:sts::{}:assumed-role/OrganizationAccountAccessRole/trailaudit",
                        a.id
                    )
                    .as_str()
                )
            ),
            trailaudit_model::Access::Caller => {
                assert_eq!(principal.as_deref(), Some(s.caller.arn.as_str()))
            }
            _ => assert_eq!(principal, None),
        }
    }

    // Every account, with its OU path.
    assert_eq!(s.accounts.len(), 6);
    let acct = |key: &str| s.account(seeded.id(key)).unwrap();
    assert_eq!(acct("member-a").ou_path, "Root/Prod");
    assert_eq!(acct("nested").ou_path, "Root/Prod/Team");
    let ous: Vec<&str> = s
        .organization
        .as_ref()
        .unwrap()
        .ous
        .iter()
        .map(|o| o.path.as_str())
        .collect();
    assert_eq!(ous, vec!["Root", "Root/Prod", "Root/Prod/Team"]);
    assert!(acct("management").is_management);

    // Each trail once, though DescribeTrails lists multi-region copies in every region.
    let mut names: Vec<&str> = s.trails.iter().map(|t| t.name.as_str()).collect();
    names.sort();
    assert_eq!(names, vec!["b-multi", "org-trail", "p-trail"]);
    let b = acct("member-b");
    for r in &b.regions {
        let refs: Vec<(&str, bool)> = r
            .trails
            .iter()
            .map(|t| (t.arn.rsplit('/').next().unwrap(), t.shadow))
            .collect();
        let expect_shadow = r.region != "eu-west-1";
        assert_eq!(refs, vec![("b-multi", expect_shadow)], "{}", r.region);
    }

    // Trail details: once per trail, from its home region (moto answers only there).
    assert_eq!(s.api_calls.get("cloudtrail:GetTrailStatus"), Some(&3));
    assert_eq!(s.api_calls.get("cloudtrail:GetEventSelectors"), Some(&3));
    let bm = s.trails.iter().find(|t| t.name == "b-multi").unwrap();
    assert_eq!(bm.home_region, "eu-west-1");
    assert!(
        matches!(bm.status, Fact::Collected { .. }),
        "{:?}",
        bm.status
    );
    // DescribeTrails once per account-region; AssumeRole once per member.
    assert_eq!(s.api_calls.get("cloudtrail:DescribeTrails"), Some(&(5 * 2)));
    assert_eq!(s.api_calls.get("sts:AssumeRole"), Some(&5));

    // The locked account is there, with the reason, and nothing about it is covered.
    match &acct("locked").access {
        Access::Failed { error } => assert_eq!(error.kind, ErrorKind::RoleNotAssumable),
        other => panic!("locked account access: {other:?}"),
    }
    let coverage = run.csv("coverage.csv");
    let locked_cells: Vec<_> = coverage
        .iter()
        .filter(|c| c["account_id"] == seeded.id("locked"))
        .collect();
    assert!(!locked_cells.is_empty());
    assert!(locked_cells
        .iter()
        .all(|c| c["state"] == "unknown" && c["reason"].contains("could not be assumed")));

    // The denied read is recorded, and the rest of that account is still collected.
    let p = s.trails.iter().find(|t| t.name == "p-trail").unwrap();
    match &p.status {
        Fact::Failed { error } => assert_eq!(error.kind, ErrorKind::AccessDenied),
        other => panic!("p-trail status should be denied: {other:?}"),
    }
    assert!(matches!(p.selectors, Fact::Collected { .. }));
    assert!(acct("partial")
        .regions
        .iter()
        .all(|r| r.status == RegionStatus::Collected));
    assert!(s
        .errors
        .iter()
        .any(|e| e.account_id.as_deref() == Some(seeded.id("partial"))
            && e.error.operation == "cloudtrail:GetTrailStatus"
            && e.error.kind == ErrorKind::AccessDenied));

    // member-a has no trail of its own and is covered by the organization trail.
    let a_cells: Vec<_> = coverage
        .iter()
        .filter(|c| c["account_id"] == seeded.id("member-a"))
        .collect();
    for class in ["management_write", "management_read", "global_service"] {
        let c = a_cells.iter().find(|c| c["event_class"] == class).unwrap();
        assert_eq!(c["state"], "covered", "{class}: {c:?}");
        assert_eq!(c["trails"], "org-trail");
    }
    assert!(
        acct("member-a").regions.iter().all(|r| r.trails.is_empty()),
        "the emulator does not propagate organization trails"
    );

    // Re-analysing the stored snapshot gives the same reports, with no AWS call.
    let (code, _, stderr) = audit_offline(&[
        "org",
        "--from-snapshot",
        run.out_dir.join("snapshot.json").to_str().unwrap(),
        "--out-dir",
        again.to_str().unwrap(),
        "--exit-zero",
        "-q",
    ]);
    assert_eq!(code, 0, "{stderr}");
    for f in ["coverage.csv", "findings.csv", "report.md"] {
        assert_eq!(
            std::fs::read_to_string(run.out_dir.join(f)).unwrap(),
            std::fs::read_to_string(again.join(f)).unwrap(),
            "{f} differs when re-analysed from the snapshot"
        );
    }
}

#[test]
fn region_filters_accept_globs_and_reject_unknown_names() {
    let emu = shared().expect("emulator");
    let scenario = Scenario::parse(
        "name = \"regions\"\n[[accounts]]\nkey = \"m\"\n",
        "regions.toml",
    )
    .unwrap();
    let seeded = seed(&emu, &scenario);
    let run = audit(
        &emu,
        &seeded,
        "regions",
        &[
            "org",
            "--regions",
            "eu-west-*,us-east-1",
            "--exit-zero",
            "-q",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let s = run.snapshot();
    for a in &s.accounts {
        let regions: Vec<&str> = a.regions.iter().map(|r| r.region.as_str()).collect();
        assert_eq!(
            regions,
            vec!["eu-west-1", "eu-west-2", "eu-west-3", "us-east-1"],
            "{}",
            a.id
        );
    }
    let (code, _, stderr) = audit_offline(&["org", "--regions", "us-east-1,moon-base-1"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("unknown region `moon-base-1`") && stderr.contains("valid regions are"),
        "{stderr}"
    );
}

/// Trusted access for CloudTrail disabled in Organizations: the organization
/// trail records only the management account; members are gaps with that
/// reason and the management account gets a high finding. A scope that
/// matches nothing exits 2 naming it, writing nothing.
#[test]
fn trusted_access_disabled_and_empty_scopes() {
    let emu = shared().expect("emulator");
    let scenario = Scenario::parse(
        r#"
name = "trusted-access"
[management]
cloudtrail_trusted_access = false
[[ous]]
name = "Prod"
[[accounts]]
key = "member"
ou = "Root/Prod"
[[buckets]]
name = "ta-org-logs"
account = "management"
[[trails]]
name = "org-trail"
account = "management"
multi_region = true
organization = true
bucket = "ta-org-logs"
"#,
        "trusted-access.toml",
    )
    .unwrap();
    let seeded = seed(&emu, &scenario);
    let run = audit(
        &emu,
        &seeded,
        "trusted-access",
        &["org", "--regions", "us-east-1"],
    );
    assert_eq!(run.code, 1, "stderr:\n{}", run.stderr);
    let s = run.snapshot();
    assert_eq!(
        s.organization.as_ref().unwrap().cloudtrail_trusted_access,
        Fact::Collected { value: false }
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.out_dir.join("report.json")).unwrap())
            .unwrap();
    let findings = report["findings"].as_array().unwrap();
    let f = findings
        .iter()
        .find(|f| f["check_id"] == "org_trail_not_reaching_members")
        .unwrap_or_else(|| panic!("no trusted-access finding in {findings:#?}"));
    assert_eq!(f["account_id"], seeded.id("management"));
    assert_eq!(f["severity"], "high");
    let cells = trailaudit_checks::coverage::matrix(&s);
    let cell = |key: &str| {
        cells
            .iter()
            .find(|c| {
                c.account_id == seeded.id(key)
                    && c.class == trailaudit_checks::EventClass::ManagementWrite
            })
            .unwrap()
    };
    assert_eq!(cell("management").state, trailaudit_checks::State::Covered);
    let m = cell("member");
    assert_eq!(m.state, trailaudit_checks::State::Gap);
    assert!(
        m.reason
            .contains("trusted access for CloudTrail is disabled"),
        "{}",
        m.reason
    );

    // Scopes that match nothing: exit 2, what was not found, nothing written.
    for (args, says) in [
        (vec!["org", "--ou", "Prodd"], "closest: Prod"),
        (
            vec!["org", "--accounts", "999999999999"],
            "999999999999 not in organization",
        ),
        (
            vec!["org", "--exclude-accounts", "999999999999"],
            "--exclude-accounts",
        ),
    ] {
        let r = audit(&emu, &seeded, "empty-scope", &args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(says), "{args:?}: {}", r.stderr);
        let written: Vec<_> = std::fs::read_dir(&r.out_dir)
            .map(|d| d.collect())
            .unwrap_or_default();
        assert!(written.is_empty(), "{args:?} wrote {written:?}");
    }
}
