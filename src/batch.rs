//! `check` over many inputs: files are checked in parallel and rendered in input order as
//! soon as each one and all before it are done, so output streams, order is deterministic,
//! and memory holds a bounded window of captures however long the batch.

use std::collections::BTreeMap;
use std::sync::mpsc;

use rayon::prelude::*;

use crate::baseline;
use crate::check::{check_pending, expand_noting, Input, Options};
use crate::limits::Limits;
use crate::outcome::{FileReport, Report};
use crate::progress::Progress;
use crate::read::input::Pending;
use crate::report::human::HumanOptions;
use crate::report::output::{Keeps, Output, OutputFormat, Settings};
use crate::report::summary::BatchSummary;
use crate::session::check_session;
use crate::shard::Shard;

pub struct BatchOptions {
    /// How results are written to stdout.
    pub format: OutputFormat,
    /// How the human format draws.
    pub human: HumanOptions,
    /// Print the summary table on stderr at the end.
    pub summary: bool,
    pub shard: Option<Shard>,
    /// Check all inputs as one recording.
    pub session: bool,
    /// Whether stderr is a terminal (the progress bar is drawn only there).
    pub stderr_is_terminal: bool,
    /// `-q`: findings only (no summary line, no progress bar).
    pub quiet: bool,
    /// Which findings are reported (`--select`, `--ignore`, `--baseline`).
    pub filter: Filter,
}

/// Which findings a run reports, and whether it records them for a baseline.
#[derive(Debug, Default)]
pub struct Filter {
    pub selection: crate::select::Selection,
    /// Fingerprints of known findings (`--baseline`), which are not reported.
    pub baseline: Option<std::collections::BTreeSet<String>>,
    /// Record every reported finding's fingerprint (`--write-baseline`).
    pub record: bool,
}

impl Filter {
    /// Drops the findings of rules not selected and those the baseline knows; returns the
    /// baseline entries of what is left (when recording) and how many the baseline hid.
    /// Runs before the file is rendered, while its capture is still there.
    pub fn apply(&self, file: &mut FileReport) -> (Vec<baseline::Entry>, usize) {
        file.findings.retain(|f| self.selection.allows(&f.rule));
        if self.baseline.is_none() && !self.record {
            return (Vec::new(), 0);
        }
        let prints = baseline::fingerprints(file);
        let mut hidden = 0;
        if let Some(known) = &self.baseline {
            let mut keep = prints.iter().map(|p| !known.contains(p));
            let before = file.findings.len();
            file.findings.retain(|_| keep.next().unwrap_or(true));
            hidden = before - file.findings.len();
        }
        if !self.record {
            return (Vec::new(), hidden);
        }
        let known = self.baseline.as_ref();
        let entries = file
            .findings
            .iter()
            .zip(
                prints
                    .iter()
                    .filter(|p| known.is_none_or(|k| !k.contains(*p))),
            )
            .map(|(f, p)| baseline::Entry {
                fingerprint: p.clone(),
                rule: f.rule.clone(),
                file: f.file.clone(),
                entry: f.entry.map(|e| file.origin(e).entry),
            })
            .collect();
        (entries, hidden)
    }
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
/// Also returns how many there were in all shards, and the files a directory walk skipped.
fn captures_of(
    inputs: &[Input],
    shard: Option<Shard>,
    limits: &Limits,
) -> (Vec<Pending>, usize, Vec<String>) {
    // Each input's first bytes are read to tell what it is: on every core, in input order.
    let expanded: Vec<(Vec<Pending>, Vec<String>)> = inputs
        .par_iter()
        .map(|i| {
            let mut skipped = Vec::new();
            (expand_noting(i, limits, &mut skipped), skipped)
        })
        .collect();
    let mut pending = Vec::new();
    let mut skipped = Vec::new();
    let mut total = 0;
    for (p, s) in expanded {
        total += p.len();
        pending.extend(p);
        skipped.extend(s);
    }
    pending.retain(|p| shard.is_none_or(|s| s.contains(p.name())));
    (pending, total, skipped)
}

/// What a run found: the report (without the captures' text, enough for exit codes), and
/// what the baseline did.
#[derive(Debug, Default)]
pub struct Finished {
    pub report: Report,
    /// Baseline entries of the findings reported (`--write-baseline`).
    pub recorded: Vec<baseline::Entry>,
    /// How many findings a baseline hid (`--baseline`).
    pub known: usize,
}

/// Checks `inputs`, writes the results through `write` (stdout) and errors about inputs on
/// stderr.
pub fn run(
    inputs: &[Input],
    opts: &Options,
    batch: &BatchOptions,
    write: &mut dyn FnMut(&str),
) -> Finished {
    let (pending, found, skipped) = captures_of(inputs, batch.shard, &opts.config.limits);
    let progress = Progress::new(pending.len(), batch.stderr_is_terminal && !batch.quiet);
    let shard = batch.shard.map(|s| s.to_string());
    let output = batch.format.output(&Settings {
        rules: &opts.rules,
        human: batch.human,
        quiet: batch.quiet,
        shard: shard.as_deref(),
    });
    let output: &dyn Output = output.as_ref();
    let mut run = Finished {
        report: Report {
            skipped,
            found,
            ..Report::default()
        },
        ..Finished::default()
    };
    // On the thread that checked the file: what can be rendered from one file alone, and
    // dropping the capture's text once nothing needs it. (Done by the writing thread, that
    // was a tenth of a batch's work on one thread, most of it freeing what another thread
    // had allocated.)
    let prepare = |file: &mut FileReport| -> Done {
        // Flows the capture holds but no reader turns into exchanges (a mitmproxy dump's
        // websocket and tcp flows) are said, not dropped silently.
        if let Some(note) = file.capture.as_ref().and_then(|c| c.skipped_note()) {
            if !batch.quiet {
                progress.eprintln(&format!("note: {note}"));
            }
        }
        let (recorded, hidden) = batch.filter.apply(file);
        let text = output.file(file);
        if output.keeps() == Keeps::Nothing {
            file.slim();
        }
        Done {
            text,
            recorded,
            hidden,
        }
    };
    let mut emit = |(mut file, done): Prepared| {
        let Done {
            text,
            recorded,
            hidden,
        } = done;
        run.recorded.extend(recorded);
        run.known += hidden;
        if let Some(e) = &file.error {
            progress.eprintln(&format!("error: {e}"));
        }
        if let Some(text) = text {
            write(&text);
        }
        output.add(&file);
        if output.keeps() != Keeps::Everything {
            file.slim();
        }
        run.report.files.push(file);
    };
    // Archive members that held no capture (a README beside the HARs): listed by `-v` as a
    // directory walk's files are, and not counted as captures found.
    let members_skipped = if batch.session {
        let (files, skipped) = check_as_session(pending, opts, &progress);
        for mut file in files {
            let done = prepare(&mut file);
            emit((file, done));
        }
        skipped
    } else {
        check_streaming(pending, opts, &progress, &prepare, &mut emit)
    };
    progress.finish();
    let report = &mut run.report;
    report.found -= members_skipped.len().min(report.found);
    report.skipped.extend(members_skipped);

    let summary = BatchSummary::of(report);
    if let Some(text) = output.finish(report, &summary) {
        write(&text);
    }
    if batch.summary {
        eprint!("{}", summary.table(report));
    }
    run
}

/// How many files past the oldest one not yet rendered may be checked or waiting: enough to
/// keep every thread busy while a long one holds up the rendering, few enough that memory
/// holds a handful of captures.
fn window() -> usize {
    (rayon::current_num_threads() * 4).max(8)
}

/// Checks `pending` on every thread and hands each file's reports to `emit` in input order.
/// Returns the names of the inputs that held no capture (archive members of another kind).
///
/// Each file is a task of its own, taken by whichever thread is free, so a long file never
/// leaves the others idle (a chunk at a time, every chunk waited for its slowest file: the
/// 2,000-file benchmark ran at 0.58 of one thread's time on two, now 0.49). A file's task is
/// started only when the file is within `window()` of the oldest file not yet rendered.
/// Tasks never wait for one another: a thread that waits inside a big file's own parallel
/// work may run another file's task meanwhile.
fn check_streaming(
    pending: Vec<Pending>,
    opts: &Options,
    progress: &Progress,
    prepare: &(dyn Fn(&mut FileReport) -> Done + Sync),
    emit: &mut dyn FnMut(Prepared),
) -> Vec<String> {
    let total = pending.len();
    let names: Vec<String> = pending.iter().map(|p| p.name().to_string()).collect();
    let mut empty = Vec::new();
    let mut pending = pending.into_iter().enumerate();
    let window = window();
    // `None`: the task for that file panicked; the panic reaches the caller once the other
    // tasks are done.
    let (tx, rx) = mpsc::channel::<Checked>();
    rayon::in_place_scope_fifo(|scope| {
        let mut started = 0;
        // Starts the tasks of the files before `upto`.
        let mut start = |upto: usize| {
            while started < upto.min(total) {
                let Some((i, p)) = pending.next() else { break };
                let tx = tx.clone();
                scope.spawn_fifo(move |_| {
                    let _unwinding = Unwinding(i, &tx);
                    let files = check_pending(p, opts)
                        .into_iter()
                        .map(|mut file| {
                            let done = prepare(&mut file);
                            (file, done)
                        })
                        .collect();
                    progress.inc();
                    let _ = tx.send((i, Some(files)));
                });
                started += 1;
            }
        };
        start(window);
        // Rendered in input order: a file done early waits here for those before it.
        let mut done = BTreeMap::new();
        let mut want = 0;
        while want < total {
            let Ok((i, Some(files))) = rx.recv() else {
                break;
            };
            done.insert(i, files);
            while let Some(files) = done.remove(&want) {
                if files.is_empty() {
                    empty.push(names[want].clone());
                }
                for file in files {
                    emit(file);
                }
                want += 1;
            }
            start(want + window);
        }
    });
    empty
}

/// What [`run`]'s `prepare` made of a file on the thread that checked it: its text when it
/// could be rendered alone, its baseline entries, and how many findings the baseline hid.
struct Done {
    text: Option<String>,
    recorded: Vec<baseline::Entry>,
    hidden: usize,
}

/// A file's report, and what `prepare` made of it.
type Prepared = (FileReport, Done);

/// A file's index and its reports; `None` when its check panicked.
type Checked = (usize, Option<Vec<Prepared>>);

/// Tells the renderer that a file's task is unwinding, so that it stops waiting for it.
struct Unwinding<'a>(usize, &'a mpsc::Sender<Checked>);

impl Drop for Unwinding<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let _ = self.1.send((self.0, None));
        }
    }
}

/// Reads every capture (in parallel), then checks the readable ones as one recording. The
/// session comes first, then each unreadable input. Also returns the names of the inputs
/// that held no capture.
fn check_as_session(
    pending: Vec<Pending>,
    opts: &Options,
    progress: &Progress,
) -> (Vec<FileReport>, Vec<String>) {
    let read: Vec<(String, Vec<_>)> = pending
        .into_par_iter()
        .map(|p| {
            let name = p.name().to_string();
            let r = p.read();
            progress.inc();
            (name, r)
        })
        .collect();
    let mut empty = Vec::new();
    let read: Vec<_> = read
        .into_iter()
        .flat_map(|(name, outcomes)| {
            if outcomes.is_empty() {
                empty.push(name);
            }
            outcomes
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
    (files, empty)
}
