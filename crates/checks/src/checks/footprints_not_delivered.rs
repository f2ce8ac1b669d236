//! The earlier run's footprints are not where the covering trail delivers.

use crate::check::*;
use crate::footprints::Miss;

/// Metadata.
pub const META: CheckMeta = CheckMeta {
    id: "footprints_not_delivered",
    title: "Audit footprints never reached the archive",
    severity: Severity::High,
    what: "The previous run's own DescribeTrails calls (management read events, made as the audit role's session) are not in the log files the covering trail delivered to its bucket in the hour after them (`--verify-previous`): the configuration says covered, the archive says otherwise. One finding per account and cause, naming every missing region. When the account-region's hour holds more log files than are opened (100), a footprint not found in them is `unknown`, not a failure.",
    why: "Coverage read from configuration is a claim; a missing footprint is proof that events of that account-region did not arrive, whatever the trail settings say.",
    fix: "# the finding names the cause the configuration shows; walk every cause for one footprint with\naudit why --account ACCOUNT --region REGION --event-name DescribeTrails --time FOOTPRINT_TIME",
};

/// Run.
pub fn run(ctx: &Ctx, out: &mut Out) {
    missing(ctx, out, false);
}

/// One account's missing footprints with one cause: the account, the
/// cause, whether the cap on files opened stopped the search, and the
/// account-regions (with what the cause says for each).
struct Group<'a> {
    account: &'a str,
    cause: String,
    capped: bool,
    cells: Vec<(&'a trailaudit_model::VerifiedCell, String)>,
}

/// Shared with `footprints_expired`: one finding per account and cause,
/// filed against the account whose footprints are missing and naming every
/// account-region, with the covering trail and one example of where it was
/// looked for. A search stopped by the cap on files opened is unknown, not
/// a failure.
pub(crate) fn missing(ctx: &Ctx, out: &mut Out, expired: bool) {
    let Some(v) = &ctx.snapshot.verification else {
        return;
    };
    let mut groups: Vec<Group> = Vec::new();
    let mut index: std::collections::HashMap<(&str, String, bool), usize> =
        std::collections::HashMap::new();
    let mut looked: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (i, c) in v.cells.iter().enumerate() {
        if !matches!(c.outcome, trailaudit_model::VerifyOutcome::NotSampled) {
            *looked.entry(c.account_id.as_str()).or_default() += 1;
        }
        let (cause, detail) = match ctx.footprint_misses.get(i).cloned().flatten() {
            Some(Miss::Expired(why)) if expired => (why, String::new()),
            Some(Miss::NotDelivered(why, detail)) if !expired => (why, detail),
            _ => continue,
        };
        let capped = !expired && c.outcome.capped();
        // One group per account, cause and cap, found by key (a linear
        // search made this quadratic in the missing cells).
        match index.entry((c.account_id.as_str(), cause, capped)) {
            std::collections::hash_map::Entry::Occupied(at) => {
                groups[*at.get()].cells.push((c, detail))
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                let cause = slot.key().1.clone();
                slot.insert(groups.len());
                groups.push(Group {
                    account: &c.account_id,
                    cause,
                    capped,
                    cells: vec![(c, detail)],
                });
            }
        }
    }
    for g in groups {
        let (e, detail) = &g.cells[0];
        let trail_arn = v.destination(e).map_or("", |d| d.trail_arn.as_str());
        let trail = ctx
            .snapshot
            .trail(trail_arn)
            .map(|t| t.name.clone())
            .or_else(|| trailaudit_model::Trail::from_arn(trail_arn).map(|t| t.name))
            .unwrap_or_default();
        let regions: Vec<&str> = g.cells.iter().map(|(c, _)| c.region.as_str()).collect();
        let region = if regions.len() == 1 { regions[0] } else { "" };
        let where_ = format!(
            "s3://{}/{}",
            v.destination(e).map_or("", |d| d.bucket.as_str()),
            trailaudit_model::day_prefixes(&v.prefix(e), e.sent_at, e.sent_at)
                .first()
                .cloned()
                .unwrap_or_default()
        );
        let example = format!(
            "{}: cloudtrail:{} at {} by {}",
            e.region,
            trailaudit_model::FootprintCall::DescribeTrails.event_name(),
            trailaudit_model::utc(e.sent_at),
            v.principal(e)
        );
        let detail = if detail.is_empty() {
            String::new()
        } else {
            format!("; {detail}")
        };
        let when = trailaudit_model::utc(v.previous_started_at);
        let what = if expired { "expired" } else { "not delivered" };
        let of = looked.get(g.account).copied().unwrap_or(g.cells.len());
        let (status, message) = match e.outcome {
            trailaudit_model::VerifyOutcome::NotFound { listed, opened } if g.capped => (
                Status::Unknown,
                format!(
                    "footprints of the run of {when} not found in {} of {of} account-region(s) checked ({}): only the first {opened} of {listed} log files delivered in the hour after them were opened (the cap per account-region), so they may be in one not read; {} (trail {trail}, for example {example}, looked under {where_}{detail})",
                    g.cells.len(),
                    regions.join(", "),
                    g.cause
                ),
            ),
            trailaudit_model::VerifyOutcome::NotFound { listed, opened } => (
                Status::Fail,
                format!(
                    "footprints of the run of {when} {what} in {} of {of} account-region(s) checked ({}): {} (trail {trail}, for example {example}, looked under {where_}: {listed} log file(s) delivered in the hour after it, {opened} opened{detail})",
                    g.cells.len(),
                    regions.join(", "),
                    g.cause
                ),
            ),
            _ => (
                Status::Fail,
                format!(
                    "footprints of the run of {when} {what} in {} of {of} account-region(s) checked ({}): {} (trail {trail}, for example {example}, looked under {where_}{detail})",
                    g.cells.len(),
                    regions.join(", "),
                    g.cause
                ),
            ),
        };
        out.push(status, g.account, region, trail_arn, message);
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
        let e = crate::evaluate(&prev, &crate::AuditPolicy::default());
        let plan = crate::footprints::plan(&prev, &e.coverage, None, 0);
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
        let e = crate::evaluate(&s, &crate::AuditPolicy::default());
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
        // The three that are missing: one finding per account, against the
        // account whose footprints are missing, naming every region.
        let mut f = run_one("footprints_not_delivered", &s);
        f.sort_by(|a, b| a.account_id.cmp(&b.account_id));
        assert_eq!(f.len(), 2, "{f:#?}");
        assert_eq!(
            (
                f[0].account_id.as_str(),
                f[0].resource.as_str(),
                f[0].region.as_str()
            ),
            (MGMT, ORG_TRAIL, "")
        );
        assert!(f[0].message.contains("not delivered in 2 of 2 account-region(s) checked (us-east-1, eu-west-1): no cause shows in the configuration (trail org,"), "{}", f[0].message);
        assert_eq!(
            (f[1].account_id.as_str(), f[1].region.as_str()),
            (MEMBER, "us-east-1")
        );
        assert!(
            f[1].message
                .contains("not delivered in 1 of 2 account-region(s) checked (us-east-1)"),
            "{}",
            f[1].message
        );
        assert!(f.iter().all(|f| f.status == crate::Status::Fail));
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
        assert_eq!(f.len(), 2, "one cause, one finding per account: {f:#?}");
        assert!(
            f[0].message
                .contains("the policy of bucket org-logs does not let CloudTrail write"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn whatever_keeps_cloudtrail_from_writing_now_is_the_cause() {
        let mut s = verified(Duration::hours(2), not_found);
        s.buckets[0].requester_pays = Fact::Collected { value: true };
        let f = run_one("footprints_not_delivered", &s);
        assert_eq!(f.len(), 2, "{f:#?}");
        assert!(
            f.iter()
                .all(|f| f.message.contains("bucket org-logs is Requester Pays")),
            "{f:#?}"
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
        assert_eq!(f.len(), 2, "{f:#?}");
        assert!(f[0].message.contains("expired in 2 of 2 account-region(s) checked (us-east-1, eu-west-1): lifecycle rule month of bucket org-logs deletes log files after 30 day(s); the footprints are 40 day(s) old"), "{}", f[0].message);
        assert!(run_one("footprints_not_delivered", &s).is_empty());
        // Younger footprints are not expired: they were never delivered.
        s.verification = verified(Duration::days(10), not_found).verification;
        assert!(run_one("footprints_expired", &s).is_empty());
        assert_eq!(run_one("footprints_not_delivered", &s).len(), 2);
    }

    #[test]
    fn a_search_stopped_by_the_cap_is_unknown_not_a_failure() {
        let s = verified(Duration::hours(1), |_, _| VerifyOutcome::NotFound {
            listed: 1153,
            opened: FILES_OPENED_CAP,
        });
        let f = run_one("footprints_not_delivered", &s);
        assert_eq!(f.len(), 2, "{f:#?}");
        assert!(f.iter().all(|f| f.status == crate::Status::Unknown));
        assert!(
            f[0].message
                .contains("only the first 100 of 1153 log files"),
            "{}",
            f[0].message
        );
    }
}
