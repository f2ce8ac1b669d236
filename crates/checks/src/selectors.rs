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

use trailaudit_model::{AdvancedSelector, BasicSelector, FieldSelector, ReadWriteType, Selectors};

/// Three-valued answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tri {
    /// Not selected.
    No,
    /// Some of them, or it depends on a value we do not know.
    Maybe,
    /// Selected (all of them).
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
        let d = crate::events::data_type(resource_type);
        let resource_arn = match resource {
            Values::Prefix(p) if p.is_empty() => {
                match crate::events::arn_head(resource_type, partition) {
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
                Values::Is(Cow::Borrowed(crate::events::VPCE_ACCESS_DENIED))
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
                    // Basic values are ARN prefixes (`arn:aws:s3` is every bucket).
                    ty.and(op_over(Op::StartsWith, &d.values, &e.resource_arn))
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
        if !list.is_empty() {
            t = t.and(op_over(op, list, v));
        }
    }
    t
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
mod tests {
    use super::*;
    use trailaudit_model::DataResource;

    fn mgmt(read_only: bool, source: &str) -> Event<'_> {
        Event::management(Some(read_only), Some(source))
    }

    fn s3_obj(arn: &str, read_only: bool) -> Event<'_> {
        Event::data(
            "AWS::S3::Object",
            Some(read_only),
            Values::Is(arn.into()),
            "aws",
        )
        .named(if read_only { "GetObject" } else { "PutObject" })
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
            resource_arn: Values::any(),
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
        assert_eq!(extent(&s, &probes), Extent::Some);
    }

    fn adv(fields: Vec<FieldSelector>) -> AdvancedSelector {
        AdvancedSelector {
            name: None,
            field_selectors: fields,
        }
    }

    fn eq(field: &str, v: &[&str]) -> FieldSelector {
        FieldSelector {
            field: field.into(),
            equals: v.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    fn with(mut f: FieldSelector, op: &str, v: &[&str]) -> FieldSelector {
        let v: Vec<String> = v.iter().map(|s| s.to_string()).collect();
        match op {
            "Equals" => f.equals = v,
            "StartsWith" => f.starts_with = v,
            "EndsWith" => f.ends_with = v,
            "NotEquals" => f.not_equals = v,
            "NotStartsWith" => f.not_starts_with = v,
            "NotEndsWith" => f.not_ends_with = v,
            _ => unreachable!(),
        }
        f
    }

    /// Every event of a type, read and write (as the matrix asks).
    fn class(ty: &str) -> Vec<Event<'_>> {
        [true, false]
            .into_iter()
            .map(|ro| Event::data(ty, Some(ro), Values::any(), "aws"))
            .collect()
    }

    fn one_type(ty: &str) -> Selectors {
        Selectors::Advanced(vec![adv(vec![
            eq("eventCategory", &["Data"]),
            eq("resources.type", &[ty]),
        ])])
    }

    #[test]
    fn every_catalogued_type_through_advanced_selectors() {
        for d in crate::events::DATA_TYPES {
            let ty = d.resource_type;
            let s = one_type(ty);
            assert_eq!(extent(&s, &class(ty)), Extent::All, "{ty}");
            // Another type's selector takes none of it.
            let other = if ty == "AWS::S3::Object" {
                "AWS::Lambda::Function"
            } else {
                "AWS::S3::Object"
            };
            assert_eq!(extent(&one_type(other), &class(ty)), Extent::None, "{ty}");
            // Every ARN of the type: a StartsWith the type's ARN head.
            if let Some(head) = crate::events::arn_head(ty, "aws") {
                let s = Selectors::Advanced(vec![adv(vec![
                    eq("eventCategory", &["Data"]),
                    eq("resources.type", &[ty]),
                    with(fs("resources.ARN"), "StartsWith", &[&head]),
                ])]);
                assert_eq!(extent(&s, &class(ty)), Extent::All, "{ty} {head}");
                let s = Selectors::Advanced(vec![adv(vec![
                    eq("eventCategory", &["Data"]),
                    eq("resources.type", &[ty]),
                    with(fs("resources.ARN"), "StartsWith", &[&format!("{head}x")]),
                ])]);
                assert_eq!(extent(&s, &class(ty)), Extent::Some, "{ty}");
            }
            // Only read events: half of it.
            let ro = Selectors::Advanced(vec![adv(vec![
                eq("eventCategory", &["Data"]),
                eq("resources.type", &[ty]),
                eq("readOnly", &["true"]),
            ])]);
            assert_eq!(extent(&ro, &class(ty)), Extent::Some, "{ty}");
            assert_eq!(
                extent(&ro, &[Event::data(ty, Some(true), Values::any(), "aws")]),
                Extent::All
            );
            assert_eq!(
                extent(&ro, &[Event::data(ty, Some(false), Values::any(), "aws")]),
                Extent::None
            );
            // No selector of the default kind or of management takes data.
            assert_eq!(extent(&Selectors::Default, &class(ty)), Extent::None);
        }
    }

    #[test]
    fn basic_selectors_express_three_types() {
        for (ty, all) in [
            ("AWS::S3::Object", "arn:aws:s3"),
            ("AWS::Lambda::Function", "arn:aws:lambda"),
            ("AWS::DynamoDB::Table", "arn:aws:dynamodb"),
        ] {
            let mk = |rw, values: &[&str]| {
                Selectors::Basic(vec![BasicSelector {
                    read_write_type: rw,
                    include_management_events: true,
                    exclude_management_event_sources: vec![],
                    data_resources: vec![DataResource {
                        resource_type: ty.into(),
                        values: values.iter().map(|s| s.to_string()).collect(),
                    }],
                }])
            };
            assert_eq!(
                extent(&mk(ReadWriteType::All, &[all]), &class(ty)),
                Extent::All
            );
            assert_eq!(
                extent(&mk(ReadWriteType::WriteOnly, &[all]), &class(ty)),
                Extent::Some
            );
            assert_eq!(
                extent(
                    &mk(ReadWriteType::WriteOnly, &[all]),
                    &[Event::data(ty, Some(false), Values::any(), "aws")]
                ),
                Extent::All
            );
            assert_eq!(
                extent(
                    &mk(ReadWriteType::All, &[&format!("{all}:::x/")]),
                    &class(ty)
                ),
                Extent::Some,
                "one resource of {ty}"
            );
            assert_eq!(
                extent(&mk(ReadWriteType::All, &[]), &class(ty)),
                Extent::None
            );
        }
    }

    #[test]
    fn exclusions_and_resource_prefixes() {
        let ty = "AWS::S3::Object";
        let base = || vec![eq("eventCategory", &["Data"]), eq("resources.type", &[ty])];
        let excluding = |op: &str, v: &str| {
            let mut f = base();
            f.push(with(fs("resources.ARN"), op, &[v]));
            Selectors::Advanced(vec![adv(f)])
        };
        let bucket = |name: &str| {
            vec![
                Event::data(
                    ty,
                    Some(true),
                    Values::Prefix(format!("arn:aws:s3:::{name}/").into()),
                    "aws",
                ),
                Event::data(
                    ty,
                    Some(false),
                    Values::Prefix(format!("arn:aws:s3:::{name}/").into()),
                    "aws",
                ),
            ]
        };
        let not_secret = excluding("NotStartsWith", "arn:aws:s3:::secret/");
        assert_eq!(extent(&not_secret, &class(ty)), Extent::Some);
        assert_eq!(extent(&not_secret, &bucket("secret")), Extent::None);
        assert_eq!(extent(&not_secret, &bucket("orders")), Extent::All);
        // One object excluded: the bucket is partly recorded.
        let not_one = excluding("NotEquals", "arn:aws:s3:::orders/key");
        assert_eq!(extent(&not_one, &bucket("orders")), Extent::Some);
        assert_eq!(extent(&not_one, &bucket("other")), Extent::All);
        let only_orders = excluding("StartsWith", "arn:aws:s3:::orders/");
        assert_eq!(extent(&only_orders, &bucket("orders")), Extent::All);
        assert_eq!(extent(&only_orders, &bucket("ordersx")), Extent::None);
        assert_eq!(extent(&only_orders, &class(ty)), Extent::Some);
        let no_logs = excluding("NotEndsWith", ".log");
        assert_eq!(extent(&no_logs, &bucket("orders")), Extent::Some);
        let only_key = excluding("Equals", "arn:aws:s3:::orders/key");
        assert_eq!(extent(&only_key, &bucket("orders")), Extent::Some);
        assert_eq!(extent(&only_key, &bucket("other")), Extent::None);
        // An event name left out: not every event.
        let mut f = base();
        f.push(with(fs("eventName"), "NotEquals", &["GetObject"]));
        let no_get = Selectors::Advanced(vec![adv(f)]);
        assert_eq!(extent(&no_get, &class(ty)), Extent::Some);
        assert_eq!(selects(&no_get, &s3_obj("arn:aws:s3:::b/k", true)), Tri::No);
        // A table: exact ARNs.
        let t = "arn:aws:dynamodb:eu-west-1:111122223333:table/cards";
        let only_cards = Selectors::Advanced(vec![adv(vec![
            eq("eventCategory", &["Data"]),
            eq("resources.type", &["AWS::DynamoDB::Table"]),
            eq("resources.ARN", &[t]),
        ])]);
        let cards = class("AWS::DynamoDB::Table")
            .into_iter()
            .map(|e| Event {
                resource_arn: Values::Is(t.into()),
                ..e
            })
            .collect::<Vec<_>>();
        assert_eq!(extent(&only_cards, &cards), Extent::All);
        assert_eq!(
            extent(&only_cards, &class("AWS::DynamoDB::Table")),
            Extent::Some
        );
        // Read and write in two selectors: all.
        let split = Selectors::Advanced(
            ["true", "false"]
                .iter()
                .map(|ro| {
                    adv(vec![
                        eq("eventCategory", &["Data"]),
                        eq("resources.type", &[ty]),
                        eq("readOnly", &[ro]),
                    ])
                })
                .collect(),
        );
        assert_eq!(extent(&split, &class(ty)), Extent::All);
    }

    #[test]
    fn network_activity_selectors() {
        let kms = || Event::network("kms.amazonaws.com", false);
        let kms_denied = || Event::network("kms.amazonaws.com", true);
        let all_kms = Selectors::Advanced(vec![adv(vec![
            eq("eventCategory", &["NetworkActivity"]),
            eq("eventSource", &["kms.amazonaws.com"]),
        ])]);
        assert_eq!(extent(&all_kms, &[kms()]), Extent::All);
        assert_eq!(extent(&all_kms, &[kms_denied()]), Extent::All);
        assert_eq!(
            extent(&all_kms, &[Event::network("ec2.amazonaws.com", false)]),
            Extent::None
        );
        let denied_only = Selectors::Advanced(vec![adv(vec![
            eq("eventCategory", &["NetworkActivity"]),
            eq("eventSource", &["kms.amazonaws.com"]),
            eq("errorCode", &["VpceAccessDenied"]),
        ])]);
        assert_eq!(extent(&denied_only, &[kms()]), Extent::Some);
        assert_eq!(extent(&denied_only, &[kms_denied()]), Extent::All);
        let one_endpoint = Selectors::Advanced(vec![adv(vec![
            eq("eventCategory", &["NetworkActivity"]),
            eq("eventSource", &["kms.amazonaws.com"]),
            eq("vpcEndpointId", &["vpce-1"]),
        ])]);
        assert_eq!(extent(&one_endpoint, &[kms_denied()]), Extent::Some);
        // Management, data, basic and default selectors record none.
        for s in [
            Selectors::Default,
            Selectors::Advanced(vec![adv(vec![eq("eventCategory", &["Management"])])]),
            one_type("AWS::S3::Object"),
        ] {
            assert_eq!(extent(&s, &[kms()]), Extent::None);
        }
        // And network selectors record no management or data events.
        assert_eq!(
            extent(&all_kms, &[Event::management(Some(false), None)]),
            Extent::None
        );
    }
}
