//! Requirements per OU and account on the emulator: data events of several
//! resource types (DynamoDB tables, S3 objects written, named buckets) and
//! network activity events, asked by a scoped audit.toml, answered from the
//! selectors moto stores. moto accepts every advanced selector used here
//! (`NetworkActivity`, `errorCode`, `NotStartsWith` on `resources.ARN`) and
//! returns it as AWS does, so no part of this test needs the fake transport.

use std::collections::BTreeSet;

use trailaudit_testkit::emulator::shared;
use trailaudit_testkit::Scenario;

use crate::{audit, audit_offline, out_dir, seed};

const SCENARIO: &str = r#"
name = "requirements"
description = "payments must log tables, object writes, two buckets and VPC endpoint denials; sandboxes management events only"
seed = 12

[[ous]]
name = "Payments"
[[ous]]
name = "Sandbox"

[[accounts]]
key = "pay-a"          # advanced selectors: tables, objects except one bucket, KMS denials
ou = "Root/Payments"
[[accounts]]
key = "pay-b"          # basic selectors: every object, write only
ou = "Root/Payments"
[[accounts]]
key = "sandbox"
ou = "Root/Sandbox"

[[buckets]]
name = "req-org-logs"
account = "management"
region = "us-east-1"
versioning = true

[[trails]]
name = "org-trail"
account = "management"
home_region = "us-east-1"
multi_region = true
organization = true
log_file_validation = true
bucket = "req-org-logs"
event_selectors = [{ read_write = "All", management = true }]

[[buckets]]
name = "req-pay-a-logs"
account = "pay-a"
region = "us-east-1"

[[trails]]
name = "pay-a-data"
account = "pay-a"
home_region = "us-east-1"
multi_region = true
log_file_validation = true
bucket = "req-pay-a-logs"
[[trails.advanced_event_selectors]]
name = "tables"
fields = [
  { field = "eventCategory", equals = ["Data"] },
  { field = "resources.type", equals = ["AWS::DynamoDB::Table"] },
]
[[trails.advanced_event_selectors]]
name = "objects but the secret bucket"
fields = [
  { field = "eventCategory", equals = ["Data"] },
  { field = "resources.type", equals = ["AWS::S3::Object"] },
  { field = "resources.ARN", not_starts_with = ["arn:aws:s3:::pay-secret/"] },
]
[[trails.advanced_event_selectors]]
name = "KMS calls a VPC endpoint policy denied"
fields = [
  { field = "eventCategory", equals = ["NetworkActivity"] },
  { field = "eventSource", equals = ["kms.amazonaws.com"] },
  { field = "errorCode", equals = ["VpceAccessDenied"] },
]

[[buckets]]
name = "req-pay-b-logs"
account = "pay-b"
region = "us-east-1"

[[trails]]
name = "pay-b-writes"
account = "pay-b"
home_region = "us-east-1"
multi_region = true
log_file_validation = true
bucket = "req-pay-b-logs"
event_selectors = [{ read_write = "WriteOnly", management = false, data = [
  { type = "AWS::S3::Object", values = ["arn:aws:s3"] },
] }]
"#;

#[test]
fn scoped_requirements_give_exact_per_account_and_per_resource_findings() {
    let emu = shared().expect("emulator");
    let scenario = Scenario::parse(SCENARIO, "requirements").expect("scenario");
    let seeded = seed(&emu, &scenario);
    let (a, b, sandbox) = (seeded.id("pay-a"), seeded.id("pay-b"), seeded.id("sandbox"));
    let policy_dir = out_dir("requirements-policy");
    let policy = policy_dir.join("audit.toml");
    std::fs::write(
        &policy,
        format!(
            r#"[require]
kms = false

[[scope]]
name = "payments"
ou = "Root/Payments"
[scope.data_events]
types = ["dynamodb_data", "AWS::S3::Object:write"]
resources = [
  {{ arn = "arn:aws:s3:::pay-cards/", account = "{a}", region = "us-east-1" }},
  {{ arn = "arn:aws:s3:::pay-secret/", account = "{a}", region = "us-east-1", access = "read" }},
]
[scope.network_activity]
vpce_denied = ["kms"]

[[scope]]
accounts = ["{sandbox}"]
required_regions = ["us-east-1"]
"#
        ),
    )
    .unwrap();
    let policy_arg = policy.to_string_lossy().to_string();
    let run = audit(
        &emu,
        &seeded,
        "requirements",
        &[
            "org",
            "--regions",
            "us-east-1,eu-west-1",
            "--policy",
            &policy_arg,
            "--exit-zero",
        ],
    );
    assert_eq!(run.code, 0, "stderr:\n{}", run.stderr);

    // Exactly these failures, per account and class, and per resource.
    let fails: BTreeSet<(String, String, String, String)> = run
        .csv("findings.csv")
        .into_iter()
        .filter(|r| {
            r["status"] == "fail"
                && (r["check_id"] == "data_events_missing"
                    || r["check_id"] == "network_events_missing")
        })
        .map(|r| {
            (
                r["check_id"].clone(),
                r["account_id"].clone(),
                r["region"].clone(),
                r["resource"].clone(),
            )
        })
        .collect();
    let f = |check: &str, acct: &str, region: &str, res: &str| {
        (
            check.to_string(),
            acct.to_string(),
            region.to_string(),
            res.to_string(),
        )
    };
    let expected: BTreeSet<_> = [
        // pay-a: one bucket left out of its object selector.
        f("data_events_missing", a, "", "s3_data_write"),
        f(
            "data_events_missing",
            a,
            "us-east-1",
            "arn:aws:s3:::pay-secret/",
        ),
        // pay-b: basic selectors cannot log tables or network activity.
        f("data_events_missing", b, "", "dynamodb_data"),
        f("network_events_missing", b, "", "network_kms_vpce_denied"),
    ]
    .into_iter()
    .collect();
    assert_eq!(fails, expected, "stdout:\n{}", run.stdout);

    // The matrix carries the required classes; pay-a's object writes are
    // partial (one bucket excluded), pay-b's covered.
    let cov = run.csv("coverage.csv");
    let cell = |acct: &str, region: &str, class: &str| {
        cov.iter()
            .find(|c| c["account_id"] == acct && c["region"] == region && c["event_class"] == class)
            .map(|c| c["state"].clone())
            .unwrap_or_else(|| panic!("no cell {acct} {region} {class}"))
    };
    assert_eq!(cell(a, "eu-west-1", "s3_data_write"), "partial");
    assert_eq!(cell(b, "eu-west-1", "s3_data_write"), "covered");
    assert_eq!(cell(a, "eu-west-1", "dynamodb_data"), "covered");
    assert_eq!(cell(a, "us-east-1", "network_kms_vpce_denied"), "covered");
    assert_eq!(cell(b, "us-east-1", "network_kms_vpce_denied"), "gap");
    assert_eq!(cell(sandbox, "us-east-1", "dynamodb_data"), "gap");

    // The resource rows: which trail records each named bucket.
    let res = run.csv("resources.csv");
    assert_eq!(res.len(), 2, "{res:#?}");
    let cards = res
        .iter()
        .find(|r| r["resource"] == "arn:aws:s3:::pay-cards/")
        .unwrap();
    assert_eq!(
        (
            cards["account_id"].as_str(),
            cards["region"].as_str(),
            cards["state"].as_str()
        ),
        (a, "us-east-1", "covered")
    );
    assert!(cards["sources"].ends_with(":trail/pay-a-data"), "{cards:?}");
    let secret = res
        .iter()
        .find(|r| r["resource"] == "arn:aws:s3:::pay-secret/")
        .unwrap();
    assert_eq!(
        (secret["state"].as_str(), secret["access"].as_str()),
        ("gap", "read")
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run.out_dir.join("report.json")).unwrap()).unwrap();
    assert_eq!(json["resources"].as_array().map(Vec::len), Some(2));

    // policy-explain says where each requirement came from.
    let snap = run
        .out_dir
        .join("snapshot.json")
        .to_string_lossy()
        .to_string();
    let (code, out, err) = audit_offline(&[
        "policy-explain",
        "--account",
        b,
        "--policy",
        &policy_arg,
        "--snapshot",
        &snap,
    ]);
    assert_eq!(code, 0, "{err}");
    let line = |key: &str| {
        out.lines()
            .find(|l| l.starts_with(key))
            .unwrap_or_else(|| panic!("{key} in\n{out}"))
            .to_string()
    };
    assert!(
        line("data_events.types").contains("dynamodb_data, s3_data_write"),
        "{out}"
    );
    assert!(
        line("data_events.types").contains("[[scope]] payments (line 4)"),
        "{out}"
    );
    assert!(line("require.kms").ends_with("top level"), "{out}");
    assert!(line("retention.days").ends_with("default"), "{out}");
    let (_, out, _) = audit_offline(&[
        "policy-explain",
        "--account",
        sandbox,
        "--policy",
        &policy_arg,
        "--snapshot",
        &snap,
    ]);
    assert!(
        line_of(&out, "required_regions").contains("us-east-1"),
        "{out}"
    );
    assert!(line_of(&out, "data_events.types").contains("none"), "{out}");

    // An OU that is not in the organization: exit 2 with the line, no reports.
    let bad = policy_dir.join("bad.toml");
    std::fs::write(
        &bad,
        "[data_events]\ns3 = true\n\n[[scope]]\nou = \"Root/Payment\"\nretention.days = 9\n",
    )
    .unwrap();
    let bad_out = out_dir("requirements-bad");
    let (code, _, err) = audit_offline(&[
        "report",
        "--snapshot",
        &snap,
        "--policy",
        &bad.to_string_lossy(),
        "--out-dir",
        &bad_out.to_string_lossy(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("line 4") && err.contains("Root/Payment") && err.contains("Root/Payments"),
        "{err}"
    );
    assert!(!bad_out.join("report.json").exists());
}

fn line_of(out: &str, key: &str) -> String {
    out.lines()
        .find(|l| l.starts_with(key))
        .unwrap_or_default()
        .to_string()
}
