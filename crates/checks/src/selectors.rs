//! What a trail's (or event data store's) selectors really select.
//!
//! An event is described by an [`Event`]; any field may be left unknown
//! (`None`), in which case a condition on it can neither be proven true nor
//! false and evaluates to [`Tri::Maybe`]. "Selects every event of a class" is
//! proven only with concrete probe events that all answer [`Tri::Yes`];
//! "selects some" accepts `Maybe` (for example a `resources.ARN` condition on
//! one bucket).

use trailaudit_model::{AdvancedSelector, BasicSelector, FieldSelector, ReadWriteType, Selectors};

/// Three-valued answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tri {
    /// Not selected.
    No,
    /// Depends on a value we do not know.
    Maybe,
    /// Selected.
    Yes,
}

impl Tri {
    fn and(self, o: Tri) -> Tri {
        self.min(o)
    }
    fn or(self, o: Tri) -> Tri {
        self.max(o)
    }
    /// `Yes` for true, `No` for false.
    pub fn from_bool(b: bool) -> Tri {
        if b {
            Tri::Yes
        } else {
            Tri::No
        }
    }
}

/// Event category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// Management (control plane) event.
    Management,
    /// Data event.
    Data,
}

/// An event as the selectors see it. `None` = unknown value.
#[derive(Debug, Clone, Copy)]
pub struct Event<'a> {
    /// Category.
    pub category: Category,
    /// Read-only API call.
    pub read_only: Option<bool>,
    /// `eventSource`, `s3.amazonaws.com`.
    pub event_source: Option<&'a str>,
    /// `eventName`, `GetObject`.
    pub event_name: Option<&'a str>,
    /// `resources.type`, `AWS::S3::Object`.
    pub resource_type: Option<&'a str>,
    /// `resources.ARN`.
    pub resource_arn: Option<&'a str>,
}

/// Whether `selectors` select `e`.
pub fn selects(selectors: &Selectors, e: &Event) -> Tri {
    match selectors {
        Selectors::Default => match e.category {
            Category::Management => Tri::Yes,
            Category::Data => Tri::No,
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
            let source = match e.event_source {
                Some(src) => {
                    Tri::from_bool(!s.exclude_management_event_sources.iter().any(|x| x == src))
                }
                None if s.exclude_management_event_sources.is_empty() => Tri::Yes,
                None => Tri::Maybe,
            };
            rw.and(source)
        }
        Category::Data => {
            let res = s
                .data_resources
                .iter()
                .filter(|d| {
                    Some(d.resource_type.as_str()) == e.resource_type || e.resource_type.is_none()
                })
                .map(|d| {
                    let type_known = Tri::from_bool(e.resource_type.is_some()).or(Tri::Maybe);
                    let arn = match e.resource_arn {
                        Some(arn) => {
                            Tri::from_bool(d.values.iter().any(|v| arn_prefix_matches(v, arn)))
                        }
                        None if d.values.iter().any(|v| is_all_resources(v)) => Tri::Yes,
                        None if d.values.is_empty() => Tri::No,
                        None => Tri::Maybe,
                    };
                    type_known.and(arn)
                })
                .fold(Tri::No, Tri::or);
            rw.and(res)
        }
    }
}

/// Basic data-resource values: `arn:aws:s3` / `arn:aws:s3:::` (all buckets),
/// `arn:aws:lambda` (all functions), or an ARN prefix.
fn arn_prefix_matches(value: &str, arn: &str) -> bool {
    arn.starts_with(value)
}

fn is_all_resources(v: &str) -> bool {
    matches!(
        v,
        "arn:aws:s3" | "arn:aws:s3:::" | "arn:aws:lambda" | "arn:aws:dynamodb"
    )
}

/// What every ARN of a data resource type starts with (`None` when the
/// type's ARNs share no service prefix known here).
fn arn_head(resource_type: &str) -> Option<&'static str> {
    Some(match resource_type {
        "AWS::S3::Object" => "arn:aws:s3:::",
        "AWS::Lambda::Function" => "arn:aws:lambda:",
        "AWS::DynamoDB::Table" => "arn:aws:dynamodb:",
        "AWS::S3Express::Object" => "arn:aws:s3express:",
        "AWS::SNS::Topic" => "arn:aws:sns:",
        "AWS::SQS::Queue" => "arn:aws:sqs:",
        _ => return None,
    })
}

fn advanced(s: &AdvancedSelector, e: &Event) -> Tri {
    s.field_selectors
        .iter()
        .map(|f| field(f, e))
        .fold(Tri::Yes, Tri::and)
}

fn field(f: &FieldSelector, e: &Event) -> Tri {
    let category = match e.category {
        Category::Management => "Management",
        Category::Data => "Data",
    };
    let read_only = e.read_only.map(|r| if r { "true" } else { "false" });
    let value: Option<&str> = match f.field.as_str() {
        "eventCategory" => Some(category),
        "readOnly" => read_only,
        "eventSource" => e.event_source,
        "eventName" => e.event_name,
        "resources.type" => e.resource_type,
        "resources.ARN" => e.resource_arn,
        // userIdentity.arn, errorCode, eventType, sessionCredentialFromConsole...:
        // values a coverage question cannot know.
        _ => None,
    };
    let Some(v) = value else {
        // Any ARN of the event's type: only a `StartsWith` that every ARN of
        // the type starts with (`arn:aws:s3:::` for objects) is sure to hold.
        if f.field == "resources.ARN" && e.category == Category::Data {
            if let Some(head) = e.resource_type.and_then(arn_head) {
                let only_prefixes = f.equals.is_empty()
                    && f.ends_with.is_empty()
                    && f.not_equals.is_empty()
                    && f.not_starts_with.is_empty()
                    && f.not_ends_with.is_empty();
                if only_prefixes && f.starts_with.iter().any(|p| head.starts_with(p.as_str())) {
                    return Tri::Yes;
                }
            }
            return Tri::Maybe;
        }
        // A field absent from a management event (resources.*) makes positive
        // operators fail; anything else unknown is Maybe.
        if e.category == Category::Management && f.field.starts_with("resources.") {
            let positive =
                !(f.equals.is_empty() && f.starts_with.is_empty() && f.ends_with.is_empty());
            return if positive { Tri::No } else { Tri::Yes };
        }
        return Tri::Maybe;
    };
    let mut t = Tri::Yes;
    if !f.equals.is_empty() {
        t = t.and(Tri::from_bool(f.equals.iter().any(|x| x == v)));
    }
    if !f.starts_with.is_empty() {
        t = t.and(Tri::from_bool(
            f.starts_with.iter().any(|x| v.starts_with(x.as_str())),
        ));
    }
    if !f.ends_with.is_empty() {
        t = t.and(Tri::from_bool(
            f.ends_with.iter().any(|x| v.ends_with(x.as_str())),
        ));
    }
    if !f.not_equals.is_empty() {
        t = t.and(Tri::from_bool(!f.not_equals.iter().any(|x| x == v)));
    }
    if !f.not_starts_with.is_empty() {
        t = t.and(Tri::from_bool(
            !f.not_starts_with.iter().any(|x| v.starts_with(x.as_str())),
        ));
    }
    if !f.not_ends_with.is_empty() {
        t = t.and(Tri::from_bool(
            !f.not_ends_with.iter().any(|x| v.ends_with(x.as_str())),
        ));
    }
    t
}

/// How much of a class of events the selectors take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extent {
    /// Every probe event selected.
    All,
    /// Some (or possibly some).
    Some,
    /// None.
    None,
}

/// Selects every probe (`All`), some or possibly some (`Some`), or none.
/// `open` are the same probes with the fields that make coverage partial
/// (ARN, event name, source) unknown, to find selectors narrower than "all".
/// `All` needs both: every concrete probe selected, and every open one
/// selected whatever the unknown fields are. A selector that excludes one
/// bucket (`resources.ARN` `NotStartsWith arn:aws:s3:::secret/`) selects the
/// probes' made-up buckets but not every bucket: `Some`, never `All`.
pub fn extent(selectors: &Selectors, probes: &[Event], open: &[Event]) -> Extent {
    if probes
        .iter()
        .chain(open.iter())
        .all(|p| selects(selectors, p) == Tri::Yes)
    {
        Extent::All
    } else if probes
        .iter()
        .chain(open.iter())
        .any(|p| selects(selectors, p) != Tri::No)
    {
        Extent::Some
    } else {
        Extent::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trailaudit_model::DataResource;

    fn mgmt(read_only: bool, source: &str) -> Event<'_> {
        Event {
            category: Category::Management,
            read_only: Some(read_only),
            event_source: Some(source),
            event_name: None,
            resource_type: None,
            resource_arn: None,
        }
    }

    fn s3_obj(arn: &str, read_only: bool) -> Event<'_> {
        Event {
            category: Category::Data,
            read_only: Some(read_only),
            event_source: Some("s3.amazonaws.com"),
            event_name: Some(if read_only { "GetObject" } else { "PutObject" }),
            resource_type: Some("AWS::S3::Object"),
            resource_arn: Some(arn),
        }
    }

    fn fs(field: &str) -> FieldSelector {
        FieldSelector {
            field: field.into(),
            ..Default::default()
        }
    }

    #[test]
    fn default_selectors_take_all_management_and_no_data() {
        assert_eq!(
            selects(&Selectors::Default, &mgmt(true, "ec2.amazonaws.com")),
            Tri::Yes
        );
        assert_eq!(
            selects(&Selectors::Default, &s3_obj("arn:aws:s3:::b/k", true)),
            Tri::No
        );
    }

    #[test]
    fn basic_write_only_with_excluded_source() {
        let s = Selectors::Basic(vec![BasicSelector {
            read_write_type: ReadWriteType::WriteOnly,
            include_management_events: true,
            exclude_management_event_sources: vec!["kms.amazonaws.com".into()],
            data_resources: vec![],
        }]);
        assert_eq!(selects(&s, &mgmt(false, "ec2.amazonaws.com")), Tri::Yes);
        assert_eq!(selects(&s, &mgmt(true, "ec2.amazonaws.com")), Tri::No);
        assert_eq!(selects(&s, &mgmt(false, "kms.amazonaws.com")), Tri::No);
    }

    #[test]
    fn basic_data_resources_by_prefix_and_all_buckets() {
        let one = Selectors::Basic(vec![BasicSelector {
            read_write_type: ReadWriteType::All,
            include_management_events: true,
            exclude_management_event_sources: vec![],
            data_resources: vec![DataResource {
                resource_type: "AWS::S3::Object".into(),
                values: vec!["arn:aws:s3:::orders/".into()],
            }],
        }]);
        assert_eq!(
            selects(&one, &s3_obj("arn:aws:s3:::orders/x", true)),
            Tri::Yes
        );
        assert_eq!(
            selects(&one, &s3_obj("arn:aws:s3:::other/x", true)),
            Tri::No
        );
        let all = Selectors::Basic(vec![BasicSelector {
            read_write_type: ReadWriteType::All,
            include_management_events: false,
            exclude_management_event_sources: vec![],
            data_resources: vec![DataResource {
                resource_type: "AWS::S3::Object".into(),
                values: vec!["arn:aws:s3".into()],
            }],
        }]);
        assert_eq!(
            selects(&all, &s3_obj("arn:aws:s3:::any/x", false)),
            Tri::Yes
        );
        assert_eq!(selects(&all, &mgmt(false, "ec2.amazonaws.com")), Tri::No);
    }

    #[test]
    fn advanced_operators() {
        let mut cat = fs("eventCategory");
        cat.equals = vec!["Data".into()];
        let mut ty = fs("resources.type");
        ty.equals = vec!["AWS::S3::Object".into()];
        let mut arn = fs("resources.ARN");
        arn.starts_with = vec!["arn:aws:s3:::orders/".into()];
        let mut not_read = fs("readOnly");
        not_read.equals = vec!["false".into()];
        let s = Selectors::Advanced(vec![AdvancedSelector {
            name: None,
            field_selectors: vec![cat.clone(), ty.clone(), arn, not_read],
        }]);
        assert_eq!(
            selects(&s, &s3_obj("arn:aws:s3:::orders/a", false)),
            Tri::Yes
        );
        assert_eq!(selects(&s, &s3_obj("arn:aws:s3:::orders/a", true)), Tri::No);
        assert_eq!(selects(&s, &s3_obj("arn:aws:s3:::else/a", false)), Tri::No);
        let unknown_arn = Event {
            resource_arn: None,
            ..s3_obj("x", false)
        };
        assert_eq!(selects(&s, &unknown_arn), Tri::Maybe);

        let mut mcat = fs("eventCategory");
        mcat.equals = vec!["Management".into()];
        let mut no_kms = fs("eventSource");
        no_kms.not_equals = vec!["kms.amazonaws.com".into()];
        let m = Selectors::Advanced(vec![AdvancedSelector {
            name: None,
            field_selectors: vec![mcat, no_kms],
        }]);
        assert_eq!(selects(&m, &mgmt(true, "ec2.amazonaws.com")), Tri::Yes);
        assert_eq!(selects(&m, &mgmt(true, "kms.amazonaws.com")), Tri::No);
        assert_eq!(selects(&m, &s3_obj("arn:aws:s3:::b/k", true)), Tri::No);

        let mut ends = fs("resources.ARN");
        ends.not_ends_with = vec![".log".into()];
        let e = Selectors::Advanced(vec![AdvancedSelector {
            name: None,
            field_selectors: vec![cat, ty, ends],
        }]);
        assert_eq!(selects(&e, &s3_obj("arn:aws:s3:::b/a.log", true)), Tri::No);
        assert_eq!(selects(&e, &s3_obj("arn:aws:s3:::b/a.txt", true)), Tri::Yes);
    }

    #[test]
    fn unknown_fields_are_maybe_never_yes() {
        let mut u = fs("userIdentity.arn");
        u.not_starts_with = vec!["arn:aws:sts::111122223333:assumed-role/ci".into()];
        let mut c = fs("eventCategory");
        c.equals = vec!["Management".into()];
        let s = Selectors::Advanced(vec![AdvancedSelector {
            name: None,
            field_selectors: vec![c, u],
        }]);
        assert_eq!(selects(&s, &mgmt(false, "ec2.amazonaws.com")), Tri::Maybe);
        let probes = [mgmt(false, "ec2.amazonaws.com")];
        assert_eq!(extent(&s, &probes, &[]), Extent::Some);
    }
}
