//! `check` over many inputs: files are checked in parallel and rendered in input order as
//! soon as each one and all before it are done, so output streams, order is deterministic,
//! and memory holds a bounded window of captures however long the batch.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Condvar, Mutex};

use rayon::prelude::*;

use crate::check::{check_pending, expand, Input, Options};
use crate::limits::Limits;
use crate::progress::Progress;
use crate::read::input::Pending;
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
    /// One self-contained page, written when every file is done (it needs the captures).
    Html,
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

/// Refuses a shard of standard input, which has no path to hash.
pub fn shard_inputs(inputs: Vec<Input>, shard: Option<Shard>) -> Result<Vec<Input>, String> {
    if shard.is_some() && inputs.contains(&Input::Stdin) {
        return Err("--shard splits inputs by path; standard input (`-`) has none".into());
    }
    Ok(inputs)
}

/// The captures the inputs hold (a directory's files, an archive's members), keeping only
/// this shard's: the split is by capture name, so members of one archive spread over shards.
fn captures_of(inputs: &[Input], shard: Option<Shard>, limits: &Limits) -> Vec<Pending> {
    // Each input's first bytes are read to tell what it is: on every core, in input order.
    inputs
        .par_iter()
        .flat_map_iter(|i| expand(i, limits))
        .filter(|p| shard.is_none_or(|s| s.contains(p.name())))
        .collect()
}

/// Checks `inputs`, writes the results through `write` (stdout) and errors about inputs on
/// stderr, and returns the report without the captures' text (enough for exit codes).
pub fn run(
    inputs: &[Input],
    opts: &Options,
    batch: &BatchOptions,
    write: &mut dyn FnMut(&str),
) -> Report {
    let pending = captures_of(inputs, batch.shard, &opts.config.limits);
    let progress = Progress::new(pending.len(), batch.stderr_is_terminal);
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
            Format::Json | Format::Html => {}
        }
        if !matches!(batch.format, Format::Html) {
            file.slim();
        }
        report.files.push(file);
    };
    if batch.session {
        for file in check_as_session(pending, opts, &progress) {
            emit(file);
        }
    } else {
        check_streaming(pending, opts, &progress, &mut emit);
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
        Format::Html => write(&crate::report::html::render(&report)),
    }
    if batch.summary {
        eprint!("{}", summary.table(&report));
    }
    report
}

/// How many files past the oldest one not yet rendered may be checked or waiting: enough to
/// keep every thread busy while a long one holds up the rendering, few enough that memory
/// holds a handful of captures.
fn window() -> usize {
    (rayon::current_num_threads() * 4).max(8)
}

/// Checks `pending` on every thread and hands each file's reports to `emit` in input order.
///
/// Each thread takes the next file as soon as it is free, so a long file never leaves the
/// others idle (a chunk at a time, every chunk waited for its slowest file: the 2,000-file
/// benchmark ran at 0.62 of one thread's time on two). A thread waits only when it is
/// `window()` files ahead of the oldest file not yet rendered.
fn check_streaming(
    pending: Vec<Pending>,
    opts: &Options,
    progress: &Progress,
    emit: &mut dyn FnMut(FileReport),
) {
    let total = pending.len();
    let slots: Vec<Mutex<Option<Pending>>> =
        pending.into_iter().map(|p| Mutex::new(Some(p))).collect();
    let next = AtomicUsize::new(0);
    let window = window();
    // How many files are rendered; a thread too far ahead waits for it to grow.
    let rendered = (Mutex::new(0usize), Condvar::new());
    // Set when a checking thread panics, so that the others stop waiting and the panic
    // reaches the caller instead of a deadlock.
    let abandoned = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel::<(usize, Vec<FileReport>)>();
    std::thread::scope(|scope| {
        let (slots, next, rendered, abandoned) = (&slots, &next, &rendered, &abandoned);
        scope.spawn(move || {
            let tx = &tx;
            rayon::scope(|s| {
                for _ in 0..rayon::current_num_threads().min(total) {
                    s.spawn(move |_| {
                        let _guard = Abandon(abandoned, rendered);
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some(slot) = slots.get(i) else { break };
                            if !wait_for_window(rendered, abandoned, i, window) {
                                break;
                            }
                            let Some(p) = slot.lock().ok().and_then(|mut s| s.take()) else {
                                break;
                            };
                            let files = check_pending(p, opts);
                            progress.inc();
                            if tx.send((i, files)).is_err() {
                                break;
                            }
                        }
                    });
                }
            });
        });
        // Rendered in input order: a file done early waits here for those before it.
        let mut done = BTreeMap::new();
        let mut want = 0;
        for (i, files) in rx {
            done.insert(i, files);
            while let Some(files) = done.remove(&want) {
                for file in files {
                    emit(file);
                }
                want += 1;
            }
            if let Ok(mut count) = rendered.0.lock() {
                *count = want;
            }
            rendered.1.notify_all();
        }
    });
}

/// Waits until file `i` is within `window` of the oldest file not yet rendered; false when a
/// checking thread panicked (or the lock is poisoned).
fn wait_for_window(
    rendered: &(Mutex<usize>, Condvar),
    abandoned: &AtomicBool,
    i: usize,
    window: usize,
) -> bool {
    let Ok(mut count) = rendered.0.lock() else {
        return false;
    };
    while i >= *count + window {
        if abandoned.load(Ordering::Relaxed) {
            return false;
        }
        count = match rendered.1.wait(count) {
            Ok(count) => count,
            Err(_) => return false,
        };
    }
    !abandoned.load(Ordering::Relaxed)
}

/// Marks the batch abandoned, and wakes the waiting threads, if its thread unwinds.
struct Abandon<'a>(&'a AtomicBool, &'a (Mutex<usize>, Condvar));

impl Drop for Abandon<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            // Under the lock, so that no thread is between its check and its wait.
            let _lock = self.1 .0.lock();
            self.0.store(true, Ordering::Relaxed);
            self.1 .1.notify_all();
        }
    }
}

/// Reads every capture (in parallel), then checks the readable ones as one recording. The
/// session comes first, then each unreadable input.
fn check_as_session(pending: Vec<Pending>, opts: &Options, progress: &Progress) -> Vec<FileReport> {
    let read: Vec<_> = pending
        .into_par_iter()
        .flat_map_iter(|p| {
            let r = p.read();
            progress.inc();
            r
        })
        .collect();
    let mut captures = Vec::new();
    let mut unreadable = Vec::new();
    for outcome in read {
        match outcome.result {
            Ok(c) => captures.push(c),
            Err(e) => unreadable.push(FileReport::unreadable(outcome.name, e.to_string())),
        }
    }
    let mut files = Vec::new();
    if !captures.is_empty() {
        files.push(check_session(captures, opts));
    }
    files.extend(unreadable);
    files
}
