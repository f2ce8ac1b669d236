//! Suspended accounts are listed, not audited.

use crate::check::*;
use trailaudit_model::AccountStatus;

/// Metadata.
pub const META: CheckMeta = CheckMeta {
    id: "account_suspended",
    title: "Suspended account (not audited)",
    severity: Severity::Info,
    what: "The account is suspended (closed) in the organization; it cannot be entered and was not audited.",
    why: "Closed accounts stay in the organization for 90 days; they are listed so the report accounts for every member.",
    fix: "aws organizations describe-account --account-id ACCOUNT_ID",
};

/// Run.
pub fn run(ctx: &Ctx, out: &mut Out) {
    for a in ctx
        .snapshot
        .accounts
        .iter()
        .filter(|a| a.status == AccountStatus::Suspended)
    {
        out.push(
            Status::Info,
            &a.id,
            "",
            &a.id,
            format!(
                "account {} ({}) is suspended and was not audited",
                a.name, a.id
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::run_one;
    use crate::fixture::*;
    use crate::Status;

    #[test]
    fn pass_and_info() {
        assert!(run_one("account_suspended", &healthy()).is_empty());
        let mut s = healthy();
        s.accounts[1].status = trailaudit_model::AccountStatus::Suspended;
        assert_eq!(run_one("account_suspended", &s)[0].status, Status::Info);
        // Its cells are unknown, never covered, even under the organization trail.
        assert!(crate::coverage::matrix(&s)
            .iter()
            .filter(|c| c.account_id == MEMBER)
            .all(|c| c.state == crate::State::Unknown));
    }
}
