//! CloudWatch Logs delivery missing (when required) or kept too briefly.

use crate::check::*;
use trailaudit_model::Fact;

/// Metadata.
pub const META: CheckMeta = CheckMeta {
    id: "cloudwatch_logs",
    title: "CloudWatch Logs delivery missing, failing, stale, or retention short",
    severity: Severity::Medium,
    what: "The trail does not deliver to CloudWatch Logs although `require.cloudwatch_logs` is set, or it logs but reports a `LatestCloudWatchLogsDeliveryError` or no CloudWatch Logs delivery in the last 24 hours, or its log group keeps events for fewer than `retention.cloudwatch_days` (default 90), or the log group is gone.",
    why: "Metric filters and alarms on CloudTrail (root sign-in, policy changes, stopped trails) need the events in CloudWatch Logs.",
    fix: "aws logs create-log-group --log-group-name CloudTrail/org\naws logs put-retention-policy --log-group-name CloudTrail/org --retention-in-days 365\naws cloudtrail update-trail --name TRAIL_ARN --cloud-watch-logs-log-group-arn LOG_GROUP_ARN --cloud-watch-logs-role-arn ROLE_ARN",
};

/// Run.
pub fn run(ctx: &Ctx, out: &mut Out) {
    for t in ctx.trails() {
        let (need, _) = ctx.strictest(&[t], |e| e.cloudwatch_days, false);
        let Some(arn) = &t.cloud_watch_logs_log_group_arn else {
            let (required, who) = ctx.strictest(&[t], |e| e.cloudwatch_logs, false);
            if required {
                out.push(
                    Status::Fail,
                    &t.owner_account_id,
                    &t.home_region,
                    &t.arn,
                    format!(
                        "trail {} does not deliver to CloudWatch Logs{}",
                        t.name,
                        ctx.origin(&who, "require.cloudwatch_logs")
                    ),
                );
            }
            continue;
        };
        // Delivery to CloudWatch Logs, from GetTrailStatus, while the trail logs.
        if let Some(st) = t.status.value().filter(|st| st.is_logging) {
            if let Some(e) = &st.latest_cloud_watch_logs_delivery_error {
                out.push(
                    Status::Fail,
                    &t.owner_account_id,
                    &t.home_region,
                    &t.arn,
                    format!("trail {} fails to deliver to CloudWatch Logs: {e}", t.name),
                );
            } else {
                let stale = st.latest_cloud_watch_logs_delivery_time.and_then(|d| {
                    (ctx.now - d > chrono::Duration::hours(24))
                        .then(|| format!("last delivered {}", trailaudit_model::utc(d)))
                });
                if let Some(when) = stale {
                    out.push(
                        Status::Fail,
                        &t.owner_account_id,
                        &t.home_region,
                        &t.arn,
                        format!(
                            "trail {} logs but its CloudWatch Logs delivery is more than 24 hours old ({when})",
                            t.name
                        ),
                    );
                }
            }
        }
        let Some(g) = ctx.snapshot.log_group(arn) else {
            continue;
        };
        if let Fact::Failed { error } = &g.retention_in_days {
            if error.kind == trailaudit_model::ErrorKind::NotFound {
                out.push(
                    Status::Fail,
                    &g.account_id,
                    &g.region,
                    arn,
                    format!(
                        "trail {} delivers to log group {}, which does not exist",
                        t.name, g.name
                    ),
                );
                continue;
            }
        }
        let retention = out.fact(&g.retention_in_days, &g.account_id, &g.region, arn, |why| {
            format!("retention of log group {} unknown: {why}", g.name)
        });
        match retention {
            Some(Some(d)) if i64::from(*d) < need => out.push(
                Status::Fail,
                &g.account_id,
                &g.region,
                arn,
                format!(
                    "log group {} keeps events {d} days (policy: {need})",
                    g.name
                ),
            ),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::{run_one, run_one_with};
    use crate::fixture::*;
    use crate::{AuditPolicy, Status};
    use trailaudit_model::{Fact, LogGroup};

    fn with_group(days: Fact<Option<i32>>) -> trailaudit_model::Snapshot {
        let mut s = healthy();
        let arn = "arn:aws:logs:us-east-1:111111111111:log-group:ct:*".to_string();
        s.trails[0].cloud_watch_logs_log_group_arn = Some(arn.clone());
        s.log_groups.push(LogGroup {
            arn,
            name: "ct".into(),
            account_id: MGMT.into(),
            region: "us-east-1".into(),
            retention_in_days: days,
        });
        s
    }

    #[test]
    fn pass_fail_unknown() {
        assert!(
            run_one("cloudwatch_logs", &healthy()).is_empty(),
            "not required by default"
        );
        let mut p = AuditPolicy::default();
        p.require.cloudwatch_logs = Some(true);
        assert_eq!(
            run_one_with("cloudwatch_logs", &healthy(), &p)[0].status,
            Status::Fail
        );
        assert!(run_one(
            "cloudwatch_logs",
            &with_group(Fact::Collected { value: Some(400) })
        )
        .is_empty());
        assert_eq!(
            run_one(
                "cloudwatch_logs",
                &with_group(Fact::Collected { value: Some(30) })
            )[0]
            .status,
            Status::Fail
        );
        assert_eq!(
            run_one(
                "cloudwatch_logs",
                &with_group(denied("logs:DescribeLogGroups"))
            )[0]
            .status,
            Status::Unknown
        );
        // Delivery older than 24 hours while the trail logs, or an error.
        let mut s = with_group(Fact::Collected { value: Some(400) });
        if let Fact::Collected { value } = &mut s.trails[0].status {
            value.latest_cloud_watch_logs_delivery_time = Some(now() - chrono::Duration::hours(30));
        }
        let f = run_one("cloudwatch_logs", &s);
        assert_eq!(f[0].status, Status::Fail);
        assert!(
            f[0].message.contains("more than 24 hours old"),
            "{}",
            f[0].message
        );
        if let Fact::Collected { value } = &mut s.trails[0].status {
            value.latest_cloud_watch_logs_delivery_time = Some(now() - chrono::Duration::hours(1));
            value.latest_cloud_watch_logs_delivery_error = Some("AccessDenied".into());
        }
        assert!(run_one("cloudwatch_logs", &s)[0]
            .message
            .contains("AccessDenied"));
    }
}
