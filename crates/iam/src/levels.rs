//! Organization policies in levels: service control policies and resource
//! control policies. A request is allowed only when, at every level (the
//! root, each OU on the path, the account), some attached policy allows it,
//! and no attached policy denies it. Each level's policies are evaluated
//! together as one document whose statements are named after their policy
//! (`DenyOutside (perimeter)`), so a decision names the level, the policy
//! and the statement.

use serde_json::Value as Json;
use trailaudit_model::Tri;

use crate::document::PolicyDocument;
use crate::evaluator::{evaluate_document, Decision};
use crate::request::Request;

/// The policies above one account, level by level, each read once and then
/// asked about any number of requests.
#[derive(Debug, Clone, PartialEq)]
pub struct Levels(Vec<(String, PolicyDocument)>);

/// One attached policy: its name (for messages) and its JSON text.
#[derive(Debug, Clone, Copy)]
pub struct Attached<'a> {
    /// The policy's name.
    pub name: &'a str,
    /// The policy's id (for messages about an unreadable policy).
    pub id: &'a str,
    /// Its JSON text.
    pub content: &'a str,
}

impl Levels {
    /// Levels from the root down: each target (a root, OU or account id)
    /// with the policies attached to it. `Err` names a policy that is not
    /// valid JSON.
    pub fn new<'a>(
        levels: impl IntoIterator<Item = (String, Vec<Attached<'a>>)>,
    ) -> Result<Levels, String> {
        levels
            .into_iter()
            .map(|(target, policies)| level_document(&policies).map(|doc| (target, doc)))
            .collect::<Result<Vec<_>, _>>()
            .map(Levels)
    }

    /// What they decide for `req` on a resource of account `owner`:
    /// allowed, denied (naming the level, the policy and the statement), or
    /// [`Tri::Maybe`] when a statement may deny it on a value that cannot be
    /// known.
    pub fn decide(&self, owner: &str, req: &Request) -> Decision {
        let mut first_maybe = None;
        for (target, level) in &self.0 {
            let d = evaluate_document(level, req);
            match d.allowed {
                Tri::No => {
                    return decided(
                        Tri::No,
                        format!(
                            "the resource control policies attached to {target} deny it: {}",
                            d.reason
                        ),
                    )
                }
                Tri::Maybe if first_maybe.is_none() => {
                    first_maybe = Some(decided(
                        Tri::Maybe,
                        format!(
                            "a resource control policy attached to {target} may deny it: {}",
                            d.reason
                        ),
                    ));
                }
                _ => {}
            }
        }
        first_maybe.unwrap_or_else(|| {
            decided(
                Tri::Yes,
                format!("the resource control policies above account {owner} allow it"),
            )
        })
    }
}

fn decided(allowed: Tri, reason: String) -> Decision {
    Decision { allowed, reason }
}

/// One level's policies as one document: every statement of every policy,
/// its `Sid` naming the policy (`DenyOutside (perimeter)`, `#2 (perimeter)`
/// for a statement without one).
fn level_document(policies: &[Attached]) -> Result<PolicyDocument, String> {
    let mut statements = Vec::new();
    for p in policies {
        let doc: Json = serde_json::from_str(p.content).map_err(|e| {
            format!(
                "resource control policy {} ({}) is not valid JSON ({e})",
                p.name, p.id
            )
        })?;
        let list = match doc.get("Statement") {
            Some(Json::Array(a)) => a.clone(),
            Some(o @ Json::Object(_)) => vec![o.clone()],
            _ => vec![],
        };
        for (i, mut st) in list.into_iter().enumerate() {
            let sid = st
                .get("Sid")
                .and_then(Json::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .unwrap_or_else(|| format!("#{}", i + 1));
            if let Json::Object(o) = &mut st {
                o.insert("Sid".into(), Json::String(format!("{sid} ({})", p.name)));
            }
            statements.push(st);
        }
    }
    Ok(PolicyDocument::of_statements(statements))
}
