//! What a trail's (or event data store's) selectors really select.
//!
//! The question is a set of events, an [`Event`]: each field is one value
//! ([`Values::Is`]), any value with a prefix ([`Values::Prefix`]; `""` is
//! any value at all, or a value we do not know), or absent. The answer is
//! three-valued: [`Tri::Yes`] (every event of the set is selected),
//! [`Tri::No`] (none is) or [`Tri::Maybe`] (some are, or it depends on a
//! value we do not know). So one evaluation answers both "is this event
//! recorded" (`audit why`, every known field one value) and "is every event
//! of this class recorded" (the coverage matrix: `resources.ARN` any ARN of
//! the type, `eventName` any name): a selector that excludes one bucket
//! (`resources.ARN` `NotStartsWith arn:aws:s3:::secret/`) selects some S3
//! objects, never all of them.

use std::borrow::Cow;

use trailaudit_model::Tri;
use trailaudit_model::{AdvancedSelector, BasicSelector, FieldSelector, ReadWriteType, Selectors};

/// Event category (`eventCategory`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// Management (control plane) event.
    Management,
    /// Data event.
    Data,
    /// Network activity event (VPC endpoint traffic).
    NetworkActivity,
}

impl Category {
    /// The `eventCategory` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Management => "Management",
            Category::Data => "Data",
            Category::NetworkActivity => "NetworkActivity",
        }
    }

    /// Parses an `eventCategory` as people write it (`Management`, `data`,
    /// `NetworkActivity`, `network`, `network_activity`...); the error says
    /// what is accepted.
    pub fn parse(text: &str) -> Result<Category, String> {
        match text
            .to_ascii_lowercase()
            .replace(['_', '-', ' '], "")
            .as_str()
        {
            "management" => Ok(Category::Management),
            "data" => Ok(Category::Data),
            "networkactivity" | "network" => Ok(Category::NetworkActivity),
            _ => Err(format!(
                "event category `{text}` is not Management, Data or NetworkActivity"
            )),
        }
    }
}

/// The values one field takes in the events asked about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Values<'a> {
    /// Exactly this value.
    Is(Cow<'a, str>),
    /// Any value starting with this (`""`: any value, or one we do not know).
    Prefix(Cow<'a, str>),
    /// The field is absent (`resources.*` of a management event).
    Absent,
}

impl<'a> Values<'a> {
    /// Any value.
    pub fn any() -> Values<'static> {
        Values::Prefix(Cow::Borrowed(""))
    }

    /// The value when known, else any.
    pub fn known(v: Option<&'a str>) -> Values<'a> {
        match v {
            Some(v) => Values::Is(Cow::Borrowed(v)),
            None => Values::any(),
        }
    }
}

/// A set of events as the selectors see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event<'a> {
    /// Category.
    pub category: Category,
    /// Read-only API call (`None`: either).
    pub read_only: Option<bool>,
    /// `eventSource`, `s3.amazonaws.com`.
    pub event_source: Values<'a>,
    /// `eventName`, `GetObject`.
    pub event_name: Values<'a>,
    /// `resources.type`, `AWS::S3::Object`.
    pub resource_type: Values<'a>,
    /// `resources.ARN`.
    pub resource_arn: Values<'a>,
    /// `errorCode` (`VpceAccessDenied`).
    pub error_code: Values<'a>,
}

impl<'a> Event<'a> {
    /// Management events, read or write (`None`: both), of one source or any.
    pub fn management(read_only: Option<bool>, source: Option<&'a str>) -> Event<'a> {
        Event {
            category: Category::Management,
            read_only,
            event_source: Values::known(source),
            event_name: Values::any(),
            resource_type: Values::Absent,
            resource_arn: Values::Absent,
            error_code: Values::any(),
        }
    }

    /// Data events of `resource_type` on `resource` (`None`: any resource
    /// of the type: every ARN starting with the type's ARN head in
    /// `partition`, when the catalogue knows it).
    pub fn data(
        resource_type: &'a str,
        read_only: Option<bool>,
        resource: Values<'a>,
        partition: &str,
    ) -> Event<'a> {
        let d = crate::data_types::data_type(resource_type);
        let resource_arn = match resource {
            Values::Prefix(p) if p.is_empty() => {
                match crate::data_types::arn_head(resource_type, partition) {
                    Some(h) => Values::Prefix(Cow::Owned(h)),
                    None => Values::any(),
                }
            }
            other => other,
        };
        Event {
            category: Category::Data,
            read_only,
            event_source: Values::known(d.and_then(|d| d.source)),
            event_name: Values::any(),
            resource_type: Values::Is(Cow::Borrowed(resource_type)),
            resource_arn,
            error_code: Values::any(),
        }
    }

    /// Network activity events of `source`, or only those a VPC endpoint
    /// policy denied.
    pub fn network(source: &'a str, vpce_denied: bool) -> Event<'a> {
        Event {
            category: Category::NetworkActivity,
            read_only: None,
            event_source: Values::Is(Cow::Borrowed(source)),
            event_name: Values::any(),
            resource_type: Values::any(),
            resource_arn: Values::any(),
            error_code: if vpce_denied {
                Values::Is(Cow::Borrowed(crate::data_types::VPCE_ACCESS_DENIED))
            } else {
                Values::any()
            },
        }
    }

    /// The same events with one name.
    pub fn named(mut self, name: &'a str) -> Event<'a> {
        self.event_name = Values::Is(Cow::Borrowed(name));
        self
    }
}

/// Whether `selectors` select `e`.
pub fn selects(selectors: &Selectors, e: &Event) -> Tri {
    match selectors {
        Selectors::Default => match e.category {
            Category::Management => Tri::Yes,
            Category::Data | Category::NetworkActivity => Tri::No,
        },
        Selectors::Basic(list) => list.iter().map(|s| basic(s, e)).fold(Tri::No, Tri::or),
        Selectors::Advanced(list) => list.iter().map(|s| advanced(s, e)).fold(Tri::No, Tri::or),
    }
}

fn rw_matches(rw: ReadWriteType, read_only: Option<bool>) -> Tri {
    match (rw, read_only) {
        (ReadWriteType::All, _) => Tri::Yes,
        (_, None) => Tri::Maybe,
        (ReadWriteType::ReadOnly, Some(r)) => Tri::from_bool(r),
        (ReadWriteType::WriteOnly, Some(r)) => Tri::from_bool(!r),
    }
}

fn basic(s: &BasicSelector, e: &Event) -> Tri {
    let rw = rw_matches(s.read_write_type, e.read_only);
    match e.category {
        Category::Management => {
            if !s.include_management_events {
                return Tri::No;
            }
            let excluded = &s.exclude_management_event_sources;
            let source = match &e.event_source {
                Values::Is(src) => Tri::from_bool(!excluded.iter().any(|x| x == src)),
                Values::Prefix(p) if excluded.iter().any(|x| x.starts_with(p.as_ref())) => {
                    Tri::Maybe
                }
                _ => Tri::Yes,
            };
            rw.and(source)
        }
        Category::Data => {
            let res = s
                .data_resources
                .iter()
                .map(|d| {
                    let ty = op_over(Op::Equals, &[d.resource_type.as_str()], &e.resource_type);
                    // Basic values are ARN prefixes (`arn:aws:s3` is every
                    // bucket), taken literally: one no ARN can start with
                    // selects nothing.
                    let values: Vec<&str> = possible(&d.values);
                    if values.is_empty() {
                        return Tri::No;
                    }
                    ty.and(op_over(Op::StartsWith, &values, &e.resource_arn))
                })
                .fold(Tri::No, Tri::or);
            rw.and(res)
        }
        Category::NetworkActivity => Tri::No,
    }
}

fn advanced(s: &AdvancedSelector, e: &Event) -> Tri {
    s.field_selectors
        .iter()
        .map(|f| field(f, e))
        .fold(Tri::Yes, Tri::and)
}

fn field(f: &FieldSelector, e: &Event) -> Tri {
    let read_only = e.read_only.map(|r| if r { "true" } else { "false" });
    let any = Values::any();
    let category = Values::Is(Cow::Borrowed(e.category.as_str()));
    let ro = Values::known(read_only);
    let v: &Values = match f.field.as_str() {
        "eventCategory" => &category,
        "readOnly" => &ro,
        "eventSource" => &e.event_source,
        "eventName" => &e.event_name,
        "resources.type" => &e.resource_type,
        "resources.ARN" => &e.resource_arn,
        "errorCode" => &e.error_code,
        // userIdentity.arn, vpcEndpointId, eventType, sessionCredentialFromConsole...:
        // any value (a condition on them selects some events, never all).
        _ => &any,
    };
    let mut t = Tri::Yes;
    let ops: [(&[String], Op); 6] = [
        (&f.equals, Op::Equals),
        (&f.starts_with, Op::StartsWith),
        (&f.ends_with, Op::EndsWith),
        (&f.not_equals, Op::NotEquals),
        (&f.not_starts_with, Op::NotStartsWith),
        (&f.not_ends_with, Op::NotEndsWith),
    ];
    if let Values::Absent = v {
        let positive = !(f.equals.is_empty() && f.starts_with.is_empty() && f.ends_with.is_empty());
        return Tri::from_bool(!positive);
    }
    for (list, op) in ops {
        if list.is_empty() {
            continue;
        }
        if f.field == "resources.ARN" {
            // Values are literal: one no ARN can hold matches nothing.
            let values = possible(list);
            let r = match op {
                Op::Equals | Op::StartsWith if values.is_empty() => Tri::No,
                _ => op_over(op, &values, v),
            };
            t = t.and(r);
        } else {
            t = t.and(op_over(op, list, v));
        }
    }
    t
}

/// The values some resource's ARN could equal or start with. Selector
/// values are taken literally (no wildcards), and an S3 bucket name holds
/// only lower-case letters, digits, dots and hyphens: `arn:aws:s3:::*/*`
/// (a common mistake for "every object") matches no ARN at all.
fn possible<S: AsRef<str>>(values: &[S]) -> Vec<&str> {
    values
        .iter()
        .map(|v| v.as_ref())
        .filter(|v| {
            let parts: Vec<&str> = v.splitn(6, ':').collect();
            if parts.len() < 6 || parts[2] != "s3" {
                return true;
            }
            let bucket = parts[5].split('/').next().unwrap_or_default();
            bucket
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
        })
        .collect()
}

#[derive(Clone, Copy)]
enum Op {
    Equals,
    StartsWith,
    EndsWith,
    NotEquals,
    NotStartsWith,
    NotEndsWith,
}

/// One operator with its values over a field's values.
fn op_over<S: AsRef<str>>(op: Op, list: &[S], v: &Values) -> Tri {
    let xs = || list.iter().map(|x| x.as_ref());
    match v {
        Values::Absent => Tri::from_bool(matches!(
            op,
            Op::NotEquals | Op::NotStartsWith | Op::NotEndsWith
        )),
        Values::Is(v) => {
            let v = v.as_ref();
            Tri::from_bool(match op {
                Op::Equals => xs().any(|x| x == v),
                Op::StartsWith => xs().any(|x| v.starts_with(x)),
                Op::EndsWith => xs().any(|x| v.ends_with(x)),
                Op::NotEquals => !xs().any(|x| x == v),
                Op::NotStartsWith => !xs().any(|x| v.starts_with(x)),
                Op::NotEndsWith => !xs().any(|x| v.ends_with(x)),
            })
        }
        Values::Prefix(p) => {
            let p = p.as_ref();
            // Every value starts with p: "x is a prefix of p" holds for all
            // of them; "x starts with p" for some; otherwise for none.
            let covers_all = || xs().any(|x| p.starts_with(x));
            let some = || xs().any(|x| x.starts_with(p));
            match op {
                Op::Equals => {
                    if some() {
                        Tri::Maybe
                    } else {
                        Tri::No
                    }
                }
                Op::StartsWith => {
                    if covers_all() {
                        Tri::Yes
                    } else if some() {
                        Tri::Maybe
                    } else {
                        Tri::No
                    }
                }
                Op::EndsWith => {
                    if xs().any(str::is_empty) {
                        Tri::Yes
                    } else {
                        Tri::Maybe
                    }
                }
                Op::NotEquals => {
                    if some() {
                        Tri::Maybe
                    } else {
                        Tri::Yes
                    }
                }
                Op::NotStartsWith => {
                    if covers_all() {
                        Tri::No
                    } else if some() {
                        Tri::Maybe
                    } else {
                        Tri::Yes
                    }
                }
                Op::NotEndsWith => {
                    if xs().any(str::is_empty) {
                        Tri::No
                    } else {
                        Tri::Maybe
                    }
                }
            }
        }
    }
}

/// How much of a class of events the selectors take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extent {
    /// Every event of the class.
    All,
    /// Some (or possibly some).
    Some,
    /// None.
    None,
}

/// How much of the events described by `questions` (their union) the
/// selectors take: `All` when every question is answered `Yes`.
pub fn extent(selectors: &Selectors, questions: &[Event]) -> Extent {
    let (mut all, mut any) = (!questions.is_empty(), false);
    for q in questions {
        let a = selects(selectors, q);
        all &= a == Tri::Yes;
        any |= a != Tri::No;
    }
    if all {
        Extent::All
    } else if any {
        Extent::Some
    } else {
        Extent::None
    }
}

#[cfg(test)]
mod tests;
