//! The emulator harness and the seeder hold what they promise.

use aws_credential_types::Credentials;
use trailaudit_testkit::emulator::{process_alive, shared, Emulator};
use trailaudit_testkit::seed::{emulator_config, management_credentials};
use trailaudit_testkit::{bundled, scenario_path, Scenario};

use crate::seed;

fn member_config(endpoint: &str, account: &str) -> aws_config::SdkConfig {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sts = aws_sdk_sts::Client::new(&emulator_config(endpoint, management_credentials()));
    let c = rt
        .block_on(
            sts.assume_role()
                .role_arn(format!(
                    "arn:aws:iam::{account}:role/OrganizationAccountAccessRole"
                ))
                .role_session_name("test")
                .send(),
        )
        .unwrap();
    let c = c.credentials().unwrap();
    emulator_config(
        endpoint,
        Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().into()),
            None,
            "test",
        ),
    )
}

#[test]
fn demo_scenario_is_seeded_as_written() {
    let emu = shared().expect("emulator");
    let scenario = bundled("demo");
    // Enforcement must be off to inspect with the seeding credentials; it is
    // re-checked below with the auditor's own keys.
    let seeded = seed(&emu, &scenario);
    assert!(seeded.iam_enforced, "demo has restrictions");
    emu.set_iam_enforcement(false).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let endpoint = emu.endpoint();

    // A member's trail is visible with that member's credentials only.
    let prod_web = seeded.id("prod-web");
    let mut eu = member_config(&endpoint, prod_web).to_builder();
    eu.set_region(Some(aws_config::Region::new("eu-west-1")));
    let member_ct = aws_sdk_cloudtrail::Client::new(&eu.build());
    let trails = rt.block_on(member_ct.describe_trails().send()).unwrap();
    let names: Vec<&str> = trails
        .trail_list()
        .iter()
        .filter_map(|t| t.name())
        .collect();
    assert_eq!(names, vec!["prod-web-local"]);
    let status = rt
        .block_on(member_ct.get_trail_status().name("prod-web-local").send())
        .unwrap();
    assert_eq!(
        status.is_logging(),
        Some(false),
        "scenario says logging = false"
    );

    let mut mgmt_eu = emulator_config(&endpoint, management_credentials()).to_builder();
    mgmt_eu.set_region(Some(aws_config::Region::new("eu-west-1")));
    let mgmt_ct = aws_sdk_cloudtrail::Client::new(&mgmt_eu.build());
    let mgmt_trails = rt.block_on(mgmt_ct.describe_trails().send()).unwrap();
    assert!(
        !mgmt_trails
            .trail_list()
            .iter()
            .any(|t| t.name() == Some("prod-web-local")),
        "a member's trail must not be visible to the management account"
    );

    // Lifecycle days.
    let archive = member_config(&endpoint, seeded.id("log-archive"));
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&archive)
            .force_path_style(true)
            .build(),
    );
    let lc = rt
        .block_on(
            s3.get_bucket_lifecycle_configuration()
                .bucket("demo-org-cloudtrail-logs")
                .send(),
        )
        .unwrap();
    assert_eq!(lc.rules()[0].expiration().and_then(|e| e.days()), Some(30));

    // Selectors as written (advanced selectors on prod-api).
    let mut west = member_config(&endpoint, seeded.id("prod-api")).to_builder();
    west.set_region(Some(aws_config::Region::new("us-west-2")));
    let api_ct = aws_sdk_cloudtrail::Client::new(&west.build());
    let sel = rt
        .block_on(
            api_ct
                .get_event_selectors()
                .trail_name("api-data-events")
                .send(),
        )
        .unwrap();
    let fields: Vec<&str> = sel.advanced_event_selectors()[0]
        .field_selectors()
        .iter()
        .map(|f| f.field())
        .collect();
    assert_eq!(
        fields,
        vec!["eventCategory", "resources.type", "resources.ARN"]
    );

    // With enforcement on, the auditor is denied AssumeRole in dev-sandbox only.
    emu.set_iam_enforcement(true).unwrap();
    let auditor = emulator_config(
        &endpoint,
        Credentials::new(
            &seeded.auditor_access_key_id,
            &seeded.auditor_secret_access_key,
            None,
            None,
            "test",
        ),
    );
    let sts = aws_sdk_sts::Client::new(&auditor);
    let denied = rt.block_on(
        sts.assume_role()
            .role_arn(format!(
                "arn:aws:iam::{}:role/OrganizationAccountAccessRole",
                seeded.id("dev-sandbox")
            ))
            .role_session_name("t")
            .send(),
    );
    let err = format!(
        "{:?}",
        denied.expect_err("dev-sandbox must refuse the auditor")
    );
    assert!(err.contains("AccessDenied"), "{err}");
    let allowed = rt.block_on(
        sts.assume_role()
            .role_arn(format!(
                "arn:aws:iam::{}:role/OrganizationAccountAccessRole",
                seeded.id("prod-web")
            ))
            .role_session_name("t")
            .send(),
    );
    assert!(allowed.is_ok(), "{allowed:?}");
}

#[test]
fn emulator_is_stopped_by_pid_on_drop_and_on_panic() {
    let emu = Emulator::start().expect("start");
    let pid = emu.pid().expect("pid");
    assert!(process_alive(pid));
    drop(emu);
    assert!(
        !process_alive(pid),
        "emulator {pid} still running after drop"
    );

    let pid = std::sync::Mutex::new(0u32);
    let result = std::panic::catch_unwind(|| {
        let emu = Emulator::start().expect("start");
        *pid.lock().unwrap() = emu.pid().unwrap();
        panic!("a failing test");
    });
    assert!(result.is_err());
    let pid = *pid.lock().unwrap();
    assert!(
        pid != 0 && !process_alive(pid),
        "emulator {pid} survived a panicking test"
    );
}

#[test]
fn malformed_scenarios_are_rejected_before_seeding() {
    let bad = [
        ("name = \"x\"\n[[trails]]\nname = \"t1x\"\naccount = \"management\"\nbucket = \"missing-bucket\"\n", "trails[0].bucket", "not declared"),
        ("name = \"x\"\n[[accounts]]\nkey = \"a\"\nou = \"Root/Nowhere\"\n", "accounts[0].ou", "not declared"),
        ("name = \"x\"\n[[accounts]]\nkey = \"a\"\nbogus = 1\n", "line 4", "unknown field `bogus`"),
        ("name = \"x\"\n[[kms_keys]]\nref = \"k\"\naccount = \"management\"\nregion = \"mars-1\"\n", "kms_keys[0].region", "not a known AWS region"),
    ];
    for (text, field, problem) in bad {
        let e = Scenario::parse(text, "bad.toml").unwrap_err();
        assert_eq!(e.file, "bad.toml");
        assert!(e.field.contains(field), "field {:?} for {text}", e.field);
        assert!(e.problem.contains(problem), "problem {:?}", e.problem);
    }
    // Nothing is seeded: the emulator has no organization afterwards.
    let emu = shared().expect("emulator");
    let _ = Scenario::parse(bad[0].0, "bad.toml");
    let org = aws_sdk_cloudtrail::Client::new(&emulator_config(
        &emu.endpoint(),
        management_credentials(),
    ));
    let rt = tokio::runtime::Runtime::new().unwrap();
    assert!(rt
        .block_on(org.describe_trails().send())
        .unwrap()
        .trail_list()
        .is_empty());
    // The bundled scenarios are valid.
    for name in ["demo", "clean"] {
        Scenario::load(&scenario_path(name)).unwrap_or_else(|e| panic!("{e}"));
    }
}

/// The compatibility layer loaded into moto (`crates/testkit/moto_compat.py`)
/// makes `GetBucketVersioning` answer as AWS does, read through the real
/// SDK: never versioned (no status), enabled, suspended.
#[test]
fn emulator_answers_bucket_versioning_as_aws_does() {
    use aws_sdk_s3::types::{BucketVersioningStatus, VersioningConfiguration};
    let emu = shared().expect("emulator");
    let cfg = emulator_config(&emu.endpoint(), management_credentials());
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&cfg)
            .force_path_style(true)
            .build(),
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        s3.create_bucket()
            .bucket("compat-versioning")
            .send()
            .await
            .unwrap();
        let status = || async {
            s3.get_bucket_versioning()
                .bucket("compat-versioning")
                .send()
                .await
                .expect("versioning readable through the SDK")
                .status()
                .cloned()
        };
        assert_eq!(
            status().await,
            None,
            "never versioned: no Status, as in AWS"
        );
        for want in [
            BucketVersioningStatus::Enabled,
            BucketVersioningStatus::Suspended,
        ] {
            s3.put_bucket_versioning()
                .bucket("compat-versioning")
                .versioning_configuration(
                    VersioningConfiguration::builder()
                        .status(want.clone())
                        .build(),
                )
                .send()
                .await
                .unwrap();
            assert_eq!(status().await, Some(want));
        }
    });
}

/// The compatibility layer also answers the two APIs moto lacks as AWS does
/// for an account with the default regions and no CloudTrail Lake, so the
/// demo's reports carry no "not implemented" artefact.
#[test]
fn emulator_answers_list_regions_and_event_data_stores_as_aws_does() {
    use aws_sdk_account::types::RegionOptStatus;
    let emu = shared().expect("emulator");
    let cfg = emulator_config(&emu.endpoint(), management_credentials());
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let account = aws_sdk_account::Client::new(&cfg);
        let enabled = account
            .list_regions()
            .region_opt_status_contains(RegionOptStatus::Enabled)
            .region_opt_status_contains(RegionOptStatus::EnabledByDefault)
            .send()
            .await
            .expect("ListRegions through the SDK");
        let names: Vec<&str> = enabled
            .regions()
            .iter()
            .filter_map(|r| r.region_name())
            .collect();
        assert_eq!(names.len(), 17, "{names:?}");
        assert!(names.contains(&"us-east-1") && !names.contains(&"af-south-1"));
        let all = account.list_regions().send().await.unwrap();
        assert!(all
            .regions()
            .iter()
            .any(|r| r.region_name() == Some("af-south-1")
                && r.region_opt_status() == Some(&RegionOptStatus::Disabled)));
        let ct = aws_sdk_cloudtrail::Client::new(&cfg);
        let stores = ct
            .list_event_data_stores()
            .send()
            .await
            .expect("ListEventDataStores through the SDK");
        assert!(stores.event_data_stores().is_empty());
    });
}
