//! Global service events (IAM, STS, sign-in, Organizations) not recorded in us-east-1.

use crate::check::*;
use crate::coverage::State;

/// Metadata.
pub const META: CheckMeta = CheckMeta {
    id: "global_events_not_captured",
    title: "Global service events not captured",
    severity: Severity::High,
    what: "No recording trail that covers us-east-1 includes global service events. IAM, STS (global endpoint), CloudFront, console sign-in and Organizations events are recorded only there.",
    why: "User and role creation, policy changes and console sign-ins are exactly what an investigation needs first; without them the trail misses identity activity.",
    fix: "aws cloudtrail update-trail --name TRAIL --include-global-service-events --is-multi-region-trail",
};

/// Run.
pub fn run(ctx: &Ctx, out: &mut Out) {
    for c in ctx.cells(EventClass::GlobalService) {
        if !ctx.accessed(c.account_id) {
            continue;
        }
        let resource = format!("{}/{}", c.account_id, c.region);
        match c.state {
            State::Gap | State::Partial => out.push(
                Status::Fail,
                c.account_id,
                c.region,
                &resource,
                format!(
                    "global service events are not (fully) recorded for account {}: {}",
                    c.account_id, c.reason
                ),
            ),
            State::Unknown => out.push(
                Status::Unknown,
                c.account_id,
                c.region,
                &resource,
                format!(
                    "cannot tell whether global service events are recorded: {}",
                    c.reason
                ),
            ),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::run_one;
    use crate::fixture::*;
    use crate::Status;

    #[test]
    fn pass_fail_unknown() {
        assert!(run_one("global_events_not_captured", &healthy()).is_empty());
        let mut s = healthy();
        s.trails[0].include_global_service_events = false;
        let f = run_one("global_events_not_captured", &s);
        assert_eq!(f.len(), 2);
        assert!(f
            .iter()
            .all(|f| f.status == Status::Fail && f.region == "us-east-1"));
        let mut s = healthy();
        s.trails[0].status = denied("cloudtrail:GetTrailStatus");
        assert!(run_one("global_events_not_captured", &s)
            .iter()
            .all(|f| f.status == Status::Unknown));
    }
}
