//! The progress bar of a long batch: on stderr, only when stderr is a terminal, and only once
//! the batch is long (many files, or more than a second). Results on stdout never see it.

use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A batch with more files than this shows the bar from the start.
const MANY_FILES: usize = 8;
/// A shorter batch shows it once it has run this long.
const LONG: Duration = Duration::from_secs(1);

/// Whether a batch of `files` files, `elapsed` into its run, deserves a bar.
pub fn wanted(stderr_is_terminal: bool, files: usize, elapsed: Duration) -> bool {
    stderr_is_terminal && files > 1 && (files > MANY_FILES || elapsed >= LONG)
}

/// Counts files done; draws only when [`wanted`].
pub struct Progress {
    bar: ProgressBar,
    terminal: bool,
    total: usize,
    start: Instant,
}

impl Progress {
    pub fn new(total: usize, stderr_is_terminal: bool) -> Progress {
        let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template(
                "{elapsed_precise} [{wide_bar}] {pos}/{len} files, eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        let p = Progress {
            bar,
            terminal: stderr_is_terminal,
            total,
            start: Instant::now(),
        };
        p.show_if_wanted();
        p
    }

    fn show_if_wanted(&self) {
        if self.bar.is_hidden() && wanted(self.terminal, self.total, self.start.elapsed()) {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    /// One more file done (called from the worker threads).
    pub fn inc(&self) {
        self.show_if_wanted();
        self.bar.inc(1);
    }

    /// Prints a line on stderr above the bar.
    pub fn eprintln(&self, line: &str) {
        self.bar.suspend(|| eprintln!("{line}"));
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_long_batches_on_a_terminal() {
        let quick = Duration::from_millis(10);
        assert!(!wanted(false, 1000, LONG * 10), "never without a terminal");
        assert!(!wanted(true, 1, LONG * 10), "one file is not a batch");
        assert!(!wanted(true, 3, quick));
        assert!(wanted(true, 3, LONG));
        assert!(wanted(true, MANY_FILES + 1, quick));
    }
}
