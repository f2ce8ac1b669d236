//! People who change things on the emulator, so the event history the
//! compat layer records names them: a role assumed with a session name, an
//! IAM user with its own access key, in any account of the organization.

use anyhow::{anyhow, Context, Result};
use aws_config::SdkConfig;
use aws_credential_types::Credentials;
use serde_json::json;

use crate::seed::{emulator_config, management_credentials, MANAGEMENT_ACCOUNT_ID};

/// Credentials acting inside `account` (the management account's own, or
/// `OrganizationAccountAccessRole` assumed from it for a member).
async fn inside(endpoint: &str, account: &str) -> Result<SdkConfig> {
    let mgmt = emulator_config(endpoint, management_credentials());
    if account == MANAGEMENT_ACCOUNT_ID {
        return Ok(mgmt);
    }
    assume(
        &mgmt,
        endpoint,
        &format!("arn:aws:iam::{account}:role/OrganizationAccountAccessRole"),
        "trailaudit-seed",
    )
    .await
}

async fn assume(
    from: &SdkConfig,
    endpoint: &str,
    role_arn: &str,
    session: &str,
) -> Result<SdkConfig> {
    let out = aws_sdk_sts::Client::new(from)
        .assume_role()
        .role_arn(role_arn)
        .role_session_name(session)
        .send()
        .await
        .with_context(|| format!("assuming {role_arn}"))?;
    let c = out.credentials().ok_or_else(|| anyhow!("no credentials"))?;
    Ok(emulator_config(
        endpoint,
        Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_string()),
            None,
            "trailaudit-actor",
        ),
    ))
}

/// A role `role` created in `account` (allowed everything) and assumed
/// with the session name `session`: its calls are recorded as
/// `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`.
pub async fn assumed_role(
    endpoint: &str,
    account: &str,
    role: &str,
    session: &str,
) -> Result<SdkConfig> {
    let owner = inside(endpoint, account).await?;
    let iam = aws_sdk_iam::Client::new(&owner);
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{MANAGEMENT_ACCOUNT_ID}:root")}, "Action": "sts:AssumeRole"}]});
    iam.create_role()
        .role_name(role)
        .assume_role_policy_document(trust.to_string())
        .send()
        .await
        .with_context(|| format!("creating role {role} in {account}"))?;
    iam.put_role_policy()
        .role_name(role)
        .policy_name("all")
        .policy_document(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}).to_string())
        .send()
        .await?;
    assume(
        &emulator_config(endpoint, management_credentials()),
        endpoint,
        &format!("arn:aws:iam::{account}:role/{role}"),
        session,
    )
    .await
}

/// An IAM user `name` created in `account` (allowed everything) with its
/// own access key: its calls are recorded as `arn:aws:iam::ACCOUNT:user/NAME`.
pub async fn iam_user(endpoint: &str, account: &str, name: &str) -> Result<SdkConfig> {
    let owner = inside(endpoint, account).await?;
    let iam = aws_sdk_iam::Client::new(&owner);
    iam.create_user()
        .user_name(name)
        .send()
        .await
        .with_context(|| format!("creating user {name} in {account}"))?;
    iam.put_user_policy()
        .user_name(name)
        .policy_name("all")
        .policy_document(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}).to_string())
        .send()
        .await?;
    let key = iam.create_access_key().user_name(name).send().await?;
    let key = key.access_key().ok_or_else(|| anyhow!("no access key"))?;
    Ok(emulator_config(
        endpoint,
        Credentials::new(
            key.access_key_id(),
            key.secret_access_key(),
            None,
            None,
            "trailaudit-actor",
        ),
    ))
}
