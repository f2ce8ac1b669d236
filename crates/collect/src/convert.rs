//! SDK types to snapshot types. Kept apart so the mapping of every field is in
//! one place and the rest of the collector reads like the procedure it is.

use aws_sdk_cloudtrail::types as ct;
use chrono::{DateTime, Utc};
use trailaudit_model as m;

/// SDK timestamp to chrono.
pub fn time(t: Option<&aws_smithy_types::DateTime>) -> Option<DateTime<Utc>> {
    t.and_then(|t| DateTime::from_timestamp(t.secs(), t.subsec_nanos()))
}

/// A `DescribeTrails` entry; details (status, selectors) start as not collected.
pub fn trail(t: &ct::Trail) -> Option<m::Trail> {
    let base = m::Trail::from_arn(t.trail_arn()?)?;
    Some(m::Trail {
        name: t.name().map(str::to_string).unwrap_or(base.name.clone()),
        home_region: t
            .home_region()
            .map(str::to_string)
            .unwrap_or(base.home_region.clone()),
        is_multi_region: t.is_multi_region_trail().unwrap_or(false),
        is_organization_trail: t.is_organization_trail().unwrap_or(false),
        include_global_service_events: t.include_global_service_events().unwrap_or(false),
        log_file_validation_enabled: t.log_file_validation_enabled().unwrap_or(false),
        s3_bucket_name: t.s3_bucket_name().map(str::to_string),
        s3_key_prefix: t
            .s3_key_prefix()
            .filter(|p| !p.is_empty())
            .map(str::to_string),
        kms_key_id: t.kms_key_id().map(str::to_string),
        cloud_watch_logs_log_group_arn: t.cloud_watch_logs_log_group_arn().map(str::to_string),
        cloud_watch_logs_role_arn: t.cloud_watch_logs_role_arn().map(str::to_string),
        sns_topic_arn: t.sns_topic_arn().map(str::to_string),
        has_custom_event_selectors: t.has_custom_event_selectors().unwrap_or(false),
        has_insight_selectors: t.has_insight_selectors().unwrap_or(false),
        ..base
    })
}

fn nonempty(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// `GetTrailStatus`.
pub fn status(
    o: &aws_sdk_cloudtrail::operation::get_trail_status::GetTrailStatusOutput,
) -> m::TrailStatus {
    m::TrailStatus {
        is_logging: o.is_logging().unwrap_or(false),
        start_logging_time: time(o.start_logging_time()),
        stop_logging_time: time(o.stop_logging_time()),
        latest_delivery_time: time(o.latest_delivery_time()),
        latest_delivery_error: nonempty(o.latest_delivery_error()),
        latest_digest_delivery_time: time(o.latest_digest_delivery_time()),
        latest_digest_delivery_error: nonempty(o.latest_digest_delivery_error()),
        latest_cloud_watch_logs_delivery_time: time(o.latest_cloud_watch_logs_delivery_time()),
        latest_cloud_watch_logs_delivery_error: nonempty(
            o.latest_cloud_watch_logs_delivery_error(),
        ),
        latest_notification_error: nonempty(o.latest_notification_error()),
    }
}

/// Advanced selectors (trails and event data stores share the type).
pub fn advanced(sel: &[ct::AdvancedEventSelector]) -> Vec<m::AdvancedSelector> {
    sel.iter()
        .map(|s| m::AdvancedSelector {
            name: s.name().map(str::to_string),
            field_selectors: s
                .field_selectors()
                .iter()
                .map(|f| m::FieldSelector {
                    field: f.field().to_string(),
                    equals: f.equals().to_vec(),
                    starts_with: f.starts_with().to_vec(),
                    ends_with: f.ends_with().to_vec(),
                    not_equals: f.not_equals().to_vec(),
                    not_starts_with: f.not_starts_with().to_vec(),
                    not_ends_with: f.not_ends_with().to_vec(),
                })
                .collect(),
        })
        .collect()
}

/// `GetEventSelectors`.
pub fn selectors(
    o: &aws_sdk_cloudtrail::operation::get_event_selectors::GetEventSelectorsOutput,
) -> m::Selectors {
    if !o.advanced_event_selectors().is_empty() {
        return m::Selectors::Advanced(advanced(o.advanced_event_selectors()));
    }
    if o.event_selectors().is_empty() {
        return m::Selectors::Default;
    }
    m::Selectors::Basic(
        o.event_selectors()
            .iter()
            .map(|s| m::BasicSelector {
                read_write_type: match s.read_write_type() {
                    Some(ct::ReadWriteType::ReadOnly) => m::ReadWriteType::ReadOnly,
                    Some(ct::ReadWriteType::WriteOnly) => m::ReadWriteType::WriteOnly,
                    _ => m::ReadWriteType::All,
                },
                include_management_events: s.include_management_events().unwrap_or(true),
                exclude_management_event_sources: s.exclude_management_event_sources().to_vec(),
                data_resources: s
                    .data_resources()
                    .iter()
                    .map(|d| m::DataResource {
                        resource_type: d.r#type().unwrap_or_default().to_string(),
                        values: d.values().to_vec(),
                    })
                    .collect(),
            })
            .collect(),
    )
}

/// S3 lifecycle rules.
pub fn lifecycle_rules(rules: &[aws_sdk_s3::types::LifecycleRule]) -> Vec<m::LifecycleRule> {
    rules
        .iter()
        .map(|r| {
            let filter = r.filter();
            let and = filter.and_then(|f| f.and());
            #[allow(deprecated)]
            let legacy_prefix = r.prefix();
            let prefix = filter
                .and_then(|f| f.prefix())
                .or_else(|| and.and_then(|a| a.prefix()))
                .or(legacy_prefix)
                .unwrap_or_default()
                .to_string();
            let has_tag_filter = filter.and_then(|f| f.tag()).is_some()
                || and.map(|a| !a.tags().is_empty()).unwrap_or(false);
            m::LifecycleRule {
                id: r.id().map(str::to_string),
                enabled: r.status() == &aws_sdk_s3::types::ExpirationStatus::Enabled,
                prefix,
                has_tag_filter,
                object_size_greater_than: filter
                    .and_then(|f| f.object_size_greater_than())
                    .or_else(|| and.and_then(|a| a.object_size_greater_than())),
                object_size_less_than: filter
                    .and_then(|f| f.object_size_less_than())
                    .or_else(|| and.and_then(|a| a.object_size_less_than())),
                expiration_days: r.expiration().and_then(|e| e.days()),
                expiration_date: time(r.expiration().and_then(|e| e.date())),
                noncurrent_expiration_days: r
                    .noncurrent_version_expiration()
                    .and_then(|n| n.noncurrent_days()),
                transitions: r
                    .transitions()
                    .iter()
                    .map(|t| m::Transition {
                        days: t.days(),
                        storage_class: t
                            .storage_class()
                            .map(|c| c.as_str().to_string())
                            .unwrap_or_default(),
                    })
                    .collect(),
            }
        })
        .collect()
}

/// Delivery time from a CloudTrail log or digest key:
/// `..._YYYYMMDDTHHmmZ_...` or `..._YYYYMMDDTHHmmssZ...`.
pub fn key_time(key: &str) -> Option<DateTime<Utc>> {
    let file = key.rsplit('/').next()?;
    for part in file.split(['_', '.']) {
        let fmt = match part.len() {
            14 => "%Y%m%dT%H%MZ",
            16 => "%Y%m%dT%H%M%SZ",
            _ => continue,
        };
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(part, fmt) {
            return Some(t.and_utc());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_time_is_read_from_keys() {
        let log = "AWSLogs/o-abc/111122223333/CloudTrail/eu-west-1/2026/11/21/111122223333_CloudTrail_eu-west-1_20261121T2355Z_abcdefABCDEF1234.json.gz";
        assert_eq!(
            key_time(log).unwrap().to_rfc3339(),
            "2026-11-21T23:55:00+00:00"
        );
        let digest = "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/11/21/111122223333_CloudTrail-Digest_us-east-1_org_us-east-1_20261121T230512Z.json.gz";
        assert_eq!(
            key_time(digest).unwrap().to_rfc3339(),
            "2026-11-21T23:05:12+00:00"
        );
        assert_eq!(key_time("AWSLogs/readme.txt"), None);
    }
}
