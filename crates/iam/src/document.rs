//! A policy document, parsed once: its statements and whether policy
//! variables (`${aws:username}`) are replaced (version 2012-10-17 only).
//! Evaluating the same policy for many requests parses it once.

use serde_json::Value as Json;

/// A parsed policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyDocument {
    statements: Vec<Json>,
    variables: bool,
}

/// Why a policy could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the policy is not valid JSON ({0})")]
pub struct ParseError(String);

impl PolicyDocument {
    /// Parses a policy's JSON text.
    pub fn parse(text: &str) -> Result<PolicyDocument, ParseError> {
        let doc: Json = serde_json::from_str(text).map_err(|e| ParseError(e.to_string()))?;
        Ok(PolicyDocument::from_json(doc))
    }

    /// A document from its JSON value (`Statement` one object or a list;
    /// anything else has no statement).
    pub fn from_json(doc: Json) -> PolicyDocument {
        let variables = doc.get("Version").and_then(Json::as_str) == Some("2012-10-17");
        let statements = match doc {
            Json::Object(mut o) => match o.remove("Statement") {
                Some(Json::Array(a)) => a,
                Some(st @ Json::Object(_)) => vec![st],
                _ => vec![],
            },
            _ => vec![],
        };
        PolicyDocument {
            statements,
            variables,
        }
    }

    /// A document of these statements, with policy variables (version
    /// 2012-10-17).
    pub fn of_statements(statements: Vec<Json>) -> PolicyDocument {
        PolicyDocument {
            statements,
            variables: true,
        }
    }

    /// The statements, in order.
    pub fn statements(&self) -> &[Json] {
        &self.statements
    }

    /// Whether `${...}` policy variables are replaced (version 2012-10-17).
    pub fn variables(&self) -> bool {
        self.variables
    }
}

/// Values of a policy element as strings (numbers and booleans as written).
pub(crate) fn strings(v: &Json) -> Vec<String> {
    match v {
        Json::String(s) => vec![s.clone()],
        Json::Array(a) => a.iter().flat_map(strings).collect(),
        Json::Bool(b) => vec![b.to_string()],
        Json::Number(n) => vec![n.to_string()],
        _ => vec![],
    }
}
