//! A trail that exists but is not logging.

use crate::check::*;

/// Metadata.
pub const META: CheckMeta = CheckMeta {
    id: "trail_not_logging",
    title: "Trail exists but is not logging",
    severity: Severity::High,
    what: "GetTrailStatus reports IsLogging = false: the trail is configured but records nothing.",
    why: "Stopping a trail is a classic step in covering tracks (MITRE ATT&CK T1562.008); a stopped trail gives a false sense of coverage.",
    fix: "aws cloudtrail start-logging --name TRAIL_ARN --region HOME_REGION",
};

/// Run.
pub fn run(ctx: &Ctx, out: &mut Out) {
    for t in ctx.trails() {
        let Some(value) = out.fact(
            &t.status,
            &t.owner_account_id,
            &t.home_region,
            &t.arn,
            |why| format!("logging state of trail {} unknown: {why}", t.name),
        ) else {
            continue;
        };
        if !value.is_logging {
            let since = value
                .stop_logging_time
                .map(|d| format!(" since {}", trailaudit_model::utc(d)))
                .unwrap_or_default();
            out.push(
                Status::Fail,
                &t.owner_account_id,
                &t.home_region,
                &t.arn,
                format!("trail {} is not logging{since}", t.name),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::run_one;
    use crate::fixture::*;
    use crate::Status;

    #[test]
    fn pass_fail_unknown_reported_once_against_the_owner() {
        assert!(run_one("trail_not_logging", &healthy()).is_empty());
        let mut s = healthy();
        s.trails[0].status = logging(false);
        list_in(&mut s, MEMBER, "eu-west-1", ORG_TRAIL, true);
        let f = run_one("trail_not_logging", &s);
        assert_eq!(f.len(), 1, "an organization trail is reported once: {f:#?}");
        assert_eq!(
            (f[0].status, f[0].account_id.as_str()),
            (Status::Fail, MGMT)
        );
        let mut s = healthy();
        s.trails[0].status = denied("cloudtrail:GetTrailStatus");
        assert_eq!(run_one("trail_not_logging", &s)[0].status, Status::Unknown);
    }
}
