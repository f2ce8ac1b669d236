//! Command-line flags, as raw clap structs. `run.rs` turns them into checked
//! options; every check of a value lives there, with its error message.

use std::path::PathBuf;

use clap::builder::TypedValueParser as _;
use clap::{Args, Parser, Subcommand};

/// `audit --version`: the crate version and the commit it was built from
/// (`unknown` when built outside a git checkout).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("TRAILAUDIT_COMMIT"),
    ")"
);

/// Audit AWS CloudTrail coverage across an AWS Organization.
///
/// trailaudit lists every account of the organization, assumes a read-only
/// role in each, looks at every enabled region, and reports for every
/// account and region whether API activity is recorded, by which trail, how
/// long it is kept, and who can read it. It only ever calls read-only APIs.
#[derive(Debug, Parser)]
#[command(
    name = "audit",
    version = VERSION,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// Options that apply to every command.
    #[command(flatten)]
    pub global: Global,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Connection and output options, as in the AWS CLI.
#[derive(Debug, Args)]
pub struct Global {
    /// Use a specific profile from your credential file (default: the standard
    /// credential chain: environment, profile, SSO, instance role).
    #[arg(long, global = true, env = "AWS_PROFILE", value_name = "NAME")]
    pub profile: Option<String>,
    /// The region for AWS Organizations and STS calls (default: from the
    /// profile or environment, else us-east-1).
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Option<String>,
    /// Override every service's endpoint URL (emulators, VPC endpoints).
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Print nothing but errors and results.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// More logging on stderr (-v info, -vv debug, -vvv everything incl. the SDK).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Audit every account of the AWS Organization (run from the management
    /// account or a delegated audit account).
    Org(OrgArgs),
    /// Audit the single account of the current credentials (no organization needed).
    Account(AuditArgs),
    /// Render every report again from stored snapshots, without calling AWS.
    Report(ReportArgs),
    /// List every check with its id, severity and title.
    Checks(ChecksArgs),
    /// Print the least-privilege IAM policies the audit needs (derived from the
    /// allowlist of operations the tool may send) and the audit role's trust policy.
    Policy(PolicyArgs),
    /// Print the requirements the policy (audit.toml) sets for one account,
    /// and the section each one comes from (default, top level, or a
    /// `[[scope]]` for its OU or id).
    PolicyExplain(PolicyExplainArgs),
    /// List the event classes the coverage matrix and the policy know: the
    /// management classes, data events of every resource type, network
    /// activity events.
    Classes,
    /// Print shell completions for audit (bash, zsh, fish, elvish,
    /// powershell), to source or install, for example
    /// `audit completions bash > /etc/bash_completion.d/audit`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff); `cargo xtask docs` writes it to docs/audit.1.
    #[command(hide = true)]
    Manpage,
    /// Explain why an event cannot be found in the CloudTrail logs, and where
    /// it should be. The global --region is the region the event happened in
    /// (or where you looked for it).
    Why(WhyArgs),
    /// Prove that an earlier run's calls reached the log archive, without a
    /// new audit: look for its footprints (its own DescribeTrails calls)
    /// where the covering trail delivers them. Exit 0 when every footprint
    /// looked for is there, 1 when some are not. `audit org
    /// --verify-previous` does the same inside the monthly run. With
    /// --integrity, check instead that the delivered logs were neither
    /// deleted nor modified, from CloudTrail's signed digest files, for every
    /// account-region of the run's trails (exit 1 when one is broken or
    /// cannot be checked).
    Verify(VerifyArgs),
}

/// The role assumed in member accounts.
#[derive(Debug, Args)]
pub struct RoleArgs {
    /// The role to assume in member accounts (and in the owners of log buckets, keys and log groups).
    #[arg(
        long,
        default_value = "OrganizationAccountAccessRole",
        value_name = "NAME"
    )]
    pub role_name: String,
    /// External id required by the role's trust policy.
    #[arg(long, value_name = "ID")]
    pub external_id: Option<String>,
}

/// `audit policy`.
#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// The audit role's name in member accounts.
    #[arg(
        long,
        default_value = "OrganizationAccountAccessRole",
        value_name = "NAME"
    )]
    pub role_name: String,
    /// The account allowed to assume the audit role (management or delegated audit account).
    #[arg(long, default_value = "MANAGEMENT_ACCOUNT_ID", value_name = "ID")]
    pub trusted_account: String,
    /// Require this external id in the trust policy.
    #[arg(long, value_name = "ID")]
    pub external_id: Option<String>,
}

/// `audit why`.
#[derive(Debug, Args)]
pub struct WhyArgs {
    /// The account the event happened in (12 digits).
    #[arg(long, value_name = "ID")]
    pub account: Option<String>,
    /// The event name, such as CreateUser or GetObject.
    #[arg(long, value_name = "NAME")]
    pub event_name: Option<String>,
    /// The event source, such as iam.amazonaws.com (inferred when omitted).
    #[arg(long, value_name = "SOURCE")]
    pub event_source: Option<String>,
    /// When it happened: RFC 3339, UTC `Z` or an offset (2026-11-21T10:15:00Z).
    #[arg(long, value_name = "TIME")]
    pub time: Option<String>,
    /// The resource ARN (for data events: the object, function or table).
    #[arg(long, value_name = "ARN")]
    pub resource: Option<String>,
    /// The event category: Management, Data or NetworkActivity (inferred
    /// from the event name when omitted; network activity events need it).
    #[arg(long, value_name = "CATEGORY", value_parser = trailaudit_catalogue::selectors::Category::parse)]
    pub category: Option<trailaudit_catalogue::selectors::Category>,
    /// The data event's resource type, such as AWS::DynamoDB::Table (inferred
    /// from the event name for the types the catalogue knows).
    #[arg(long, value_name = "TYPE")]
    pub resource_type: Option<String>,
    /// The event's error code, such as VpceAccessDenied (network activity
    /// events a VPC endpoint policy denied).
    #[arg(long, value_name = "CODE")]
    pub error_code: Option<String>,
    /// A CloudTrail record (JSON) or an AWS CLI error message to take the
    /// event from; flags override what it says.
    #[arg(long, value_name = "FILE")]
    pub event_file: Option<PathBuf>,
    /// Work offline from a stored snapshot (no probes).
    #[arg(long, value_name = "FILE")]
    pub from_snapshot: Option<PathBuf>,
    /// Do not look up in the event history who stopped or started logging
    /// or changed the selectors of the trails that record the account and
    /// region (cloudtrail:LookupEvents in each trail's home region).
    #[arg(long)]
    pub no_history: bool,
    /// The audit role.
    #[command(flatten)]
    pub role: RoleArgs,
    /// Evaluate as if it were TIME (RFC 3339; default: now): how old the event
    /// is decides delivery delay and lifecycle expiry. Reproduces an earlier
    /// answer from --from-snapshot.
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
    /// Print the Athena table (partition projection over account, region
    /// and day) for the logs that should hold the event, and the query that
    /// finds it, instead of walking the causes: for archives too large to
    /// scan. audit does not run them (see docs/why.md).
    #[arg(long)]
    pub athena: bool,
}

/// `audit verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The run whose footprints to look for (default: the newest
    /// reports/*/snapshot.json).
    #[arg(long, value_name = "FILE")]
    pub snapshot: Option<PathBuf>,
    /// Verify at most N account-regions per trail destination (with
    /// --integrity: N in all), spread over accounts and regions and rotated
    /// month by month (default: all).
    #[arg(long, value_name = "N")]
    pub sample: Option<usize>,
    /// Calls in flight at once.
    #[arg(long, default_value_t = 32, value_name = "N")]
    pub concurrency: usize,
    /// The audit role.
    #[command(flatten)]
    pub role: RoleArgs,
    /// Print every account-region's result as JSON.
    #[arg(long)]
    pub json: bool,
    /// Check the archive's integrity from CloudTrail's digest files instead
    /// of looking for footprints: every hour's digest there, signed by
    /// CloudTrail and chained, every log file it lists present. `full` also
    /// downloads every log file and compares its SHA-256 (finds modified
    /// files; reads the whole archive of the window).
    #[arg(long, value_enum, value_name = "DEPTH", num_args = 0..=1, default_missing_value = "digests")]
    pub integrity: Option<IntegrityDepthArg>,
    /// With --integrity: the window ends now and starts this long ago
    /// (`7d`, `36h`, `90m`).
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "7d",
        conflicts_with = "from"
    )]
    pub since: String,
    /// With --integrity: the window's start (RFC 3339 or YYYY-MM-DD, UTC).
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,
    /// With --integrity: the window's end (default: now).
    #[arg(long, value_name = "TIME")]
    pub to: Option<String>,
    /// With --integrity: write the snapshot with the check and every report
    /// into DIR (`audit report` then shows it offline).
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
}

/// How deep `--integrity` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum IntegrityDepthArg {
    /// Digests verified, each listed log file's presence checked.
    Digests,
    /// Also every log file downloaded and hashed.
    Full,
}

/// `audit report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The snapshot to report on.
    #[arg(long, value_name = "FILE")]
    pub snapshot: PathBuf,
    /// Compare with this earlier snapshot.
    #[arg(long, value_name = "FILE")]
    pub previous: Option<PathBuf>,
    /// Directory for the reports (default: the snapshot's directory).
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// The shared analysis options.
    #[command(flatten)]
    pub analysis: AnalysisArgs,
}

/// `audit policy-explain`.
#[derive(Debug, Args)]
pub struct PolicyExplainArgs {
    /// The account (12 digits).
    #[arg(long, value_name = "ID")]
    pub account: String,
    /// Audit policy file (default: ./audit.toml when it exists).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// The snapshot that tells the account's OU (default: the newest
    /// reports/*/snapshot.json).
    #[arg(long, value_name = "FILE")]
    pub snapshot: Option<PathBuf>,
}

/// `audit checks`.
#[derive(Debug, Args)]
pub struct ChecksArgs {
    /// Print the catalogue as Markdown (as in docs/checks.md).
    #[arg(long)]
    pub markdown: bool,
}

/// Options that decide what counts and how the run exits.
#[derive(Debug, Args)]
pub struct AnalysisArgs {
    /// Audit policy file (default: ./audit.toml when it exists; see docs/policy.md).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Exit 1 when a finding (fail or unknown) is at or above this severity.
    #[arg(long, default_value = "high", value_name = "SEVERITY",
          value_parser = clap::builder::PossibleValuesParser::new(["critical", "high", "medium", "low", "info"])
              .map(|s| trailaudit_checks::Severity::parse(&s).expect("one of the possible values")))]
    pub fail_on: trailaudit_checks::Severity,
    /// Always exit 0 when the run completes (findings are still reported).
    #[arg(long)]
    pub exit_zero: bool,
    /// With --fail-on: count only findings that are new since the previous
    /// run (the newest earlier snapshot under reports/, or --previous);
    /// without a previous run every finding is new. For a monthly schedule
    /// that fails on what appeared since last month.
    #[arg(long)]
    pub fail_on_new: bool,
}

/// `audit org`.
#[derive(Debug, Args)]
pub struct OrgArgs {
    /// The shared audit options.
    #[command(flatten)]
    pub audit: AuditArgs,
    /// Only these accounts (comma-separated 12-digit ids).
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub accounts: Vec<String>,
    /// Never these accounts (comma-separated 12-digit ids).
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub exclude_accounts: Vec<String>,
    /// Only accounts under these OUs (ids `ou-...`, names, or paths `Root/Prod`; comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "OUS")]
    pub ou: Vec<String>,
    /// The audit role.
    #[command(flatten)]
    pub role: RoleArgs,
    /// Role session name, visible in the members' CloudTrail.
    #[arg(long, default_value = "trailaudit", value_name = "NAME")]
    pub session_name: String,
}

/// Options shared by `audit org` and `audit account`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Regions to audit: `all` (the regions enabled for each account) or a
    /// comma-separated list of names and globs, such as `us-east-1,eu-*`.
    #[arg(long, default_value = "all", value_name = "all|LIST")]
    pub regions: String,
    /// AWS calls in flight at once, across accounts and regions.
    #[arg(long, default_value_t = 32, value_name = "N")]
    pub concurrency: usize,
    /// Directory for the snapshot and reports (default: reports/YYYY-MM-DD/, the UTC date).
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Also write the snapshot to this file.
    #[arg(long, value_name = "FILE")]
    pub snapshot_out: Option<PathBuf>,
    /// Re-analyse a stored snapshot instead of calling AWS.
    #[arg(long, value_name = "FILE")]
    pub from_snapshot: Option<PathBuf>,
    /// Look for the newest log and digest objects in each account-region's
    /// S3 prefix, as evidence that logs arrive (needs s3:ListBucket).
    #[arg(long)]
    pub probe_delivery: bool,
    /// Compare with this earlier snapshot (default: the newest earlier
    /// snapshot.json under reports/).
    #[arg(long, value_name = "FILE")]
    pub previous: Option<PathBuf>,
    /// Prove delivery: look for the previous run's own DescribeTrails calls
    /// (its footprints) in the log files the covering trail delivered in
    /// the hour after them, for every account-region the previous run found
    /// covered (needs s3:ListBucket and s3:GetObject on the log bucket, and
    /// kms:Decrypt for an encrypted archive). Found: `verified`; missing:
    /// footprints_not_delivered or footprints_expired.
    #[arg(long, conflicts_with = "from_snapshot")]
    pub verify_previous: bool,
    /// With --verify-previous: verify at most N account-regions per trail
    /// destination, spread over accounts and regions (default: all).
    #[arg(long, value_name = "N", requires = "verify_previous")]
    pub sample: Option<usize>,
    /// Do not look up who made the changes behind the findings. By default
    /// each finding a change can cause (a trail stopped or updated,
    /// selectors, a bucket's policy, lifecycle or encryption, a key, an RCP,
    /// trusted access) gets the change from CloudTrail's 90-day event
    /// history: who, when, from where (cloudtrail:LookupEvents in the
    /// account and region where it is recorded; one query per
    /// account-region and event name, at most 2 per second each).
    #[arg(long)]
    pub no_history: bool,
    /// The shared analysis options.
    #[command(flatten)]
    pub analysis: AnalysisArgs,
}

impl VerifyArgs {
    /// The collection options `audit verify` reads the archive with (the
    /// earlier run's organization, this command's role and concurrency).
    pub fn collect_options(&self, global: &Global) -> trailaudit_collect::CollectOptions {
        trailaudit_collect::CollectOptions {
            mode: trailaudit_model::Mode::Organization,
            concurrency: self.concurrency,
            role_name: self.role.role_name.clone(),
            external_id: self.role.external_id.clone(),
            profile: global.profile.clone(),
            arguments: std::env::args().collect(),
            ..trailaudit_collect::CollectOptions::default()
        }
    }
}

impl Global {
    /// How to reach AWS: profile, region, endpoint.
    pub fn connection(&self) -> trailaudit_collect::Connection {
        trailaudit_collect::Connection {
            profile: self.profile.clone(),
            region: self.region.clone(),
            endpoint_url: self.endpoint_url.clone(),
        }
    }
}
