//! The check catalogue on the bundled organizations: `demo` yields exactly the
//! problems it was built with, `clean` nothing above informational.

use trailaudit_testkit::bundled;
use trailaudit_testkit::emulator::shared;

use crate::{audit, seed};

const REGIONS: &str = "us-east-1,eu-west-1,us-west-2";

#[test]
fn demo_yields_exactly_the_findings_it_was_built_with() {
    let emu = shared().expect("emulator");
    let seeded = seed(&emu, &bundled("demo"));
    let run = audit(
        &emu,
        &seeded,
        "demo-findings",
        &["org", "--regions", REGIONS],
    );
    assert_eq!(
        run.code, 1,
        "high findings exist, so exit 1; stderr:\n{}",
        run.stderr
    );
    let rows = run.csv("findings.csv");
    let mut got: Vec<(String, String, String)> = rows
        .iter()
        .filter(|r| r["status"] == "fail" || r["status"] == "unknown")
        .map(|r| {
            (
                r["check_id"].clone(),
                r["account_name"].clone(),
                r["status"].clone(),
            )
        })
        .collect();
    got.sort();
    let f = |c: &str, a: &str, s: &str| (c.to_string(), a.to_string(), s.to_string());
    let mut want = vec![
        // The problems the demo was built with.
        f("bucket_public", "dev-web", "fail"),
        f("bucket_public_access_block_off", "dev-web", "fail"),
        f("bucket_policy_blocks_delivery", "prod-payments", "fail"),
        f("kms_key_unusable", "prod-data", "fail"),
        f("kms_rotation_off", "prod-data", "fail"),
        f("retention_short", "log-archive", "fail"),
        f("trail_not_logging", "prod-web", "fail"),
        f("permission_gap", "dev-sandbox", "unknown"),
        f("permission_gap", "dev-qa", "unknown"),
        f("management_events_incomplete", "dev-web", "fail"),
        f("management_events_incomplete", "dev-qa", "unknown"),
        f("duplicate_management_trails", "dev-web", "fail"),
        // Local trails set up without the protections the default policy requires.
        f("log_validation_off", "dev-qa", "fail"),
        f("log_validation_off", "dev-web", "fail"),
        f("log_validation_off", "prod-web", "fail"),
    ];
    for a in ["dev-qa", "prod-payments", "prod-api", "dev-web", "prod-web"] {
        want.push(f("not_kms_encrypted", a, "fail"));
    }
    for a in [
        "dev-qa",
        "prod-payments",
        "prod-data",
        "prod-api",
        "dev-web",
        "prod-web",
    ] {
        want.push(f("bucket_access_logging_off", a, "fail"));
    }
    // Versioning is read as AWS answers it (moto's answer is fixed by the
    // harness's compatibility layer): the organization's log bucket is
    // versioned without MFA delete or Object Lock (low); the local trails'
    // buckets are not versioned at all (medium). No collection error.
    for a in [
        "log-archive",
        "dev-qa",
        "prod-payments",
        "prod-data",
        "prod-api",
        "dev-web",
        "prod-web",
    ] {
        want.push(f("bucket_not_tamper_resistant", a, "fail"));
    }
    want.sort();
    assert_eq!(got, want);
    let tamper = |name: &str| {
        rows.iter()
            .find(|r| r["check_id"] == "bucket_not_tamper_resistant" && r["account_name"] == name)
            .map(|r| r["severity"].clone())
    };
    assert_eq!(tamper("log-archive").as_deref(), Some("low"));

    // Every failure is said once, in one short line: the finding that
    // reports it (permission gap or collection error) carries its cause;
    // whatever it made unknown points there instead of repeating it.
    let snap = run.snapshot();
    assert!(!snap.errors.is_empty());
    for e in &snap.errors {
        let cause = trailaudit_model::short_cause(&e.error.message);
        let saying: Vec<_> = rows
            .iter()
            .filter(|r| Some(r["account_id"].as_str()) == e.account_id.as_deref())
            .filter(|r| r["message"].contains(&cause))
            .collect();
        assert_eq!(
            saying.len(),
            1,
            "{} said {} times: {saying:#?}",
            e.error.operation,
            saying.len()
        );
    }
    for r in rows
        .iter()
        .filter(|r| r["check_id"] == "permission_gap" || r["check_id"] == "collection_error")
    {
        assert!(r["message"].chars().count() <= 300, "{}", r["message"]);
    }
    let md = std::fs::read_to_string(run.out_dir.join("report.md")).unwrap();
    for l in md.lines().chain(
        std::fs::read_to_string(run.out_dir.join("findings.csv"))
            .unwrap()
            .lines(),
    ) {
        assert!(
            !l.contains("StartEl") && !l.contains("This is likely a bug in the SDK"),
            "{l}"
        );
    }
    // No emulator artefact: nothing failed but what the scenario denies.
    assert!(
        !rows.iter().any(|r| r["check_id"] == "collection_error"),
        "{:#?}",
        rows.iter()
            .filter(|r| r["check_id"] == "collection_error")
            .collect::<Vec<_>>()
    );
    let gaps = md
        .split("## Permission gaps and collection errors")
        .nth(1)
        .and_then(|g| g.split("\n## ").next())
        .unwrap_or_default();
    assert_eq!(
        gaps.lines().filter(|l| l.starts_with("- ")).count(),
        2,
        "{gaps}"
    );
    for l in gaps.lines() {
        assert!(l.chars().count() <= 400, "{l}");
    }
    // Times to the second.
    assert!(
        md.contains(&format!(
            "Collected {} to",
            trailaudit_model::utc(snap.started_at)
        )),
        "{md}"
    );
    assert_eq!(tamper("prod-web").as_deref(), Some("medium"));

    // Organization-trail settings are reported once, against the owner.
    assert!(rows
        .iter()
        .filter(|r| r["resource"].ends_with(":trail/org-trail"))
        .all(|r| r["account_name"] == "master" || r["account_id"] == seeded.id("management")));
    // The suspended account is noted, and every member is covered by the organization trail.
    assert!(rows
        .iter()
        .any(|r| r["check_id"] == "account_suspended" && r["account_name"] == "dev-legacy"));
    let coverage = run.csv("coverage.csv");
    let gaps: Vec<_> = coverage
        .iter()
        .filter(|c| c["event_class"] == "management_write" && c["state"] == "gap")
        .collect();
    assert!(gaps.is_empty(), "{gaps:?}");
    let unknown: std::collections::BTreeSet<&str> = coverage
        .iter()
        .filter(|c| c["state"] == "unknown" && c["event_class"] == "management_write")
        .map(|c| c["account_name"].as_str())
        .collect();
    assert_eq!(
        unknown.into_iter().collect::<Vec<_>>(),
        vec!["dev-legacy", "dev-sandbox"]
    );
}

#[test]
fn clean_organization_has_nothing_above_informational() {
    let emu = shared().expect("emulator");
    let seeded = seed(&emu, &bundled("clean"));
    let run = audit(
        &emu,
        &seeded,
        "clean-findings",
        &["org", "--regions", REGIONS, "--fail-on", "low"],
    );
    let rows = run.csv("findings.csv");
    let above: Vec<_> = rows.iter().filter(|r| r["severity"] != "info").collect();
    assert!(above.is_empty(), "{above:#?}");
    assert_eq!(run.code, 0, "stderr:\n{}", run.stderr);
    let coverage = run.csv("coverage.csv");
    for c in &coverage {
        assert_eq!(c["state"], "covered", "{c:?}");
    }
}

/// Resource control policies and Requester Pays decide delivery, on the
/// emulator (moto stores RCPs: the policy type on the root, policies,
/// attachments; Requester Pays is answered by the harness's compatibility
/// layer, since moto has no request payment API). The `clean`
/// organization's log bucket belongs to log-archive, under Root/Security.
#[test]
fn resource_control_policies_and_requester_pays_decide_delivery() {
    use aws_sdk_organizations::types::PolicyType;
    let emu = shared().expect("emulator");
    let seeded = seed(&emu, &bundled("clean"));
    let cfg = trailaudit_testkit::seed::emulator_config(
        &emu.endpoint(),
        trailaudit_testkit::seed::management_credentials(),
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    let orgs = aws_sdk_organizations::Client::new(&cfg);
    // A data-perimeter RCP on the Security OU that forgets AWS services.
    rt.block_on(async {
        let root = orgs.list_roots().send().await.unwrap().roots()[0]
            .id()
            .unwrap()
            .to_string();
        orgs.enable_policy_type()
            .root_id(&root)
            .policy_type(PolicyType::ResourceControlPolicy)
            .send()
            .await
            .unwrap();
        let ous = orgs
            .list_organizational_units_for_parent()
            .parent_id(&root)
            .send()
            .await
            .unwrap();
        let security = ous
            .organizational_units()
            .iter()
            .find(|o| o.name() == Some("Security"))
            .and_then(|o| o.id())
            .unwrap()
            .to_string();
        let p = orgs
            .create_policy()
            .name("data-perimeter")
            .description("identities of the organization only")
            .r#type(PolicyType::ResourceControlPolicy)
            .content(r#"{"Version":"2012-10-17","Statement":[{"Sid":"EnforceOrgIdentities","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"ORG"}}}]}"#.replace("ORG", &seeded.organization_id))
            .send()
            .await
            .unwrap();
        let id = p.policy().unwrap().policy_summary().unwrap().id().unwrap().to_string();
        orgs.attach_policy()
            .policy_id(id)
            .target_id(security)
            .send()
            .await
            .unwrap();
    });
    let run = audit(
        &emu,
        &seeded,
        "rcp-delivery",
        &["org", "--regions", "us-east-1"],
    );
    assert_eq!(run.code, 1, "a high finding; stderr:\n{}", run.stderr);
    let rows = run.csv("findings.csv");
    let rcp: Vec<_> = rows
        .iter()
        .filter(|r| r["check_id"] == "rcp_blocks_delivery")
        .collect();
    assert_eq!(rcp.len(), 1, "{rows:#?}");
    assert_eq!(rcp[0]["status"], "fail");
    assert_eq!(rcp[0]["account_name"], "log-archive");
    assert!(
        rcp[0]["message"].contains("EnforceOrgIdentities (data-perimeter)"),
        "{}",
        rcp[0]["message"]
    );
    // Every account-region the organization trail recorded is now not covered.
    for c in run
        .csv("coverage.csv")
        .iter()
        .filter(|c| c["event_class"] == "management_write")
    {
        assert_ne!(c["state"], "covered", "{c:?}");
    }
    // Read with Organizations' read-only calls, counted in the snapshot.
    let snap = run.snapshot();
    assert!(
        snap.api_calls
            .keys()
            .any(|k| k.contains("ListPoliciesForTarget")),
        "{:?}",
        snap.api_calls
    );
    assert!(snap.api_calls.keys().any(|k| k.contains("DescribePolicy")));
    assert!(!rows.iter().any(|r| r["check_id"] == "collection_error"));

    // Requester Pays on the log bucket: its own high finding.
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&cfg)
            .force_path_style(true)
            .build(),
    );
    rt.block_on(
        s3.put_bucket_request_payment()
            .bucket("clean-org-cloudtrail-logs")
            .request_payment_configuration(
                aws_sdk_s3::types::RequestPaymentConfiguration::builder()
                    .payer(aws_sdk_s3::types::Payer::Requester)
                    .build()
                    .unwrap(),
            )
            .send(),
    )
    .unwrap();
    let run = audit(
        &emu,
        &seeded,
        "requester-pays",
        &["org", "--regions", "us-east-1"],
    );
    let rows = run.csv("findings.csv");
    let pays: Vec<_> = rows
        .iter()
        .filter(|r| r["check_id"] == "bucket_requester_pays")
        .collect();
    assert_eq!(pays.len(), 1, "{rows:#?}");
    assert_eq!(pays[0]["status"], "fail");
    assert!(
        pays[0]["message"].contains("org-trail"),
        "{}",
        pays[0]["message"]
    );
}

/// A trail without a KMS key of its own, writing to a bucket whose default
/// encryption is SSE-KMS with a customer managed key: S3 uses that key for
/// CloudTrail's writes, so its policy decides delivery. On the emulator
/// (keys, key policies, bucket encryption and trails as AWS stores them).
#[test]
fn a_bucket_default_key_that_leaves_out_cloudtrail_blocks_delivery() {
    let emu = shared().expect("emulator");
    let seeded = seed(&emu, &bundled("clean"));
    let mgmt = seeded.id("management").to_string();
    let cfg = trailaudit_testkit::seed::emulator_config(
        &emu.endpoint(),
        trailaudit_testkit::seed::management_credentials(),
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    let kms = aws_sdk_kms::Client::new(&cfg);
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&cfg)
            .force_path_style(true)
            .build(),
    );
    let ct = aws_sdk_cloudtrail::Client::new(&cfg);
    const BUCKET: &str = "clean-keyed-trail-logs";
    let admin_only = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"Admin","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{mgmt}:root"}},"Action":"kms:*","Resource":"*"}}]}}"#
    );
    let key = rt.block_on(async {
        let key = kms
            .create_key()
            .policy(&admin_only)
            .send()
            .await
            .unwrap()
            .key_metadata()
            .unwrap()
            .arn()
            .unwrap()
            .to_string();
        s3.create_bucket().bucket(BUCKET).send().await.unwrap();
        s3.put_bucket_policy()
            .bucket(BUCKET)
            .policy(format!(
                r#"{{"Version":"2012-10-17","Statement":[
                {{"Effect":"Allow","Principal":{{"Service":"cloudtrail.amazonaws.com"}},"Action":"s3:GetBucketAcl","Resource":"arn:aws:s3:::{BUCKET}"}},
                {{"Effect":"Allow","Principal":{{"Service":"cloudtrail.amazonaws.com"}},"Action":"s3:PutObject","Resource":"arn:aws:s3:::{BUCKET}/AWSLogs/{mgmt}/*","Condition":{{"StringEquals":{{"s3:x-amz-acl":"bucket-owner-full-control"}}}}}}]}}"#
            ))
            .send()
            .await
            .unwrap();
        use aws_sdk_s3::types::{
            ServerSideEncryption, ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration,
            ServerSideEncryptionRule,
        };
        s3.put_bucket_encryption()
            .bucket(BUCKET)
            .server_side_encryption_configuration(
                ServerSideEncryptionConfiguration::builder()
                    .rules(
                        ServerSideEncryptionRule::builder()
                            .apply_server_side_encryption_by_default(
                                ServerSideEncryptionByDefault::builder()
                                    .sse_algorithm(ServerSideEncryption::AwsKms)
                                    .kms_master_key_id(&key)
                                    .build()
                                    .unwrap(),
                            )
                            .build(),
                    )
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        ct.create_trail()
            .name("keyed-by-bucket")
            .s3_bucket_name(BUCKET)
            .is_multi_region_trail(false)
            .send()
            .await
            .unwrap();
        ct.put_event_selectors()
            .trail_name("keyed-by-bucket")
            .event_selectors(
                aws_sdk_cloudtrail::types::EventSelector::builder()
                    .read_write_type(aws_sdk_cloudtrail::types::ReadWriteType::All)
                    .include_management_events(true)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        ct.start_logging()
            .name("keyed-by-bucket")
            .send()
            .await
            .unwrap();
        key
    });
    let findings = |test: &str| {
        let run = audit(&emu, &seeded, test, &["org", "--regions", "us-east-1"]);
        run.csv("findings.csv")
            .into_iter()
            .filter(|r| r["check_id"] == "bucket_encryption_blocks_delivery")
            .collect::<Vec<_>>()
    };
    let f = findings("bucket-key-denies");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["status"], "fail");
    assert_eq!(f[0]["account_id"], mgmt);
    assert_eq!(f[0]["resource"], BUCKET);
    assert!(
        f[0]["message"].contains("trail keyed-by-bucket cannot deliver")
            && f[0]["message"].contains("default encryption key policy"),
        "{}",
        f[0]["message"]
    );
    // The key policy lets CloudTrail generate data keys: nothing to report.
    rt.block_on(
        kms.put_key_policy()
            .key_id(&key)
            .policy_name("default")
            .policy(admin_only.replace(
                "]}",
                r#",{"Sid":"CloudTrail","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"kms:GenerateDataKey*","Resource":"*"}]}"#,
            ))
            .send(),
    )
    .unwrap();
    let f = findings("bucket-key-allows");
    assert!(f.is_empty(), "{f:#?}");
}
