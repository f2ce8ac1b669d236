//! The check catalogue: one file per check, each with its metadata (stable
//! id, title, severity, what it means, why it matters, how to fix it) and its
//! tests. [`CATALOGUE`] lists them; `docs/checks.md` is generated from it.
//!
//! A check reports `fail` when the evidence shows the problem, `unknown` when
//! the facts it needs could not be read (never a pass), `info` for notes.
//! Settings of a trail or bucket are reported once, against its owner.

use crate::audit_policy::{AuditPolicy, PolicyError};
use crate::check::{run_check, Check, Ctx};
use crate::finding::Finding;

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
mod digest_gap;
mod duplicate_management_trails;
mod footprints_expired;
mod footprints_not_delivered;
mod global_events_not_captured;
mod insights_off;
mod kms_key_unusable;
mod kms_rotation_off;
mod log_files_tampered;
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

/// Every check, in report order.
pub const CATALOGUE: &[Check] = &[
    Check {
        meta: region_not_logged::META,
        run: region_not_logged::run,
    },
    Check {
        meta: org_trail_not_reaching_members::META,
        run: org_trail_not_reaching_members::run,
    },
    Check {
        meta: no_multi_region_trail::META,
        run: no_multi_region_trail::run,
    },
    Check {
        meta: global_events_not_captured::META,
        run: global_events_not_captured::run,
    },
    Check {
        meta: trail_not_logging::META,
        run: trail_not_logging::run,
    },
    Check {
        meta: delivery_failing::META,
        run: delivery_failing::run,
    },
    Check {
        meta: delivery_stale::META,
        run: delivery_stale::run,
    },
    Check {
        meta: footprints_not_delivered::META,
        run: footprints_not_delivered::run,
    },
    Check {
        meta: footprints_expired::META,
        run: footprints_expired::run,
    },
    Check {
        meta: management_events_incomplete::META,
        run: management_events_incomplete::run,
    },
    Check {
        meta: data_events_missing::META,
        run: data_events_missing::run,
    },
    Check {
        meta: network_events_missing::META,
        run: network_events_missing::run,
    },
    Check {
        meta: insights_off::META,
        run: insights_off::run,
    },
    Check {
        meta: retention_short::META,
        run: retention_short::run,
    },
    Check {
        meta: logs_need_restore::META,
        run: logs_need_restore::run,
    },
    Check {
        meta: cloudwatch_logs::META,
        run: cloudwatch_logs::run,
    },
    Check {
        meta: log_files_tampered::META,
        run: log_files_tampered::run,
    },
    Check {
        meta: digest_gap::META,
        run: digest_gap::run,
    },
    Check {
        meta: log_validation_off::META,
        run: log_validation_off::run,
    },
    Check {
        meta: not_kms_encrypted::META,
        run: not_kms_encrypted::run,
    },
    Check {
        meta: kms_key_unusable::META,
        run: kms_key_unusable::run,
    },
    Check {
        meta: kms_rotation_off::META,
        run: kms_rotation_off::run,
    },
    Check {
        meta: bucket_policy_blocks_delivery::META,
        run: bucket_policy_blocks_delivery::run,
    },
    Check {
        meta: rcp_blocks_delivery::META,
        run: rcp_blocks_delivery::run,
    },
    Check {
        meta: bucket_encryption_blocks_delivery::META,
        run: bucket_encryption_blocks_delivery::run,
    },
    Check {
        meta: bucket_requester_pays::META,
        run: bucket_requester_pays::run,
    },
    Check {
        meta: bucket_public::META,
        run: bucket_public::run,
    },
    Check {
        meta: bucket_public_access_block_off::META,
        run: bucket_public_access_block_off::run,
    },
    Check {
        meta: bucket_access_logging_off::META,
        run: bucket_access_logging_off::run,
    },
    Check {
        meta: bucket_not_tamper_resistant::META,
        run: bucket_not_tamper_resistant::run,
    },
    Check {
        meta: duplicate_management_trails::META,
        run: duplicate_management_trails::run,
    },
    Check {
        meta: too_many_trails::META,
        run: too_many_trails::run,
    },
    Check {
        meta: permission_gap::META,
        run: permission_gap::run,
    },
    Check {
        meta: collection_error::META,
        run: collection_error::run,
    },
    Check {
        meta: account_suspended::META,
        run: account_suspended::run,
    },
    Check {
        meta: suppression_expired::META,
        run: suppression_expired::run,
    },
];

/// A check by id.
pub fn find(id: &str) -> Option<&'static Check> {
    CATALOGUE.iter().find(|c| c.meta.id == id)
}

/// Parses and validates `audit.toml` text (`file` names it in errors),
/// every check id it names (severity overrides, suppressions) included.
pub fn parse_policy(text: &str, file: &str) -> Result<AuditPolicy, PolicyError> {
    AuditPolicy::parse(text, file, &|id| find(id).is_some())
}

impl Finding {
    /// The check's title.
    pub fn title(&self) -> &'static str {
        find(&self.check_id).map_or("", |c| c.meta.title)
    }

    /// How to fix it (the check's commands).
    pub fn remediation(&self) -> &'static str {
        find(&self.check_id).map_or("", |c| c.meta.fix)
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
        let comp = trailaudit_catalogue::compliance::controls(m.id);
        if !comp.is_empty() {
            s.push_str(&format!("\n**Compliance.** {}\n", comp.join(", ")));
        }
    }
    s
}

/// Test helper: one check's findings on a snapshot with the default policy.
#[cfg(test)]
pub(crate) fn run_one(id: &str, s: &trailaudit_model::Snapshot) -> Vec<Finding> {
    run_one_with(id, s, &AuditPolicy::default())
}

/// Test helper with a policy.
#[cfg(test)]
pub(crate) fn run_one_with(
    id: &str,
    s: &trailaudit_model::Snapshot,
    policy: &AuditPolicy,
) -> Vec<Finding> {
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
    fn every_compliance_mapping_names_a_real_check() {
        for (id, controls) in trailaudit_catalogue::compliance::MAPPINGS {
            assert!(find(id).is_some(), "mapping for unknown check {id}");
            assert!(!controls.is_empty());
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
