//! `tokentrail flows`: the OAuth flows reconstructed from captures, step by step.

use std::io::IsTerminal;

use tokentrail::check::{check_pending, expand_noting};
use tokentrail::outcome::{FileReport, Report};
use tokentrail::report::mermaid;
use tokentrail::report::timeline::{self, TimelineOptions};

use super::terminal::{print, set_stderr_color, use_color, width};
use super::{inputs_of, report_skipped, Common, EXIT_TROUBLE};

#[derive(clap::Args)]
pub struct FlowsArgs {
    /// Captures, as `check` takes them: files in any supported format, directories,
    /// archives; `-` reads standard input.
    #[arg(required = true, value_name = "PATHS")]
    paths: Vec<std::ffi::OsString>,
    #[command(flatten)]
    common: Common,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FlowsFormat::Text)]
    format: FlowsFormat,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum FlowsFormat {
    /// A timeline for the terminal.
    Text,
    /// Markdown with a Mermaid sequence diagram per flow.
    Mermaid,
}

pub fn run(args: FlowsArgs) -> miette::Result<u8> {
    let common = &args.common;
    set_stderr_color(common.color);
    let (opts, _) = common.options()?;
    let inputs = inputs_of(args.paths, None)?;
    let mut skipped = Vec::new();
    let pending: Vec<_> = inputs
        .iter()
        .flat_map(|i| expand_noting(i, &opts.config.limits, &mut skipped))
        .collect();
    let found = pending.len();
    let files: Vec<_> = pending
        .into_iter()
        .flat_map(|p| check_pending(p, &opts))
        .collect();
    let report = Report {
        files,
        skipped,
        found,
    };
    report_skipped(&report, &inputs, common.verbose)?;
    let mut readable: Vec<&FileReport> = Vec::new();
    for f in &report.files {
        if let Some(e) = &f.error {
            eprintln!("error: {e}");
            continue;
        }
        if let Some(note) = f.capture.as_ref().and_then(|c| c.skipped_note()) {
            eprintln!("note: {note}");
        }
        readable.push(f);
    }
    print(&match args.format {
        FlowsFormat::Text => {
            let opts = TimelineOptions {
                width: width(),
                color: use_color(common.color, std::io::stdout().is_terminal()),
            };
            timeline::render_files(readable, report.files.len() > 1, &opts)
        }
        // Mermaid's Markdown names each file in its own heading.
        FlowsFormat::Mermaid => readable.into_iter().map(mermaid::render).collect(),
    });
    Ok(if report.unreadable() > 0 {
        EXIT_TROUBLE
    } else {
        0
    })
}
