//! The event classes the coverage matrix, the audit policy, `audit why` and
//! the reports use: a copyable [`EventClass`] handle on a class registered
//! once per process.
//!
//! Class names:
//! - `management_write`, `management_read`, `global_service`, `insights`;
//! - data events of one resource type: `<short>_data`, read or write only:
//!   `<short>_data_read` / `<short>_data_write` (`s3_data` is
//!   `AWS::S3::Object`, `lambda_data` `AWS::Lambda::Function`,
//!   `dynamodb_data` `AWS::DynamoDB::Table`; any other type's short name is
//!   its service and resource in snake case: `AWS::Bedrock::AgentAlias` is
//!   `bedrock_agent_alias`). The resource type itself (`AWS::DynamoDB::Table`,
//!   optionally `:read` / `:write`) is accepted wherever a class is.
//! - network activity events of one event source: `network_<service>`
//!   (`network_kms` is every network activity event of `kms.amazonaws.com`),
//!   `network_<service>_vpce_denied` only those a VPC endpoint policy denied
//!   (`errorCode` `VpceAccessDenied`).

use std::sync::{OnceLock, RwLock};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::data_types::{data_type, short_name, Kinds, DATA_TYPES, VPCE_ACCESS_DENIED};

/// Which of a type's data events a class asks about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Access {
    /// Read and write events.
    Both,
    /// Read-only events.
    Read,
    /// Write events.
    Write,
}

impl Access {
    /// `read`, `write` or `read_write`.
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Both => "read_write",
            Access::Read => "read",
            Access::Write => "write",
        }
    }

    /// Parses `read`, `write`, `read_write` (or `both`, `all`).
    pub fn parse(s: &str) -> Option<Access> {
        match s.to_ascii_lowercase().as_str() {
            "read" | "readonly" | "read_only" => Some(Access::Read),
            "write" | "writeonly" | "write_only" => Some(Access::Write),
            "read_write" | "both" | "all" => Some(Access::Both),
            _ => None,
        }
    }

    /// `read`, `write` or both, for people.
    pub fn words(self) -> &'static str {
        match self {
            Access::Read => "read",
            Access::Write => "write",
            Access::Both => "read and write",
        }
    }

    /// The `readOnly` values it takes.
    pub fn read_only_values(self) -> &'static [bool] {
        match self {
            Access::Both => &[true, false],
            Access::Read => &[true],
            Access::Write => &[false],
        }
    }
}

impl std::fmt::Display for Access {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Access {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Access {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Access, D::Error> {
        let text = String::deserialize(d)?;
        Access::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!("access `{text}` is not read, write or read_write"))
        })
    }
}

/// What an event class is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ClassKind {
    /// Management events that change something.
    ManagementWrite,
    /// Management events that only read.
    ManagementRead,
    /// IAM, STS, sign-in, CloudFront, Organizations events (in us-east-1).
    GlobalService,
    /// CloudTrail Insights events.
    Insights,
    /// Data events of one resource type.
    Data {
        /// `resources.type`.
        resource_type: String,
        /// Read, write or both.
        access: Access,
    },
    /// Network activity events of one event source.
    Network {
        /// `eventSource`.
        source: String,
        /// Only those denied by a VPC endpoint policy.
        vpce_denied: bool,
    },
}

struct ClassDef {
    name: &'static str,
    kind: ClassKind,
}

fn registry() -> &'static RwLock<Vec<ClassDef>> {
    static R: OnceLock<RwLock<Vec<ClassDef>>> = OnceLock::new();
    R.get_or_init(|| {
        let base = [
            ("management_write", ClassKind::ManagementWrite),
            ("management_read", ClassKind::ManagementRead),
            ("global_service", ClassKind::GlobalService),
            (
                "s3_data",
                ClassKind::Data {
                    resource_type: "AWS::S3::Object".into(),
                    access: Access::Both,
                },
            ),
            (
                "lambda_data",
                ClassKind::Data {
                    resource_type: "AWS::Lambda::Function".into(),
                    access: Access::Both,
                },
            ),
            ("insights", ClassKind::Insights),
        ];
        RwLock::new(
            base.into_iter()
                .map(|(name, kind)| ClassDef { name, kind })
                .collect(),
        )
    })
}

/// An event class of the coverage matrix: a small copyable handle on a
/// class registered once per process (the six base classes are always
/// there; data and network classes are registered when a policy or a
/// command names them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventClass(u16);

#[allow(non_upper_case_globals)]
impl EventClass {
    /// Management events that change something.
    pub const ManagementWrite: EventClass = EventClass(0);
    /// Management events that only read.
    pub const ManagementRead: EventClass = EventClass(1);
    /// IAM, STS global, CloudFront, sign-in, Organizations (in us-east-1).
    pub const GlobalService: EventClass = EventClass(2);
    /// S3 object-level data events (`AWS::S3::Object`, read and write).
    pub const S3Data: EventClass = EventClass(3);
    /// Lambda Invoke data events (`AWS::Lambda::Function`).
    pub const LambdaData: EventClass = EventClass(4);
    /// CloudTrail Insights events.
    pub const Insights: EventClass = EventClass(5);

    /// The classes every matrix has, in report order.
    pub const ALL: [EventClass; 6] = [
        EventClass::ManagementWrite,
        EventClass::ManagementRead,
        EventClass::GlobalService,
        EventClass::S3Data,
        EventClass::LambdaData,
        EventClass::Insights,
    ];

    /// Its name (`management_write`, `dynamodb_data_write`, `network_kms`...).
    pub fn as_str(self) -> &'static str {
        registry().read().expect("class registry")[self.0 as usize].name
    }

    /// What it is.
    pub fn kind(self) -> ClassKind {
        registry().read().expect("class registry")[self.0 as usize]
            .kind
            .clone()
    }

    /// Data events of `resource_type` (any type name `AWS::X::Y`).
    pub fn data(resource_type: &str, access: Access) -> Result<EventClass, String> {
        let parts: Vec<&str> = resource_type.split("::").collect();
        if parts.len() != 3 || parts[0] != "AWS" || parts.iter().any(|p| p.is_empty()) {
            return Err(format!(
                "`{resource_type}` is not a resource type (`AWS::Service::Resource`, e.g. AWS::DynamoDB::Table)"
            ));
        }
        if access == Access::Read
            && data_type(resource_type).is_some_and(|d| d.kinds == Kinds::WriteOnly)
        {
            return Err(format!(
                "{resource_type} has no read-only data events (they are all write events)"
            ));
        }
        let short = short_name(resource_type);
        let name = match access {
            Access::Both => format!("{short}_data"),
            Access::Read => format!("{short}_data_read"),
            Access::Write => format!("{short}_data_write"),
        };
        Ok(Self::register(
            name,
            ClassKind::Data {
                resource_type: resource_type.to_string(),
                access,
            },
        ))
    }

    /// Network activity events of `source` (`kms` or `kms.amazonaws.com`).
    pub fn network(source: &str, vpce_denied: bool) -> Result<EventClass, String> {
        let source = if source.contains('.') {
            source.to_string()
        } else {
            format!("{source}.amazonaws.com")
        };
        let service = source.strip_suffix(".amazonaws.com").ok_or_else(|| {
            format!("`{source}` is not an event source (`SERVICE.amazonaws.com`)")
        })?;
        if service.is_empty()
            || !service
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(format!(
                "`{source}` is not an event source (`SERVICE.amazonaws.com`)"
            ));
        }
        let short = service.replace('-', "_");
        let name = if vpce_denied {
            format!("network_{short}_vpce_denied")
        } else {
            format!("network_{short}")
        };
        Ok(Self::register(
            name,
            ClassKind::Network {
                source,
                vpce_denied,
            },
        ))
    }

    fn register(name: String, kind: ClassKind) -> EventClass {
        if let Some(i) = registry()
            .read()
            .expect("class registry")
            .iter()
            .position(|d| d.kind == kind)
        {
            return EventClass(i as u16);
        }
        let mut r = registry().write().expect("class registry");
        if let Some(i) = r.iter().position(|d| d.kind == kind) {
            return EventClass(i as u16);
        }
        let i = u16::try_from(r.len()).expect("fewer than 65,536 event classes");
        r.push(ClassDef {
            name: Box::leak(name.into_boxed_str()),
            kind,
        });
        EventClass(i)
    }

    /// Parses a class name, a resource type (`AWS::DynamoDB::Table`,
    /// `AWS::S3::Object:read`) or a network class (`network_kms`,
    /// `network_ec2_vpce_denied`).
    pub fn parse(s: &str) -> Result<EventClass, String> {
        let s = s.trim();
        if let Some(i) = registry()
            .read()
            .expect("class registry")
            .iter()
            .position(|d| d.name == s)
        {
            return Ok(EventClass(i as u16));
        }
        if s.starts_with("AWS::") {
            let (ty, access) = match s.rsplit_once(':') {
                Some((ty, a)) if !a.is_empty() && ty.ends_with(|c: char| c != ':') => {
                    match Access::parse(a) {
                        Some(access) => (ty, access),
                        None => (s, Access::Both),
                    }
                }
                _ => (s, Access::Both),
            };
            return EventClass::data(ty, access);
        }
        if let Some(rest) = s.strip_prefix("network_") {
            let (svc, denied) = match rest.strip_suffix("_vpce_denied") {
                Some(svc) => (svc, true),
                None => (rest, false),
            };
            return EventClass::network(&svc.replace('_', "-"), denied);
        }
        for (suffix, access) in [
            ("_data_read", Access::Read),
            ("_data_write", Access::Write),
            ("_data", Access::Both),
        ] {
            if let Some(short) = s.strip_suffix(suffix) {
                if let Some(d) = DATA_TYPES
                    .iter()
                    .find(|d| short_name(d.resource_type) == short)
                {
                    return EventClass::data(d.resource_type, access);
                }
                return Err(format!(
                    "unknown data event class `{s}`: name a resource type instead (`AWS::Service::Resource`), or see `audit classes`"
                ));
            }
        }
        Err(format!(
            "unknown event class `{s}` (management_write, management_read, global_service, insights, s3_data, dynamodb_data_write, AWS::Bedrock::AgentAlias, network_kms, network_ec2_vpce_denied...; see `audit classes`)"
        ))
    }

    /// What it is, for people (`write data events of AWS::DynamoDB::Table`).
    pub fn describe(self) -> String {
        match self.kind() {
            ClassKind::ManagementWrite => "management write events".into(),
            ClassKind::ManagementRead => "management read events".into(),
            ClassKind::GlobalService => "global service events".into(),
            ClassKind::Insights => "Insights events".into(),
            ClassKind::Data {
                resource_type,
                access,
            } => match access {
                Access::Both => format!("data events of {resource_type}"),
                Access::Read => format!("read data events of {resource_type}"),
                Access::Write => format!("write data events of {resource_type}"),
            },
            ClassKind::Network {
                source,
                vpce_denied: false,
            } => format!("network activity events of {source}"),
            ClassKind::Network { source, .. } => format!(
                "network activity events of {source} denied by a VPC endpoint policy ({VPCE_ACCESS_DENIED})"
            ),
        }
    }

    /// Data events (of any resource type).
    pub fn is_data(self) -> bool {
        matches!(self.kind(), ClassKind::Data { .. })
    }
}

impl std::fmt::Display for EventClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for EventClass {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for EventClass {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        EventClass::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests;
