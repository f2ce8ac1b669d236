//! What the causes of `audit why` read: the question, its classification,
//! the snapshot and the probes' results, with the trail that records the
//! event and where its files land ([`Walk`]).

use chrono::Duration;
use trailaudit_catalogue::selectors::Event;
use trailaudit_checks::sources::{answer, sources, Answer, Kind, Sources};
use trailaudit_model::Tri;
use trailaudit_model::{Bucket, Fact, Snapshot, Trail, WhyProbes};

use crate::question::{
    chosen, event, logging_at, prefixes, Cause, Check, Classification, Outcome, Question,
};

/// The causes that say the event was never recorded.
const RECORDING: [Cause; 4] = [
    Cause::NoTrail,
    Cause::NotLogging,
    Cause::NotSelected,
    Cause::DeliveryFailing,
];

/// Everything the causes read, computed once.
pub struct Walk<'a> {
    pub(crate) s: &'a Snapshot,
    pub(crate) q: &'a Question,
    pub(crate) c: &'a Classification,
    pub(crate) e: Event<'a>,
    pub(crate) probes: &'a WhyProbes,
    pub(crate) srcs: Sources<'a>,
    pub(crate) answer: Answer,
    pub(crate) trails: Vec<&'a Trail>,
    pub(crate) logging: Vec<&'a Trail>,
    pub(crate) target: Option<&'a Trail>,
    pub(crate) bucket: Option<&'a Bucket>,
    pub(crate) locs: Vec<String>,
    pub(crate) age: Duration,
}

impl<'a> Walk<'a> {
    /// Prepares the walk.
    pub fn new(
        s: &'a Snapshot,
        q: &'a Question,
        c: &'a Classification,
        probes: &'a WhyProbes,
    ) -> Walk<'a> {
        let e = event(c, q);
        let srcs = sources(s, &q.account, &c.record_region);
        let answer = answer(&srcs, &e, c.global);
        let trails: Vec<&Trail> = srcs
            .sources
            .iter()
            .filter_map(|x| match x.kind {
                Kind::Trail(t) => Some(t),
                Kind::Store(_) => None,
            })
            .collect();
        let logging = trails
            .iter()
            .copied()
            .filter(|t| logging_at(t, q.time).0 == Tri::Yes)
            .collect();
        let target = chosen(s, q, c);
        let bucket = target
            .and_then(|t| t.s3_bucket_name.as_deref())
            .and_then(|b| s.bucket(b));
        let locs = target.map(|t| prefixes(s, q, c, t)).unwrap_or_default();
        Walk {
            s,
            q,
            c,
            e,
            probes,
            srcs,
            answer,
            trails,
            logging,
            target,
            bucket,
            locs,
            age: q.now - q.time,
        }
    }

    /// Makes the recording causes agree with the source model's answer: when
    /// the event is recorded none of them holds; when that cannot be told,
    /// none holds and the first that would is "cannot tell" with the reason;
    /// when it is not recorded, one of them holds.
    pub fn reconcile(&self, checks: &mut [Check]) {
        let recording = |ch: &Check| RECORDING.contains(&ch.cause);
        match self.answer.recorded {
            Tri::Yes => {
                for ch in checks.iter_mut().filter(|c| recording(c)) {
                    if ch.result == Outcome::Holds {
                        ch.result = Outcome::DoesNotHold;
                        ch.evidence = format!(
                            "{}; but the event is recorded by {}",
                            ch.evidence,
                            self.answer.by.join(", ")
                        );
                    }
                }
            }
            Tri::Maybe => {
                let mut first = true;
                for ch in checks.iter_mut().filter(|c| recording(c)) {
                    if ch.result == Outcome::Holds {
                        ch.result = if first {
                            Outcome::CannotTell
                        } else {
                            Outcome::DoesNotHold
                        };
                        if first {
                            ch.evidence = format!("{}; but: {}", ch.evidence, self.answer.reason);
                        }
                        first = false;
                    }
                }
                if first {
                    if let Some(ch) = checks
                        .iter_mut()
                        .find(|c| recording(c) && c.result == Outcome::CannotTell)
                    {
                        if !ch.evidence.contains(&self.answer.reason) {
                            ch.evidence = format!("{}; {}", ch.evidence, self.answer.reason);
                        }
                    } else if let Some(ch) = checks.iter_mut().find(|c| c.cause == Cause::NoTrail) {
                        ch.result = Outcome::CannotTell;
                        ch.evidence = self.answer.reason.clone();
                    }
                }
            }
            Tri::No => {
                if !checks
                    .iter()
                    .any(|c| recording(c) && c.result == Outcome::Holds)
                {
                    let cause = if self.trails.is_empty() {
                        Cause::NoTrail
                    } else {
                        Cause::NotSelected
                    };
                    if let Some(ch) = checks.iter_mut().find(|c| c.cause == cause) {
                        ch.result = Outcome::Holds;
                        ch.evidence = self.answer.reason.clone();
                    }
                }
            }
        }
    }

    /// The log file found by the probes.
    pub fn found_key(&self) -> Option<String> {
        match &self.probes.record_key {
            Fact::Collected { value: Some(k) } => Some(k.clone()),
            _ => None,
        }
    }

    /// The destination bucket's name.
    pub fn bucket_name(&self) -> Option<String> {
        self.bucket
            .map(|b| b.name.clone())
            .or_else(|| self.target.and_then(|t| t.s3_bucket_name.clone()))
    }

    /// `s3://BUCKET/.../YYYY/MM/DD/` where the log file should be.
    pub fn locations(&self) -> Vec<String> {
        match self.bucket_name() {
            Some(b) => self.locs.iter().map(|p| format!("s3://{b}/{p}")).collect(),
            None => vec![],
        }
    }

    /// What the 90-day event history says.
    pub fn event_history(&self) -> String {
        let (c, q) = (self.c, self.q);
        if c.selected_only() {
            format!(
                "{} events are never in the event history",
                c.category.words()
            )
        } else if self.age >= Duration::days(90) {
            "older than 90 days: no longer in the event history".to_string()
        } else {
            match &self.probes.lookup_found {
                Fact::Collected { value: true } => format!(
                    "LookupEvents in {} finds it (90-day event history of account {})",
                    c.record_region, q.account
                ),
                Fact::Collected { value: false } => format!(
                    "LookupEvents in {} does not return it for that time",
                    c.record_region
                ),
                other => format!(
                    "LookupEvents in {} should have it (management events, 90 days, no trail needed); not checked: {}",
                    c.record_region,
                    other.unknown_reason().unwrap_or_default()
                ),
            }
        }
    }

    pub(crate) fn window(&self) -> String {
        format!(
            "--start-time {} --end-time {}",
            (self.q.time - Duration::minutes(5)).to_rfc3339(),
            (self.q.time + Duration::minutes(5)).to_rfc3339()
        )
    }

    pub(crate) fn trail_arn(&self) -> String {
        self.target
            .map(|t| t.arn.clone())
            .unwrap_or_else(|| "TRAIL_ARN".into())
    }

    pub(crate) fn home(&self) -> String {
        self.target
            .map(|t| t.home_region.clone())
            .unwrap_or_else(|| self.c.record_region.clone())
    }

    pub(crate) fn bucket_or_placeholder(&self) -> String {
        self.bucket_name().unwrap_or_else(|| "LOG_BUCKET".into())
    }

    /// The bucket's owner (as text) and whether it is another account than
    /// the one asking: yes, no, or unknown (owner unknown, bucket not read).
    pub(crate) fn owner_and_other(&self) -> (String, Tri) {
        match self.bucket.map(|b| &b.owner) {
            Some(Fact::Collected { value: Some(o) }) => {
                (o.clone(), Tri::from_bool(*o != self.q.account))
            }
            Some(Fact::Collected { value: None }) => ("outside the organization".into(), Tri::Yes),
            Some(other) => (
                format!("unknown ({})", other.unknown_reason().unwrap_or_default()),
                Tri::Maybe,
            ),
            None => ("unknown (the bucket was not read)".into(), Tri::Maybe),
        }
    }
}
