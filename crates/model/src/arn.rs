//! ARNs and the CloudTrail S3 key layout.

/// Parses a trail ARN `arn:PARTITION:cloudtrail:REGION:ACCOUNT:trail/NAME` into
/// (region, account, name).
pub fn parse_trail_arn(arn: &str) -> Option<(&str, &str, &str)> {
    let mut parts = arn.splitn(6, ':');
    let (_arn, _partition, service, region, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    if service != "cloudtrail" {
        return None;
    }
    let name = resource.strip_prefix("trail/")?;
    Some((region, account, name))
}

/// Parses any ARN into (service, region, account, resource).
pub fn parse_arn(arn: &str) -> Option<(&str, &str, &str, &str)> {
    let mut parts = arn.splitn(6, ':');
    if parts.next()? != "arn" {
        return None;
    }
    let _partition = parts.next()?;
    Some((parts.next()?, parts.next()?, parts.next()?, parts.next()?))
}

/// True for a 12-digit AWS account id.
pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// `[PREFIX/]AWSLogs/`: the root of every log and digest file of a trail.
pub fn logs_root(key_prefix: Option<&str>) -> String {
    match key_prefix.filter(|k| !k.is_empty()) {
        Some(k) => format!("{}/AWSLogs/", k.trim_end_matches('/')),
        None => "AWSLogs/".to_string(),
    }
}

/// The S3 prefix under which CloudTrail writes one account-region's log files:
/// `[PREFIX/]AWSLogs/[o-ORGID/]ACCOUNT/CloudTrail/REGION/`.
pub fn log_prefix(
    key_prefix: Option<&str>,
    org_id: Option<&str>,
    account: &str,
    region: &str,
) -> String {
    let mut p = logs_root(key_prefix);
    if let Some(o) = org_id {
        p.push_str(o);
        p.push('/');
    }
    p.push_str(account);
    p.push_str("/CloudTrail/");
    p.push_str(region);
    p.push('/');
    p
}

/// The digest-file counterpart of [`log_prefix`] (`CloudTrail-Digest`).
pub fn digest_prefix(
    key_prefix: Option<&str>,
    org_id: Option<&str>,
    account: &str,
    region: &str,
) -> String {
    log_prefix(key_prefix, org_id, account, region).replacen(
        &format!("/CloudTrail/{region}/"),
        &format!("/CloudTrail-Digest/{region}/"),
        1,
    )
}
