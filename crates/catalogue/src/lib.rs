//! What CloudTrail records and how a selector selects it: the event
//! catalogue of trailaudit, as data and pure functions (no I/O).
//!
//! - [`data_types`]: every data-event resource type (event source, ARN
//!   head, read-only event names, whether basic selectors can express it)
//!   and the network activity event sources;
//! - [`classes`]: the event classes ([`EventClass`]) the coverage matrix,
//!   the audit policy, `audit why` and the reports name (`management_write`,
//!   `s3_data`, `network_kms_vpce_denied`...);
//! - [`selectors`]: what a trail's basic or advanced event selectors select
//!   of a set of events ([`Event`]), three-valued ([`Tri`]);
//! - [`management`]: global service event sources (recorded in us-east-1)
//!   and well-known management event names;
//! - [`compliance`]: which framework controls (CIS, Security Hub, Config)
//!   cite which check, kept apart from the checks.
//!
//! Depends on `trailaudit-model` only (the selector types and [`Tri`]).

pub mod classes;
pub mod compliance;
pub mod data_types;
pub mod management;
pub mod selectors;

pub use classes::{Access, ClassKind, EventClass};
pub use data_types::{arn_head, data_type, short_name, DataType, Kinds, DATA_TYPES};
pub use selectors::{selects, Category, Event, Values};
pub use trailaudit_model::Tri;
