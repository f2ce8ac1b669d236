//! `report.json`, format 2: the typed contract users' scripts read
//! (`docs/report-format.md`). The same types write and read the file, so the
//! documentation, the writer and [`read`] cannot drift apart.
//!
//! Coverage is stored per account as runs: consecutive regions of one class
//! with the same state, sources and reason are one run
//! `[state, first_region, count, sources, reason]`, where `first_region`
//! indexes `coverage.regions`, `sources` indexes `coverage.sources` (lists of
//! ARNs) and `reason` indexes `coverage.reasons`. An organization trail that
//! covers an account everywhere is one run per class. [`Report::cells`]
//! expands the runs back into one row per cell.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::{Deserialize, Serialize};
use trailaudit_checks::{Coverage, EventClass, Finding, State};

use crate::diff::Changes;
use crate::summary::Summary;

/// The `schema` value of format 2.
pub const SCHEMA: &str = "trailaudit-report/2";

/// One run: `[state, first_region, count, sources, reason]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Run(pub State, pub usize, pub usize, pub usize, pub usize);

/// One account's coverage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountRow {
    /// Account id.
    pub account_id: String,
    /// Account name.
    pub account_name: String,
    /// OU path (`Root/Workloads/Prod`).
    pub ou_path: String,
    /// Runs per event class name (classes without cells are absent).
    pub runs: BTreeMap<String, Vec<Run>>,
}

/// The coverage section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoverageRows {
    /// Region names; runs index into it.
    pub regions: Vec<String>,
    /// Lists of source ARNs (trails, event data stores); runs index into it.
    pub sources: Vec<Vec<String>>,
    /// Reasons; runs index into it (`""` for covered cells).
    pub reasons: Vec<String>,
    /// One row per account, in snapshot order.
    pub accounts: Vec<AccountRow>,
}

/// What a check says, once for all its findings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckInfo {
    /// Title.
    pub title: String,
    /// How to fix it (AWS CLI commands).
    pub remediation: String,
    /// Framework controls that cite it.
    pub compliance: Vec<String>,
}

/// A whole `report.json` as read back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// `trailaudit-report/2`.
    pub schema: String,
    /// Version of the tool that wrote it.
    pub tool_version: String,
    /// Organization id, or empty.
    pub organization_id: String,
    /// Who ran the collection.
    pub caller: trailaudit_model::CallerIdentity,
    /// Headline numbers.
    pub summary: Summary,
    /// Coverage as runs per account.
    pub coverage: CoverageRows,
    /// The checks that have findings, by id: title, fix, compliance.
    pub checks: BTreeMap<String, CheckInfo>,
    /// Findings, most severe first.
    pub findings: Vec<Finding>,
    /// One row per required resource and region (`[data_events] resources`
    /// in the policy): which sources record its data events.
    #[serde(default)]
    pub resources: Vec<trailaudit_checks::ResourceCell>,
    /// Changes since the previous run (null without one).
    pub changes: Option<Changes>,
}

/// One cell expanded from a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellRow<'a> {
    /// Account.
    pub account_id: &'a str,
    /// Region.
    pub region: &'a str,
    /// Event class name.
    pub class: &'a str,
    /// State.
    pub state: State,
    /// Source ARNs.
    pub sources: &'a [String],
    /// Reason.
    pub reason: &'a str,
}

impl Report {
    /// Every cell, expanded from the runs, in file order.
    pub fn cells(&self) -> Vec<CellRow<'_>> {
        let c = &self.coverage;
        let mut out = Vec::new();
        for a in &c.accounts {
            for (class, runs) in &a.runs {
                for Run(state, first, count, sources, reason) in runs {
                    for k in 0..*count {
                        out.push(CellRow {
                            account_id: &a.account_id,
                            region: c.regions.get(first + k).map_or("", String::as_str),
                            class,
                            state: *state,
                            sources: c.sources.get(*sources).map_or(&[], Vec::as_slice),
                            reason: c.reasons.get(*reason).map_or("", String::as_str),
                        });
                    }
                }
            }
        }
        out
    }
}

/// Why a `report.json` could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// Not JSON or not this shape.
    Json(serde_json::Error),
    /// Another format version (format 1 had one object per cell).
    Schema(String),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Json(e) => write!(f, "not a report.json of format 2: {e}"),
            ReadError::Schema(s) => write!(
                f,
                "report.json has schema `{s}`, this build reads `{SCHEMA}`; render it again with `audit report --snapshot SNAPSHOT`"
            ),
        }
    }
}

impl std::error::Error for ReadError {}

/// Reads a `report.json` of format 2.
pub fn read(bytes: &[u8]) -> Result<Report, ReadError> {
    #[derive(Deserialize)]
    struct Head {
        schema: Option<String>,
    }
    let head: Head = serde_json::from_slice(bytes).map_err(ReadError::Json)?;
    match head.schema.as_deref() {
        Some(SCHEMA) => {}
        other => return Err(ReadError::Schema(other.unwrap_or("none").to_string())),
    }
    serde_json::from_slice(bytes).map_err(ReadError::Json)
}

/// The rows of one account, from the packed matrix.
fn account_row(cov: &Coverage, i: usize, name: &str, ou: &str) -> AccountRow {
    let mut runs: BTreeMap<String, Vec<Run>> = BTreeMap::new();
    // Cells come region by region, class by class: runs per class.
    let mut last: BTreeMap<EventClass, usize> = BTreeMap::new();
    for c in cov.of_account_at(i) {
        let region = c.region_id;
        let (sources, reason) = (c.sources_id, c.reason_id);
        let list = runs.entry(c.class.as_str().to_string()).or_default();
        let extend = list.last_mut().filter(|r| {
            r.0 == c.state
                && r.3 == sources
                && r.4 == reason
                && last.get(&c.class) == Some(&(region.wrapping_sub(1)))
        });
        match extend {
            Some(r) => r.2 += 1,
            None => list.push(Run(c.state, region, 1, sources, reason)),
        }
        last.insert(c.class, region);
    }
    AccountRow {
        account_id: cov.accounts()[i].clone(),
        account_name: name.to_string(),
        ou_path: ou.to_string(),
        runs,
    }
}

/// Writes `report.json` as a stream: the head, then one account row and one
/// finding at a time (never the whole document in memory).
pub fn write(i: &crate::inputs::Inputs, w: &mut dyn Write) -> io::Result<()> {
    let s = i.snapshot;
    let e = i.evaluation;
    let cov = &e.coverage;
    let json = |w: &mut dyn Write, v: &dyn erased::Ser| v.write(w);
    let head = serde_json::json!({
        "schema": SCHEMA,
        "tool_version": s.tool_version,
        "organization_id": s.organization_id().unwrap_or_default(),
        "caller": s.caller,
        "summary": crate::summary::summary(s, e),
    });
    // The head without its closing brace, then the streamed sections.
    let head = serde_json::to_string(&head).map_err(io::Error::from)?;
    w.write_all(&head.as_bytes()[..head.len() - 1])?;
    w.write_all(b",\n\"coverage\":{\"regions\":")?;
    json(w, &cov.regions())?;
    w.write_all(b",\n\"sources\":")?;
    json(w, &cov.source_sets())?;
    w.write_all(b",\n\"reasons\":")?;
    json(w, &cov.reasons())?;
    w.write_all(b",\n\"accounts\":[")?;
    for (k, id) in cov.accounts().iter().enumerate() {
        let (name, ou) = s
            .account(id)
            .map(|a| (a.name.as_str(), a.ou_path.as_str()))
            .unwrap_or(("", ""));
        if k > 0 {
            w.write_all(b",")?;
        }
        w.write_all(b"\n")?;
        json(w, &account_row(cov, k, name, ou))?;
    }
    let mut checks: BTreeMap<&str, CheckInfo> = BTreeMap::new();
    for f in &e.findings {
        checks
            .entry(f.check_id.as_str())
            .or_insert_with(|| CheckInfo {
                title: f.title().to_string(),
                remediation: f.remediation().to_string(),
                compliance: f.compliance().iter().map(|c| c.to_string()).collect(),
            });
    }
    w.write_all(b"]},\n\"checks\":")?;
    json(w, &checks)?;
    w.write_all(b",\n\"findings\":[")?;
    for (k, f) in e.findings.iter().enumerate() {
        if k > 0 {
            w.write_all(b",")?;
        }
        w.write_all(b"\n")?;
        match &f.attribution {
            // The actor and time at the top level too, beside the whole
            // attribution.
            Some(a) => {
                let mut v = serde_json::to_value(f).map_err(io::Error::from)?;
                v["changed_by"] = a.changed_by().into();
                v["changed_at"] = a.changed_at().into();
                if let Some(since) = a.since(e.as_of) {
                    v["since"] = since.into();
                }
                json(w, &v)?;
            }
            None => json(w, f)?,
        }
    }
    w.write_all(b"],\n\"resources\":[")?;
    for (k, r) in e.resources.iter().enumerate() {
        if k > 0 {
            w.write_all(b",")?;
        }
        w.write_all(b"\n")?;
        json(w, r)?;
    }
    w.write_all(b"],\n\"changes\":")?;
    json(w, &i.changes)?;
    w.write_all(b"}\n")
}

/// Object-safe serialization to a writer.
mod erased {
    use std::io::{self, Write};

    pub trait Ser {
        fn write(&self, w: &mut dyn Write) -> io::Result<()>;
    }

    impl<T: serde::Serialize> Ser for T {
        fn write(&self, w: &mut dyn Write) -> io::Result<()> {
            serde_json::to_writer(w, self).map_err(io::Error::from)
        }
    }
}
