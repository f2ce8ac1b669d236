//! The catalogue is consistent; class names, aliases and round trips.

use crate::classes::*;
use crate::data_types::*;

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
