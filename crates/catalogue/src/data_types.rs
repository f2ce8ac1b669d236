//! Every CloudTrail data-event resource type (from the CloudTrail User
//! Guide's data-events table and the `resources.type` values the API
//! accepts): its event source, ARN head, whether basic selectors can express
//! it, its known event names; and the services that record network activity
//! events.

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
