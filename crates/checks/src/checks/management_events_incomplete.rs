//! A trail that records only part of the management events.

use crate::check::*;
use crate::coverage::class_extent;
use trailaudit_catalogue::selectors::Extent;

/// Metadata.
pub const META: CheckMeta = CheckMeta {
    id: "management_events_incomplete",
    title: "Management events write-only, read-only or with excluded sources",
    severity: Severity::Medium,
    what: "The trail records management events, but not all of them: its selectors are write-only or read-only, or exclude event sources such as kms.amazonaws.com or rdsdata.amazonaws.com.",
    why: "Reconnaissance (List*, Describe*, Get*) and key usage are often the first signs of an intrusion; a partial selection hides them.",
    fix: "aws cloudtrail put-event-selectors --trail-name TRAIL_ARN --region HOME_REGION --event-selectors '[{\"ReadWriteType\":\"All\",\"IncludeManagementEvents\":true}]'",
};

/// `; excluded event sources: kms.amazonaws.com, ...` when selectors exclude some.
fn excluded_sources(sel: &trailaudit_model::Selectors) -> String {
    let mut out: Vec<String> = Vec::new();
    match sel {
        trailaudit_model::Selectors::Basic(list) => {
            for b in list.iter().filter(|b| b.include_management_events) {
                out.extend(b.exclude_management_event_sources.iter().cloned());
            }
        }
        trailaudit_model::Selectors::Advanced(list) => {
            for a in list {
                let management = a.field_selectors.iter().any(|f| {
                    f.field == "eventCategory" && f.equals.iter().any(|v| v == "Management")
                });
                if management {
                    for f in a
                        .field_selectors
                        .iter()
                        .filter(|f| f.field == "eventSource")
                    {
                        out.extend(f.not_equals.iter().cloned());
                    }
                }
            }
        }
        trailaudit_model::Selectors::Default => {}
    }
    out.sort();
    out.dedup();
    if out.is_empty() {
        String::new()
    } else {
        format!("; excluded event sources: {}", out.join(", "))
    }
}

/// Run.
pub fn run(ctx: &Ctx, out: &mut Out) {
    for t in ctx.trails() {
        let at = (&t.owner_account_id, &t.home_region, &t.arn);
        if let Some(value) = out.fact(&t.selectors, at.0, at.1, at.2, |why| {
            format!("event selectors of trail {} unknown: {why}", t.name)
        }) {
            let w = class_extent(value, EventClass::ManagementWrite);
            let r = class_extent(value, EventClass::ManagementRead);
            if (w, r) == (Extent::None, Extent::None) || (w, r) == (Extent::All, Extent::All) {
                continue; // a data-only trail, or complete
            }
            let describe = |e: Extent| match e {
                Extent::All => "all",
                Extent::Some => "some",
                Extent::None => "no",
            };
            out.push(
                Status::Fail,
                &t.owner_account_id,
                &t.home_region,
                &t.arn,
                format!(
                    "trail {} records {} write and {} read management events{}",
                    t.name,
                    describe(w),
                    describe(r),
                    excluded_sources(value)
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::run_one;
    use crate::fixture::*;
    use crate::Status;
    use trailaudit_model::{BasicSelector, Fact, ReadWriteType, Selectors};

    #[test]
    fn pass_fail_unknown() {
        assert!(run_one("management_events_incomplete", &healthy()).is_empty());
        let mut s = healthy();
        s.trails[0].selectors = Fact::Collected {
            value: Selectors::Basic(vec![BasicSelector {
                read_write_type: ReadWriteType::WriteOnly,
                include_management_events: true,
                exclude_management_event_sources: vec![],
                data_resources: vec![],
            }]),
        };
        let f = run_one("management_events_incomplete", &s);
        assert_eq!(f[0].status, Status::Fail);
        assert!(
            f[0].message.contains("all write and no read"),
            "{}",
            f[0].message
        );
        // Excluded event sources are named.
        s.trails[0].selectors = Fact::Collected {
            value: Selectors::Basic(vec![BasicSelector {
                read_write_type: ReadWriteType::All,
                include_management_events: true,
                exclude_management_event_sources: vec!["kms.amazonaws.com".into()],
                data_resources: vec![],
            }]),
        };
        let f = run_one("management_events_incomplete", &s);
        assert!(
            f[0].message
                .contains("excluded event sources: kms.amazonaws.com"),
            "{}",
            f[0].message
        );
        s.trails[0].selectors = denied("cloudtrail:GetEventSelectors");
        assert_eq!(
            run_one("management_events_incomplete", &s)[0].status,
            Status::Unknown
        );
    }
}
