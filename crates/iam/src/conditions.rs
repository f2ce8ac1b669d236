//! The Condition element: every operator family (String*, Numeric*, Date*,
//! Bool, BinaryEquals, IpAddress, Arn*, Null), `...IfExists`,
//! `ForAnyValue:`/`ForAllValues:`, the missing-key rules and policy
//! variables. A key whose value cannot be known makes a condition
//! [`Tri::Maybe`], never true or false.

use chrono::{DateTime, Utc};
use serde_json::Value as Json;
use trailaudit_model::Tri;

use crate::document::strings;
use crate::pattern::{arn_like, ip_in, wildcard};
use crate::request::{Context, Value};

/// Replaces `${key}` policy variables. `None` when a variable's value cannot
/// be known (or is absent: AWS then fails the comparison, which only a
/// known-absent value could prove; we stay with "cannot tell").
pub fn substitute(s: &str, ctx: &Context, variables: bool) -> Option<String> {
    if !variables || !s.contains("${") {
        return Some(s.to_string());
    }
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let end = after.find('}')?;
        let name = &after[..end];
        match name {
            "*" => out.push('*'),
            "?" => out.push('?'),
            "$" => out.push('$'),
            key => {
                // `${key, 'default'}`
                let (key, default) = match key.split_once(',') {
                    Some((k, d)) => (k.trim(), Some(d.trim().trim_matches('\''))),
                    None => (key, None),
                };
                match (ctx.get(key), default) {
                    (Value::Present(v), _) if v.len() == 1 => out.push_str(&v[0]),
                    (Value::Absent, Some(d)) => out.push_str(d),
                    _ => return None,
                }
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// The Condition block: every operator and key must hold.
pub fn conditions(c: &Json, ctx: &Context, variables: bool) -> (Tri, String) {
    let Json::Object(ops) = c else {
        return (Tri::Maybe, ": its Condition block is not an object".into());
    };
    let mut result = Tri::Yes;
    let mut why = String::new();
    for (op, keys) in ops {
        let Json::Object(keys) = keys else {
            return (Tri::Maybe, format!(": condition {op} is not an object"));
        };
        for (key, vals) in keys {
            let policy_values = strings(vals);
            let r = condition(op, key, &policy_values, ctx, variables);
            if r < result {
                let seen = match ctx.get(key) {
                    Value::Present(v) => format!("the request has {}", v.join(", ")),
                    Value::Absent => "the request does not carry it".to_string(),
                    Value::Unknown => {
                        "its value in CloudTrail's request cannot be known".to_string()
                    }
                };
                why = format!(
                    ": condition {op} {key} {} ({seen})",
                    policy_values.join(", ")
                );
            }
            result = result.min(r);
        }
    }
    if result == Tri::Yes {
        why.clear();
    }
    (result, why)
}

/// The operator's base and modifiers.
struct Operator<'a> {
    set: Option<bool>, // Some(true) = ForAllValues, Some(false) = ForAnyValue
    base: &'a str,
    if_exists: bool,
}

fn operator(op: &str) -> Operator<'_> {
    let (set, rest) = if let Some(r) = op.strip_prefix("ForAllValues:") {
        (Some(true), r)
    } else if let Some(r) = op.strip_prefix("ForAnyValue:") {
        (Some(false), r)
    } else {
        (None, op)
    };
    let (base, if_exists) = match rest.strip_suffix("IfExists") {
        Some(b) => (b, true),
        None => (rest, false),
    };
    Operator {
        set,
        base,
        if_exists,
    }
}

/// Negated operators and their positive counterpart.
fn positive(base: &str) -> (&str, bool) {
    match base {
        "StringNotEquals" => ("StringEquals", true),
        "StringNotEqualsIgnoreCase" => ("StringEqualsIgnoreCase", true),
        "StringNotLike" => ("StringLike", true),
        "NumericNotEquals" => ("NumericEquals", true),
        "DateNotEquals" => ("DateEquals", true),
        "NotIpAddress" => ("IpAddress", true),
        "ArnNotEquals" => ("ArnEquals", true),
        "ArnNotLike" => ("ArnLike", true),
        other => (other, false),
    }
}

const KNOWN_BASES: [&str; 18] = [
    "StringEquals",
    "StringEqualsIgnoreCase",
    "StringLike",
    "NumericEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "ArnEquals",
    "ArnLike",
];

fn condition(op: &str, key: &str, values: &[String], ctx: &Context, variables: bool) -> Tri {
    let o = operator(op);
    if o.base == "Null" {
        let want_absent = values.iter().any(|v| v.eq_ignore_ascii_case("true"));
        return match ctx.get(key) {
            Value::Unknown => Tri::Maybe,
            Value::Absent => Tri::from_bool(want_absent),
            Value::Present(v) if v.is_empty() => Tri::from_bool(want_absent),
            Value::Present(_) => Tri::from_bool(!want_absent),
        };
    }
    let (base, negated) = positive(o.base);
    if !KNOWN_BASES.contains(&base) {
        return Tri::Maybe; // an operator this evaluator does not know
    }
    let context_values = match ctx.get(key) {
        Value::Unknown => return Tri::Maybe,
        Value::Absent => vec![],
        Value::Present(v) => v,
    };
    if context_values.is_empty() {
        if o.if_exists {
            return Tri::Yes;
        }
        return match o.set {
            Some(true) => Tri::Yes,
            Some(false) => Tri::No,
            None => Tri::from_bool(negated),
        };
    }
    let mut resolved = Vec::new();
    for v in values {
        match substitute(v, ctx, variables) {
            Some(r) => resolved.push(r),
            None => return Tri::Maybe,
        }
    }
    let matches_any = |cv: &str| resolved.iter().any(|pv| matches(base, cv, pv));
    let holds = |cv: &str| matches_any(cv) != negated;
    Tri::from_bool(match o.set {
        Some(true) => context_values.iter().all(|cv| holds(cv)),
        Some(false) => context_values.iter().any(|cv| holds(cv)),
        None if negated => !context_values.iter().any(|cv| matches_any(cv)),
        None => context_values.iter().any(|cv| matches_any(cv)),
    })
}

fn matches(base: &str, cv: &str, pv: &str) -> bool {
    match base {
        "StringEquals" | "BinaryEquals" => cv == pv,
        "StringEqualsIgnoreCase" => cv.to_lowercase() == pv.to_lowercase(),
        "StringLike" => wildcard(pv, cv, false),
        "Bool" => cv.eq_ignore_ascii_case(pv),
        "ArnEquals" | "ArnLike" => arn_like(pv, cv),
        "IpAddress" => ip_in(cv, pv),
        b if b.starts_with("Numeric") => match (cv.parse::<f64>(), pv.parse::<f64>()) {
            (Ok(c), Ok(p)) => compare(&b["Numeric".len()..], c.partial_cmp(&p)),
            _ => false,
        },
        b if b.starts_with("Date") => match (date(cv), date(pv)) {
            (Some(c), Some(p)) => compare(&b["Date".len()..], Some(c.cmp(&p))),
            _ => false,
        },
        _ => false,
    }
}

fn compare(op: &str, ord: Option<std::cmp::Ordering>) -> bool {
    use std::cmp::Ordering::*;
    let Some(o) = ord else { return false };
    match op {
        "Equals" => o == Equal,
        "LessThan" => o == Less,
        "LessThanEquals" => o != Greater,
        "GreaterThan" => o == Greater,
        "GreaterThanEquals" => o != Less,
        _ => false,
    }
}

fn date(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0).map(|n| n.and_utc());
    }
    s.parse::<i64>()
        .ok()
        .and_then(|e| DateTime::from_timestamp(e, 0))
}
