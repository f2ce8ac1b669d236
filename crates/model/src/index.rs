//! Lookups by key, built once per snapshot.
//!
//! Every lookup the analysis makes (an account by id, a trail by ARN, the
//! trails an account owns, the organization trails, a bucket, a key, a log
//! group, an event data store) goes through [`Lookup`], which builds one
//! [`Index`] of positions the first time it is asked and then answers in
//! constant time, so analysis is linear in the size of the snapshot.
//!
//! The index stores positions, not references. It is rebuilt when a
//! collection's length changed since it was built or when a hit names an
//! element with another key (a snapshot edited after a lookup, as tests and
//! the collector do); keys are not expected to be renamed in place.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::org::Account;
use crate::resources::{Bucket, EventDataStore, KmsKey, LogGroup};
use crate::trail::Trail;

/// The collections of a snapshot an index is built over.
#[derive(Debug, Clone, Copy)]
pub struct Tables<'a> {
    /// Accounts.
    pub accounts: &'a [Account],
    /// Trails.
    pub trails: &'a [Trail],
    /// Buckets.
    pub buckets: &'a [Bucket],
    /// KMS keys.
    pub kms_keys: &'a [KmsKey],
    /// Log groups.
    pub log_groups: &'a [LogGroup],
    /// Event data stores.
    pub event_data_stores: &'a [EventDataStore],
}

/// Positions by key in one snapshot.
#[derive(Debug, Default)]
pub struct Index {
    lens: [usize; 6],
    accounts: HashMap<String, usize>,
    trails: HashMap<String, usize>,
    trails_by_owner: HashMap<String, Vec<usize>>,
    organization_trails: Vec<usize>,
    buckets: HashMap<String, usize>,
    kms_keys: HashMap<String, usize>,
    log_groups: HashMap<String, usize>,
    stores: HashMap<String, usize>,
    stores_by_owner: HashMap<String, Vec<usize>>,
    organization_stores: Vec<usize>,
}

fn lens(s: &Tables<'_>) -> [usize; 6] {
    [
        s.accounts.len(),
        s.trails.len(),
        s.buckets.len(),
        s.kms_keys.len(),
        s.log_groups.len(),
        s.event_data_stores.len(),
    ]
}

fn positions<'a, T: 'a>(items: &'a [T], key: impl Fn(&'a T) -> &'a str) -> HashMap<String, usize> {
    let mut m = HashMap::with_capacity(items.len());
    for (i, x) in items.iter().enumerate() {
        // The first wins, as a linear `find` would.
        m.entry(key(x).to_string()).or_insert(i);
    }
    m
}

impl Index {
    /// Builds the index of `s` (linear).
    pub fn build(s: &Tables<'_>) -> Index {
        let mut trails_by_owner: HashMap<String, Vec<usize>> = HashMap::new();
        let mut organization_trails = Vec::new();
        for (i, t) in s.trails.iter().enumerate() {
            trails_by_owner
                .entry(t.owner_account_id.clone())
                .or_default()
                .push(i);
            if t.is_organization_trail {
                organization_trails.push(i);
            }
        }
        let mut stores_by_owner: HashMap<String, Vec<usize>> = HashMap::new();
        let mut organization_stores = Vec::new();
        for (i, e) in s.event_data_stores.iter().enumerate() {
            stores_by_owner
                .entry(e.account_id.clone())
                .or_default()
                .push(i);
            if e.organization_enabled {
                organization_stores.push(i);
            }
        }
        Index {
            lens: lens(s),
            accounts: positions(s.accounts, |a| &a.id),
            trails: positions(s.trails, |t| &t.arn),
            trails_by_owner,
            organization_trails,
            buckets: positions(s.buckets, |b| &b.name),
            kms_keys: positions(s.kms_keys, |k| &k.arn),
            log_groups: positions(s.log_groups, |g| &g.arn),
            stores: positions(s.event_data_stores, |e| &e.arn),
            stores_by_owner,
            organization_stores,
        }
    }

    /// Position of an account.
    pub fn account(&self, id: &str) -> Option<usize> {
        self.accounts.get(id).copied()
    }
    /// Position of a trail.
    pub fn trail(&self, arn: &str) -> Option<usize> {
        self.trails.get(arn).copied()
    }
    /// Positions of the trails an account owns, in snapshot order.
    pub fn trails_owned_by(&self, owner: &str) -> &[usize] {
        self.trails_by_owner
            .get(owner)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
    /// Positions of the organization trails, in snapshot order.
    pub fn organization_trails(&self) -> &[usize] {
        &self.organization_trails
    }
    /// Position of a bucket.
    pub fn bucket(&self, name: &str) -> Option<usize> {
        self.buckets.get(name).copied()
    }
    /// Position of a KMS key.
    pub fn kms_key(&self, arn: &str) -> Option<usize> {
        self.kms_keys.get(arn).copied()
    }
    /// Position of a log group.
    pub fn log_group(&self, arn: &str) -> Option<usize> {
        self.log_groups.get(arn).copied()
    }
    /// Position of an event data store.
    pub fn store(&self, arn: &str) -> Option<usize> {
        self.stores.get(arn).copied()
    }
    /// Positions of the event data stores an account owns.
    pub fn stores_owned_by(&self, owner: &str) -> &[usize] {
        self.stores_by_owner
            .get(owner)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
    /// Positions of the organization event data stores.
    pub fn organization_stores(&self) -> &[usize] {
        &self.organization_stores
    }
}

/// The lazily built [`Index`] of a snapshot (not serialized; a clone starts
/// empty; always equal, so it never changes a comparison of snapshots).
#[derive(Default)]
pub struct Lookup(RwLock<Option<Arc<Index>>>, std::sync::atomic::AtomicUsize);

impl Clone for Lookup {
    fn clone(&self) -> Lookup {
        Lookup::default()
    }
}

impl PartialEq for Lookup {
    fn eq(&self, _: &Lookup) -> bool {
        true
    }
}

impl std::fmt::Debug for Lookup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Lookup")
    }
}

impl Lookup {
    /// The index of `s`, built now if missing or stale.
    pub fn get(&self, s: &Tables<'_>) -> Arc<Index> {
        if let Some(ix) = self.0.read().ok().and_then(|g| g.clone()) {
            if ix.lens == lens(s) {
                return ix;
            }
        }
        self.rebuild(s)
    }

    /// How many times the index was built (once for a snapshot not edited
    /// after its first lookup: more means lookups fall back to linear work).
    pub fn builds(&self) -> usize {
        self.1.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Builds the index again (after a hit named another key).
    pub fn rebuild(&self, s: &Tables<'_>) -> Arc<Index> {
        self.1.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let ix = Arc::new(Index::build(s));
        if let Ok(mut g) = self.0.write() {
            *g = Some(ix.clone());
        }
        ix
    }
}
