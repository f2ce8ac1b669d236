//! An account-region where no recording trail captures management write events.

use crate::check::*;

use crate::coverage::State;

/// Metadata.
pub const META: CheckMeta = CheckMeta {
    id: "region_not_logged",
    title: "Region with no logging trail",
    severity: Severity::High,
    what: "No trail (own, multi-region or organization trail) and no CloudTrail Lake event data store records management write events in this account and region, or the only ones are stopped or failing to deliver.",
    why: "API activity there leaves no durable record beyond the 90-day event history: an intruder who works in an unused region is invisible to investigations and alerting.",
    fix: "aws cloudtrail create-trail --name org-trail --s3-bucket-name LOG_BUCKET --is-multi-region-trail --is-organization-trail --include-global-service-events --enable-log-file-validation\naws cloudtrail start-logging --name org-trail",
};

/// Run.
pub fn run(ctx: &Ctx, out: &mut Out) {
    for c in ctx.cells(EventClass::ManagementWrite) {
        if !ctx.accessed(c.account_id) {
            continue; // reported once by permission_gap / account_suspended
        }
        let required = ctx.req(c.account_id).region_required(c.region);
        let sev = if required {
            out.severity
        } else {
            Severity::Low
        };
        let resource = format!("{}/{}", c.account_id, c.region);
        match c.state {
            State::Gap => out.push_at(
                sev,
                Status::Fail,
                c.account_id,
                c.region,
                &resource,
                format!(
                    "management write events in {} are not recorded: {}",
                    c.region, c.reason
                ),
            ),
            State::Unknown => out.push_at(
                sev,
                Status::Unknown,
                c.account_id,
                c.region,
                &resource,
                format!("cannot tell whether {} is logged: {}", c.region, c.reason),
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
        assert!(run_one("region_not_logged", &healthy()).is_empty());
        let f = run_one("region_not_logged", &snapshot());
        assert_eq!(f.len(), 4, "two accounts x two regions: {f:#?}");
        assert!(f.iter().all(|f| f.status == Status::Fail));
        let mut s = healthy();
        s.trails[0].selectors = denied("cloudtrail:GetEventSelectors");
        let f = run_one("region_not_logged", &s);
        assert!(
            f.iter().all(|f| f.status == Status::Unknown) && f.len() == 4,
            "{f:#?}"
        );
    }
}
