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
//!
//! A small library: it does no I/O, knows nothing of AWS's SDK or of
//! trailaudit's snapshot, and depends on `trailaudit-model` only for the
//! three-valued [`Tri`]. The parts, as in Cedar's policy core:
//!
//! - [`request`]: the request ([`Request`]: [`Caller`], action, resource,
//!   [`Context`] of condition keys, each present, absent or unknowable);
//! - [`document`]: a policy parsed once ([`PolicyDocument`]);
//! - [`evaluator`]: one document for one request ([`evaluate_document`]),
//!   giving a [`Decision`] that names the statement that decided;
//! - [`conditions`] and [`pattern`]: the Condition operators, wildcards,
//!   ARN and CIDR matching;
//! - [`levels`]: organization policies (SCPs, RCPs) level by level
//!   ([`Levels`]): every level must allow, none may deny;
//! - [`corpus`]: AWS's published bucket, key and resource control policies
//!   that the engine is tested against (the part `cedar-spec` plays for
//!   Cedar).
//!
//! ```
//! use trailaudit_iam::{evaluate, Caller, Context, Request, Tri};
//! let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
//!   "Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject",
//!   "Resource":"arn:aws:s3:::logs/*",
//!   "Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}}]}"#;
//! let caller = Caller { service: "cloudtrail.amazonaws.com".into(), accounts: vec![] };
//! let ask = |context: &Context| {
//!     let request = Request {
//!         caller: &caller,
//!         action: "s3:PutObject",
//!         resource: "arn:aws:s3:::logs/AWSLogs/111122223333/x.json.gz",
//!         context,
//!     };
//!     evaluate(policy, &request).allowed
//! };
//! // The key's value cannot be known: the answer says so, it does not guess.
//! assert_eq!(ask(&Context::default()), Tri::Maybe);
//! let mut context = Context::default();
//! context.set("aws:SourceAccount", "111122223333");
//! assert_eq!(ask(&context), Tri::Yes);
//! ```

pub mod conditions;
pub mod corpus;
pub mod document;
pub mod evaluator;
pub mod levels;
pub mod pattern;
pub mod request;

#[cfg(test)]
mod tests;

pub use document::{ParseError, PolicyDocument};
pub use evaluator::{evaluate, evaluate_document, Decision};
pub use levels::{Attached, Levels};
pub use pattern::wildcard;
pub use request::{Caller, Context, Request, Value};
pub use trailaudit_model::Tri;
