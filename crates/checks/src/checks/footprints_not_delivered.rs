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

/// Shared with `footprints_expired`: one finding per trail and cause, with
/// how many account-regions it holds and one example.
pub(crate) fn missing(ctx: &Ctx, out: &mut Out, expired: bool) {
    let Some(v) = &ctx.snapshot.verification else {
        return;
    };
    let mut groups: Vec<(&str, String, Vec<(&trailaudit_model::VerifiedCell, String)>)> =
        Vec::new();
    let mut looked: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for c in &v.cells {
        if !matches!(c.outcome, trailaudit_model::VerifyOutcome::NotSampled) {
            *looked.entry(c.target.trail_arn.as_str()).or_default() += 1;
        }
        let (cause, detail) = match crate::footprints::diagnose(ctx.snapshot, c) {
            Some(Miss::Expired(why)) if expired => (why, String::new()),
            Some(Miss::NotDelivered(why, detail)) if !expired => (why, detail),
            _ => continue,
        };
        match groups
            .iter_mut()
            .find(|(t, w, _)| *t == c.target.trail_arn && *w == cause)
        {
            Some((_, _, cells)) => cells.push((c, detail)),
            None => groups.push((&c.target.trail_arn, cause, vec![(c, detail)])),
        }
    }
    for (arn, cause, cells) in groups {
        let (e, detail) = &cells[0];
        let t = &e.target;
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
                t.account_id,
                t.region,
                t.footprint.call.event_name(),
                trailaudit_model::utc(t.footprint.sent_at),
                t.principal,
                t.bucket,
                t.day_prefixes().first().cloned().unwrap_or_default(),
                if detail.is_empty() {
                    String::new()
                } else {
                    format!("; {detail}")
                },
            ),
        );
    }
}
