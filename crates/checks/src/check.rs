//! What a check is and reads: its documentation ([`CheckMeta`]), its
//! function ([`Check`]), the evaluation it reads ([`Ctx`]) and where it puts
//! its findings ([`Out`]). Every file under `checks/` uses these (`use
//! crate::check::*`), and the names re-exported here are what checks use.

pub(crate) use chrono::{DateTime, Utc};
pub(crate) use trailaudit_model::{Fact, Snapshot, Trail};

pub(crate) use crate::audit_policy::AuditPolicy;
pub(crate) use crate::coverage::{Cell, Coverage, EventClass};
pub(crate) use crate::finding::{Finding, Severity, Status};

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

/// What checks read.
pub struct Ctx<'a> {
    /// The snapshot.
    pub snapshot: &'a Snapshot,
    /// The policy.
    pub policy: &'a AuditPolicy,
    /// The policy resolved per account.
    pub requirements: &'a crate::requirements::Requirements,
    /// The coverage matrix.
    pub coverage: &'a Coverage,
    /// The answers for the resources the policy names.
    pub resources: &'a [crate::requirements::ResourceCell],
    /// What each missing footprint means ([`crate::footprints::diagnose_all`]).
    pub footprint_misses: &'a [Option<crate::footprints::Miss>],
    /// "Now": the snapshot's end time.
    pub now: DateTime<Utc>,
}

impl<'a> Ctx<'a> {
    /// The requirements of one account.
    pub fn req(&self, account: &str) -> &'a crate::audit_policy::Effective {
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
        value: impl Fn(&crate::audit_policy::Effective) -> T,
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
    pub(crate) severity: Severity,
    pub(crate) findings: Vec<Finding>,
}

impl Out {
    pub(crate) fn new(meta: CheckMeta, policy: &AuditPolicy) -> Out {
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
            attribution: None,
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

/// One check's findings, its severity override applied.
pub(crate) fn run_check(check: &Check, ctx: &Ctx) -> Vec<Finding> {
    let mut out = Out::new(check.meta, ctx.policy);
    (check.run)(ctx, &mut out);
    if out.overridden() {
        for f in &mut out.findings {
            f.severity = out.severity;
        }
    }
    out.findings
}
