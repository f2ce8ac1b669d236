//! Compliance mappings, kept apart from the checks so that a check does not
//! know which frameworks cite it: CIS AWS Foundations Benchmark (v1.4.0 and
//! v3.0.0-v5.0.0 numbering), AWS Security Hub control ids, and AWS Config
//! managed rule names.
//!
//! Numbering follows the benchmark versions named; verify against your copy
//! of the benchmark when a control is cited in an audit.

/// (check id, controls).
pub const MAPPINGS: &[(&str, &[&str])] = &[
    (
        "region_not_logged",
        &[
            "CIS-1.4:3.1",
            "CIS-3.0:3.1",
            "CIS-4.0:3.1",
            "CIS-5.0:3.1",
            "SecurityHub:CloudTrail.1",
            "SecurityHub:CloudTrail.3",
            "Config:multi-region-cloudtrail-enabled",
            "Config:cloudtrail-enabled",
        ],
    ),
    (
        "no_multi_region_trail",
        &[
            "CIS-1.4:3.1",
            "CIS-3.0:3.1",
            "CIS-4.0:3.1",
            "CIS-5.0:3.1",
            "SecurityHub:CloudTrail.1",
            "Config:multi-region-cloudtrail-enabled",
        ],
    ),
    (
        "global_events_not_captured",
        &[
            "CIS-1.4:3.1",
            "CIS-3.0:3.1",
            "SecurityHub:CloudTrail.1",
            "Config:multi-region-cloudtrail-enabled",
        ],
    ),
    (
        "trail_not_logging",
        &[
            "CIS-1.4:3.1",
            "CIS-3.0:3.1",
            "SecurityHub:CloudTrail.3",
            "Config:cloudtrail-enabled",
        ],
    ),
    (
        "delivery_failing",
        &["SecurityHub:CloudTrail.3", "Config:cloudtrail-enabled"],
    ),
    (
        "management_events_incomplete",
        &[
            "CIS-1.4:3.1",
            "CIS-3.0:3.1",
            "SecurityHub:CloudTrail.1",
            "Config:multi-region-cloudtrail-enabled",
        ],
    ),
    (
        "data_events_missing",
        &[
            "CIS-1.4:3.10",
            "CIS-1.4:3.11",
            "CIS-3.0:3.8",
            "CIS-3.0:3.9",
            "CIS-4.0:3.8",
            "CIS-4.0:3.9",
            "CIS-5.0:3.8",
            "CIS-5.0:3.9",
            "SecurityHub:S3.22",
            "SecurityHub:S3.23",
            "Config:cloudtrail-s3-dataevents-enabled",
        ],
    ),
    (
        "retention_short",
        &["PCI-DSS-4.0:10.5.1", "Config:s3-lifecycle-policy-check"],
    ),
    (
        "cloudwatch_logs",
        &[
            "CIS-1.4:3.4",
            "SecurityHub:CloudTrail.5",
            "Config:cloud-trail-cloud-watch-logs-enabled",
            "Config:cw-loggroup-retention-period-check",
        ],
    ),
    (
        "log_validation_off",
        &[
            "CIS-1.4:3.2",
            "CIS-3.0:3.2",
            "CIS-4.0:3.2",
            "CIS-5.0:3.2",
            "SecurityHub:CloudTrail.4",
            "Config:cloud-trail-log-file-validation-enabled",
        ],
    ),
    (
        "not_kms_encrypted",
        &[
            "CIS-1.4:3.7",
            "CIS-3.0:3.5",
            "CIS-4.0:3.5",
            "CIS-5.0:3.5",
            "SecurityHub:CloudTrail.2",
            "Config:cloud-trail-encryption-enabled",
        ],
    ),
    (
        "kms_key_unusable",
        &["Config:kms-cmk-not-scheduled-for-deletion"],
    ),
    (
        "kms_rotation_off",
        &[
            "CIS-1.4:3.8",
            "CIS-3.0:3.6",
            "CIS-4.0:3.6",
            "CIS-5.0:3.6",
            "SecurityHub:KMS.4",
            "Config:cmk-backing-key-rotation-enabled",
        ],
    ),
    (
        "bucket_public",
        &[
            "CIS-1.4:3.3",
            "SecurityHub:CloudTrail.6",
            "SecurityHub:S3.2",
            "SecurityHub:S3.3",
            "Config:s3-bucket-public-read-prohibited",
            "Config:s3-bucket-public-write-prohibited",
        ],
    ),
    (
        "bucket_public_access_block_off",
        &[
            "CIS-1.4:2.1.5",
            "SecurityHub:S3.8",
            "Config:s3-bucket-level-public-access-prohibited",
        ],
    ),
    (
        "bucket_access_logging_off",
        &[
            "CIS-1.4:3.6",
            "CIS-3.0:3.4",
            "CIS-4.0:3.4",
            "CIS-5.0:3.4",
            "SecurityHub:CloudTrail.7",
            "Config:s3-bucket-logging-enabled",
        ],
    ),
    (
        "bucket_not_tamper_resistant",
        &[
            "SecurityHub:S3.14",
            "SecurityHub:S3.15",
            "Config:s3-bucket-versioning-enabled",
            "Config:s3-bucket-default-lock-enabled",
        ],
    ),
];

/// The controls that cite a check (none for an unknown id).
pub fn controls(id: &str) -> &'static [&'static str] {
    MAPPINGS
        .iter()
        .find(|(c, _)| *c == id)
        .map_or(&[], |(_, list)| list)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mapping_names_a_real_check() {
        for (id, controls) in MAPPINGS {
            assert!(
                crate::checks::find(id).is_some(),
                "mapping for unknown check {id}"
            );
            assert!(!controls.is_empty());
        }
    }
}
