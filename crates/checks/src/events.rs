//! The event catalogue, in one place: every CloudTrail data-event resource
//! type (from the CloudTrail User Guide's data-events table and the
//! `resources.type` values the API accepts), the services that record
//! network activity events, and the names of the event classes the coverage
//! matrix, the policy, `audit why` and the reports use.
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

/// Which of a type's data events are read-only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kinds {
    /// Both read and write events.
    ReadWrite,
    /// Only write events (`readOnly` false), e.g. Lambda `Invoke`.
    WriteOnly,
}

/// A data-event resource type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataType {
    /// `resources.type`.
    pub resource_type: &'static str,
    /// Short name for classes (`s3` makes `s3_data`); empty: derived.
    pub short: &'static str,
    /// `eventSource`, when known for certain.
    pub source: Option<&'static str>,
    /// What every ARN of the type starts with after `arn:PARTITION:`
    /// (`s3:::` for objects), when known.
    pub arn_head: Option<&'static str>,
    /// Basic event selectors can select it (S3 objects, Lambda, DynamoDB).
    pub basic: bool,
    /// Read and write, or write only.
    pub kinds: Kinds,
    /// Event names known here (for `audit why`); empty when not listed.
    pub names: &'static [&'static str],
    /// The read-only ones among `names`.
    pub read_only: &'static [&'static str],
}

const fn t(resource_type: &'static str, source: &'static str, arn_head: &'static str) -> DataType {
    DataType {
        resource_type,
        short: "",
        source: Some(source),
        arn_head: Some(arn_head),
        basic: false,
        kinds: Kinds::ReadWrite,
        names: &[],
        read_only: &[],
    }
}

/// Every data-event resource type known here. A type missing from this list
/// still works in a policy and in selectors (`AWS::Service::Thing`); only its
/// event source and ARN head are then unknown, which can make a selector
/// that names them count as partial, never as covering more than it does.
pub const DATA_TYPES: &[DataType] = &[
    DataType {
        short: "s3",
        basic: true,
        names: &[
            "GetObject",
            "HeadObject",
            "PutObject",
            "DeleteObject",
            "DeleteObjects",
            "CopyObject",
            "GetObjectAcl",
            "PutObjectAcl",
            "GetObjectTagging",
            "PutObjectTagging",
            "DeleteObjectTagging",
            "GetObjectAttributes",
            "GetObjectRetention",
            "PutObjectRetention",
            "GetObjectLegalHold",
            "PutObjectLegalHold",
            "RestoreObject",
            "SelectObjectContent",
            "CreateMultipartUpload",
            "UploadPart",
            "UploadPartCopy",
            "CompleteMultipartUpload",
            "AbortMultipartUpload",
            "ListParts",
        ],
        read_only: &[
            "GetObject",
            "HeadObject",
            "GetObjectAcl",
            "GetObjectTagging",
            "GetObjectAttributes",
            "GetObjectRetention",
            "GetObjectLegalHold",
            "SelectObjectContent",
            "ListParts",
        ],
        ..t("AWS::S3::Object", "s3.amazonaws.com", "s3:::")
    },
    DataType {
        short: "lambda",
        basic: true,
        kinds: Kinds::WriteOnly,
        names: &[
            "Invoke",
            "InvokeWithResponseStream",
            "Invoke20150331",
            "InvokeAsync",
        ],
        ..t("AWS::Lambda::Function", "lambda.amazonaws.com", "lambda:")
    },
    DataType {
        short: "dynamodb",
        basic: true,
        names: &[
            "GetItem",
            "PutItem",
            "UpdateItem",
            "DeleteItem",
            "Query",
            "Scan",
            "BatchGetItem",
            "BatchWriteItem",
            "TransactGetItems",
            "TransactWriteItems",
            "ExecuteStatement",
            "BatchExecuteStatement",
            "ExecuteTransaction",
        ],
        read_only: &[
            "GetItem",
            "Query",
            "Scan",
            "BatchGetItem",
            "TransactGetItems",
        ],
        ..t(
            "AWS::DynamoDB::Table",
            "dynamodb.amazonaws.com",
            "dynamodb:",
        )
    },
    DataType {
        short: "s3express",
        names: &[
            "GetObject",
            "HeadObject",
            "PutObject",
            "DeleteObject",
            "DeleteObjects",
            "CopyObject",
        ],
        read_only: &["GetObject", "HeadObject"],
        ..t(
            "AWS::S3Express::Object",
            "s3express.amazonaws.com",
            "s3express:",
        )
    },
    DataType {
        names: &["Publish", "PublishBatch"],
        kinds: Kinds::WriteOnly,
        ..t("AWS::SNS::Topic", "sns.amazonaws.com", "sns:")
    },
    DataType {
        names: &[
            "SendMessage",
            "SendMessageBatch",
            "ReceiveMessage",
            "DeleteMessage",
            "DeleteMessageBatch",
            "ChangeMessageVisibility",
        ],
        read_only: &["ReceiveMessage"],
        ..t("AWS::SQS::Queue", "sqs.amazonaws.com", "sqs:")
    },
    DataType {
        names: &["InvokeAgent"],
        ..t(
            "AWS::Bedrock::AgentAlias",
            "bedrock.amazonaws.com",
            "bedrock:",
        )
    },
    DataType {
        names: &["Retrieve", "RetrieveAndGenerate"],
        read_only: &["Retrieve"],
        ..t(
            "AWS::Bedrock::KnowledgeBase",
            "bedrock.amazonaws.com",
            "bedrock:",
        )
    },
    t(
        "AWS::Bedrock::FlowAlias",
        "bedrock.amazonaws.com",
        "bedrock:",
    ),
    t(
        "AWS::Bedrock::Guardrail",
        "bedrock.amazonaws.com",
        "bedrock:",
    ),
    t(
        "AWS::Bedrock::InlineAgent",
        "bedrock.amazonaws.com",
        "bedrock:",
    ),
    t("AWS::Bedrock::Model", "bedrock.amazonaws.com", "bedrock:"),
    t(
        "AWS::Bedrock::AsyncInvoke",
        "bedrock.amazonaws.com",
        "bedrock:",
    ),
    t(
        "AWS::Bedrock::PromptVersion",
        "bedrock.amazonaws.com",
        "bedrock:",
    ),
    t(
        "AWS::DynamoDB::Stream",
        "dynamodb.amazonaws.com",
        "dynamodb:",
    ),
    t("AWS::S3::AccessPoint", "s3.amazonaws.com", "s3:"),
    t(
        "AWS::S3ObjectLambda::AccessPoint",
        "s3-object-lambda.amazonaws.com",
        "s3-object-lambda:",
    ),
    t(
        "AWS::S3Outposts::Object",
        "s3-outposts.amazonaws.com",
        "s3-outposts:",
    ),
    t(
        "AWS::AppConfig::Configuration",
        "appconfig.amazonaws.com",
        "appconfig:",
    ),
    t("AWS::B2BI::Transformer", "b2bi.amazonaws.com", "b2bi:"),
    t(
        "AWS::Cassandra::Table",
        "cassandra.amazonaws.com",
        "cassandra:",
    ),
    t(
        "AWS::CloudFront::KeyValueStore",
        "cloudfront-keyvaluestore.amazonaws.com",
        "cloudfront:",
    ),
    t(
        "AWS::CloudTrail::Channel",
        "cloudtrail-data.amazonaws.com",
        "cloudtrail:",
    ),
    t(
        "AWS::CloudWatch::Metric",
        "monitoring.amazonaws.com",
        "cloudwatch:",
    ),
    t(
        "AWS::CodeWhisperer::Customization",
        "codewhisperer.amazonaws.com",
        "codewhisperer:",
    ),
    t(
        "AWS::CodeWhisperer::Profile",
        "codewhisperer.amazonaws.com",
        "codewhisperer:",
    ),
    t(
        "AWS::Cognito::IdentityPool",
        "cognito-identity.amazonaws.com",
        "cognito-identity:",
    ),
    t("AWS::EC2::Snapshot", "ebs.amazonaws.com", "ec2:"),
    t("AWS::EMRWAL::Workspace", "emrwal.amazonaws.com", "emrwal:"),
    t(
        "AWS::FinSpace::Environment",
        "finspace.amazonaws.com",
        "finspace:",
    ),
    t("AWS::Glue::Table", "glue.amazonaws.com", "glue:"),
    t(
        "AWS::GreengrassV2::ComponentVersion",
        "greengrass.amazonaws.com",
        "greengrass:",
    ),
    t(
        "AWS::GreengrassV2::Deployment",
        "greengrass.amazonaws.com",
        "greengrass:",
    ),
    t(
        "AWS::GuardDuty::Detector",
        "guardduty.amazonaws.com",
        "guardduty:",
    ),
    t("AWS::IoT::Certificate", "iot.amazonaws.com", "iot:"),
    t("AWS::IoT::Thing", "iot.amazonaws.com", "iot:"),
    t(
        "AWS::IoTSiteWise::Asset",
        "iotsitewise.amazonaws.com",
        "iotsitewise:",
    ),
    t(
        "AWS::IoTSiteWise::TimeSeries",
        "iotsitewise.amazonaws.com",
        "iotsitewise:",
    ),
    t(
        "AWS::IoTTwinMaker::Entity",
        "iottwinmaker.amazonaws.com",
        "iottwinmaker:",
    ),
    t(
        "AWS::IoTTwinMaker::Workspace",
        "iottwinmaker.amazonaws.com",
        "iottwinmaker:",
    ),
    t(
        "AWS::KendraRanking::ExecutionPlan",
        "kendra-ranking.amazonaws.com",
        "kendra-ranking:",
    ),
    t("AWS::Kinesis::Stream", "kinesis.amazonaws.com", "kinesis:"),
    t(
        "AWS::Kinesis::StreamConsumer",
        "kinesis.amazonaws.com",
        "kinesis:",
    ),
    t(
        "AWS::KinesisVideo::Stream",
        "kinesisvideo.amazonaws.com",
        "kinesisvideo:",
    ),
    t(
        "AWS::MachineLearning::MlModel",
        "machinelearning.amazonaws.com",
        "machinelearning:",
    ),
    t(
        "AWS::ManagedBlockchain::Network",
        "managedblockchain.amazonaws.com",
        "managedblockchain:",
    ),
    t(
        "AWS::ManagedBlockchain::Node",
        "managedblockchain.amazonaws.com",
        "managedblockchain:",
    ),
    t(
        "AWS::MedicalImaging::Datastore",
        "medical-imaging.amazonaws.com",
        "medical-imaging:",
    ),
    t(
        "AWS::NeptuneGraph::Graph",
        "neptune-graph.amazonaws.com",
        "neptune-graph:",
    ),
    t(
        "AWS::PCAConnectorAD::Connector",
        "pca-connector-ad.amazonaws.com",
        "pca-connector-ad:",
    ),
    t(
        "AWS::PCAConnectorSCEP::Connector",
        "pca-connector-scep.amazonaws.com",
        "pca-connector-scep:",
    ),
    t("AWS::QApps::QApp", "qapps.amazonaws.com", "qapps:"),
    t(
        "AWS::QBusiness::Application",
        "qbusiness.amazonaws.com",
        "qbusiness:",
    ),
    t(
        "AWS::QBusiness::DataSource",
        "qbusiness.amazonaws.com",
        "qbusiness:",
    ),
    t(
        "AWS::QBusiness::Index",
        "qbusiness.amazonaws.com",
        "qbusiness:",
    ),
    t(
        "AWS::QBusiness::WebExperience",
        "qbusiness.amazonaws.com",
        "qbusiness:",
    ),
    t("AWS::RDS::DBCluster", "rdsdata.amazonaws.com", "rds:"),
    t(
        "AWS::SageMaker::Endpoint",
        "sagemaker.amazonaws.com",
        "sagemaker:",
    ),
    t(
        "AWS::SageMaker::ExperimentTrialComponent",
        "sagemaker.amazonaws.com",
        "sagemaker:",
    ),
    t(
        "AWS::SageMaker::FeatureGroup",
        "sagemaker.amazonaws.com",
        "sagemaker:",
    ),
    t(
        "AWS::ServiceDiscovery::Namespace",
        "servicediscovery.amazonaws.com",
        "servicediscovery:",
    ),
    t(
        "AWS::ServiceDiscovery::Service",
        "servicediscovery.amazonaws.com",
        "servicediscovery:",
    ),
    t("AWS::SNS::PlatformEndpoint", "sns.amazonaws.com", "sns:"),
    t("AWS::SSM::ManagedNode", "ssm.amazonaws.com", "ssm:"),
    t(
        "AWS::SSMMessages::ControlChannel",
        "ssmmessages.amazonaws.com",
        "ssmmessages:",
    ),
    t(
        "AWS::StepFunctions::StateMachine",
        "states.amazonaws.com",
        "states:",
    ),
    t("AWS::SWF::Domain", "swf.amazonaws.com", "swf:"),
    t(
        "AWS::ThinClient::Device",
        "thinclient.amazonaws.com",
        "thinclient:",
    ),
    t(
        "AWS::ThinClient::Environment",
        "thinclient.amazonaws.com",
        "thinclient:",
    ),
    t(
        "AWS::Timestream::Database",
        "timestream.amazonaws.com",
        "timestream:",
    ),
    t(
        "AWS::Timestream::Table",
        "timestream.amazonaws.com",
        "timestream:",
    ),
    t(
        "AWS::VerifiedPermissions::PolicyStore",
        "verifiedpermissions.amazonaws.com",
        "verifiedpermissions:",
    ),
    t("AWS::XRay::Trace", "xray.amazonaws.com", "xray:"),
];

/// Services whose VPC endpoint traffic CloudTrail records as network
/// activity events (a selection of the User Guide's list; any
/// `SERVICE.amazonaws.com` is accepted).
pub const NETWORK_SOURCES: &[&str] = &[
    "cloudtrail.amazonaws.com",
    "ec2.amazonaws.com",
    "kms.amazonaws.com",
    "s3.amazonaws.com",
    "secretsmanager.amazonaws.com",
    "dynamodb.amazonaws.com",
    "lambda.amazonaws.com",
    "bedrock.amazonaws.com",
    "sts.amazonaws.com",
    "ecr.amazonaws.com",
    "logs.amazonaws.com",
    "monitoring.amazonaws.com",
    "sqs.amazonaws.com",
    "sns.amazonaws.com",
    "ssm.amazonaws.com",
    "states.amazonaws.com",
];

/// The `errorCode` of a network activity event denied by a VPC endpoint policy.
pub const VPCE_ACCESS_DENIED: &str = "VpceAccessDenied";

/// The catalogue entry of a resource type.
pub fn data_type(resource_type: &str) -> Option<&'static DataType> {
    DATA_TYPES.iter().find(|d| d.resource_type == resource_type)
}

/// What every ARN of `resource_type` starts with, in `partition`.
pub fn arn_head(resource_type: &str, partition: &str) -> Option<String> {
    data_type(resource_type)
        .and_then(|d| d.arn_head)
        .map(|h| format!("arn:{partition}:{h}"))
}

fn snake(s: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = s.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev_lower = i > 0 && chars[i - 1].is_ascii_lowercase();
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            let prev_upper = i > 0 && chars[i - 1].is_ascii_uppercase();
            if i > 0 && (prev_lower || (prev_upper && next_lower)) {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii_alphanumeric() {
            out.push(*c);
        } else {
            out.push('_');
        }
    }
    out
}

/// The short name of a resource type: the catalogue's, else service and
/// resource in snake case (`AWS::Bedrock::AgentAlias`: `bedrock_agent_alias`).
pub fn short_name(resource_type: &str) -> String {
    if let Some(d) = data_type(resource_type).filter(|d| !d.short.is_empty()) {
        return d.short.to_string();
    }
    let mut parts = resource_type.split("::").skip(1);
    let service = parts.next().unwrap_or_default().to_ascii_lowercase();
    let thing = parts.collect::<Vec<_>>().join("_");
    format!("{service}_{}", snake(&thing))
}

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
mod tests {
    use super::*;

    #[test]
    fn catalogue_is_consistent() {
        let mut seen = std::collections::HashSet::new();
        for d in DATA_TYPES {
            assert!(seen.insert(d.resource_type), "{} twice", d.resource_type);
            assert_eq!(d.resource_type.split("::").count(), 3);
            for r in d.read_only {
                assert!(d.names.contains(r), "{r} of {}", d.resource_type);
            }
            if d.kinds == Kinds::WriteOnly {
                assert!(d.read_only.is_empty());
            }
            assert!(d.source.is_none_or(|s| s.ends_with(".amazonaws.com")));
        }
        let shorts: std::collections::HashSet<String> = DATA_TYPES
            .iter()
            .map(|d| short_name(d.resource_type))
            .collect();
        assert_eq!(shorts.len(), DATA_TYPES.len(), "short names are unique");
    }

    #[test]
    fn names_aliases_and_round_trips() {
        assert_eq!(
            short_name("AWS::Bedrock::AgentAlias"),
            "bedrock_agent_alias"
        );
        assert_eq!(short_name("AWS::SSM::ManagedNode"), "ssm_managed_node");
        assert_eq!(short_name("AWS::DynamoDB::Table"), "dynamodb");
        assert_eq!(EventClass::parse("s3_data").unwrap(), EventClass::S3Data);
        assert_eq!(
            EventClass::parse("AWS::S3::Object").unwrap(),
            EventClass::S3Data
        );
        assert_eq!(
            EventClass::parse("AWS::Lambda::Function").unwrap(),
            EventClass::LambdaData
        );
        let w = EventClass::parse("AWS::DynamoDB::Table:write").unwrap();
        assert_eq!(w.as_str(), "dynamodb_data_write");
        assert_eq!(EventClass::parse("dynamodb_data_write").unwrap(), w);
        let b = EventClass::parse("bedrock_agent_alias_data").unwrap();
        assert_eq!(
            b.kind(),
            ClassKind::Data {
                resource_type: "AWS::Bedrock::AgentAlias".into(),
                access: Access::Both
            }
        );
        // A type not in the catalogue still works.
        let new = EventClass::parse("AWS::NewService::Widget:read").unwrap();
        assert_eq!(new.as_str(), "newservice_widget_data_read");
        let n = EventClass::parse("network_kms").unwrap();
        assert_eq!(
            n.kind(),
            ClassKind::Network {
                source: "kms.amazonaws.com".into(),
                vpce_denied: false
            }
        );
        let d = EventClass::parse("network_ec2_vpce_denied").unwrap();
        assert_eq!(EventClass::network("ec2.amazonaws.com", true).unwrap(), d);
        assert!(EventClass::parse("lambda_data_read").is_err());
        assert!(EventClass::parse("nonsense").is_err());
        assert!(EventClass::parse("AWS::S3").is_err());
        let json = serde_json::to_string(&w).unwrap();
        assert_eq!(json, "\"dynamodb_data_write\"");
        assert_eq!(serde_json::from_str::<EventClass>(&json).unwrap(), w);
    }
}
