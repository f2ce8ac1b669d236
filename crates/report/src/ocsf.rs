//! Findings as OCSF Detection Finding events (class 2004, OCSF 1.3), for
//! Security Hub or a SIEM.

use std::io::{self, Write};

use serde_json::{json, Value};
use trailaudit_checks::{Evaluation, Severity, Status};
use trailaudit_model::Snapshot;

fn severity_id(s: Severity) -> u8 {
    match s {
        Severity::Info => 1,
        Severity::Low => 2,
        Severity::Medium => 3,
        Severity::High => 4,
        Severity::Critical => 5,
    }
}

/// One JSON array of Detection Finding events (fail, unknown and suppressed
/// findings), written one event at a time, one event per line.
pub fn write(s: &Snapshot, e: &Evaluation, w: &mut dyn Write) -> io::Result<()> {
    let time = e.as_of.timestamp_millis();
    let events = e
        .findings
        .iter()
        .filter(|f| f.status != Status::Info)
        .map(|f| -> Value {
            let mut ev = event(s, f, time);
            if let Some(a) = &f.attribution {
                attribution(&mut ev, a, e.as_of);
            }
            ev
        });
    w.write_all(b"[")?;
    for (k, ev) in events.enumerate() {
        w.write_all(if k == 0 { b"\n" } else { b",\n" })?;
        serde_json::to_writer(&mut *w, &ev).map_err(io::Error::from)?;
    }
    w.write_all(b"\n]\n")
}

/// Who made the change (OCSF `actor`: the user and, for an assumed role,
/// the session and its issuer), and the attribution in `unmapped`.
fn attribution(
    ev: &mut Value,
    a: &trailaudit_model::Attribution,
    now: chrono::DateTime<chrono::Utc>,
) {
    if let Some(c) = a.change() {
        let mut actor = json!({ "user": { "uid": c.principal_arn, "name": c.actor() } });
        if let (Some(role), Some(session)) = (&c.role_arn, &c.session) {
            actor["session"] = json!({ "issuer": role, "uid": session });
        }
        ev["actor"] = actor;
        ev["finding_info"]["first_seen_time"] = c.event_time.timestamp_millis().into();
        if let Some(ip) = &c.source_ip {
            ev["src_endpoint"] = json!({ "ip": ip });
        }
    }
    ev["unmapped"]["changed_by"] = a.changed_by().into();
    ev["unmapped"]["changed_at"] = a.changed_at().into();
    ev["unmapped"]["change"] = a.describe().into();
    if let Some(since) = a.since(now) {
        ev["unmapped"]["since"] = since.into();
    }
}

fn event(s: &Snapshot, f: &trailaudit_checks::Finding, time: i64) -> Value {
    let uid = format!(
        "trailaudit:{}:{}:{}:{}",
        f.check_id, f.account_id, f.region, f.resource
    );
    json!({
        "class_uid": 2004, "class_name": "Detection Finding",
        "category_uid": 2, "category_name": "Findings",
        "activity_id": 1, "activity_name": "Create",
        "type_uid": 200401, "type_name": "Detection Finding: Create",
        "severity_id": severity_id(f.severity), "severity": f.severity.as_str(),
        "status_id": if f.status == Status::Suppressed { 3 } else { 1 },
        "status": if f.status == Status::Suppressed { "Suppressed" } else { "New" },
        "time": time,
        "message": f.message,
        "finding_info": {
            "uid": uid, "title": f.title(), "desc": f.message,
            "types": [f.check_id, format!("trailaudit/{}", f.status.as_str())],
        },
        "metadata": {
            "version": "1.3.0",
            "product": { "name": "trailaudit", "vendor_name": "trailaudit", "version": s.tool_version },
        },
        "cloud": {
            "provider": "AWS",
            "region": f.region,
            "account": { "uid": f.account_id, "name": f.account_name, "type": "AWS Account" },
            "org": { "uid": s.organization_id().unwrap_or_default(), "ou_name": f.ou_path },
        },
        "resources": [{ "uid": f.resource, "region": f.region, "cloud_partition": "aws" }],
        "remediation": { "desc": f.remediation(), "references": f.compliance() },
        "unmapped": { "trailaudit_status": f.status.as_str(), "compliance": f.compliance() },
    })
}
