//! Three-valued answers: yes, no, or cannot tell from what was collected.
//! Shared by the IAM engine (does a policy allow a request) and the event
//! catalogue (does a selector select an event), so that "unknown" is a value
//! that flows through both, never a `false` in disguise.

/// Yes, no, or maybe (some of them, or it depends on a value not known).
/// Ordered `No < Maybe < Yes`: `and` is the minimum, `or` the maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tri {
    /// No (none of them).
    No,
    /// Some of them, or it depends on a value we do not know.
    Maybe,
    /// Yes (all of them).
    Yes,
}

impl Tri {
    /// Both: the smaller answer.
    pub fn and(self, o: Tri) -> Tri {
        self.min(o)
    }

    /// Either: the larger answer.
    pub fn or(self, o: Tri) -> Tri {
        self.max(o)
    }

    /// `Yes` for true, `No` for false.
    pub fn from_bool(b: bool) -> Tri {
        if b {
            Tri::Yes
        } else {
            Tri::No
        }
    }
}

/// The opposite: `Maybe` stays `Maybe`.
impl std::ops::Not for Tri {
    type Output = Tri;

    fn not(self) -> Tri {
        match self {
            Tri::Yes => Tri::No,
            Tri::No => Tri::Yes,
            Tri::Maybe => Tri::Maybe,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Tri::{self, *};

    #[test]
    fn and_or_not_are_kleene_logic() {
        let all = [No, Maybe, Yes];
        for a in all {
            assert_eq!(!!a, a);
            for b in all {
                // De Morgan holds in Kleene's three-valued logic.
                assert_eq!(!a.and(b), (!a).or(!b));
                assert_eq!(a.and(b), b.and(a));
            }
        }
        assert_eq!(Maybe.and(Yes), Maybe);
        assert_eq!(Maybe.or(No), Maybe);
        assert_eq!(Tri::from_bool(true), Yes);
    }
}
