//! The earlier run's footprints are not where the covering trail delivers.

use super::*;
use crate::footprints::Miss;

/// Metadata.
pub const META: CheckMeta = CheckMeta {
    id: "footprints_not_delivered",
    title: "Audit footprints never reached the archive",
    severity: Severity::High,
    what: "The previous run's own DescribeTrails calls (management read events, made as the audit role's session) are not in the log files the covering trail delivered to its bucket in the hour after them (`--verify-previous`): the configuration says covered, the archive says otherwise.",
    why: "Coverage read from configuration is a claim; a missing footprint is proof that events of that account-region did not arrive, whatever the trail settings say.",
    fix: "# the finding names the cause the configuration shows; walk every cause for one footprint with\naudit why --account ACCOUNT --region REGION --event-name DescribeTrails --time FOOTPRINT_TIME",
};

/// Run.
pub fn run(ctx: &Ctx, out: &mut Out) {
    missing(ctx, out, false);
}

/// A trail, a cause, and the account-regions it explains (with what it
/// says for each).
type Group<'a> = (
    &'a str,
    String,
    Vec<(&'a trailaudit_model::VerifiedCell, String)>,
);

/// Shared with `footprints_expired`: one finding per trail and cause, with
/// how many account-regions it holds and one example.
pub(crate) fn missing(ctx: &Ctx, out: &mut Out, expired: bool) {
    let Some(v) = &ctx.snapshot.verification else {
        return;
    };
    let mut groups: Vec<Group> = Vec::new();
    let mut looked: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let trail_of =
        |c: &trailaudit_model::VerifiedCell| v.destination(c).map_or("", |d| d.trail_arn.as_str());
    for (i, c) in v.cells.iter().enumerate() {
        if !matches!(c.outcome, trailaudit_model::VerifyOutcome::NotSampled) {
            *looked.entry(trail_of(c)).or_default() += 1;
        }
        let (cause, detail) = match ctx.footprint_misses.get(i).cloned().flatten() {
            Some(Miss::Expired(why)) if expired => (why, String::new()),
            Some(Miss::NotDelivered(why, detail)) if !expired => (why, detail),
            _ => continue,
        };
        match groups
            .iter_mut()
            .find(|(t, w, _)| *t == trail_of(c) && *w == cause)
        {
            Some((_, _, cells)) => cells.push((c, detail)),
            None => groups.push((trail_of(c), cause, vec![(c, detail)])),
        }
    }
    for (arn, cause, cells) in groups {
        let (e, detail) = &cells[0];
        let (account, region) = match ctx.snapshot.trail(arn) {
            Some(tr) => (tr.owner_account_id.clone(), tr.home_region.clone()),
            None => (
                trailaudit_model::Trail::from_arn(arn)
                    .map(|t| t.owner_account_id)
                    .unwrap_or_default(),
                String::new(),
            ),
        };
        let what = if expired { "expired" } else { "not delivered" };
        let looked_in = match e.outcome {
            trailaudit_model::VerifyOutcome::NotFound { listed, opened } => {
                format!("{listed} log file(s) delivered in the hour after it, {opened} opened")
            }
            _ => String::new(),
        };
        out.push(
            Status::Fail,
            &account,
            &region,
            arn,
            format!(
                "footprints of the run of {} {what} in {} of {} account-region(s) checked: {cause} (for example {} {}: cloudtrail:{} at {} by {}, looked under s3://{}/{}: {looked_in}{})",
                trailaudit_model::utc(v.previous_started_at),
                cells.len(),
                looked.get(arn).copied().unwrap_or(cells.len()),
                e.account_id,
                e.region,
                trailaudit_model::FootprintCall::DescribeTrails.event_name(),
                trailaudit_model::utc(e.sent_at),
                v.principal(e),
                v.destination(e).map_or("", |d| d.bucket.as_str()),
                trailaudit_model::day_prefixes(&v.prefix(e), e.sent_at, e.sent_at)
                    .first()
                    .cloned()
                    .unwrap_or_default(),
                if detail.is_empty() {
                    String::new()
                } else {
                    format!("; {detail}")
                },
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::run_one;
    use crate::fixture::*;
    use crate::{EventClass, State};
    use chrono::Duration;
    use trailaudit_model::*;

    /// The healthy organization with footprints everywhere, made `age` before
    /// the run that looked for them; `outcome` per account-region.
    fn verified(age: Duration, outcome: impl Fn(&str, &str) -> VerifyOutcome) -> Snapshot {
        let mut prev = healthy();
        prev.session_name = Some("trailaudit".into());
        for a in &mut prev.accounts {
            for r in &mut a.regions {
                r.footprint = Some(Box::new(Footprint {
                    call: FootprintCall::DescribeTrails,
                    sent_at: now() - age,
                    answered_at: now() - age + Duration::milliseconds(80),
                    request_id: Some(format!("req-{}-{}", a.id, r.region)),
                    error_code: None,
                }));
            }
        }
        let e = crate::evaluate(&prev, &crate::Policy::default());
        let plan = crate::footprints::plan(&prev, &e.coverage, None);
        assert!(
            plan.footprints.iter().all(Option::is_some),
            "no sample: all looked for"
        );
        let mut s = healthy();
        let mut v = plan.verification;
        v.checked_at = now();
        for c in &mut v.cells {
            c.outcome = outcome(&c.account_id, &c.region);
            (c.lists, c.gets) = (1, 1);
        }
        s.verification = Some(v);
        s
    }

    fn not_found(_: &str, _: &str) -> VerifyOutcome {
        VerifyOutcome::NotFound {
            listed: 2,
            opened: 2,
        }
    }

    #[test]
    fn targets_are_where_the_covering_trail_delivers_as_whom() {
        let s = verified(Duration::hours(1), not_found);
        let v = s.verification.as_ref().unwrap();
        assert_eq!(v.cells.len(), 4, "2 accounts x 2 regions");
        assert_eq!(v.destinations.len(), 1, "one destination, said once");
        let member = v
            .cells
            .iter()
            .find(|c| c.account_id == MEMBER && c.region == "eu-west-1")
            .unwrap();
        assert_eq!(
            v.prefix(member),
            format!("AWSLogs/{ORG_ID}/{MEMBER}/CloudTrail/eu-west-1/")
        );
        assert_eq!(
            v.principal(member),
            format!("arn:aws:sts::{MEMBER}:assumed-role/Audit/trailaudit")
        );
        let d = v.destination(member).unwrap();
        assert_eq!(
            (d.bucket.as_str(), d.trail_arn.as_str()),
            ("org-logs", ORG_TRAIL)
        );
        let mgmt = v.cells.iter().find(|c| c.account_id == MGMT).unwrap();
        assert_eq!(
            v.principal(mgmt),
            format!("arn:aws:iam::{MGMT}:user/auditor")
        );
    }

    #[test]
    fn only_found_footprints_make_covered_cells_verified() {
        let s = verified(Duration::hours(1), |a, r| {
            if a == MEMBER && r == "eu-west-1" {
                VerifyOutcome::Verified { file: "k".into() }
            } else {
                not_found(a, r)
            }
        });
        let e = crate::evaluate(&s, &crate::Policy::default());
        let state = |a, r, c| e.coverage.get(a, r, c).unwrap().state;
        assert_eq!(
            state(MEMBER, "eu-west-1", EventClass::ManagementRead),
            State::Verified
        );
        assert_eq!(
            state(MEMBER, "eu-west-1", EventClass::ManagementWrite),
            State::Covered
        );
        assert_eq!(
            state(MEMBER, "us-east-1", EventClass::ManagementRead),
            State::Covered
        );
        // The three that are missing: one finding, against the trail.
        let f = run_one("footprints_not_delivered", &s);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(
            (f[0].account_id.as_str(), f[0].resource.as_str()),
            (MGMT, ORG_TRAIL)
        );
        assert!(f[0].message.contains("not delivered in 3 of 4 account-region(s) checked: no cause shows in the configuration"), "{}", f[0].message);
        assert!(run_one("footprints_expired", &s).is_empty());
    }

    #[test]
    fn a_stopped_trail_or_a_denying_bucket_is_named_as_the_cause() {
        let mut s = verified(Duration::hours(2), not_found);
        s.trails[0].status = Fact::Collected {
            value: TrailStatus {
                is_logging: false,
                stop_logging_time: Some(now() - Duration::hours(1)),
                ..Default::default()
            },
        };
        let f = run_one("footprints_not_delivered", &s);
        assert!(
            f[0].message.contains(
                "stopped logging at 2026-11-20T11:00:00Z, before the footprints were delivered"
            ),
            "{}",
            f[0].message
        );

        let mut s = verified(Duration::hours(2), not_found);
        s.buckets[0].policy = Fact::Collected {
            value: Some(GOOD_POLICY.replace("\"Allow\",\"Principal\":{\"Service\":\"cloudtrail.amazonaws.com\"},\"Action\":\"s3:PutObject\"", "\"Deny\",\"Principal\":{\"Service\":\"cloudtrail.amazonaws.com\"},\"Action\":\"s3:PutObject\"")),
        };
        let f = run_one("footprints_not_delivered", &s);
        assert_eq!(f.len(), 1, "one cause, one finding: {f:#?}");
        assert!(
            f[0].message
                .contains("the policy of bucket org-logs does not let CloudTrail write"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn footprints_older_than_the_lifecycle_rule_expired() {
        let mut s = verified(Duration::days(40), not_found);
        s.buckets[0].lifecycle_rules = Fact::Collected {
            value: vec![LifecycleRule {
                id: Some("month".into()),
                enabled: true,
                expiration_days: Some(30),
                ..Default::default()
            }],
        };
        let f = run_one("footprints_expired", &s);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].message.contains("expired in 4 of 4 account-region(s) checked: lifecycle rule month of bucket org-logs deletes log files after 30 day(s); the footprints are 40 day(s) old"), "{}", f[0].message);
        assert!(run_one("footprints_not_delivered", &s).is_empty());
        // Younger footprints are not expired: they were never delivered.
        s.verification = verified(Duration::days(10), not_found).verification;
        assert!(run_one("footprints_expired", &s).is_empty());
        assert_eq!(run_one("footprints_not_delivered", &s).len(), 1);
    }
}
