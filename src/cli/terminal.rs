//! The terminal: colour, width, and writing results to standard output.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

/// `auto`: colour on a terminal, never when NO_COLOR is set (non-empty), and everywhere when
/// CLICOLOR_FORCE is set (non-empty, not `0`) — the conventions of no-color.org and
/// bixense.com/clicolors; NO_COLOR wins when both are set.
pub fn use_color(when: Color, stream_is_tty: bool) -> bool {
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0");
    match when {
        Color::Always => true,
        Color::Never => false,
        Color::Auto if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) => false,
        Color::Auto if set("CLICOLOR_FORCE") => true,
        Color::Auto => stream_is_tty,
    }
}

/// The columns to wrap at: `COLUMNS` when it says 40 or more, else 100 on a terminal and 80
/// elsewhere. (Every command's one width: the timeline takes at least its own minimum.)
pub fn width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .filter(|w: &usize| *w >= 40)
        .unwrap_or(if std::io::stdout().is_terminal() {
            100
        } else {
            80
        })
}

/// Whether errors on stderr are coloured (set once the `--color` flag is known).
static STDERR_COLOR: AtomicBool = AtomicBool::new(false);

pub fn set_stderr_color(when: Color) {
    STDERR_COLOR.store(
        use_color(when, std::io::stderr().is_terminal()),
        Ordering::Relaxed,
    );
}

pub fn stderr_color() -> bool {
    STDERR_COLOR.load(Ordering::Relaxed)
}

/// Writes results to stdout; a closed pipe (`| head`) ends quietly instead of panicking.
pub fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}
