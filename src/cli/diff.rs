//! `tokentrail diff`: a failing capture beside a working one, step by step.

use tokentrail::check::{check_pending, expand_noting, Options};
use tokentrail::outcome::FileReport;

use super::terminal::{print, set_stderr_color};
use super::{inputs_of, Common, EXIT_FINDINGS, EXIT_TROUBLE};

#[derive(clap::Args)]
pub struct DiffArgs {
    /// The failing capture, in any supported format; `-` reads standard input.
    a: std::ffi::OsString,
    /// The working capture to compare it with.
    b: std::ffi::OsString,
    #[command(flatten)]
    common: Common,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
    format: DiffFormat,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum DiffFormat {
    /// One line a pair of steps, the differing fields under it.
    Human,
    /// One JSON document: both sides, the aligned steps and their differences.
    Json,
}

pub fn run(args: DiffArgs) -> miette::Result<u8> {
    set_stderr_color(args.common.color);
    let (opts, _) = args.common.options()?;
    let (ra, rb) = (side(args.a, &opts)?, side(args.b, &opts)?);
    let (Some(fa), Some(fb)) = (ra.first(), rb.first()) else {
        eprintln!("error: nothing to compare: an input holds no capture");
        return Ok(EXIT_TROUBLE);
    };
    let mut unreadable = false;
    for f in [fa, fb] {
        if let Some(e) = &f.error {
            eprintln!("error: {e}");
            unreadable = true;
        }
        if let Some(note) = f.capture.as_ref().and_then(|c| c.skipped_note()) {
            eprintln!("note: {note}");
        }
    }
    if unreadable {
        return Ok(EXIT_TROUBLE);
    }
    let d = tokentrail::diff::diff(fa, fb);
    print(&match args.format {
        DiffFormat::Human => tokentrail::diff::render_human(&d, fa, fb),
        DiffFormat::Json => tokentrail::diff::render_json(&d, fa, fb),
    });
    Ok(if d.differs() { EXIT_FINDINGS } else { 0 })
}

/// One side on its own: an archive or directory given as one side is one capture (its
/// first), never mixed with the other side's.
fn side(arg: std::ffi::OsString, opts: &Options) -> miette::Result<Vec<FileReport>> {
    let inputs = inputs_of(vec![arg], None)?;
    let mut skipped = Vec::new();
    let first = inputs
        .iter()
        .flat_map(|i| expand_noting(i, &opts.config.limits, &mut skipped))
        .next();
    Ok(first.map(|p| check_pending(p, opts)).unwrap_or_default())
}
