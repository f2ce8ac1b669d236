//! The organization, its accounts and what happened in each account-region.

use std::collections::BTreeMap;

use crate::fact::{not_read, ErrorInfo, Fact};
use crate::verify::Footprint;
use serde::{Deserialize, Serialize};

/// The organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    /// `o-...`
    pub id: String,
    /// Organization ARN.
    pub arn: String,
    /// The management account.
    pub management_account_id: String,
    /// Organizational units with their paths.
    pub ous: Vec<OrganizationalUnit>,
    /// CloudTrail's delegated administrators (`ListDelegatedAdministrators`
    /// for `cloudtrail.amazonaws.com`), where readable.
    pub delegated_administrators: Fact<Vec<DelegatedAdministrator>>,
    /// Whether Organizations has trusted access enabled for CloudTrail
    /// (`ListAWSServiceAccessForOrganization` lists `cloudtrail.amazonaws.com`).
    /// Without it an organization trail records only the management account.
    #[serde(default = "not_read")]
    pub cloudtrail_trusted_access: Fact<bool>,
    /// The resource control policies that can bear on CloudTrail's
    /// requests (see [`ResourceControlPolicies`]); failed when the root's
    /// policy types could not be read.
    #[serde(default = "not_read")]
    pub resource_control_policies: Fact<ResourceControlPolicies>,
}

impl Organization {
    /// The policy targets above `account` from the top: the root, each OU on
    /// its path, then the account itself. `None` when its path is not known
    /// (the OU tree could not be read) or names an OU not listed.
    pub fn targets_of(&self, account: &Account) -> Option<Vec<String>> {
        let root = self.ous.iter().find(|o| o.path == "Root")?;
        if account.ou_path.is_empty() {
            return None;
        }
        let mut targets = vec![root.id.clone()];
        let mut path = String::from("Root");
        for name in account.ou_path.split('/').skip(1) {
            path.push('/');
            path.push_str(name);
            targets.push(self.ous.iter().find(|o| o.path == path)?.id.clone());
        }
        targets.push(account.id.clone());
        Some(targets)
    }
}

/// Resource control policies (RCPs): they bound what any principal, service
/// principals such as `cloudtrail.amazonaws.com` included, may do to the
/// resources of the organization's member accounts (not the management
/// account's; service-linked roles are exempt). Read for the accounts that
/// own a log bucket or a trail's KMS key: the policies attached to the root,
/// each OU on the account's path and the account itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceControlPolicies {
    /// Whether the `RESOURCE_CONTROL_POLICY` type is enabled on the root
    /// (`ListRoots`); when it is not, no RCP applies.
    pub enabled: bool,
    /// The policies attached to each target read (`ListPoliciesForTarget`):
    /// their ids, or why the list is unknown. A target missing here was not
    /// read.
    pub attached: BTreeMap<String, Fact<Vec<String>>>,
    /// Each attached policy (`DescribePolicy`), by id.
    pub policies: BTreeMap<String, OrgPolicy>,
}

/// An Organizations policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgPolicy {
    /// Name (`RCPFullAWSAccess` for the AWS-managed default).
    pub name: String,
    /// The policy document (JSON).
    pub content: Fact<String>,
}

/// An organizational unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationalUnit {
    /// `ou-...` (or `r-...` for the root).
    pub id: String,
    /// Name.
    pub name: String,
    /// Path from the root, `Root/Prod/Web`.
    pub path: String,
}

/// A delegated administrator account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelegatedAdministrator {
    /// Account id.
    pub account_id: String,
    /// Account name.
    pub name: Option<String>,
}

/// Account status in the organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    /// Active.
    Active,
    /// Suspended: cannot be audited, reported as such.
    Suspended,
    /// Closing.
    PendingClosure,
}

/// How the auditor got into an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Access {
    /// The starting credentials belong to this account.
    Caller,
    /// The audit role was assumed.
    Assumed {
        /// Role ARN.
        role_arn: String,
    },
    /// The role could not be assumed, or the account was skipped.
    Failed {
        /// Why.
        error: ErrorInfo,
    },
    /// Not attempted (suspended account, interrupted run...).
    Skipped {
        /// Why.
        reason: String,
    },
}

/// An account in scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// 12-digit id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Email, when known.
    pub email: Option<String>,
    /// Status in the organization.
    pub status: AccountStatus,
    /// OU path (`Root/Prod`), empty outside an organization.
    pub ou_path: String,
    /// Whether this is the organization's management account.
    pub is_management: bool,
    /// How it was accessed.
    pub access: Access,
    /// Regions looked at.
    pub regions: Vec<AccountRegion>,
}

/// What happened in one account x region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRegion {
    /// Region name.
    pub region: String,
    /// Whether DescribeTrails answered.
    pub status: RegionStatus,
    /// Trails `DescribeTrails` returned there (own, multi-region shadows,
    /// organization trails). Meaningful only when `status` is `Collected`:
    /// read it through [`AccountRegion::listed_trails`].
    pub trails: Vec<TrailRef>,
    /// ARNs of the CloudTrail Lake event data stores `ListEventDataStores`
    /// returned in this account-region (details in
    /// [`Snapshot::event_data_stores`](crate::Snapshot::event_data_stores)). `Failed` when the listing failed:
    /// a store there might record the account.
    #[serde(default = "not_read")]
    pub event_data_stores: Fact<Vec<String>>,
    /// The audit's own call here (`DescribeTrails`): a management read
    /// event every trail recording the account-region must deliver, so a
    /// later run can look for it in the archive (proof of delivery). `None`
    /// in snapshots written before footprints were recorded, and where
    /// nothing was called.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub footprint: Option<Box<Footprint>>,
}

impl AccountRegion {
    /// The trails listed here, or why the list is unknown (or the region not enabled).
    pub fn listed_trails(&self) -> Result<&[TrailRef], String> {
        match &self.status {
            RegionStatus::Collected => Ok(&self.trails),
            RegionStatus::NotEnabled => Err("region not enabled for the account".into()),
            RegionStatus::Failed { error } => Err(format!(
                "trails in this region could not be listed: {}",
                error.describe()
            )),
            RegionStatus::NotCollected { reason } => {
                Err(format!("trails in this region were not listed: {reason}"))
            }
        }
    }
}

/// Whether a region's trail list is known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum RegionStatus {
    /// DescribeTrails answered.
    Collected,
    /// The region is not enabled for the account.
    NotEnabled,
    /// DescribeTrails failed.
    Failed {
        /// Why.
        error: ErrorInfo,
    },
    /// Not attempted.
    NotCollected {
        /// Why.
        reason: String,
    },
}

/// A trail as listed in an account-region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrailRef {
    /// Trail ARN (key into [`Snapshot::trails`](crate::Snapshot::trails)).
    pub arn: String,
    /// True when this is a shadow copy (home region or owner elsewhere).
    pub shadow: bool,
}
