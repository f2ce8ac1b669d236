//! Progress bars for long collections, behind the collector's `Reporter`
//! trait. Hidden with `-q` and when stderr is not a terminal.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use trailaudit_collect::Reporter;
use trailaudit_model::CollectionError;

/// Draws one bar per phase with a running error count.
pub struct Bars {
    multi: MultiProgress,
    bars: Mutex<Vec<(String, ProgressBar)>>,
    errors: AtomicUsize,
}

impl Bars {
    /// Bars on stderr, or hidden when `quiet` or stderr is not a terminal.
    pub fn new(quiet: bool) -> Bars {
        let target = if quiet || !std::io::stderr().is_terminal() {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        };
        Bars {
            multi: MultiProgress::with_draw_target(target),
            bars: Mutex::new(Vec::new()),
            errors: AtomicUsize::new(0),
        }
    }

    /// The bar of a phase (a cheap handle to the shared bar).
    fn bar(&self, name: &str) -> Option<ProgressBar> {
        self.bars
            .lock()
            .expect("bars")
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b.clone())
    }

    /// Clears the bars.
    pub fn finish(&self) {
        for (_, b) in self.bars.lock().expect("bars").iter() {
            b.finish_and_clear();
        }
    }
}

impl Reporter for Bars {
    fn phase(&self, name: &str, total: usize) {
        let bar = self.multi.add(ProgressBar::new(total as u64));
        bar.set_style(
            ProgressStyle::with_template("{prefix:>10} [{bar:30}] {pos}/{len} {msg}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar.set_prefix(name.to_string());
        self.bars
            .lock()
            .expect("bars")
            .push((name.to_string(), bar));
    }

    fn step(&self, name: &str) {
        if let Some(b) = self.bar(name) {
            b.inc(1);
        }
    }

    fn grow(&self, name: &str, n: usize) {
        if let Some(b) = self.bar(name) {
            b.inc_length(n as u64);
        }
    }

    fn error(&self, _error: &CollectionError) {
        let n = self.errors.fetch_add(1, Ordering::SeqCst) + 1;
        for (_, b) in self.bars.lock().expect("bars").iter() {
            b.set_message(format!("{n} errors"));
        }
    }
}
