//! `check` over many inputs: files are checked in parallel a chunk at a time and rendered in
//! input order as each chunk is done, so output streams, order is deterministic, and memory
//! holds a few chunks of captures however long the batch.

use std::sync::mpsc;

use rayon::prelude::*;

use crate::check::{check_input, read, Input, Options};
use crate::progress::Progress;
use crate::report::human::{self, HumanOptions};
use crate::report::sarif::SarifLog;
use crate::report::summary::BatchSummary;
use crate::report::{json, ndjson, FileReport, Report};
use crate::session::check_session;
use crate::shard::Shard;

/// How results are written to stdout.
#[derive(Debug, Clone, Copy)]
pub enum Format {
    Human(HumanOptions),
    Json,
    Ndjson,
    Sarif,
}

pub struct BatchOptions {
    pub format: Format,
    /// Print the summary table on stderr at the end.
    pub summary: bool,
    pub shard: Option<Shard>,
    /// Check all inputs as one recording.
    pub session: bool,
    /// Whether stderr is a terminal (the progress bar is drawn only there).
    pub stderr_is_terminal: bool,
}

/// The inputs of one shard, in the order given. Standard input has no path to hash.
pub fn shard_inputs(inputs: Vec<Input>, shard: Option<Shard>) -> Result<Vec<Input>, String> {
    let Some(shard) = shard else {
        return Ok(inputs);
    };
    if inputs.contains(&Input::Stdin) {
        return Err("--shard splits inputs by path; standard input (`-`) has none".into());
    }
    Ok(inputs
        .into_iter()
        .filter(|i| shard.contains(&i.name()))
        .collect())
}

/// Checks `inputs`, writes the results through `write` (stdout) and errors about inputs on
/// stderr, and returns the report without the captures' text (enough for exit codes).
pub fn run(
    inputs: &[Input],
    opts: &Options,
    batch: &BatchOptions,
    write: &mut dyn FnMut(&str),
) -> Report {
    let progress = Progress::new(inputs.len(), batch.stderr_is_terminal);
    let mut sarif = matches!(batch.format, Format::Sarif).then(|| SarifLog::new(&opts.rules));
    let mut report = Report::default();
    let mut emit = |mut file: FileReport| {
        if let Some(e) = &file.error {
            progress.eprintln(&format!("error: {e}"));
        }
        match batch.format {
            Format::Human(h) => write(&human::render_file(&file, &h)),
            Format::Ndjson => write(&ndjson::file_lines(&file)),
            Format::Sarif => {
                if let Some(log) = &mut sarif {
                    log.add_file(&file);
                }
            }
            Format::Json => {}
        }
        file.slim();
        report.files.push(file);
    };
    if batch.session {
        for file in check_as_session(inputs, opts, &progress) {
            emit(file);
        }
    } else {
        check_streaming(inputs, opts, &progress, &mut emit);
    }
    progress.finish();

    let summary = BatchSummary::of(&report);
    match batch.format {
        Format::Human(_) => write(&human::render_summary(&report)),
        Format::Json => {
            let mut text = json::render(&report);
            text.push('\n');
            write(&text);
        }
        Format::Ndjson => {
            let shard = batch.shard.map(|s| s.to_string());
            write(&ndjson::summary_line(&summary, shard.as_deref()));
        }
        Format::Sarif => {
            if let Some(log) = sarif.take() {
                let mut text = log.finish();
                text.push('\n');
                write(&text);
            }
        }
    }
    if batch.summary {
        eprint!("{}", summary.table(&report));
    }
    report
}

/// Files per chunk: enough to keep every thread busy between two renderings.
fn chunk_size() -> usize {
    (rayon::current_num_threads() * 4).max(8)
}

fn check_streaming(
    inputs: &[Input],
    opts: &Options,
    progress: &Progress,
    emit: &mut dyn FnMut(FileReport),
) {
    // The next chunk is checked while the last one is rendered; the channel's bound keeps
    // at most a couple of chunks in memory.
    let (tx, rx) = mpsc::sync_channel::<Vec<FileReport>>(1);
    std::thread::scope(|scope| {
        scope.spawn(move || {
            for chunk in inputs.chunks(chunk_size()) {
                let done: Vec<FileReport> = chunk
                    .par_iter()
                    .map(|input| {
                        let file = check_input(input, opts);
                        progress.inc();
                        file
                    })
                    .collect();
                if tx.send(done).is_err() {
                    return;
                }
            }
        });
        for chunk in rx {
            for file in chunk {
                emit(file);
            }
        }
    });
}

/// Reads every input (in parallel), then checks the readable ones as one recording. The
/// session comes first, then each unreadable input.
fn check_as_session(inputs: &[Input], opts: &Options, progress: &Progress) -> Vec<FileReport> {
    let read: Vec<Result<_, String>> = inputs
        .par_iter()
        .map(|input| {
            let r = read(input);
            progress.inc();
            r
        })
        .collect();
    let mut captures = Vec::new();
    let mut unreadable = Vec::new();
    for (input, r) in inputs.iter().zip(read) {
        match r {
            Ok(c) => captures.push(c),
            Err(e) => unreadable.push(FileReport::unreadable(input.name(), e)),
        }
    }
    let mut files = Vec::new();
    if !captures.is_empty() {
        files.push(check_session(captures, opts));
    }
    files.extend(unreadable);
    files
}
