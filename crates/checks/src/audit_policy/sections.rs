//! The sections of `audit.toml` (retention, data events and named
//! resources, network activity, requirements, delivery, suppressions) and
//! the error a bad file gives.

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize};
use trailaudit_catalogue::Access;

pub(crate) fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

/// Retention requirements.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Retention {
    /// Days logs must stay readable in S3 (default 365; PCI DSS asks for 365).
    pub days: Option<i64>,
    /// Days events must stay in CloudWatch Logs, when CloudWatch Logs is
    /// required (default 90).
    pub cloudwatch_days: Option<i64>,
}

/// Data event requirements.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DataEvents {
    /// S3 object-level events required in every required region (alias of
    /// `types = ["s3_data"]`).
    pub s3: Option<bool>,
    /// Lambda Invoke events required (alias of `types = ["lambda_data"]`).
    pub lambda: Option<bool>,
    /// Data event classes or resource types required in every required
    /// region (`dynamodb_data`, `AWS::Bedrock::AgentAlias`,
    /// `AWS::S3::Object:write`...).
    pub types: Option<Vec<String>>,
    /// Resources whose data events must be recorded.
    pub resources: Option<Vec<Resource>>,
}

/// A resource whose data events are required.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resource {
    /// A bucket (`arn:aws:s3:::name/` or a prefix in it), a table, function
    /// or any ARN; a trailing `*` makes it a prefix.
    pub arn: String,
    /// `read`, `write` or `read_write` (default).
    #[serde(default = "read_write")]
    pub access: Access,
    /// `resources.type`, when the ARN does not tell it.
    #[serde(rename = "type", default)]
    pub resource_type: Option<String>,
    /// The account it lives in, when the ARN does not tell it.
    #[serde(default)]
    pub account: Option<String>,
    /// The region it lives in, when the ARN does not tell it.
    #[serde(default)]
    pub region: Option<String>,
}

fn read_write() -> Access {
    Access::Both
}

impl Resource {
    /// Its resource type: given, or from the ARN's service.
    pub fn resource_type(&self) -> Option<String> {
        if let Some(t) = &self.resource_type {
            return Some(t.clone());
        }
        let mut p = self.arn.split(':');
        let (_, _, service) = (p.next(), p.next(), p.next()?);
        let rest: Vec<&str> = p.collect();
        let resource = rest.get(2).copied().unwrap_or_default();
        Some(
            match (service, resource) {
                ("s3", _) if rest.first().is_some_and(|r| r.is_empty()) => "AWS::S3::Object",
                ("s3express", _) => "AWS::S3Express::Object",
                ("dynamodb", r) if r.contains("/stream/") => "AWS::DynamoDB::Stream",
                ("dynamodb", r) if r.starts_with("table/") => "AWS::DynamoDB::Table",
                ("lambda", "function") => "AWS::Lambda::Function",
                ("sns", _) => "AWS::SNS::Topic",
                ("sqs", _) => "AWS::SQS::Queue",
                _ => return None,
            }
            .to_string(),
        )
    }

    /// Read, write or both.
    pub fn access(&self) -> Access {
        self.access
    }

    /// The ARN's region and account fields, when it has them.
    pub fn arn_region_account(&self) -> (Option<&str>, Option<&str>) {
        let mut p = self.arn.split(':').skip(3);
        let region = p.next().filter(|r| !r.is_empty());
        let account = p.next().filter(|a| !a.is_empty());
        (region, account)
    }

    /// What the requirement covers as a `resources.ARN` set: one ARN, or
    /// every ARN with a prefix (objects of a bucket; an ARN ending in `*`).
    pub fn arn_values(&self) -> trailaudit_catalogue::selectors::Values<'static> {
        use trailaudit_catalogue::selectors::Values;
        let ty = self.resource_type().unwrap_or_default();
        if let Some(p) = self.arn.strip_suffix('*') {
            return Values::Prefix(p.to_string().into());
        }
        if ty == "AWS::S3::Object" || ty == "AWS::S3Express::Object" {
            let mut p = self.arn.clone();
            if !p.contains('/') {
                p.push('/');
            }
            return Values::Prefix(p.into());
        }
        Values::Is(self.arn.clone().into())
    }
}

/// Network activity event requirements.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NetworkActivity {
    /// Event sources (`kms`, `ec2.amazonaws.com`) whose network activity
    /// events must all be recorded.
    pub sources: Option<Vec<String>>,
    /// Event sources whose VPC-endpoint-denied events (`errorCode`
    /// `VpceAccessDenied`) must be recorded.
    pub vpce_denied: Option<Vec<String>>,
}

/// Trail protections required.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Require {
    /// SSE-KMS encryption of log files (default true).
    pub kms: Option<bool>,
    /// Log file validation (digest files) (default true).
    pub log_file_validation: Option<bool>,
    /// Delivery to CloudWatch Logs (default false).
    pub cloudwatch_logs: Option<bool>,
}

/// Delivery freshness.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Delivery {
    /// Hours after which the newest log or digest object counts as stale
    /// (default 24).
    pub stale_hours: Option<i64>,
}

/// An accepted finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suppression {
    /// Check id.
    pub check: String,
    /// Account id pattern (glob), default every account.
    #[serde(default = "star")]
    pub account: String,
    /// Region pattern (glob), default every region.
    #[serde(default = "star")]
    pub region: String,
    /// Resource pattern (glob), default every resource.
    #[serde(default = "star")]
    pub resource: String,
    /// Why it is accepted.
    pub reason: String,
    /// Last day it applies (`YYYY-MM-DD`); after it, it is reported as expired.
    pub expires: Option<NaiveDate>,
}

fn star() -> String {
    "*".into()
}

/// An unusable policy file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    /// File name.
    pub file: String,
    /// Line (1-based), when known.
    pub line: Option<usize>,
    /// The problem.
    pub problem: String,
}

impl std::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}: line {l}: {}", self.file, self.problem),
            None => write!(f, "{}: {}", self.file, self.problem),
        }
    }
}

impl std::error::Error for PolicyError {}
