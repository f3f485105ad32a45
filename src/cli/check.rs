//! `tokentrail check`: check captures and report what went wrong.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use tokentrail::batch::{self, BatchOptions, Finished};
use tokentrail::check::Options;
use tokentrail::config::Config;
use tokentrail::finding::Severity;
use tokentrail::outcome::Report;
use tokentrail::report::human::HumanOptions;
use tokentrail::report::output::OutputFormat;
use tokentrail::select::{Layer, Selection};
use tokentrail::shard::Shard;

use super::terminal::{set_stderr_color, use_color, width};
use super::{inputs_of, report_skipped, Common, EXIT_FINDINGS, EXIT_TROUBLE};

/// The help of `check`'s paths: the formats come from the reader registry.
fn paths_help() -> String {
    format!(
        "Captures to check: {} files (recognised by content, also gzipped), directories (walked \
recursively, sorted), and .zip / .tar.gz archives of captures. `-` reads standard input",
        tokentrail::read::registry::labels()
    )
}

#[derive(clap::Args)]
pub struct CheckArgs {
    // Captures to check: the help names the formats of the reader registry.
    #[arg(required_unless_present = "files_from", value_name = "PATHS", help = paths_help())]
    paths: Vec<std::ffi::OsString>,
    /// Also check the paths listed in FILE, one a line (blank lines and `#` comments are
    /// skipped; `-` reads the list from standard input).
    #[arg(long, value_name = "FILE")]
    files_from: Option<PathBuf>,
    #[command(flatten)]
    common: Common,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    format: OutputFormat,
    /// The lowest severity that makes the exit code 1.
    #[arg(long, value_enum, default_value_t = FailOn::Error, value_name = "SEVERITY")]
    fail_on: FailOn,
    /// Print a summary table on stderr at the end: files, entries, flows, findings per
    /// rule, files that could not be read.
    #[arg(long)]
    summary: bool,
    /// Check only shard I of N (1 <= I <= N): the inputs whose path hashes to it, the same
    /// split on every machine. Runs over all N shards check each input exactly once, and
    /// their NDJSON outputs concatenate (see docs/batch.md).
    #[arg(long, value_name = "I/N")]
    shard: Option<Shard>,
    /// Treat all inputs as one recording (say the app's HAR and the backend's proxy log of
    /// the same attempt), so a code issued in one file and redeemed in another is followed.
    #[arg(long)]
    session: bool,
    /// Write the report to FILE instead of standard output (`-` is standard output).
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    #[command(flatten)]
    choose: Choose,
    /// Report only findings that FILE (written by --write-baseline) does not record.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Record the findings reported in FILE, by fingerprint (no value from the capture),
    /// for --baseline.
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
}

/// `--select` / `--ignore`, shared with `[rules]` in tokentrail.toml.
#[derive(clap::Args)]
struct Choose {
    /// Report only these rules: ids (`oauth/code-reused`), packs (`alexa/`) or bare names
    /// (`code-reused`); comma-separated or repeated. Replaces `[rules] select` of the config.
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    select: Vec<String>,
    /// Do not report these rules (ids, packs or bare names); applied after --select.
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    ignore: Vec<String>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum FailOn {
    Error,
    Warning,
    Info,
    /// Never fail because of findings.
    None,
}

pub fn run(mut args: CheckArgs) -> miette::Result<u8> {
    set_stderr_color(args.common.color);
    args.output = args.output.filter(|o| o.as_os_str() != "-");
    if args.format.is_page() && args.output.is_none() && std::io::stdout().is_terminal() {
        // As gzip refuses to write compressed data to a terminal: a page of HTML is
        // unreadable there, and the user surely wanted a file.
        miette::bail!(
            "--format html writes a page for a browser, not for a terminal; add -o report.html (or redirect standard output to a file)"
        );
    }
    let (opts, config_path) = args.common.options()?;
    let settings = settings(&args, &opts, config_path.as_deref())?;
    let inputs = inputs_of(std::mem::take(&mut args.paths), args.files_from.as_deref())?;
    let inputs = batch::shard_inputs(inputs, args.shard).map_err(|e| miette::miette!("{e}"))?;
    let mut sink: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).map_err(|e| {
                miette::miette!("cannot write the report to {}: {e}", path.display())
            })?,
        )),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut write_error = None;
    let mut finished = batch::run(&inputs, &opts, &settings, &mut |text| {
        if write_error.is_none() {
            if let Err(e) = sink.write_all(text.as_bytes()) {
                write_error = Some(e);
            }
        }
    });
    if let Err(e) = sink.flush() {
        write_error.get_or_insert(e);
    }
    if let (Some(path), Some(e)) = (&args.output, write_error) {
        miette::bail!("cannot write the report to {}: {e}", path.display());
    }
    report_skipped(&finished.report, &inputs, args.common.verbose)?;
    baseline_notes(&mut finished, &args)?;
    let code = exit_code(&finished.report, args.fail_on);
    // The process ends with this command: the rules (compiled conditions) and every file's
    // report are left to the operating system, not freed piece by piece on one thread on the
    // way out (a fixed cost of every run, paid after the report is written).
    std::mem::forget((opts, settings, finished));
    Ok(code)
}

/// How the batch runs: the format, the rules selected, the baseline.
fn settings(
    args: &CheckArgs,
    opts: &Options,
    config_path: Option<&Path>,
) -> miette::Result<BatchOptions> {
    let stdout_tty = std::io::stdout().is_terminal() && args.output.is_none();
    let selection = Selection::new(
        &opts.rules,
        &selection_layers(&opts.config, config_path, &args.choose)
            .iter()
            .map(|(origin, select, ignore)| Layer {
                origin,
                select,
                ignore,
            })
            .collect::<Vec<_>>(),
    )
    .map_err(|e| miette::miette!("{e}"))?;
    let known = match &args.baseline {
        Some(path) => Some(tokentrail::baseline::load(path).map_err(|e| miette::miette!("{e}"))?),
        None => None,
    };
    let color = use_color(args.common.color, stdout_tty);
    Ok(BatchOptions {
        format: args.format,
        human: HumanOptions {
            color,
            unicode: color,
            width: width(),
        },
        summary: args.summary,
        shard: args.shard,
        session: args.session,
        stderr_is_terminal: std::io::stderr().is_terminal(),
        quiet: args.common.quiet,
        filter: batch::Filter {
            selection,
            baseline: known,
            record: args.write_baseline.is_some(),
        },
    })
}

/// The rule-selection layers: the config file's `[rules]`, then the command line's.
fn selection_layers<'a>(
    config: &'a Config,
    config_path: Option<&Path>,
    choose: &'a Choose,
) -> Vec<(String, &'a [String], &'a [String])> {
    let origin = match config_path {
        Some(p) => format!("{}: [rules] ", p.display()),
        None => "[rules] ".to_string(),
    };
    vec![
        (origin, &config.rules.select[..], &config.rules.ignore[..]),
        ("--".to_string(), &choose.select[..], &choose.ignore[..]),
    ]
}

/// What the baseline hid, and `--write-baseline`'s file.
fn baseline_notes(finished: &mut Finished, args: &CheckArgs) -> miette::Result<()> {
    let quiet = args.common.quiet;
    if finished.known > 0 && !quiet {
        eprintln!(
            "note: {} finding{} recorded in the baseline not shown",
            finished.known,
            if finished.known == 1 { "" } else { "s" }
        );
    }
    if let Some(path) = &args.write_baseline {
        let n = finished.recorded.len();
        tokentrail::baseline::write(path, std::mem::take(&mut finished.recorded))
            .map_err(|e| miette::miette!("{e}"))?;
        if !quiet {
            eprintln!(
                "note: {n} finding{} recorded in {}",
                if n == 1 { "" } else { "s" },
                path.display()
            );
        }
    }
    Ok(())
}

/// Exit code of a run: 2 if an input could not be read, else 1 if a finding is at or above
/// `--fail-on`, else 0.
fn exit_code(report: &Report, fail_on: FailOn) -> u8 {
    if report.unreadable() > 0 {
        return EXIT_TROUBLE;
    }
    let threshold = match fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::None => None,
    };
    let failed = matches!((report.worst(), threshold), (Some(w), Some(t)) if w >= t);
    if failed {
        EXIT_FINDINGS
    } else {
        0
    }
}
