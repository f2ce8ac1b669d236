//! The organization: its id, OU tree, accounts with their OU paths, and
//! delegated administrators.

use aws_sdk_organizations::types::{PolicyType, PolicyTypeStatus};
use trailaudit_model::{
    Access, Account, AccountStatus, DelegatedAdministrator, Fact, Organization, OrganizationalUnit,
    ResourceControlPolicies,
};

use futures::stream::{self, StreamExt};

use crate::aws;
use crate::options::FatalError;
use crate::run::Run;

/// One parent's listing: its path, its accounts, its child OUs (id, name).
type ParentListing = (String, Vec<Account>, Vec<(String, String)>);

/// Where accounts go as soon as they are listed (to audit them while the
/// rest of the organization is still being walked).
pub(crate) type Emit = tokio::sync::mpsc::UnboundedSender<Account>;

/// Reads the organization and every account in it. With `emit`, every
/// account is also sent there as soon as its page is read (an account may
/// be sent twice when the OU tree fails and the flat list is read instead;
/// the receiver keeps the first).
pub(crate) async fn walk(
    run: &Run<'_>,
    caller: &str,
    emit: Option<Emit>,
) -> Result<(Organization, Vec<Account>), FatalError> {
    let client = run.organizations();
    let desc = client.describe_organization().send().await.map_err(|e| {
        let info = aws::classify("organizations:DescribeOrganization", &e);
        FatalError::Organization(format!(
            "{}. Run `audit org` from the management account or a delegated administrator, or use `audit account` for a single account",
            info.describe()
        ))
    })?;
    let o = desc.organization().ok_or_else(|| {
        FatalError::Organization("DescribeOrganization returned no organization".into())
    })?;
    let management = o.master_account_id().unwrap_or_default().to_string();

    let mut ous = Vec::new();
    let mut accounts = Vec::new();
    let rcps = match tree(&client, &management, &mut ous, &mut accounts, emit.as_ref()).await {
        Ok(rcps_enabled) => Fact::Collected {
            value: ResourceControlPolicies {
                enabled: rcps_enabled,
                ..Default::default()
            },
        },
        Err(info) => {
            // The OU tree is not readable: fall back to the flat account list.
            run.record(Some(caller), None, None, &info);
            ous.clear();
            accounts.clear();
            let mut pages = client.list_accounts().into_paginator().send();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| {
                    FatalError::Organization(
                        aws::classify("organizations:ListAccounts", &e).describe(),
                    )
                })?;
                for a in page.accounts() {
                    let a = account(a, "", &management);
                    if let Some(tx) = &emit {
                        let _ = tx.send(a.clone());
                    }
                    accounts.push(a);
                }
            }
            Fact::not_collected(format!(
                "the root's policy types and the OU tree could not be read: {}",
                info.describe()
            ))
        }
    };

    let delegated = match client
        .list_delegated_administrators()
        .service_principal(CLOUDTRAIL)
        .into_paginator()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
    {
        Ok(pages) => Fact::Collected {
            value: pages
                .iter()
                .flat_map(|p| p.delegated_administrators())
                .map(|d| DelegatedAdministrator {
                    account_id: d.id().unwrap_or_default().to_string(),
                    name: d.name().map(str::to_string),
                })
                .collect(),
        },
        Err(e) => {
            let info = aws::classify("organizations:ListDelegatedAdministrators", &e);
            if info.code.as_deref() == Some("InvalidInputException") {
                // The endpoint does not know CloudTrail as a delegated-administrator
                // service (the emulator): there is none to find.
                Fact::not_collected(format!(
                    "this endpoint does not support delegated administrators for {CLOUDTRAIL}: {}",
                    info.message
                ))
            } else {
                run.record(Some(caller), None, None, &info);
                Fact::Failed { error: info }
            }
        }
    };

    let trusted = match client
        .list_aws_service_access_for_organization()
        .into_paginator()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
    {
        Ok(pages) => Fact::Collected {
            value: pages
                .iter()
                .flat_map(|p| p.enabled_service_principals())
                .any(|p| p.service_principal() == Some(CLOUDTRAIL)),
        },
        Err(e) => {
            let info = aws::classify("organizations:ListAWSServiceAccessForOrganization", &e);
            run.record(Some(caller), None, None, &info);
            Fact::Failed { error: info }
        }
    };

    accounts.sort_by(|a, b| a.id.cmp(&b.id));
    accounts.dedup_by(|a, b| a.id == b.id);
    Ok((
        Organization {
            id: o.id().unwrap_or_default().to_string(),
            arn: o.arn().unwrap_or_default().to_string(),
            management_account_id: management,
            ous,
            delegated_administrators: delegated,
            cloudtrail_trusted_access: trusted,
            resource_control_policies: rcps,
        },
        accounts,
    ))
}

const CLOUDTRAIL: &str = "cloudtrail.amazonaws.com";

async fn tree(
    client: &aws_sdk_organizations::Client,
    management: &str,
    ous: &mut Vec<OrganizationalUnit>,
    accounts: &mut Vec<Account>,
    emit: Option<&Emit>,
) -> Result<bool, trailaudit_model::ErrorInfo> {
    let roots = client
        .list_roots()
        .into_paginator()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| aws::classify("organizations:ListRoots", &e))?;
    // Resource control policies apply only where the root has the type enabled.
    let rcps_enabled = roots.iter().flat_map(|p| p.roots()).any(|r| {
        r.policy_types().iter().any(|t| {
            t.r#type() == Some(&PolicyType::ResourceControlPolicy)
                && t.status() == Some(&PolicyTypeStatus::Enabled)
        })
    });
    let mut queue: Vec<(String, String)> = roots
        .iter()
        .flat_map(|p| p.roots())
        .map(|r| (r.id().unwrap_or_default().to_string(), "Root".to_string()))
        .collect();
    for (id, path) in &queue {
        ous.push(OrganizationalUnit {
            id: id.clone(),
            name: "Root".into(),
            path: path.clone(),
        });
    }
    // One level of the tree at a time, a few parents in flight: Organizations
    // has low request quotas, and pages within one parent are sequential.
    while !queue.is_empty() {
        let level: Vec<ParentListing> = stream::iter(std::mem::take(&mut queue).into_iter().map(
            |(parent, path)| async move {
                // Page by page: each page's accounts can be audited at once.
                let mut accts: Vec<Account> = Vec::new();
                let mut pages = client
                    .list_accounts_for_parent()
                    .parent_id(&parent)
                    .into_paginator()
                    .send();
                while let Some(page) = pages.next().await {
                    let page =
                        page.map_err(|e| aws::classify("organizations:ListAccountsForParent", &e))?;
                    for a in page.accounts() {
                        let a = account(a, &path, management);
                        if let Some(tx) = emit {
                            let _ = tx.send(a.clone());
                        }
                        accts.push(a);
                    }
                }
                let ou_pages = client
                    .list_organizational_units_for_parent()
                    .parent_id(&parent)
                    .into_paginator()
                    .send()
                    .collect::<Result<Vec<_>, _>>()
                    .await
                    .map_err(|e| {
                        aws::classify("organizations:ListOrganizationalUnitsForParent", &e)
                    })?;
                let children: Vec<(String, String)> = ou_pages
                    .iter()
                    .flat_map(|p| p.organizational_units())
                    .map(|ou| {
                        (
                            ou.id().unwrap_or_default().to_string(),
                            ou.name().unwrap_or_default().to_string(),
                        )
                    })
                    .collect();
                Ok::<_, trailaudit_model::ErrorInfo>((path, accts, children))
            },
        ))
        .buffer_unordered(4)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
        for (path, accts, children) in level {
            accounts.extend(accts);
            for (id, name) in children {
                let child = format!("{path}/{name}");
                ous.push(OrganizationalUnit {
                    id: id.clone(),
                    name,
                    path: child.clone(),
                });
                queue.push((id, child));
            }
        }
    }
    ous.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(rcps_enabled)
}

fn account(a: &aws_sdk_organizations::types::Account, path: &str, management: &str) -> Account {
    #[allow(deprecated)]
    let status = match a.status() {
        Some(aws_sdk_organizations::types::AccountStatus::Suspended) => AccountStatus::Suspended,
        Some(aws_sdk_organizations::types::AccountStatus::PendingClosure) => {
            AccountStatus::PendingClosure
        }
        _ => AccountStatus::Active,
    };
    let id = a.id().unwrap_or_default().to_string();
    Account {
        is_management: !management.is_empty() && id == management,
        name: a.name().unwrap_or(&id).to_string(),
        email: a.email().map(str::to_string),
        status,
        ou_path: path.to_string(),
        access: Access::Skipped {
            reason: "not collected yet".into(),
        },
        regions: vec![],
        id,
    }
}

/// True when the account sits under `ou` (an OU id, a name, or a path such as `Root/Prod`).
pub(crate) fn under_ou(a: &Account, ou: &str, org: Option<&Organization>) -> bool {
    let path_of = |ou: &str| -> Option<String> {
        org?.ous
            .iter()
            .find(|o| o.id == ou || o.name == ou || o.path == ou)
            .map(|o| o.path.clone())
    };
    let path = path_of(ou).unwrap_or_else(|| ou.to_string());
    a.ou_path == path || a.ou_path.starts_with(&format!("{path}/"))
}

/// Whether `--accounts`, `--exclude-accounts` and `--ou` keep account `a`.
pub(crate) fn in_scope(
    opts: &crate::options::CollectOptions,
    a: &Account,
    org: Option<&Organization>,
) -> bool {
    (opts.accounts.is_empty() || opts.accounts.contains(&a.id))
        && !opts.exclude_accounts.contains(&a.id)
        && (opts.ous.is_empty() || opts.ous.iter().any(|ou| under_ou(a, ou, org)))
}

/// Every `--accounts`, `--exclude-accounts` and `--ou` value must name
/// something in the organization, and the scope must keep an account: an
/// audit of nothing must not pass. The error names what was not found and,
/// for OUs, the closest names.
pub(crate) fn check_scope(
    opts: &crate::options::CollectOptions,
    org: &Organization,
    accounts: &[Account],
) -> Result<(), String> {
    let mut missing: Vec<String> = Vec::new();
    for (flag, ids) in [
        ("--accounts", &opts.accounts),
        ("--exclude-accounts", &opts.exclude_accounts),
    ] {
        let unknown: Vec<&str> = ids
            .iter()
            .filter(|id| !accounts.iter().any(|a| &a.id == *id))
            .map(String::as_str)
            .collect();
        if !unknown.is_empty() {
            missing.push(format!(
                "{flag}: {} not in organization {}",
                unknown.join(", "),
                org.id
            ));
        }
    }
    for ou in &opts.ous {
        let known = org
            .ous
            .iter()
            .any(|o| o.id == *ou || o.name == *ou || o.path == *ou);
        if !known {
            let mut near: Vec<(usize, &str)> = org
                .ous
                .iter()
                .flat_map(|o| [o.name.as_str(), o.path.as_str()])
                .map(|n| (distance(&n.to_lowercase(), &ou.to_lowercase()), n))
                .collect();
            near.sort();
            near.dedup_by(|a, b| a.1 == b.1);
            let closest: Vec<&str> = near.iter().take(3).map(|(_, n)| *n).collect();
            missing.push(format!(
                "--ou: no OU named `{ou}` (by id, name or path) in organization {}{}",
                org.id,
                if closest.is_empty() {
                    String::new()
                } else {
                    format!("; closest: {}", closest.join(", "))
                }
            ));
        }
    }
    if !missing.is_empty() {
        return Err(format!(
            "{}; nothing was audited or written",
            missing.join("; ")
        ));
    }
    if !accounts.iter().any(|a| in_scope(opts, a, Some(org))) {
        return Err(
            "the selection (--accounts, --exclude-accounts, --ou) leaves no account to audit; nothing was written"
                .into(),
        );
    }
    Ok(())
}

/// Levenshtein distance, for "did you mean" suggestions.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod scope_tests {
    use super::*;
    use trailaudit_model::{Access, AccountStatus, Fact};

    fn org() -> Organization {
        let ou = |id: &str, name: &str, path: &str| OrganizationalUnit {
            id: id.into(),
            name: name.into(),
            path: path.into(),
        };
        Organization {
            id: "o-abc".into(),
            arn: String::new(),
            management_account_id: "111111111111".into(),
            ous: vec![
                ou("r-1", "Root", "Root"),
                ou("ou-1", "Prod", "Root/Prod"),
                ou("ou-2", "Sandbox", "Root/Sandbox"),
            ],
            delegated_administrators: Fact::Collected { value: vec![] },
            cloudtrail_trusted_access: Fact::Collected { value: true },
            resource_control_policies: Fact::Collected {
                value: Default::default(),
            },
        }
    }

    fn account(id: &str, path: &str) -> Account {
        Account {
            id: id.into(),
            name: id.into(),
            email: None,
            status: AccountStatus::Active,
            ou_path: path.into(),
            is_management: false,
            access: Access::Caller,
            regions: vec![],
        }
    }

    #[test]
    fn a_scope_that_matches_nothing_is_an_error_naming_it() {
        let accounts = vec![
            account("111111111111", "Root"),
            account("222222222222", "Root/Prod"),
        ];
        let opts = |f: &dyn Fn(&mut crate::options::CollectOptions)| {
            let mut o = crate::options::CollectOptions::default();
            f(&mut o);
            o
        };
        let e =
            check_scope(&opts(&|o| o.ous = vec!["Prodd".into()]), &org(), &accounts).unwrap_err();
        assert!(e.contains("`Prodd`") && e.contains("closest: Prod"), "{e}");
        let e = check_scope(
            &opts(&|o| o.accounts = vec!["333333333333".into()]),
            &org(),
            &accounts,
        )
        .unwrap_err();
        assert!(
            e.contains("--accounts: 333333333333 not in organization o-abc"),
            "{e}"
        );
        let e = check_scope(
            &opts(&|o| o.exclude_accounts = vec!["444444444444".into()]),
            &org(),
            &accounts,
        )
        .unwrap_err();
        assert!(e.contains("--exclude-accounts: 444444444444"), "{e}");
        // An OU that exists but holds no account leaves nothing to audit.
        let e = check_scope(
            &opts(&|o| o.ous = vec!["Sandbox".into()]),
            &org(),
            &accounts,
        )
        .unwrap_err();
        assert!(e.contains("leaves no account"), "{e}");
        assert!(check_scope(&opts(&|o| o.ous = vec!["ou-1".into()]), &org(), &accounts).is_ok());
        assert!(check_scope(&opts(&|_| {}), &org(), &accounts).is_ok());
    }
}
