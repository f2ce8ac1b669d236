//! The audit policy (`audit.toml`): what the organization requires, severity
//! overrides, and suppressions. Every key has a default, so an empty file (or
//! none) is a valid policy. An invalid file is rejected with its line and the
//! problem. Documented in `docs/policy.md`.
//!
//! Requirements can be scoped: the top level applies to every account, each
//! `[[scope]]` section (by OU path or id, by account id or glob) to the
//! accounts it selects, later sections winning key by key. [`AuditPolicy::resolve`]
//! gives one account's [`Effective`] requirements and where each came from.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use trailaudit_model::regions::glob_match;
use trailaudit_model::{Account, Snapshot};

use crate::Severity;

mod sections;

pub use sections::*;
use trailaudit_catalogue::EventClass;

/// The whole policy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuditPolicy {
    /// How long logs must be kept.
    pub retention: Retention,
    /// Which data events are required.
    pub data_events: DataEvents,
    /// Which network activity events are required.
    pub network_activity: NetworkActivity,
    /// Which trail protections are required.
    pub require: Require,
    /// Regions that must be covered (names or globs); gaps elsewhere are `low`.
    pub required_regions: Option<Vec<String>>,
    /// Delivery freshness (with `--probe-delivery`).
    pub delivery: Delivery,
    /// Severity overrides by check id.
    pub severity: BTreeMap<String, Severity>,
    /// Accepted findings.
    pub suppress: Vec<Suppression>,
    /// Requirements for some OUs or accounts; later sections win.
    pub scope: Vec<Scope>,
}

/// Requirements for the accounts of some OUs or some account ids.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Scope {
    /// A name for reports (`payments`).
    pub name: Option<String>,
    /// OU paths (`Root/Payments`) or ids (`ou-ab12-...`): accounts in them
    /// or below.
    #[serde(deserialize_with = "one_or_many")]
    pub ou: Vec<String>,
    /// Account ids or globs (`1111*`).
    #[serde(deserialize_with = "one_or_many")]
    pub accounts: Vec<String>,
    /// See [`AuditPolicy::retention`].
    pub retention: Retention,
    /// See [`AuditPolicy::data_events`].
    pub data_events: DataEvents,
    /// See [`AuditPolicy::network_activity`].
    pub network_activity: NetworkActivity,
    /// See [`AuditPolicy::require`].
    pub require: Require,
    /// See [`AuditPolicy::required_regions`].
    pub required_regions: Option<Vec<String>>,
    /// See [`AuditPolicy::delivery`].
    pub delivery: Delivery,
    /// Line of its `[[scope]]` header (1-based; 0 when not read from a file).
    #[serde(skip)]
    pub line: usize,
}

/// One account's requirements, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effective {
    /// `retention.days`.
    pub retention_days: i64,
    /// `retention.cloudwatch_days`.
    pub cloudwatch_days: i64,
    /// Data event classes required in every required region.
    pub data_classes: Vec<EventClass>,
    /// Resources whose data events are required.
    pub resources: Vec<Resource>,
    /// Network activity classes required in every required region.
    pub network_classes: Vec<EventClass>,
    /// `require.kms`.
    pub kms: bool,
    /// `require.log_file_validation`.
    pub log_file_validation: bool,
    /// `require.cloudwatch_logs`.
    pub cloudwatch_logs: bool,
    /// `required_regions`.
    pub required_regions: Vec<String>,
    /// `delivery.stale_hours`.
    pub stale_hours: i64,
    /// Where each key's value came from (`default`, `top level`,
    /// `[[scope]] payments (line 12)`), by key.
    pub origins: BTreeMap<&'static str, String>,
}

impl Default for Effective {
    fn default() -> Self {
        Effective {
            retention_days: 365,
            cloudwatch_days: 90,
            data_classes: vec![],
            resources: vec![],
            network_classes: vec![],
            kms: true,
            log_file_validation: true,
            cloudwatch_logs: false,
            required_regions: vec!["*".into()],
            stale_hours: 24,
            origins: BTreeMap::new(),
        }
    }
}

/// Every requirement key, in the order `audit policy-explain` prints them.
pub const KEYS: &[&str] = &[
    "required_regions",
    "retention.days",
    "retention.cloudwatch_days",
    "data_events.s3",
    "data_events.lambda",
    "data_events.types",
    "data_events.resources",
    "network_activity.sources",
    "network_activity.vpce_denied",
    "require.kms",
    "require.log_file_validation",
    "require.cloudwatch_logs",
    "delivery.stale_hours",
];

/// The requirement keys of one layer (the top level or a scope).
struct Layer<'a> {
    retention: &'a Retention,
    data_events: &'a DataEvents,
    network_activity: &'a NetworkActivity,
    require: &'a Require,
    required_regions: &'a Option<Vec<String>>,
    delivery: &'a Delivery,
}

impl Effective {
    /// Whether the region must be covered.
    pub fn region_required(&self, region: &str) -> bool {
        self.required_regions.iter().any(|p| glob_match(p, region))
    }

    /// Every class it requires (data and network).
    pub fn classes(&self) -> impl Iterator<Item = EventClass> + '_ {
        self.data_classes
            .iter()
            .chain(self.network_classes.iter())
            .copied()
    }

    /// The value of a key, for people.
    pub fn show(&self, key: &str) -> String {
        let list = |v: &[EventClass]| {
            if v.is_empty() {
                "none".to_string()
            } else {
                v.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")
            }
        };
        match key {
            "required_regions" => self.required_regions.join(", "),
            "retention.days" => self.retention_days.to_string(),
            "retention.cloudwatch_days" => self.cloudwatch_days.to_string(),
            "data_events.s3" => self.data_classes.contains(&EventClass::S3Data).to_string(),
            "data_events.lambda" => self
                .data_classes
                .contains(&EventClass::LambdaData)
                .to_string(),
            "data_events.types" => list(&self.data_classes),
            "data_events.resources" => {
                if self.resources.is_empty() {
                    "none".into()
                } else {
                    self.resources
                        .iter()
                        .map(|r| format!("{} ({})", r.arn, r.access))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            }
            "network_activity.sources" | "network_activity.vpce_denied" => {
                let denied = key.ends_with("vpce_denied");
                list(
                    &self
                        .network_classes
                        .iter()
                        .copied()
                        .filter(|c| {
                            matches!(c.kind(), trailaudit_catalogue::ClassKind::Network { vpce_denied, .. } if vpce_denied == denied)
                        })
                        .collect::<Vec<_>>(),
                )
            }
            "require.kms" => self.kms.to_string(),
            "require.log_file_validation" => self.log_file_validation.to_string(),
            "require.cloudwatch_logs" => self.cloudwatch_logs.to_string(),
            "delivery.stale_hours" => self.stale_hours.to_string(),
            _ => String::new(),
        }
    }

    fn apply(&mut self, l: &Layer, origin: &str) {
        let mut set = |key: &'static str| {
            self.origins.insert(key, origin.to_string());
        };
        if let Some(v) = l.required_regions {
            set("required_regions");
            self.required_regions = v.clone();
        }
        if let Some(v) = l.retention.days {
            set("retention.days");
            self.retention_days = v;
        }
        if let Some(v) = l.retention.cloudwatch_days {
            set("retention.cloudwatch_days");
            self.cloudwatch_days = v;
        }
        let mut data = |key: &'static str, on: Option<bool>, class: EventClass| {
            if let Some(on) = on {
                self.origins.insert(key, origin.to_string());
                self.data_classes.retain(|c| *c != class);
                if on {
                    self.data_classes.push(class);
                }
            }
        };
        data("data_events.s3", l.data_events.s3, EventClass::S3Data);
        data(
            "data_events.lambda",
            l.data_events.lambda,
            EventClass::LambdaData,
        );
        if let Some(types) = &l.data_events.types {
            self.origins.insert("data_events.types", origin.to_string());
            // The list replaces earlier types; `s3` / `lambda` set in the
            // same section still add theirs.
            let keep: Vec<EventClass> = [
                (l.data_events.s3, EventClass::S3Data),
                (l.data_events.lambda, EventClass::LambdaData),
            ]
            .iter()
            .filter(|(on, _)| *on == Some(true))
            .map(|(_, c)| *c)
            .collect();
            self.data_classes = keep;
            for t in types {
                if let Ok(c) = EventClass::parse(t) {
                    if !self.data_classes.contains(&c) {
                        self.data_classes.push(c);
                    }
                }
            }
        }
        if let Some(r) = &l.data_events.resources {
            self.origins
                .insert("data_events.resources", origin.to_string());
            self.resources = r.clone();
        }
        for (key, list, denied) in [
            (
                "network_activity.sources",
                &l.network_activity.sources,
                false,
            ),
            (
                "network_activity.vpce_denied",
                &l.network_activity.vpce_denied,
                true,
            ),
        ] {
            if let Some(list) = list {
                self.origins.insert(key, origin.to_string());
                self.network_classes.retain(|c| {
                    !matches!(c.kind(), trailaudit_catalogue::ClassKind::Network { vpce_denied, .. } if vpce_denied == denied)
                });
                for s in list {
                    if let Ok(c) = EventClass::network(s, denied) {
                        self.network_classes.push(c);
                    }
                }
            }
        }
        if let Some(v) = l.require.kms {
            self.origins.insert("require.kms", origin.to_string());
            self.kms = v;
        }
        if let Some(v) = l.require.log_file_validation {
            self.origins
                .insert("require.log_file_validation", origin.to_string());
            self.log_file_validation = v;
        }
        if let Some(v) = l.require.cloudwatch_logs {
            self.origins
                .insert("require.cloudwatch_logs", origin.to_string());
            self.cloudwatch_logs = v;
        }
        if let Some(v) = l.delivery.stale_hours {
            self.origins
                .insert("delivery.stale_hours", origin.to_string());
            self.stale_hours = v;
        }
    }
}

impl Scope {
    fn layer(&self) -> Layer<'_> {
        Layer {
            retention: &self.retention,
            data_events: &self.data_events,
            network_activity: &self.network_activity,
            require: &self.require,
            required_regions: &self.required_regions,
            delivery: &self.delivery,
        }
    }

    /// How reports name it: `[[scope]] NAME (line N)`.
    pub fn label(&self) -> String {
        let what = match &self.name {
            Some(n) => n.clone(),
            None => {
                let mut w: Vec<String> = self.ou.iter().map(|o| format!("ou {o}")).collect();
                w.extend(self.accounts.iter().map(|a| format!("account {a}")));
                w.join(", ")
            }
        };
        if self.line > 0 {
            format!("[[scope]] {what} (line {})", self.line)
        } else {
            format!("[[scope]] {what}")
        }
    }

    /// Whether it applies to `a` (an OU it names is resolved to its path in
    /// the snapshot's organization).
    pub fn applies(&self, a: &Account, s: &Snapshot) -> bool {
        self.applies_to(a, &self.ou_paths(s))
    }

    /// The paths of the OUs it names that the snapshot's organization has.
    pub fn ou_paths(&self, s: &Snapshot) -> Vec<String> {
        self.ou.iter().filter_map(|o| ou_path(o, s)).collect()
    }

    /// Whether it applies to `a`, its OUs resolved to `paths`.
    pub fn applies_to(&self, a: &Account, paths: &[String]) -> bool {
        self.accounts.iter().any(|g| glob_match(g, &a.id))
            || paths.iter().any(|p| {
                a.ou_path == *p
                    || (a.ou_path.len() > p.len()
                        && a.ou_path.starts_with(p.as_str())
                        && a.ou_path.as_bytes()[p.len()] == b'/')
            })
    }
}

/// The path of an OU given by path or id, if the snapshot's organization has it.
pub fn ou_path(ou: &str, s: &Snapshot) -> Option<String> {
    let org = s.organization.as_ref()?;
    let ou = ou.trim_end_matches('/');
    org.ous
        .iter()
        .find(|o| o.id == ou || o.path == ou)
        .map(|o| o.path.clone())
        .or_else(|| {
            // The root's path, or an account's OU path not listed among the OUs.
            s.accounts
                .iter()
                .any(|a| a.ou_path == ou)
                .then(|| ou.to_string())
        })
}

impl AuditPolicy {
    fn top_layer(&self) -> Layer<'_> {
        Layer {
            retention: &self.retention,
            data_events: &self.data_events,
            network_activity: &self.network_activity,
            require: &self.require,
            required_regions: &self.required_regions,
            delivery: &self.delivery,
        }
    }

    /// Parses and validates `audit.toml` text; `file` names it in errors,
    /// `is_check` tells the check ids that severity overrides and
    /// suppressions may name (`crate::checks::parse_policy` passes the
    /// catalogue's).
    pub fn parse(
        text: &str,
        file: &str,
        is_check: &dyn Fn(&str) -> bool,
    ) -> Result<AuditPolicy, PolicyError> {
        let mut p: AuditPolicy = toml::from_str(text).map_err(|e| PolicyError {
            file: file.to_string(),
            line: e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1),
            problem: e.message().to_string(),
        })?;
        let headers: Vec<usize> = text
            .lines()
            .enumerate()
            .filter(|(_, l)| l.trim().starts_with("[[scope]]"))
            .map(|(i, _)| i + 1)
            .collect();
        for (s, line) in p.scope.iter_mut().zip(headers) {
            s.line = line;
        }
        let line_of = |needle: &str, from: usize| {
            text.lines()
                .enumerate()
                .skip(from.saturating_sub(1))
                .find(|(_, l)| l.contains(needle))
                .map(|(i, _)| i + 1)
        };
        let err = |needle: &str, from: usize, problem: String| PolicyError {
            file: file.to_string(),
            line: line_of(needle, from),
            problem,
        };
        let mut layers: Vec<(usize, Layer)> = vec![(0, p.top_layer())];
        for s in &p.scope {
            if s.ou.is_empty() && s.accounts.is_empty() {
                return Err(PolicyError {
                    file: file.to_string(),
                    line: Some(s.line),
                    problem:
                        "a [[scope]] needs `ou` (OU paths or ids) or `accounts` (ids or globs)"
                            .into(),
                });
            }
            layers.push((s.line, s.layer()));
        }
        for (from, l) in &layers {
            let from = *from;
            if l.retention.days.is_some_and(|d| d < 1) {
                return Err(err(
                    "days",
                    from,
                    "retention.days must be at least 1".into(),
                ));
            }
            if l.delivery.stale_hours.is_some_and(|h| h < 1) {
                return Err(err(
                    "stale_hours",
                    from,
                    "delivery.stale_hours must be at least 1".into(),
                ));
            }
            for t in l.data_events.types.iter().flatten() {
                match EventClass::parse(t) {
                    Ok(c) if c.is_data() => {}
                    Ok(c) => {
                        return Err(err(
                            t,
                            from,
                            format!("`{t}` is not a data event class ({c} is required everywhere; list data event types such as dynamodb_data or AWS::S3::Object:write)"),
                        ))
                    }
                    Err(e) => return Err(err(t, from, e)),
                }
            }
            for r in l.data_events.resources.iter().flatten() {
                let Some(ty) = r.resource_type() else {
                    return Err(err(
                        &r.arn,
                        from,
                        format!("cannot tell the resource type of `{}`: add `type = \"AWS::Service::Resource\"`", r.arn),
                    ));
                };
                let access = r.access();
                if let Err(e) = EventClass::data(&ty, access) {
                    return Err(err(&r.arn, from, e));
                }
                if !r.arn.starts_with("arn:") {
                    return Err(err(
                        &r.arn,
                        from,
                        format!(
                            "`{}` is not an ARN (a bucket is `arn:aws:s3:::NAME/`)",
                            r.arn
                        ),
                    ));
                }
            }
            for (list, denied) in [
                (&l.network_activity.sources, false),
                (&l.network_activity.vpce_denied, true),
            ] {
                for s in list.iter().flatten() {
                    if let Err(e) = EventClass::network(s, denied) {
                        return Err(err(s, from, e));
                    }
                }
            }
        }
        drop(layers);
        for id in p.severity.keys() {
            if !is_check(id) {
                return Err(err(
                    id,
                    0,
                    format!("severity override for unknown check `{id}` (see `audit checks`)"),
                ));
            }
        }
        for s in &p.suppress {
            if !is_check(&s.check) {
                return Err(err(
                    &s.check,
                    0,
                    format!(
                        "suppression of unknown check `{}` (see `audit checks`)",
                        s.check
                    ),
                ));
            }
            if s.reason.trim().is_empty() {
                return Err(err(&s.check, 0, "a suppression needs a reason".into()));
            }
        }
        Ok(p)
    }

    /// Checks the scopes against a snapshot: every OU a scope names must be
    /// in its organization. `file` names the policy in errors.
    pub fn check_scopes(&self, s: &Snapshot, file: &str) -> Result<(), PolicyError> {
        for sc in &self.scope {
            for ou in &sc.ou {
                if ou_path(ou, s).is_none() {
                    let known: Vec<&str> = s
                        .organization
                        .iter()
                        .flat_map(|o| o.ous.iter().map(|u| u.path.as_str()))
                        .take(8)
                        .collect();
                    return Err(PolicyError {
                        file: file.to_string(),
                        line: Some(sc.line).filter(|l| *l > 0),
                        problem: if s.organization.is_none() {
                            format!("scope names OU `{ou}`, but this audit has no organization (single-account run)")
                        } else {
                            format!(
                                "scope names OU `{ou}`, which is not in the organization (OUs: {}{})",
                                known.join(", "),
                                if known.len() == 8 { ", ..." } else { "" }
                            )
                        },
                    });
                }
            }
        }
        Ok(())
    }

    /// The requirements of account `a`: defaults, the top level, then every
    /// scope that applies, in file order (later ones win, key by key).
    pub fn resolve(&self, a: Option<&Account>, s: &Snapshot) -> Effective {
        let applying: Vec<usize> = match a {
            Some(a) => (0..self.scope.len())
                .filter(|&i| self.scope[i].applies(a, s))
                .collect(),
            None => vec![],
        };
        self.resolve_scopes(&applying)
    }

    /// The requirements with the scopes at positions `applying` (in file
    /// order) on top of the defaults and the top level.
    pub fn resolve_scopes(&self, applying: &[usize]) -> Effective {
        let mut e = Effective::default();
        for k in KEYS {
            e.origins.insert(k, "default".into());
        }
        e.apply(&self.top_layer(), "top level");
        for &i in applying {
            let sc = &self.scope[i];
            e.apply(&sc.layer(), &sc.label());
        }
        e
    }

    /// The severity of a check after overrides.
    pub fn severity_of(&self, check: &str, default: Severity) -> Severity {
        self.severity.get(check).copied().unwrap_or(default)
    }
}

#[cfg(test)]
mod tests;
