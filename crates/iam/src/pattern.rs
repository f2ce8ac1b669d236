//! Matching of policy values: `*`/`?` wildcards, ARNs component by
//! component, IPv4 CIDR blocks.

/// `*` (any run) and `?` (one character) wildcard match.
pub fn wildcard(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = if ignore_case {
        (
            pattern.to_lowercase().chars().collect(),
            text.to_lowercase().chars().collect(),
        )
    } else {
        (pattern.chars().collect(), text.chars().collect())
    };
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// ARN matching (`ArnLike`, `ArnEquals`): each of the six colon-separated
/// components matched on its own, with wildcards, case-sensitive (IAM User
/// Guide, "ARN condition operators"). A wildcard never spans a colon: a
/// pattern with fewer than six components (`arn:aws:cloudtrail:*:trail/NAME`,
/// the account left out) matches no ARN, nor does a value that is not an
/// ARN. A lone `*` matches any value.
pub fn arn_like(pattern: &str, arn: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let p: Vec<&str> = pattern.splitn(6, ':').collect();
    let a: Vec<&str> = arn.splitn(6, ':').collect();
    p.len() == 6 && a.len() == 6 && p.iter().zip(&a).all(|(p, a)| wildcard(p, a, false))
}

/// Whether IPv4 address `ip` is in `cidr` (`192.0.2.0/24`, or one address).
pub fn ip_in(ip: &str, cidr: &str) -> bool {
    let parse = |s: &str| -> Option<u32> {
        let parts: Vec<u8> = s
            .split('.')
            .map(|x| x.parse().ok())
            .collect::<Option<_>>()?;
        (parts.len() == 4).then(|| u32::from_be_bytes([parts[0], parts[1], parts[2], parts[3]]))
    };
    let (net, bits) = match cidr.split_once('/') {
        Some((n, b)) => (n, b.parse::<u32>().unwrap_or(33)),
        None => (cidr, 32),
    };
    match (parse(ip), parse(net)) {
        (Some(i), Some(n)) if bits <= 32 => {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            i & mask == n & mask
        }
        _ => false,
    }
}
