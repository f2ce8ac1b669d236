//! The check catalogue: one file per check, each with its metadata (stable
//! id, title, severity, what it means, why it matters, how to fix it) and its
//! tests. [`CATALOGUE`] lists them; `docs/checks.md` is generated from it.
//!
//! A check reports `fail` when the evidence shows the problem, `unknown` when
//! the facts it needs could not be read (never a pass), `info` for notes.
//! Settings of a trail or bucket are reported once, against its owner.

use chrono::{DateTime, Utc};
use trailaudit_model::{Fact, Snapshot, Trail};

use crate::coverage::{Cell, Coverage, EventClass};
use crate::{compliance, Finding, Policy, Severity, Status};

mod account_suspended;
mod bucket_access_logging_off;
mod bucket_encryption_blocks_delivery;
mod bucket_not_tamper_resistant;
mod bucket_policy_blocks_delivery;
mod bucket_public;
mod bucket_public_access_block_off;
mod bucket_requester_pays;
mod cloudwatch_logs;
mod collection_error;
mod data_events_missing;
mod delivery_failing;
mod delivery_stale;
mod duplicate_management_trails;
mod footprints_expired;
mod footprints_not_delivered;
mod global_events_not_captured;
mod insights_off;
mod kms_key_unusable;
mod kms_rotation_off;
mod log_validation_off;
mod logs_need_restore;
mod management_events_incomplete;
mod network_events_missing;
mod no_multi_region_trail;
mod not_kms_encrypted;
mod org_trail_not_reaching_members;
mod permission_gap;
mod rcp_blocks_delivery;
mod region_not_logged;
mod retention_short;
mod suppression_expired;
mod too_many_trails;
mod trail_not_logging;

/// A check's documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckMeta {
    /// Stable id (snake_case); used in suppressions, severity overrides and reports.
    pub id: &'static str,
    /// One-line title.
    pub title: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// What it means.
    pub what: &'static str,
    /// Why it matters.
    pub why: &'static str,
    /// How to fix it (AWS CLI).
    pub fix: &'static str,
}

/// A check: its metadata and its function.
pub struct Check {
    /// Metadata.
    pub meta: CheckMeta,
    /// Adds the check's findings to `out`.
    pub run: fn(&Ctx, &mut Out),
}

macro_rules! catalogue {
    ($($m:ident),* $(,)?) => {
        /// Every check, in report order.
        pub const CATALOGUE: &[Check] = &[$(Check { meta: $m::META, run: $m::run }),*];
    };
}

catalogue!(
    region_not_logged,
    org_trail_not_reaching_members,
    no_multi_region_trail,
    global_events_not_captured,
    trail_not_logging,
    delivery_failing,
    delivery_stale,
    footprints_not_delivered,
    footprints_expired,
    management_events_incomplete,
    data_events_missing,
    network_events_missing,
    insights_off,
    retention_short,
    logs_need_restore,
    cloudwatch_logs,
    log_validation_off,
    not_kms_encrypted,
    kms_key_unusable,
    kms_rotation_off,
    bucket_policy_blocks_delivery,
    rcp_blocks_delivery,
    bucket_encryption_blocks_delivery,
    bucket_requester_pays,
    bucket_public,
    bucket_public_access_block_off,
    bucket_access_logging_off,
    bucket_not_tamper_resistant,
    duplicate_management_trails,
    too_many_trails,
    permission_gap,
    collection_error,
    account_suspended,
    suppression_expired,
);

/// A check by id.
pub fn find(id: &str) -> Option<&'static Check> {
    CATALOGUE.iter().find(|c| c.meta.id == id)
}

/// What checks read.
pub struct Ctx<'a> {
    /// The snapshot.
    pub snapshot: &'a Snapshot,
    /// The policy.
    pub policy: &'a Policy,
    /// The policy resolved per account.
    pub requirements: &'a crate::Requirements,
    /// The coverage matrix.
    pub coverage: &'a Coverage,
    /// The answers for the resources the policy names.
    pub resources: &'a [crate::ResourceCell],
    /// What each missing footprint means ([`crate::footprints::diagnose_all`]).
    pub footprint_misses: &'a [Option<crate::footprints::Miss>],
    /// "Now": the snapshot's end time.
    pub now: DateTime<Utc>,
}

impl<'a> Ctx<'a> {
    /// The requirements of one account.
    pub fn req(&self, account: &str) -> &'a crate::policy::Effective {
        self.requirements.of(account)
    }

    /// The accounts whose logs a trail holds: every account of the
    /// organization for an organization trail, else its owner.
    pub fn trail_accounts(&self, t: &Trail) -> Vec<&'a str> {
        if t.is_organization_trail && self.snapshot.organization.is_some() {
            self.snapshot
                .accounts
                .iter()
                .map(|a| a.id.as_str())
                .collect()
        } else {
            vec![self
                .snapshot
                .account(&t.owner_account_id)
                .map_or("", |a| a.id.as_str())]
        }
    }

    /// The strictest requirement among the accounts whose logs `trails`
    /// hold: the largest (or smallest, with `min`) value of `key` and the
    /// account that asks it.
    pub fn strictest<T: Ord + Copy>(
        &self,
        trails: &[&Trail],
        value: impl Fn(&crate::policy::Effective) -> T,
        min: bool,
    ) -> (T, String) {
        let mut best: Option<(T, String)> = None;
        for t in trails {
            for a in self.trail_accounts(t) {
                let v = value(self.req(a));
                let better = match &best {
                    None => true,
                    Some((b, _)) => {
                        if min {
                            v < *b
                        } else {
                            v > *b
                        }
                    }
                };
                if better {
                    best = Some((v, a.to_string()));
                }
            }
        }
        best.unwrap_or_else(|| (value(self.requirements.of("")), String::new()))
    }

    /// Where an account's value of `key` came from (for messages): empty
    /// when it is the default or the top level.
    pub fn origin(&self, account: &str, key: &str) -> String {
        match self.req(account).origins.get(key) {
            Some(o) if o.starts_with("[[scope]]") => format!(" ({o}, account {account})"),
            _ => String::new(),
        }
    }

    /// Cells of one class.
    pub fn cells(&self, class: EventClass) -> impl Iterator<Item = Cell<'a>> + 'a {
        self.coverage.of_class(class)
    }

    /// True when the account was entered (its cells can say something).
    pub fn accessed(&self, account: &str) -> bool {
        self.snapshot.account(account).is_some_and(|a| {
            matches!(
                a.access,
                trailaudit_model::Access::Caller | trailaudit_model::Access::Assumed { .. }
            ) && a.status != trailaudit_model::AccountStatus::Suspended
        })
    }

    /// Trails, each once.
    pub fn trails(&self) -> &[Trail] {
        &self.snapshot.trails
    }

    /// Log destinations, each once: (bucket, `[PREFIX/]AWSLogs/`, trails writing there).
    pub fn destinations(&self) -> Vec<(&str, String, Vec<&Trail>)> {
        let mut out: Vec<(&str, String, Vec<&Trail>)> = Vec::new();
        for t in self.trails() {
            let Some(b) = t.s3_bucket_name.as_deref() else {
                continue;
            };
            let root = trailaudit_model::logs_root(t.s3_key_prefix.as_deref());
            match out.iter_mut().find(|(ob, op, _)| *ob == b && *op == root) {
                Some((_, _, ts)) => ts.push(t),
                None => out.push((b, root, vec![t])),
            }
        }
        out
    }

    /// The account a bucket finding is reported against: its owner, else the
    /// owner of the first trail writing to it.
    pub fn bucket_account(&self, bucket: &str, trails: &[&Trail]) -> String {
        self.snapshot
            .bucket(bucket)
            .and_then(|b| b.owner_account_id().map(str::to_string))
            .or_else(|| trails.first().map(|t| t.owner_account_id.clone()))
            .unwrap_or_default()
    }
}

/// Collects one check's findings.
pub struct Out {
    meta: CheckMeta,
    severity: Severity,
    findings: Vec<Finding>,
}

impl Out {
    fn new(meta: CheckMeta, policy: &Policy) -> Out {
        Out {
            meta,
            severity: policy.severity_of(meta.id, meta.severity),
            findings: Vec::new(),
        }
    }

    /// Adds a finding at the check's severity.
    pub fn push(
        &mut self,
        status: Status,
        account: &str,
        region: &str,
        resource: &str,
        message: String,
    ) {
        let sev = self.severity;
        self.push_at(sev, status, account, region, resource, message);
    }

    /// Adds a finding at a given severity (overrides still win).
    pub fn push_at(
        &mut self,
        severity: Severity,
        status: Status,
        account: &str,
        region: &str,
        resource: &str,
        message: String,
    ) {
        self.findings.push(Finding {
            check_id: self.meta.id.to_string(),
            severity,
            status,
            account_id: account.to_string(),
            account_name: String::new(),
            ou_path: String::new(),
            region: region.to_string(),
            resource: resource.to_string(),
            message,
        });
    }

    /// The value of `fact`, or `None` after an `Unknown` finding whose
    /// message `unknown` makes from the reason: the one way a check says it
    /// could not tell (a value never read is never a pass).
    pub fn fact<'f, T>(
        &mut self,
        fact: &'f Fact<T>,
        account: &str,
        region: &str,
        resource: &str,
        unknown: impl FnOnce(&str) -> String,
    ) -> Option<&'f T> {
        match fact {
            Fact::Collected { value } => Some(value),
            other => {
                let why = other.unknown_reason().unwrap_or_default();
                self.push(Status::Unknown, account, region, resource, unknown(&why));
                None
            }
        }
    }

    /// Whether a severity override was given for this check.
    pub fn overridden(&self) -> bool {
        self.severity != self.meta.severity
    }
}

/// Runs every check, then applies names, compliance and suppressions.
pub fn run_all(ctx: &Ctx) -> Vec<Finding> {
    let mut all = Vec::new();
    for check in CATALOGUE {
        all.extend(run_check(check, ctx));
    }
    for f in &mut all {
        if let Some(a) = ctx.snapshot.account(&f.account_id) {
            f.account_name = a.name.clone();
            f.ou_path = a.ou_path.clone();
        }
    }
    suppression_expired::apply(ctx, &mut all);
    all
}

fn run_check(check: &Check, ctx: &Ctx) -> Vec<Finding> {
    let mut out = Out::new(check.meta, ctx.policy);
    (check.run)(ctx, &mut out);
    if out.overridden() {
        for f in &mut out.findings {
            f.severity = out.severity;
        }
    }
    out.findings
}

/// The catalogue as Markdown (`docs/checks.md`).
pub fn catalogue_markdown() -> String {
    let mut s = String::from(
        "# Check catalogue\n\n<!-- Generated by `cargo xtask docs` from crates/checks/src/checks/*.rs. Do not edit. -->\n\n",
    );
    s.push_str("A check reports `fail` when the evidence shows the problem, `unknown` when the facts it needs could not be read (never a pass), and `info` for notes. Severities can be overridden and findings suppressed in `audit.toml` (see `docs/policy.md`).\n\n");
    s.push_str("| id | severity | title |\n|---|---|---|\n");
    for c in CATALOGUE {
        s.push_str(&format!(
            "| [`{}`](#{}) | {} | {} |\n",
            c.meta.id,
            c.meta.id,
            c.meta.severity.as_str(),
            c.meta.title
        ));
    }
    for c in CATALOGUE {
        let m = c.meta;
        s.push_str(&format!(
            "\n## {}\n\n**{}** — severity `{}`\n\n**What it means.** {}\n\n**Why it matters.** {}\n\n**How to fix it.**\n\n```sh\n{}\n```\n",
            m.id,
            m.title,
            m.severity.as_str(),
            m.what,
            m.why,
            m.fix.trim()
        ));
        let comp = compliance::controls(m.id);
        if !comp.is_empty() {
            s.push_str(&format!("\n**Compliance.** {}\n", comp.join(", ")));
        }
    }
    s
}

/// Test helper: one check's findings on a snapshot with the default policy.
#[cfg(test)]
pub(crate) fn run_one(id: &str, s: &Snapshot) -> Vec<Finding> {
    run_one_with(id, s, &Policy::default())
}

/// Test helper with a policy.
#[cfg(test)]
pub(crate) fn run_one_with(id: &str, s: &Snapshot, policy: &Policy) -> Vec<Finding> {
    let requirements = crate::Requirements::resolve(policy, s);
    let coverage = crate::coverage::matrix_with(s, &requirements.classes());
    let resources = crate::requirements::resource_matrix(s, &requirements);
    let misses = crate::footprints::diagnose_all(s);
    let ctx = Ctx {
        snapshot: s,
        policy,
        requirements: &requirements,
        coverage: &coverage,
        resources: &resources,
        footprint_misses: &misses,
        now: s.finished_at,
    };
    run_check(find(id).expect("known check"), &ctx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_snake_case_and_documented() {
        let mut seen = std::collections::BTreeSet::new();
        for c in CATALOGUE {
            let m = c.meta;
            assert!(seen.insert(m.id), "duplicate id {}", m.id);
            assert!(
                m.id.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_'),
                "{}",
                m.id
            );
            assert!(!m.title.is_empty() && !m.what.is_empty() && !m.why.is_empty());
            assert!(
                m.fix.contains("aws ") || m.fix.contains("audit ") || m.fix.contains("audit.toml"),
                "{} has no CLI fix",
                m.id
            );
        }
    }

    #[test]
    fn docs_checks_md_is_up_to_date() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/checks.md");
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            on_disk == catalogue_markdown(),
            "docs/checks.md is stale: run `cargo xtask docs` and commit the result"
        );
    }
}
