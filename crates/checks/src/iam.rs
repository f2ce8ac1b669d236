//! IAM policy evaluation, three-valued, for the requests CloudTrail itself
//! makes: a resource policy (S3 bucket policy, KMS key policy) is evaluated
//! for one modelled request ([`Request`]) the way AWS documents it ("Policy
//! evaluation logic", "IAM JSON policy elements: Condition operators"):
//!
//! - Effect, Principal / NotPrincipal, Action / NotAction, Resource /
//!   NotResource with `*` and `?` wildcards (actions case-insensitive,
//!   resources case-sensitive);
//! - an explicit Deny that applies wins; no Allow that applies is an
//!   implicit deny;
//! - every condition operator family (String*, Numeric*, Date*, Bool,
//!   BinaryEquals, IpAddress / NotIpAddress, Arn*, Null), `...IfExists`,
//!   `ForAnyValue:` / `ForAllValues:`; keys are case-insensitive, values of
//!   String operators are case-sensitive except `...IgnoreCase`;
//! - a key missing from the request context makes a condition false, except
//!   negated operators (true), `...IfExists` (true), `ForAllValues:` (true)
//!   and `Null` (which tests presence); policy variables `${key}` are
//!   replaced in policies of version 2012-10-17.
//!
//! The only honest "maybe" is a key whose value really cannot be known for
//! the request ([`Value::Unknown`]): a statement that depends on one may or
//! may not apply. A Deny that may apply makes the answer [`Tri::Maybe`],
//! never an Allow; every answer names the statement (Sid or position) that
//! decided it and why.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::Value as Json;

use crate::selectors::Tri;

/// A request context key's value for the modelled request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Present with these values (one for single-valued keys).
    Present(Vec<String>),
    /// Known to be absent from the request context.
    Absent,
    /// Cannot be known from what was collected.
    Unknown,
}

/// The request context: condition keys (case-insensitive) and their values.
/// Keys not set are [`Value::Unknown`]; key prefixes ending in `/` (for
/// example `aws:principaltag/`) apply to every key below them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    keys: BTreeMap<String, Value>,
}

impl Context {
    /// Sets a key to one value.
    pub fn set(&mut self, key: &str, value: impl Into<String>) -> &mut Self {
        self.keys
            .insert(key.to_ascii_lowercase(), Value::Present(vec![value.into()]));
        self
    }

    /// Sets a multi-valued key.
    pub fn set_many(&mut self, key: &str, values: &[&str]) -> &mut Self {
        self.keys.insert(
            key.to_ascii_lowercase(),
            Value::Present(values.iter().map(|v| v.to_string()).collect()),
        );
        self
    }

    /// Marks keys (or key prefixes ending in `/`) as absent from the request.
    pub fn absent(&mut self, keys: &[&str]) -> &mut Self {
        for k in keys {
            self.keys.insert(k.to_ascii_lowercase(), Value::Absent);
        }
        self
    }

    /// Marks a key as unknowable (the default for keys never set).
    pub fn unknown(&mut self, key: &str) -> &mut Self {
        self.keys.insert(key.to_ascii_lowercase(), Value::Unknown);
        self
    }

    /// The value of `key` in this request.
    pub fn get(&self, key: &str) -> Value {
        let k = key.to_ascii_lowercase();
        if let Some(v) = self.keys.get(&k) {
            return v.clone();
        }
        if let Some((prefix, _)) = k.split_once('/') {
            if let Some(v) = self.keys.get(&format!("{prefix}/")) {
                return v.clone();
            }
        }
        Value::Unknown
    }
}

/// Who sends the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// Service principal, `cloudtrail.amazonaws.com`.
    pub service: String,
    /// Account ids the request is also accepted under (CloudTrail's legacy
    /// per-region account, which older bucket policies name as
    /// `arn:aws:iam::ACCOUNT:root`).
    pub accounts: Vec<String>,
}

/// One request to evaluate.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// Who.
    pub caller: &'a Caller,
    /// `service:Action`.
    pub action: &'a str,
    /// Resource ARN.
    pub resource: &'a str,
    /// Condition keys.
    pub context: &'a Context,
}

/// The answer for one request: allowed, denied, or cannot tell, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Yes = allowed, No = denied (explicitly or implicitly), Maybe = cannot tell.
    pub allowed: Tri,
    /// The statement that decided, and why, in one sentence.
    pub reason: String,
}

/// Evaluates `policy` (JSON) for `req`.
pub fn evaluate(policy: &str, req: &Request) -> Decision {
    let doc: Json = match serde_json::from_str(policy) {
        Ok(v) => v,
        Err(e) => {
            return Decision {
                allowed: Tri::Maybe,
                reason: format!("the policy is not valid JSON ({e})"),
            }
        }
    };
    let variables = doc.get("Version").and_then(Json::as_str) == Some("2012-10-17");
    let statements: Vec<&Json> = match doc.get("Statement") {
        Some(Json::Array(a)) => a.iter().collect(),
        Some(o @ Json::Object(_)) => vec![o],
        _ => vec![],
    };
    let mut best_allow: Option<(Tri, String)> = None;
    let mut maybe_deny: Option<String> = None;
    for (i, st) in statements.iter().enumerate() {
        let label = match st.get("Sid").and_then(Json::as_str) {
            Some(sid) if !sid.is_empty() => format!("statement {sid}"),
            _ => format!("statement #{}", i + 1),
        };
        let (applies, why) = applies(st, req, variables);
        match st.get("Effect").and_then(Json::as_str) {
            Some("Deny") => match applies {
                Tri::Yes => {
                    return Decision {
                        allowed: Tri::No,
                        reason: format!("{label} denies {} on {}{why}", req.action, req.resource),
                    }
                }
                Tri::Maybe if maybe_deny.is_none() => {
                    maybe_deny = Some(format!("{label} may deny it: {why}"));
                }
                _ => {}
            },
            Some("Allow") if applies != Tri::No => {
                let better = best_allow.as_ref().is_none_or(|(t, _)| applies > *t);
                if better {
                    best_allow = Some((applies, format!("{label}{why}")));
                }
            }
            _ => {}
        }
    }
    match (best_allow, maybe_deny) {
        (None, _) => Decision {
            allowed: Tri::No,
            reason: format!(
                "no statement allows {} {} on {}",
                req.caller.service, req.action, req.resource
            ),
        },
        (Some((Tri::Yes, _)), Some(d)) => Decision {
            allowed: Tri::Maybe,
            reason: d,
        },
        (Some((Tri::Yes, who)), None) => Decision {
            allowed: Tri::Yes,
            reason: format!("allowed by {who}"),
        },
        (Some((_, who)), _) => Decision {
            allowed: Tri::Maybe,
            reason: format!("only {who} could allow it, and it may not apply"),
        },
    }
}

/// Whether a statement applies to the request, and the condition that
/// decided (for messages; starts with ": " when not empty).
fn applies(st: &Json, req: &Request, variables: bool) -> (Tri, String) {
    let principal = match (st.get("Principal"), st.get("NotPrincipal")) {
        (Some(p), _) => principal_matches(p, req.caller),
        (None, Some(np)) => !principal_matches(np, req.caller),
        (None, None) => false,
    };
    if !principal {
        return (Tri::No, String::new());
    }
    let action = match (st.get("Action"), st.get("NotAction")) {
        (Some(a), _) => strings(a).iter().any(|p| wildcard(p, req.action, true)),
        (None, Some(na)) => !strings(na).iter().any(|p| wildcard(p, req.action, true)),
        (None, None) => false,
    };
    if !action {
        return (Tri::No, String::new());
    }
    let resource = match (st.get("Resource"), st.get("NotResource")) {
        (Some(r), _) => any_resource(r, req, variables),
        (None, Some(nr)) => not(any_resource(nr, req, variables)),
        (None, None) => Tri::Yes,
    };
    if resource == Tri::No {
        return (Tri::No, String::new());
    }
    let (cond, why) = match st.get("Condition") {
        Some(c) => conditions(c, req.context, variables),
        None => (Tri::Yes, String::new()),
    };
    (resource.min(cond), why)
}

fn not(t: Tri) -> Tri {
    match t {
        Tri::Yes => Tri::No,
        Tri::No => Tri::Yes,
        Tri::Maybe => Tri::Maybe,
    }
}

fn any_resource(r: &Json, req: &Request, variables: bool) -> Tri {
    let mut out = Tri::No;
    for pattern in strings(r) {
        let t = match substitute(&pattern, req.context, variables) {
            Some(p) => Tri::from_bool(wildcard(&p, req.resource, false)),
            None => Tri::Maybe,
        };
        out = out.max(t);
    }
    out
}

fn principal_matches(p: &Json, caller: &Caller) -> bool {
    match p {
        Json::String(s) => s == "*",
        Json::Object(o) => o.iter().any(|(kind, v)| {
            let vals = strings(v);
            match kind.as_str() {
                "AWS" => vals.iter().any(|a| {
                    a == "*"
                        || caller
                            .accounts
                            .iter()
                            .any(|acct| a == acct || *a == format!("arn:aws:iam::{acct}:root"))
                }),
                "Service" => vals
                    .iter()
                    .any(|s| s == "*" || s.eq_ignore_ascii_case(&caller.service)),
                _ => false,
            }
        }),
        _ => false,
    }
}

/// Values of a policy element as strings (numbers and booleans as written).
fn strings(v: &Json) -> Vec<String> {
    match v {
        Json::String(s) => vec![s.clone()],
        Json::Array(a) => a.iter().flat_map(strings).collect(),
        Json::Bool(b) => vec![b.to_string()],
        Json::Number(n) => vec![n.to_string()],
        _ => vec![],
    }
}

/// `*` (any run) and `?` (one character) wildcard match.
pub fn wildcard(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = if ignore_case {
        (
            pattern.to_lowercase().chars().collect(),
            text.to_lowercase().chars().collect(),
        )
    } else {
        (pattern.chars().collect(), text.chars().collect())
    };
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// Replaces `${key}` policy variables. `None` when a variable's value cannot
/// be known (or is absent: AWS then fails the comparison, which only a
/// known-absent value could prove; we stay with "cannot tell").
fn substitute(s: &str, ctx: &Context, variables: bool) -> Option<String> {
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
fn conditions(c: &Json, ctx: &Context, variables: bool) -> (Tri, String) {
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

/// ARN matching (`ArnLike`, `ArnEquals`): each of the six colon-separated
/// components matched on its own, with wildcards, case-sensitive (IAM User
/// Guide, "ARN condition operators"). A wildcard never spans a colon: a
/// pattern with fewer than six components (`arn:aws:cloudtrail:*:trail/NAME`,
/// the account left out) matches no ARN, nor does a value that is not an
/// ARN. A lone `*` matches any value.
fn arn_like(pattern: &str, arn: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let p: Vec<&str> = pattern.splitn(6, ':').collect();
    let a: Vec<&str> = arn.splitn(6, ':').collect();
    p.len() == 6 && a.len() == 6 && p.iter().zip(&a).all(|(p, a)| wildcard(p, a, false))
}

fn ip_in(ip: &str, cidr: &str) -> bool {
    let parse = |s: &str| -> Option<u32> {
        let parts: Vec<u8> = s
            .split('.')
            .map(|x| x.parse().ok())
            .collect::<Option<_>>()?;
        (parts.len() == 4).then(|| u32::from_be_bytes([parts[0], parts[1], parts[2], parts[3]]))
    };
    let (net, bits) = match cidr.split_once('/') {
        Some((n, b)) => (n, b.parse::<u32>().unwrap_or(33)),
        None => (cidr, 32),
    };
    match (parse(ip), parse(net)) {
        (Some(i), Some(n)) if bits <= 32 => {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            i & mask == n & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests;
