//! The commercial AWS regions the tool knows, and `--regions` selection
//! (names and globs such as `eu-*`).
//!
//! The list is the fallback when the Account API (`account:ListRegions`) cannot
//! say which regions an account has enabled; opt-in regions are flagged so a
//! failure there can be read as "not enabled" rather than as an error.

/// A known region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownRegion {
    /// Name, `eu-west-1`.
    pub name: &'static str,
    /// Must be opted into before use (not enabled by default).
    pub opt_in: bool,
}

const fn r(name: &'static str, opt_in: bool) -> KnownRegion {
    KnownRegion { name, opt_in }
}

/// Commercial-partition regions, default-enabled first.
pub const KNOWN_REGIONS: &[KnownRegion] = &[
    r("us-east-1", false),
    r("us-east-2", false),
    r("us-west-1", false),
    r("us-west-2", false),
    r("ap-south-1", false),
    r("ap-northeast-1", false),
    r("ap-northeast-2", false),
    r("ap-northeast-3", false),
    r("ap-southeast-1", false),
    r("ap-southeast-2", false),
    r("ca-central-1", false),
    r("eu-central-1", false),
    r("eu-west-1", false),
    r("eu-west-2", false),
    r("eu-west-3", false),
    r("eu-north-1", false),
    r("sa-east-1", false),
    r("af-south-1", true),
    r("ap-east-1", true),
    r("ap-east-2", true),
    r("ap-south-2", true),
    r("ap-southeast-3", true),
    r("ap-southeast-4", true),
    r("ap-southeast-5", true),
    r("ap-southeast-6", true),
    r("ap-southeast-7", true),
    r("ca-west-1", true),
    r("eu-central-2", true),
    r("eu-south-1", true),
    r("eu-south-2", true),
    r("il-central-1", true),
    r("me-central-1", true),
    r("me-south-1", true),
    r("mx-central-1", true),
];

/// The region where global service events (IAM, STS global, CloudFront,
/// console sign-in, Organizations) are recorded.
pub const GLOBAL_EVENTS_REGION: &str = "us-east-1";

/// True when `name` is a known region.
pub fn is_known(name: &str) -> bool {
    KNOWN_REGIONS.iter().any(|r| r.name == name)
}

/// True when `name` is a known opt-in region.
pub fn is_opt_in(name: &str) -> bool {
    KNOWN_REGIONS.iter().any(|r| r.name == name && r.opt_in)
}

/// A parsed `--regions` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegionSelection {
    /// Every region enabled for each account.
    All,
    /// These names and globs, resolved against [`KNOWN_REGIONS`].
    List(Vec<String>),
}

impl RegionSelection {
    /// Parses `all` or a comma-separated list of names and globs (`*`, `?`).
    /// An entry that matches no known region is an error naming the valid ones.
    pub fn parse(spec: &str) -> Result<RegionSelection, String> {
        let spec = spec.trim();
        if spec.eq_ignore_ascii_case("all") {
            return Ok(RegionSelection::All);
        }
        let entries: Vec<String> = spec
            .split(',')
            .map(|s| s.trim().to_ascii_lowercase())
            .filter(|s| !s.is_empty())
            .collect();
        if entries.is_empty() {
            return Err("--regions is empty: give `all` or a list such as `us-east-1,eu-*`".into());
        }
        for e in &entries {
            if !KNOWN_REGIONS.iter().any(|r| glob_match(e, r.name)) {
                let valid: Vec<&str> = KNOWN_REGIONS.iter().map(|r| r.name).collect();
                return Err(format!(
                    "unknown region `{e}` in --regions; valid regions are: {}",
                    valid.join(", ")
                ));
            }
        }
        Ok(RegionSelection::List(entries))
    }

    /// Keeps the regions of `candidates` this selection names, in their order.
    pub fn filter<'a>(&self, candidates: impl IntoIterator<Item = &'a str>) -> Vec<String> {
        candidates
            .into_iter()
            .filter(|c| match self {
                RegionSelection::All => true,
                RegionSelection::List(pats) => pats.iter().any(|p| glob_match(p, c)),
            })
            .map(str::to_owned)
            .collect()
    }

    /// The known regions this selection names (for `All`: every known region).
    pub fn known(&self) -> Vec<String> {
        self.filter(KNOWN_REGIONS.iter().map(|r| r.name))
    }

    /// As given, for the snapshot.
    pub fn describe(&self) -> Vec<String> {
        match self {
            RegionSelection::All => vec!["all".into()],
            RegionSelection::List(p) => p.clone(),
        }
    }
}

/// Shell-style glob: `*` any run of characters, `?` one character.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0usize, 0usize, None::<usize>, 0usize);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_select_regions() {
        let sel = RegionSelection::parse("eu-west-*,us-east-1").unwrap();
        let got = sel.known();
        assert!(got.contains(&"eu-west-1".to_string()));
        assert!(got.contains(&"eu-west-3".to_string()));
        assert!(got.contains(&"us-east-1".to_string()));
        assert!(!got.contains(&"eu-central-1".to_string()));
        assert!(!got.contains(&"us-east-2".to_string()));
    }

    #[test]
    fn unknown_region_names_the_valid_ones() {
        let err = RegionSelection::parse("us-east-1,mars-north-1").unwrap_err();
        assert!(err.contains("mars-north-1"), "{err}");
        assert!(err.contains("eu-west-1"), "{err}");
        assert_eq!(RegionSelection::parse("ALL").unwrap(), RegionSelection::All);
        assert!(RegionSelection::parse(" , ").is_err());
    }

    #[test]
    fn glob_matching() {
        assert!(glob_match("*", "x"));
        assert!(glob_match("eu-*-1", "eu-west-1"));
        assert!(!glob_match("eu-*-1", "eu-west-2"));
        assert!(glob_match("ap-?outh-1", "ap-south-1"));
        assert!(!glob_match("us-east-1", "us-east-10"));
    }
}
