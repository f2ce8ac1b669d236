//! Samples that spread over accounts then regions, rotating month by month
//! so that monthly runs cover every cell over time (`--sample`: footprints
//! and integrity checks).

use std::collections::HashMap;

/// The rotation of the sample for a run started at `t`: its month (months
/// since year 0), so each monthly run takes the next slice of cells.
pub fn rotation_of(t: chrono::DateTime<chrono::Utc>) -> u64 {
    use chrono::Datelike;
    (t.year().max(0) as u64) * 12 + u64::from(t.month0())
}

/// `n` positions of `order` starting at slice `rotation` (wrapping).
pub(crate) fn rotated(
    order: &[usize],
    n: usize,
    rotation: u64,
) -> std::collections::HashSet<usize> {
    if order.is_empty() {
        return Default::default();
    }
    let len = order.len();
    let start = ((rotation % len as u64) as usize * n) % len;
    (0..n.min(len)).map(|j| order[(start + j) % len]).collect()
}

/// Every position of a list of cells (given by their accounts) in sampling order: round
/// robin over the accounts (in order), each account's regions taken from a
/// different starting point so the regions vary too.
pub(crate) fn spread(accounts_in_order: &[&str]) -> Vec<usize> {
    let mut accounts: Vec<(&str, Vec<usize>)> = Vec::new();
    let mut at: HashMap<&str, usize> = HashMap::new();
    for (i, account) in accounts_in_order.iter().enumerate() {
        let k = *at.entry(account).or_insert_with(|| {
            accounts.push((account, vec![]));
            accounts.len() - 1
        });
        accounts[k].1.push(i);
    }
    let mut order = Vec::with_capacity(accounts_in_order.len());
    let rounds = accounts.iter().map(|(_, r)| r.len()).max().unwrap_or(0);
    for round in 0..rounds {
        for (k, (_, regions)) in accounts.iter().enumerate() {
            if round < regions.len() {
                order.push(regions[(k + round) % regions.len()]);
            }
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sample_spreads_over_accounts_then_regions() {
        let regions = ["us-east-1", "eu-west-1", "ap-south-1"];
        let group: Vec<(&str, &str)> = ["a", "b", "c", "d"]
            .iter()
            .flat_map(|a| regions.iter().map(move |r| (*a, *r)))
            .collect();
        let accounts: Vec<&str> = group.iter().map(|g| g.0).collect();
        let order = spread(&accounts);
        let pick = |n| {
            let mut v: Vec<(&str, &str)> = rotated(&order, n, 0)
                .into_iter()
                .map(|i| (group[i].0, group[i].1))
                .collect();
            v.sort();
            v
        };
        let four = pick(4);
        let accounts: std::collections::BTreeSet<_> = four.iter().map(|x| x.0).collect();
        let regs: std::collections::BTreeSet<_> = four.iter().map(|x| x.1).collect();
        assert_eq!(accounts.len(), 4, "one per account first: {four:?}");
        assert_eq!(regs.len(), 3, "and every region: {four:?}");
        assert_eq!(pick(6).len(), 6);
        assert_eq!(pick(100).len(), 12, "never more than there are");
        assert_eq!(pick(0).len(), 0);
    }

    #[test]
    fn monthly_samples_rotate_over_every_cell() {
        let regions = ["us-east-1", "eu-west-1", "ap-south-1"];
        let group: Vec<(&str, &str)> = ["a", "b", "c", "d", "e"]
            .iter()
            .flat_map(|a| regions.iter().map(move |r| (*a, *r)))
            .collect();
        let accounts: Vec<&str> = group.iter().map(|g| g.0).collect();
        let order = spread(&accounts);
        assert_eq!(order.len(), 15);
        // Twelve monthly runs from November 2026, four cells a month.
        let start =
            chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 30, 0, 0, 0).unwrap();
        let mut seen = std::collections::HashSet::new();
        let mut previous = None;
        for m in 0..4u32 {
            let t = start + chrono::Months::new(m);
            let month = rotated(&order, 4, rotation_of(t));
            assert_eq!(month.len(), 4);
            assert_ne!(previous.as_ref(), Some(&month), "a new sample each month");
            seen.extend(month.iter().copied());
            previous = Some(month);
        }
        assert_eq!(
            seen.len(),
            15,
            "four months of four cover all fifteen cells"
        );
        // The same month always draws the same sample (a rerun verifies the same cells).
        assert_eq!(
            rotated(&order, 4, rotation_of(start)),
            rotated(&order, 4, rotation_of(start + chrono::Duration::days(0)))
        );
    }
}
