//! Evaluation of one policy document for one request: which statements
//! apply (Principal, Action, Resource, Condition), then AWS's rule that an
//! explicit Deny wins and no Allow is an implicit deny.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use serde_json::Value as Json;
use trailaudit_model::Tri;

use crate::conditions::{conditions, substitute};
use crate::document::{strings, ParseError, PolicyDocument};
use crate::pattern::wildcard;
use crate::request::{Caller, Request};

/// The answer for one request: allowed, denied, or cannot tell, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Yes = allowed, No = denied (explicitly or implicitly), Maybe = cannot tell.
    pub allowed: Tri,
    /// The statement that decided, and why, in one sentence.
    pub reason: String,
}

/// Evaluates `policy` (JSON text) for `req`: parsed, then
/// [`evaluate_document`]. A policy that is not valid JSON cannot tell.
/// The parse is remembered per thread (the last [`PARSED_KEPT`] policies
/// by their text), so a bucket policy asked about every account of an
/// organization trail is parsed once; [`PolicyDocument::parse`] parses
/// explicitly.
pub fn evaluate(policy: &str, req: &Request) -> Decision {
    thread_local! {
        static PARSED: RefCell<HashMap<String, Rc<Result<PolicyDocument, ParseError>>>> =
            RefCell::new(HashMap::new());
    }
    let doc = PARSED.with(|p| {
        if let Some(d) = p.borrow().get(policy) {
            return d.clone();
        }
        let d = Rc::new(PolicyDocument::parse(policy));
        let mut p = p.borrow_mut();
        if p.len() >= PARSED_KEPT {
            p.clear();
        }
        p.insert(policy.to_string(), d.clone());
        d
    });
    match &*doc {
        Ok(doc) => evaluate_document(doc, req),
        Err(e) => Decision {
            allowed: Tri::Maybe,
            reason: e.to_string(),
        },
    }
}

/// How many parsed policies [`evaluate`] keeps per thread.
pub const PARSED_KEPT: usize = 512;

/// Evaluates a parsed policy document for `req`: an explicit Deny that
/// applies wins, a Deny that may apply makes the answer [`Tri::Maybe`], no
/// Allow that applies is an implicit deny. The reason names the statement.
pub fn evaluate_document(doc: &PolicyDocument, req: &Request) -> Decision {
    let variables = doc.variables();
    let statements = doc.statements();
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
        (None, Some(nr)) => !any_resource(nr, req, variables),
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
