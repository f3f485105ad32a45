//! The `tokentrail` command line: parse arguments, call the library, set the exit code.

// No unwrap/expect outside tests (issue 7): a panic on any input is a bug. Set here rather
// than in Cargo.toml's [lints] so integration-test helpers may still use them.
#![deny(clippy::unwrap_used, clippy::expect_used)]

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

use tokentrail::batch::{self, BatchOptions};
use tokentrail::check::{Input, Options};
use tokentrail::config::Config;
use tokentrail::finding::Severity;
use tokentrail::report::{human, mermaid};
use tokentrail::rules::{self, RuleSet};
use tokentrail::shard::Shard;
use tokentrail::timeline;

/// Exit codes, as scripts rely on them.
const EXIT_FINDINGS: u8 = 1;
const EXIT_TROUBLE: u8 = 2;

#[derive(Parser)]
#[command(
    name = "tokentrail",
    version,
    about = "Explains what went wrong in the OAuth 2.0 exchanges of recorded HTTP traffic.",
    long_about = "Reads recorded HTTP traffic (HAR files from browser devtools, Charles, Fiddler, Burp \
and mitmproxy logs, raw HTTP dumps; single files, directories or archives), \
reconstructs the OAuth 2.0 exchanges in it, and runs declarative rules that explain what went wrong, \
pointing at the requests that show it. The first rule pack targets Alexa app-to-app account linking \
and the Skill Activation API.\n\nSecrets (codes, tokens, client secrets, cookies) are never printed: \
they are masked with a short fingerprint, so equal values look equal.",
    after_help = "Examples:\n  tokentrail check capture.har\n  tokentrail check ticket-1234.zip session.saz burp-items.xml captures/\n  tokentrail check --format json a.har b.har > findings.json\n  \
tokentrail check --format sarif captures/ > tokentrail.sarif\n  \
tokentrail check --format ndjson --shard 2/8 --summary captures/ > shard-2.ndjson\n  \
tokentrail check --session app.har backend.har\n  \
tokentrail flows capture.har\n  tokentrail diff android-fails.har ios-works.har\n  tokentrail explain oauth/code-reused\n  \
tokentrail completions bash > ~/.local/share/bash-completion/completions/tokentrail\n\n\
Configuration: the nearest tokentrail.toml, from the current directory up to the repository root \
(--config names one, --isolated ignores them).\n\n\
Exit codes: 0 no finding at or above --fail-on; 1 findings at or above it; 2 a usage error, a bad \
config, rule or baseline file, an input that could not be read, or inputs that hold no capture."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The help of `check`'s paths: the formats come from the reader registry.
fn paths_help() -> String {
    format!(
        "Captures to check: {} files (recognised by content, also gzipped), directories (walked \
recursively, sorted), and .zip / .tar.gz archives of captures. `-` reads standard input",
        tokentrail::read::registry::labels()
    )
}

#[derive(Subcommand)]
enum Command {
    /// Check captures and report what went wrong.
    #[command(after_help = "Examples:\n  tokentrail check capture.har\n  \
tokentrail check captures/ ticket-1234.zip --summary\n  \
tokentrail check --format sarif -o tokentrail.sarif captures/\n  \
tokentrail check --select alexa/ --ignore state-missing capture.har\n  \
tokentrail check --write-baseline known.json captures/   # then: --baseline known.json\n  \
tokentrail check --format html -o report.html capture.har\n\n\
Exit codes: 0 no finding at or above --fail-on; 1 findings at or above it; 2 a usage error, a bad \
config, rule or baseline file, an input that could not be read, or inputs that hold no capture.\n\n\
Profiles: without a config, each client id's profile (alexa = B, skill = A) \
is inferred from what the capture shows it doing, and findings say so. Declare them in tokentrail.toml:\n\n  \
[alexa]\n  client_ids = [\"amzn1.application-oa2-client.…\"]   # Alexa Client Id (profile B)\n  \
[skill]\n  client_ids = [\"my-client\"]                         # Your Client ID (profile A)\n  \
client_secret_sha256 = [\"…\"]   # optional: `tokentrail fingerprint` of each profile's secret")]
    Check {
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
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
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
    },
    /// Show the OAuth flows reconstructed from a capture, step by step.
    #[command(
        after_help = "The timeline shows each step's time since the first request, its entry number, \
who sent what to whom, and the codes and tokens it carried (masked, with a fingerprint). Lanes on \
the left join the step that issued a code or token (●) to the steps that used it (▶). Findings \
follow the step they concern.\n\n`--format mermaid` prints Markdown with one Mermaid sequence \
diagram per flow, ready to paste into a pull request.\n\nExamples:\n  tokentrail flows capture.har\n  \
tokentrail flows app.har backend.har\n  tokentrail flows --format mermaid capture.har > flows.md"
    )]
    Flows {
        /// Captures, as `check` takes them: files in any supported format, directories,
        /// archives; `-` reads standard input.
        #[arg(required = true, value_name = "PATHS")]
        paths: Vec<std::ffi::OsString>,
        #[command(flatten)]
        common: Common,
        /// Output format.
        #[arg(long, value_enum, default_value_t = FlowsFormat::Text)]
        format: FlowsFormat,
    },
    /// Compare a failing capture (A) with a working one (B) of the same flow, step by step.
    #[command(
        long_about = "Compare a failing capture (A) with a working one (B) of the same linking flow, \
step by step: which step A lacks or has in excess, and for the steps both have, what differs: host, \
client id and its profile, scope, redirect URI, grant type, status, and where the codes and tokens \
came from (masked, by fingerprint; never their values). Steps are paired by kind and order, like a \
sequence alignment, so one extra or missing step does not shift the rest. The findings of each \
capture are listed with the step they concern.",
        after_help = "Examples:\n  tokentrail diff android-fails.har ios-works.har\n  \
tokentrail diff --format json failing.saz working.mitm > diff.json\n\n\
Exit codes: 0 the captures show the same steps and findings; 1 they differ; 2 an input could not be read."
    )]
    Diff {
        /// The failing capture, in any supported format; `-` reads standard input.
        a: std::ffi::OsString,
        /// The working capture to compare it with.
        b: std::ffi::OsString,
        #[command(flatten)]
        common: Common,
        /// Output format.
        #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
        format: DiffFormat,
    },
    /// List the rules in force.
    #[command(
        after_help = "Examples:\n  tokentrail rules\n  tokentrail rules --format json | jq -r '.rules[].id'\n  \
tokentrail rules --rules team-rules/"
    )]
    Rules {
        /// Also load rule files from this directory (repeatable).
        #[arg(long, value_name = "DIR")]
        rules: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
        format: RulesFormat,
    },
    /// Write a copy of a capture with every secret replaced, that still checks the same.
    #[command(
        long_about = "Write a copy of a capture that can be shared: every code, token, client secret, \
credential, cookie, password and API key is replaced by a keyed placeholder that keeps its type and \
shape (an LWA code still looks like one, a token keeps its `Atza|` prefix) and is equal wherever the \
original was equal, so `tokentrail check` finds the same mistakes in the copy. Response bodies of \
entries outside any OAuth flow are removed. The work is done on parsed data and the output is a \
valid HAR, whatever the input format. Nothing is uploaded anywhere.",
        after_help = "Examples:\n  tokentrail sanitize capture.har -o capture.sanitized.har\n  \
tokentrail sanitize --key-file incident.key --report a.har -o a.clean.har\n\n\
The key is random for each run unless --key-file is given: sanitize several files of one incident \
with the same key file and equal secrets get equal placeholders across them. Keep the key private: \
with it, a guessed secret can be checked against a placeholder."
    )]
    Sanitize {
        /// The capture to sanitize; `-` reads standard input.
        input: String,
        /// Where to write the sanitized HAR; `-` writes it to standard output.
        #[arg(short, long, value_name = "OUT")]
        output: String,
        /// Derive placeholders from the key in this file (at least 16 bytes) instead of a
        /// random one.
        #[arg(long, value_name = "FILE")]
        key_file: Option<PathBuf>,
        /// List on stderr what was replaced, by kind and count (never the values).
        #[arg(long)]
        report: bool,
    },
    /// Print the fingerprint of a client secret read from standard input, for
    /// `client_secret_sha256` in tokentrail.toml (the secret is never a command-line argument,
    /// which shell history and process lists keep).
    Fingerprint,
    /// Show a rule's documentation: what it finds, why it matters, an example and the fix.
    #[command(
        after_help = "Examples:\n  tokentrail explain oauth/code-reused\n  tokentrail explain code-reused"
    )]
    Explain {
        /// The rule id (`oauth/code-reused`) or its bare name (`code-reused`).
        rule_id: String,
        /// Also load rule files from this directory (repeatable).
        #[arg(long, value_name = "DIR")]
        rules: Vec<PathBuf>,
    },
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  tokentrail completions bash > ~/.local/share/bash-completion/completions/tokentrail\n  \
tokentrail completions zsh > ~/.zfunc/_tokentrail\n  \
tokentrail completions fish > ~/.config/fish/completions/tokentrail.fish"
    )]
    Completions {
        /// The shell to complete in.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    #[command(
        after_help = "Examples:\n  tokentrail manpage > tokentrail.1 && man ./tokentrail.1\n  \
tokentrail manpage | gzip > /usr/local/share/man/man1/tokentrail.1.gz"
    )]
    Manpage,
}

#[derive(clap::Args)]
struct Common {
    /// Configuration file (default: the nearest tokentrail.toml from the current directory up
    /// to the repository root).
    #[arg(long, value_name = "FILE", conflicts_with = "isolated")]
    config: Option<PathBuf>,
    /// Ignore every configuration file.
    #[arg(long)]
    isolated: bool,
    /// Also list on stderr the files skipped as not captures and the configuration used.
    #[arg(short, long, conflicts_with = "quiet")]
    verbose: bool,
    /// Print only findings: no summary line, no progress bar, no notes.
    #[arg(short, long)]
    quiet: bool,
    /// Also load rule files (*.toml) from this directory, no rebuild needed (repeatable).
    /// A rule with the id of a built-in rule replaces it.
    #[arg(long, value_name = "DIR")]
    rules: Vec<PathBuf>,
    /// When to use colour. `auto` uses it on a terminal unless NO_COLOR is set (or
    /// everywhere when CLICOLOR_FORCE is).
    #[arg(long, value_enum, default_value_t = Color::Auto, value_name = "WHEN")]
    color: Color,
    /// Print codes, tokens, secrets, cookies and passwords unmasked. Output made with this
    /// flag must not be shared.
    #[arg(long)]
    show_secrets: bool,
    #[command(flatten)]
    limits: tokentrail::limits::LimitFlags,
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

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// Diagnostics for people, with the requests that show each mistake.
    Human,
    /// One JSON document (JSON Schema: docs/schema/report.schema.json).
    Json,
    /// One JSON object a line: findings, then a line per file, then a summary line; the
    /// outputs of several runs concatenate (JSON Schema: docs/schema/ndjson-line.schema.json).
    Ndjson,
    /// SARIF 2.1.0, for code-scanning UIs, with rule metadata from the rule files.
    Sarif,
    /// One self-contained HTML page: summary, findings, flow diagrams, entries (use with -o).
    Html,
}

#[derive(Clone, Copy, ValueEnum)]
enum FlowsFormat {
    /// A timeline for the terminal.
    Text,
    /// Markdown with a Mermaid sequence diagram per flow.
    Mermaid,
}

#[derive(Clone, Copy, ValueEnum)]
enum RulesFormat {
    /// One rule a line: id, severity, summary.
    Text,
    /// `{"version": 1, "rules": [{"id", "pack", "severity", "summary", "origin"}]}`.
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum DiffFormat {
    /// One line a pair of steps, the differing fields under it.
    Human,
    /// One JSON document: both sides, the aligned steps and their differences.
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum FailOn {
    Error,
    Warning,
    Info,
    /// Never fail because of findings.
    None,
}

#[derive(Clone, Copy, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(report) => {
            print_error(&report);
            ExitCode::from(EXIT_TROUBLE)
        }
    }
}

/// Every error tokentrail prints has one shape: `error: <what, where, what was expected>`,
/// then, for a file it can point into (a config or rule file), the lines concerned with a
/// label, and a `help:` line when there is advice. No internal codes.
fn print_error(report: &miette::Report) {
    let mut out = format!("error: {report}\n");
    for cause in report.chain().skip(1) {
        out.push_str(&format!("  caused by: {cause}\n"));
    }
    let diagnostic: &dyn miette::Diagnostic = report.as_ref();
    let has_labels = diagnostic.labels().is_some_and(|mut l| l.next().is_some());
    if diagnostic.source_code().is_some() && has_labels {
        let color = STDERR_COLOR.load(std::sync::atomic::Ordering::Relaxed);
        let theme = if color {
            miette::GraphicalTheme::unicode()
        } else {
            miette::GraphicalTheme::none()
        };
        let handler = miette::GraphicalReportHandler::new_themed(theme)
            .with_width(width())
            .with_cause_chain();
        let mut rendered = String::new();
        if handler
            .render_report(&mut rendered, &SnippetOnly(diagnostic))
            .is_ok()
        {
            // The handler's own header line carries the (empty) message: the line above says it.
            for line in rendered.lines().skip(1) {
                out.push_str(line.trim_end());
                out.push('\n');
            }
        }
    }
    if let Some(help) = diagnostic.help() {
        out.push_str(&format!("  help: {help}\n"));
    }
    eprint!("{out}");
}

/// A diagnostic's snippet and labels without its message, code or help (printed apart).
struct SnippetOnly<'a>(&'a dyn miette::Diagnostic);

impl std::fmt::Debug for SnippetOnly<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SnippetOnly")
    }
}

impl std::fmt::Display for SnippetOnly<'_> {
    fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        Ok(())
    }
}

impl std::error::Error for SnippetOnly<'_> {}

impl miette::Diagnostic for SnippetOnly<'_> {
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.0.source_code()
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        self.0.labels()
    }
}

/// Whether errors on stderr are coloured (set once the `--color` flag is known).
static STDERR_COLOR: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn load_rules(extra: &[PathBuf]) -> miette::Result<RuleSet> {
    let mut set = RuleSet::default();
    set.extend(rules::load_builtin().map_err(|e| miette::Report::new(*e))?);
    for dir in extra {
        set.extend(rules::load_dir(dir).map_err(miette::Report::new_boxed)?);
    }
    Ok(set)
}

/// `auto`: colour on a terminal, never when NO_COLOR is set (non-empty), and everywhere when
/// CLICOLOR_FORCE is set (non-empty, not `0`) — the conventions of no-color.org and
/// bixense.com/clicolors; NO_COLOR wins when both are set.
fn use_color(when: Color, stream_is_tty: bool) -> bool {
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0");
    match when {
        Color::Always => true,
        Color::Never => false,
        Color::Auto if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) => false,
        Color::Auto if set("CLICOLOR_FORCE") => true,
        Color::Auto => stream_is_tty,
    }
}

fn width() -> usize {
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

fn set_stderr_color(when: Color) {
    STDERR_COLOR.store(
        use_color(when, std::io::stderr().is_terminal()),
        std::sync::atomic::Ordering::Relaxed,
    );
}

/// Exit code of a run: 2 if an input could not be read, else 1 if a finding is at or above
/// `--fail-on`, else 0.
fn exit_code(report: &tokentrail::report::Report, fail_on: FailOn) -> u8 {
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

/// The inputs named on the command line (and in `--files-from`), `-` at most once.
fn inputs_of(
    mut paths: Vec<std::ffi::OsString>,
    files_from: Option<&std::path::Path>,
) -> miette::Result<Vec<Input>> {
    if let Some(list) = files_from {
        let listed = tokentrail::read::input::files_from(list)
            .map_err(|e| miette::miette!("--files-from {e}"))?;
        paths.extend(listed.into_iter().map(std::path::PathBuf::into_os_string));
    }
    let inputs: Vec<Input> = paths.iter().map(|p| Input::from_arg(p)).collect();
    let stdin_users = inputs.iter().filter(|i| **i == Input::Stdin).count()
        + usize::from(files_from == Some(std::path::Path::new("-")));
    if stdin_users > 1 {
        miette::bail!("`-` (standard input) can be given only once");
    }
    Ok(inputs)
}

/// `-v`: the files a directory walk skipped. Always: an input set that held no capture is an
/// error (a wrong path in CI must not pass green).
fn report_skipped(
    report: &tokentrail::report::Report,
    inputs: &[Input],
    verbose: bool,
) -> miette::Result<()> {
    if verbose {
        for s in &report.skipped {
            eprintln!("skipped {s}: not a capture");
        }
    }
    if report.found == 0 {
        let named: Vec<String> = inputs.iter().map(Input::name).collect();
        let looked = match report.skipped.len() {
            0 => "nothing in them is a file".to_string(),
            n => format!(
                "{n} file{} looked at, none of them a capture{}",
                if n == 1 { "" } else { "s" },
                if verbose { "" } else { " (-v lists them)" }
            ),
        };
        miette::bail!("no capture to check in {}: {looked}", named.join(", "));
    }
    Ok(())
}

fn run(cli: Cli) -> miette::Result<u8> {
    set_stderr_color(Color::Auto);
    match cli.command {
        Command::Check {
            paths,
            files_from,
            common,
            format,
            fail_on,
            summary,
            shard,
            session,
            output,
            choose,
            baseline,
            write_baseline,
        } => {
            set_stderr_color(common.color);
            let output = output.filter(|o| o.as_os_str() != "-");
            if matches!(format, Format::Html) && output.is_none() && std::io::stdout().is_terminal()
            {
                // As gzip refuses to write compressed data to a terminal: a page of HTML is
                // unreadable there, and the user surely wanted a file.
                miette::bail!(
                    "--format html writes a page for a browser, not for a terminal; add -o report.html (or redirect standard output to a file)"
                );
            }
            let stdout_tty = std::io::stdout().is_terminal() && output.is_none();
            let stderr_tty = std::io::stderr().is_terminal();
            let (opts, config_path) = options(&common)?;
            let selection = tokentrail::select::Selection::new(
                &opts.rules,
                &selection_layers(&opts.config, config_path.as_deref(), &choose)
                    .iter()
                    .map(|(origin, select, ignore)| tokentrail::select::Layer {
                        origin,
                        select,
                        ignore,
                    })
                    .collect::<Vec<_>>(),
            )
            .map_err(|e| miette::miette!("{e}"))?;
            let known = match &baseline {
                Some(path) => {
                    Some(tokentrail::baseline::load(path).map_err(|e| miette::miette!("{e}"))?)
                }
                None => None,
            };
            let inputs = inputs_of(paths, files_from.as_deref())?;
            let inputs = batch::shard_inputs(inputs, shard).map_err(|e| miette::miette!("{e}"))?;
            let format = match format {
                Format::Human => {
                    let color = use_color(common.color, stdout_tty);
                    batch::Format::Human(human::HumanOptions {
                        color,
                        unicode: color,
                        width: width(),
                    })
                }
                Format::Json => batch::Format::Json,
                Format::Ndjson => batch::Format::Ndjson,
                Format::Sarif => batch::Format::Sarif,
                Format::Html => batch::Format::Html,
            };
            let settings = BatchOptions {
                format,
                summary,
                shard,
                session,
                stderr_is_terminal: stderr_tty,
                quiet: common.quiet,
                filter: batch::Filter {
                    selection,
                    baseline: known,
                    record: write_baseline.is_some(),
                },
            };
            let mut sink: Box<dyn Write> = match &output {
                Some(path) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(path).map_err(|e| {
                        miette::miette!("cannot write the report to {}: {e}", path.display())
                    })?,
                )),
                None => Box::new(std::io::stdout().lock()),
            };
            let mut write_error = None;
            let mut report = batch::run(&inputs, &opts, &settings, &mut |text| {
                if write_error.is_none() {
                    if let Err(e) = sink.write_all(text.as_bytes()) {
                        write_error = Some(e);
                    }
                }
            });
            if let Err(e) = sink.flush() {
                write_error.get_or_insert(e);
            }
            if let (Some(path), Some(e)) = (&output, write_error) {
                miette::bail!("cannot write the report to {}: {e}", path.display());
            }
            report_skipped(&report, &inputs, common.verbose)?;
            if report.known > 0 && !common.quiet {
                eprintln!(
                    "note: {} finding{} recorded in the baseline not shown",
                    report.known,
                    if report.known == 1 { "" } else { "s" }
                );
            }
            if let Some(path) = &write_baseline {
                let n = report.recorded.len();
                tokentrail::baseline::write(path, std::mem::take(&mut report.recorded))
                    .map_err(|e| miette::miette!("{e}"))?;
                if !common.quiet {
                    eprintln!(
                        "note: {n} finding{} recorded in {}",
                        if n == 1 { "" } else { "s" },
                        path.display()
                    );
                }
            }
            Ok(exit_code(&report, fail_on))
        }
        Command::Flows {
            paths,
            common,
            format,
        } => {
            set_stderr_color(common.color);
            let (opts, _) = options(&common)?;
            let inputs = inputs_of(paths, None)?;
            let mut skipped = Vec::new();
            let pending: Vec<_> = inputs
                .iter()
                .flat_map(|i| {
                    tokentrail::check::expand_noting(i, &opts.config.limits, &mut skipped)
                })
                .collect();
            let found = pending.len();
            let files: Vec<_> = pending
                .into_iter()
                .flat_map(|p| tokentrail::check::check_pending(p, &opts))
                .collect();
            let report = tokentrail::report::Report {
                files,
                skipped,
                found,
                ..Default::default()
            };
            report_skipped(&report, &inputs, common.verbose)?;
            let several = report.files.len() > 1;
            let mut out = String::new();
            for f in &report.files {
                if let Some(e) = &f.error {
                    eprintln!("error: {e}");
                    continue;
                }
                if let Some(note) = f.capture.as_ref().and_then(|c| c.skipped_note()) {
                    eprintln!("note: {note}");
                }
                let body = match format {
                    FlowsFormat::Text => timeline::render(
                        f,
                        &timeline::TimelineOptions {
                            // An 80-column terminal unless COLUMNS says otherwise.
                            width: std::env::var("COLUMNS")
                                .ok()
                                .and_then(|c| c.parse().ok())
                                .filter(|w: &usize| *w >= 60)
                                .unwrap_or(80),
                            color: use_color(common.color, std::io::stdout().is_terminal()),
                        },
                    ),
                    FlowsFormat::Mermaid => mermaid::render(f),
                };
                // (Mermaid's Markdown names each file in its own heading.)
                if several && matches!(format, FlowsFormat::Text) {
                    if !out.is_empty() {
                        out.push('\n');
                    }
                    out.push_str(&format!("== {} ==\n", f.name));
                }
                out.push_str(&body);
            }
            print(&out);
            Ok(if report.unreadable() > 0 {
                EXIT_TROUBLE
            } else {
                0
            })
        }
        Command::Diff {
            a,
            b,
            common,
            format,
        } => {
            set_stderr_color(common.color);
            let (opts, _) = options(&common)?;
            // Each side on its own: an archive or directory given as one side is one capture
            // (its first), never mixed with the other side's.
            let side =
                |arg: std::ffi::OsString| -> miette::Result<Vec<tokentrail::report::FileReport>> {
                    let inputs = inputs_of(vec![arg], None)?;
                    let mut skipped = Vec::new();
                    let first = inputs
                        .iter()
                        .flat_map(|i| {
                            tokentrail::check::expand_noting(i, &opts.config.limits, &mut skipped)
                        })
                        .next();
                    Ok(first
                        .map(|p| tokentrail::check::check_pending(p, &opts))
                        .unwrap_or_default())
                };
            let (ra, rb) = (side(a)?, side(b)?);
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
            print(&match format {
                DiffFormat::Human => tokentrail::diff::render_human(&d, fa, fb),
                DiffFormat::Json => tokentrail::diff::render_json(&d, fa, fb),
            });
            Ok(if d.differs() { EXIT_FINDINGS } else { 0 })
        }
        Command::Rules { rules, format } => {
            let set = load_rules(&rules)?;
            let out = match format {
                RulesFormat::Text => {
                    let mut out = String::new();
                    for r in &set.rules {
                        out.push_str(&format!(
                            "{:<36} {:<8} {}\n",
                            r.id,
                            r.severity.as_str(),
                            r.summary
                        ));
                    }
                    out.push_str(&format!(
                        "\n{} rules. `tokentrail explain ID` shows one in full.\n",
                        set.rules.len()
                    ));
                    out
                }
                RulesFormat::Json => {
                    let rules: Vec<serde_json::Value> = set
                        .rules
                        .iter()
                        .map(|r| {
                            serde_json::json!({
                                "id": r.id,
                                "pack": r.id.split_once('/').map_or("", |(p, _)| p),
                                "severity": r.severity,
                                "summary": r.summary,
                                "origin": r.origin,
                            })
                        })
                        .collect();
                    let doc = serde_json::json!({"version": 1, "rules": rules});
                    format!("{doc:#}\n")
                }
            };
            print(&out);
            Ok(0)
        }
        Command::Sanitize {
            input,
            output,
            key_file,
            report,
        } => sanitize(&input, &output, key_file.as_deref(), report),
        Command::Fingerprint => fingerprint(),
        Command::Explain { rule_id, rules } => {
            let set = load_rules(&rules)?;
            let found = tokentrail::select::matching(&set, &rule_id);
            match found.as_slice() {
                [one] => {
                    if let Some(r) = set.get(one) {
                        print(&tokentrail::rules::docs::explain(r));
                    }
                    Ok(0)
                }
                [] => {
                    let hint = match tokentrail::select::suggest(&set, &rule_id) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => "`tokentrail rules` lists them".to_string(),
                    };
                    miette::bail!("explain: no rule has the id or name given; {hint}")
                }
                several => miette::bail!(
                    "explain: the name given is a pack or is in several packs; name one of {}",
                    several.join(", ")
                ),
            }
        }
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "tokentrail", &mut out);
            print(&String::from_utf8_lossy(&out));
            Ok(0)
        }
        Command::Manpage => {
            let mut out = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut out)
                .map_err(|e| miette::miette!("cannot write the man page: {e}"))?;
            print(&String::from_utf8_lossy(&out));
            Ok(0)
        }
    }
}

/// The rule-selection layers: the config file's `[rules]`, then the command line's.
fn selection_layers<'a>(
    config: &'a Config,
    config_path: Option<&std::path::Path>,
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

/// Reads one secret from standard input (a trailing newline is not part of it) and prints the
/// first 16 hex digits of its SHA-256: enough to tell the profiles' secrets apart, too few to
/// test guesses against at leisure.
fn fingerprint() -> miette::Result<u8> {
    use std::io::{IsTerminal as _, Read as _};
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprintln!("Type or paste the client secret, then Enter and Ctrl-D:");
    }
    let mut text = String::new();
    if let Err(e) = stdin.lock().read_to_string(&mut text) {
        eprintln!("error: cannot read the secret from standard input: {e}");
        return Ok(EXIT_TROUBLE);
    }
    let secret = text.strip_suffix('\n').unwrap_or(&text);
    let secret = secret.strip_suffix('\r').unwrap_or(secret);
    if secret.is_empty() {
        eprintln!("error: standard input holds no secret");
        return Ok(EXIT_TROUBLE);
    }
    let fp = tokentrail::config::fingerprint(secret);
    println!("{}", &fp[..16]);
    Ok(0)
}

/// The options every command that reads captures shares, and the config file used.
fn options(common: &Common) -> miette::Result<(Options, Option<PathBuf>)> {
    if common.show_secrets {
        eprintln!(
            "warning: --show-secrets: raw secrets are printed below; do not share this output"
        );
        tokentrail::secret::reveal_secrets();
    }
    let (mut config, path) = if common.isolated {
        (Config::default(), None)
    } else {
        Config::discover(common.config.as_deref()).map_err(|e| miette::Report::new(*e))?
    };
    if common.verbose {
        match &path {
            Some(p) => eprintln!("config: {}", p.display()),
            None if common.isolated => eprintln!("config: none (--isolated)"),
            None => eprintln!("config: none found"),
        }
    }
    config.limits = common.limits.over(&config.limits);
    Ok((
        Options {
            config,
            rules: load_rules(&common.rules)?,
        },
        path,
    ))
}

/// `tokentrail sanitize`: the copy goes to OUT (or stdout), everything else to stderr.
fn sanitize(
    input: &str,
    output: &str,
    key_file: Option<&std::path::Path>,
    report: bool,
) -> miette::Result<u8> {
    use tokentrail::secret::placeholder::{Key, Placeholders};
    if input != "-" && output != "-" && same_file(input, output) {
        // The original is the evidence: never replace it with its sanitized copy.
        miette::bail!(
            "sanitize: -o names the input file itself; write the copy to another file (the original stays as it is)"
        );
    }
    let key = match key_file {
        Some(path) => Key::from_file(path),
        None => Key::random(),
    };
    let key = key.map_err(|e| miette::miette!("{e}"))?;
    let capture =
        tokentrail::sanitize::read(&Input::parse(input)).map_err(|e| miette::miette!("{e}"))?;
    let placeholders = Placeholders::new(key);
    // The copy is written as it is made; a file being written is never the whole output in
    // memory.
    let done = if output == "-" {
        let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
        match tokentrail::sanitize::sanitize_to(&capture, &placeholders, &mut out) {
            Ok(done) => done,
            // A closed pipe (`| head`) ends quietly.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(0),
            Err(e) => {
                eprintln!("error: <stdout>: cannot write: {e}");
                return Ok(EXIT_TROUBLE);
            }
        }
    } else {
        let written = std::fs::File::create(output).and_then(|file| {
            let mut out = std::io::BufWriter::with_capacity(1 << 16, file);
            tokentrail::sanitize::sanitize_to(&capture, &placeholders, &mut out)
        });
        match written {
            Ok(done) => done,
            Err(e) => {
                eprintln!("error: {output}: cannot write: {e}");
                // A half-written copy is removed (never a device such as /dev/null).
                if std::fs::metadata(output).is_ok_and(|m| m.is_file()) {
                    let _ = std::fs::remove_file(output);
                }
                return Ok(EXIT_TROUBLE);
            }
        }
    };
    for note in &done.notes {
        eprintln!("note: {note}");
    }
    let target = if output == "-" { "<stdout>" } else { output };
    eprintln!("sanitized {} -> {target}: {}", capture.name, done.summary());
    if report {
        eprint!("{}", done.report());
    }
    if key_file.is_none() {
        eprintln!("note: the key was random and is not kept; use --key-file to sanitize several files consistently");
    }
    Ok(0)
}

/// Whether two paths name one existing file (sanitizing into the input would truncate the
/// mapped file being read).
fn same_file(a: &str, b: &str) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Writes results to stdout; a closed pipe (`| head`) ends quietly instead of panicking.
fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}
