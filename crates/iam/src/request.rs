//! The request being decided: who sends it ([`Caller`]), the action, the
//! resource, and the condition keys it carries ([`Context`]), each key
//! present with its values, known to be absent, or unknowable.

use std::collections::BTreeMap;

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
