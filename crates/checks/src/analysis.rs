//! Shared judgements the coverage matrix and several checks rely on: whether
//! a trail is really recording for an account, what a bucket or key policy
//! lets CloudTrail do, whether a bucket is public, which lifecycle rules touch
//! the log prefix.

use serde_json::Value;
use trailaudit_model::regions::glob_match;
use trailaudit_model::{Bucket, Fact, LifecycleRule, Snapshot, Trail};

use crate::selectors::Tri;

/// Whether a trail records and delivers for one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    /// Logging and nothing known to block delivery.
    Recording,
    /// Not logging, or delivery known to fail: the reason.
    NotRecording(String),
    /// Cannot tell: the reason.
    Unknown(String),
}

/// The health of `t` for `account`'s logs.
pub fn trail_health(s: &Snapshot, t: &Trail, account: &str) -> Health {
    let status = match &t.status {
        Fact::Collected { value } => value,
        other => {
            return Health::Unknown(format!(
                "status of trail {} unknown: {}",
                t.name,
                other.unknown_reason().unwrap_or_default()
            ))
        }
    };
    if !status.is_logging {
        return Health::NotRecording(format!("trail {} is not logging", t.name));
    }
    if let Some(e) = &status.latest_delivery_error {
        return Health::NotRecording(format!("trail {} fails to deliver: {e}", t.name));
    }
    if let Some(arn) = &t.kms_key_id {
        if let Some(key) = s.kms_key(arn) {
            if let Some(state) = key.key_state.value() {
                if state != "Enabled" {
                    return Health::NotRecording(format!(
                        "trail {}'s KMS key is {state}: CloudTrail cannot encrypt log files",
                        t.name
                    ));
                }
            }
            if let Some(policy) = key.policy.value() {
                if key_allows_cloudtrail(policy, &t.arn) == Tri::No {
                    return Health::NotRecording(format!(
                        "trail {}'s KMS key policy does not let CloudTrail use the key",
                        t.name
                    ));
                }
            }
        }
    }
    if let Some(b) = t.s3_bucket_name.as_deref().and_then(|b| s.bucket(b)) {
        if let Fact::Collected { value: policy } = &b.policy {
            let org = t
                .is_organization_trail
                .then(|| s.organization_id())
                .flatten();
            let prefix = trailaudit_model::log_prefix(
                t.s3_key_prefix.as_deref(),
                org,
                account,
                &t.home_region,
            );
            if delivery_allowed(policy.as_deref(), &b.name, &prefix, t) == Tri::No {
                return Health::NotRecording(format!(
                    "bucket {}'s policy does not let CloudTrail write {}",
                    b.name, prefix
                ));
            }
        }
    }
    Health::Recording
}

fn statements(policy: &str) -> Vec<Value> {
    match serde_json::from_str::<Value>(policy) {
        Ok(v) => match v.get("Statement") {
            Some(Value::Array(a)) => a.clone(),
            Some(o @ Value::Object(_)) => vec![o.clone()],
            _ => vec![],
        },
        Err(_) => vec![],
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        _ => vec![],
    }
}

/// Principal is anyone (`"*"` or `{"AWS": "*"}`).
fn principal_anyone(st: &Value) -> bool {
    match st.get("Principal") {
        Some(Value::String(s)) => s == "*",
        Some(Value::Object(o)) => strings(o.get("AWS")).iter().any(|a| a == "*"),
        _ => false,
    }
}

fn principal_service(st: &Value, service: &str) -> bool {
    principal_anyone(st)
        || matches!(st.get("Principal"), Some(Value::Object(o)) if strings(o.get("Service")).iter().any(|s| s == service))
}

fn action_matches(st: &Value, action: &str) -> bool {
    strings(st.get("Action"))
        .iter()
        .any(|a| glob_match(&a.to_ascii_lowercase(), &action.to_ascii_lowercase()))
}

fn resource_matches(st: &Value, arn: &str) -> bool {
    strings(st.get("Resource"))
        .iter()
        .any(|r| glob_match(r, arn))
}

/// Evaluates the condition block for a CloudTrail request from `t`.
fn conditions_hold(st: &Value, t: &Trail) -> Tri {
    let Some(Value::Object(ops)) = st.get("Condition") else {
        return Tri::Yes;
    };
    let mut result = Tri::Yes;
    for (_op, keys) in ops {
        let Value::Object(keys) = keys else { continue };
        for (key, values) in keys {
            let vals = strings(Some(values));
            let t_key = key.to_ascii_lowercase();
            let r = if t_key == "aws:sourcearn" {
                Tri::from_bool(vals.iter().any(|v| glob_match(v, &t.arn)))
            } else if t_key == "aws:sourceaccount" {
                Tri::from_bool(vals.iter().any(|v| v == &t.owner_account_id))
            } else if t_key == "s3:x-amz-acl" {
                Tri::from_bool(vals.iter().any(|v| v == "bucket-owner-full-control"))
            } else if t_key.starts_with("kms:encryptioncontext:aws:cloudtrail:arn") {
                Tri::from_bool(vals.iter().any(|v| glob_match(v, &t.arn)))
            } else {
                Tri::Maybe
            };
            result = result.min(r);
        }
    }
    result
}

/// Whether the bucket policy lets CloudTrail (for trail `t`) read the bucket
/// ACL and write objects under `prefix`. `None` policy: no.
pub fn delivery_allowed(policy: Option<&str>, bucket: &str, prefix: &str, t: &Trail) -> Tri {
    let Some(policy) = policy else {
        return Tri::No;
    };
    let sts = statements(policy);
    if sts.is_empty() {
        return Tri::Maybe; // unreadable policy JSON: cannot tell
    }
    let object = format!("arn:aws:s3:::{bucket}/{prefix}trailaudit-probe.json.gz");
    let bucket_arn = format!("arn:aws:s3:::{bucket}");
    let check = |action: &str, resource: &str| {
        let mut allow = Tri::No;
        for st in &sts {
            let effect = st.get("Effect").and_then(Value::as_str).unwrap_or("");
            if !principal_service(st, "cloudtrail.amazonaws.com")
                || !action_matches(st, action)
                || !resource_matches(st, resource)
            {
                continue;
            }
            let cond = conditions_hold(st, t);
            match effect {
                "Deny" if cond == Tri::Yes => return Tri::No,
                "Allow" => allow = allow.max(cond),
                _ => {}
            }
        }
        allow
    };
    check("s3:PutObject", &object).min(check("s3:GetBucketAcl", &bucket_arn))
}

/// Whether a KMS key policy lets CloudTrail generate data keys for trail `t`.
pub fn key_allows_cloudtrail(policy: &str, trail_arn: &str) -> Tri {
    let sts = statements(policy);
    if sts.is_empty() {
        return Tri::Maybe;
    }
    let Some(trail) = Trail::from_arn(trail_arn) else {
        return Tri::Maybe;
    };
    let mut allow = Tri::No;
    for st in &sts {
        if !principal_service(st, "cloudtrail.amazonaws.com")
            || !action_matches(st, "kms:GenerateDataKey")
        {
            continue;
        }
        let cond = conditions_hold(st, &trail);
        match st.get("Effect").and_then(Value::as_str) {
            Some("Deny") if cond == Tri::Yes => return Tri::No,
            Some("Allow") => allow = allow.max(cond),
            _ => {}
        }
    }
    allow
}

/// Why a bucket is public, if it is. `Err` when it cannot be told.
pub fn public_exposure(b: &Bucket) -> Result<Vec<String>, String> {
    let pab = b
        .public_access_block
        .value()
        .cloned()
        .flatten()
        .unwrap_or_default();
    let mut reasons = Vec::new();
    match &b.policy {
        Fact::Collected { value: Some(p) } => {
            let open = statements(p).iter().any(|st| {
                st.get("Effect").and_then(Value::as_str) == Some("Allow")
                    && principal_anyone(st)
                    && st.get("Condition").is_none()
            });
            if open && !(pab.block_public_policy || pab.restrict_public_buckets) {
                reasons.push(
                    "its bucket policy allows anyone (Principal \"*\") without conditions"
                        .to_string(),
                );
            }
        }
        Fact::Collected { value: None } => {}
        other => return Err(other.unknown_reason().unwrap_or_default()),
    }
    match &b.public_acl_grants {
        Fact::Collected { value } if !value.is_empty() && !pab.ignore_public_acls => {
            reasons.push(format!("its ACL grants {}", value.join(", ")));
        }
        Fact::Collected { .. } => {}
        other => return Err(other.unknown_reason().unwrap_or_default()),
    }
    Ok(reasons)
}

/// Enabled lifecycle rules whose filter matches a log object under `prefix`.
pub fn rules_touching<'a>(rules: &'a [LifecycleRule], prefix: &str) -> Vec<&'a LifecycleRule> {
    rules
        .iter()
        .filter(|r| {
            r.enabled
                && !r.has_tag_filter
                && (prefix.starts_with(&r.prefix) || r.prefix.starts_with(prefix))
                // Log files are small (KBs to a few MB): a rule for objects larger
                // than 1 GiB never touches them.
                && r.object_size_greater_than.is_none_or(|n| n < 1 << 30)
        })
        .collect()
}

/// Storage classes that need a restore before the object can be read.
pub fn needs_restore(storage_class: &str) -> bool {
    matches!(storage_class, "GLACIER" | "DEEP_ARCHIVE")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trail() -> Trail {
        Trail::from_arn("arn:aws:cloudtrail:us-east-1:111111111111:trail/org").unwrap()
    }

    const GOOD: &str = r#"{"Version":"2012-10-17","Statement":[
      {"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:GetBucketAcl","Resource":"arn:aws:s3:::logs"},
      {"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject",
       "Resource":["arn:aws:s3:::logs/AWSLogs/111111111111/*","arn:aws:s3:::logs/AWSLogs/o-abc/*"],
       "Condition":{"StringEquals":{"s3:x-amz-acl":"bucket-owner-full-control","aws:SourceArn":"arn:aws:cloudtrail:us-east-1:111111111111:trail/org"}}}]}"#;

    #[test]
    fn delivery_policy_evaluation() {
        let t = trail();
        assert_eq!(
            delivery_allowed(
                Some(GOOD),
                "logs",
                "AWSLogs/111111111111/CloudTrail/us-east-1/",
                &t
            ),
            Tri::Yes
        );
        assert_eq!(
            delivery_allowed(
                Some(GOOD),
                "logs",
                "AWSLogs/o-abc/222222222222/CloudTrail/eu-west-1/",
                &t
            ),
            Tri::Yes
        );
        // Another account's prefix is not granted.
        assert_eq!(
            delivery_allowed(
                Some(GOOD),
                "logs",
                "AWSLogs/333333333333/CloudTrail/us-east-1/",
                &t
            ),
            Tri::No
        );
        // A SourceArn naming another trail breaks delivery.
        let other =
            Trail::from_arn("arn:aws:cloudtrail:us-east-1:111111111111:trail/other").unwrap();
        assert_eq!(
            delivery_allowed(
                Some(GOOD),
                "logs",
                "AWSLogs/111111111111/CloudTrail/us-east-1/",
                &other
            ),
            Tri::No
        );
        // No policy at all.
        assert_eq!(
            delivery_allowed(None, "logs", "AWSLogs/111111111111/", &t),
            Tri::No
        );
        // An explicit deny wins.
        let denied = GOOD.replace(
            "]}",
            r#",{"Effect":"Deny","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::logs/*"}]}"#,
        );
        assert_eq!(
            delivery_allowed(
                Some(&denied),
                "logs",
                "AWSLogs/111111111111/CloudTrail/us-east-1/",
                &t
            ),
            Tri::No
        );
    }

    #[test]
    fn key_policy_evaluation() {
        let ok = r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":["kms:GenerateDataKey*","kms:DescribeKey"],"Resource":"*","Condition":{"StringLike":{"kms:EncryptionContext:aws:cloudtrail:arn":"arn:aws:cloudtrail:*:111111111111:trail/*"}}}]}"#;
        assert_eq!(
            key_allows_cloudtrail(ok, "arn:aws:cloudtrail:us-east-1:111111111111:trail/org"),
            Tri::Yes
        );
        assert_eq!(
            key_allows_cloudtrail(ok, "arn:aws:cloudtrail:us-east-1:999999999999:trail/x"),
            Tri::No
        );
        let root_only = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"kms:*","Resource":"*"}]}"#;
        assert_eq!(
            key_allows_cloudtrail(
                root_only,
                "arn:aws:cloudtrail:us-east-1:111111111111:trail/org"
            ),
            Tri::No
        );
    }

    #[test]
    fn lifecycle_rules_touch_matching_prefixes_only() {
        let r = |prefix: &str| LifecycleRule {
            enabled: true,
            prefix: prefix.into(),
            expiration_days: Some(30),
            ..Default::default()
        };
        let rules = vec![
            r(""),
            r("org/AWSLogs/"),
            r("other/"),
            LifecycleRule {
                has_tag_filter: true,
                ..r("")
            },
        ];
        let hit = rules_touching(
            &rules,
            "org/AWSLogs/o-abc/111111111111/CloudTrail/us-east-1/",
        );
        assert_eq!(hit.len(), 2);
    }
}
