//! The `tokentrail` command line: parse arguments, call the library, set the exit code.

// No unwrap/expect outside tests (issue 7): a panic on any input is a bug. Set here rather
// than in Cargo.toml's [lints] so integration-test helpers may still use them.
#![deny(clippy::unwrap_used, clippy::expect_used)]

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use tokentrail::batch::{self, BatchOptions};
use tokentrail::check::{check_inputs, Input, Options};
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
tokentrail flows capture.har\n  tokentrail explain oauth/code-reused\n\n\
Exit codes: 0 no finding at or above --fail-on; 1 findings; 2 usage error or an input that could not be read."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check captures and report what went wrong.
    #[command(
        after_help = "Profiles: without a config, each client id's profile (alexa = B, skill = A) \
is inferred from what the capture shows it doing, and findings say so. Declare them in tokentrail.toml:\n\n  \
[alexa]\n  client_ids = [\"amzn1.application-oa2-client.…\"]   # Alexa Client Id (profile B)\n  \
[skill]\n  client_ids = [\"my-client\"]                         # Your Client ID (profile A)"
    )]
    Check {
        /// Captures to check: HAR, Charles .chlsj, Fiddler .saz, Burp XML or raw HTTP files
        /// (recognised by content, also gzipped), directories (walked recursively, sorted),
        /// and .zip / .tar.gz archives of captures. `-` reads standard input.
        #[arg(required_unless_present = "files_from", value_name = "PATHS")]
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
    },
    /// Show the OAuth flows reconstructed from a capture, step by step.
    #[command(
        after_help = "The timeline shows each step's time since the first request, its entry number, \
who sent what to whom, and the codes and tokens it carried (masked, with a fingerprint). Lanes on \
the left join the step that issued a code or token (●) to the steps that used it (▶). Findings \
follow the step they concern.\n\n`--format mermaid` prints Markdown with one Mermaid sequence \
diagram per flow, ready to paste into a pull request."
    )]
    Flows {
        /// The capture, in any supported format; `-` reads standard input.
        file: std::ffi::OsString,
        #[command(flatten)]
        common: Common,
        /// Output format.
        #[arg(long, value_enum, default_value_t = FlowsFormat::Text)]
        format: FlowsFormat,
    },
    /// List the rules in force.
    Rules {
        /// Also load rule files from this directory (repeatable).
        #[arg(long, value_name = "DIR")]
        rules: Vec<PathBuf>,
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
    /// Show a rule's documentation: what it finds, why it matters, an example and the fix.
    Explain {
        /// The rule id, e.g. `oauth/code-reused`.
        rule_id: String,
        /// Also load rule files from this directory (repeatable).
        #[arg(long, value_name = "DIR")]
        rules: Vec<PathBuf>,
    },
}

#[derive(clap::Args)]
struct Common {
    /// Profile configuration (default: ./tokentrail.toml when present).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Also load rule files (*.toml) from this directory, no rebuild needed (repeatable).
    /// A rule with the id of a built-in rule replaces it.
    #[arg(long, value_name = "DIR")]
    rules: Vec<PathBuf>,
    /// When to use colour. `auto` uses it on a terminal unless NO_COLOR is set.
    #[arg(long, value_enum, default_value_t = Color::Auto, value_name = "WHEN")]
    color: Color,
    /// Print codes, tokens, secrets, cookies and passwords unmasked. Output made with this
    /// flag must not be shared.
    #[arg(long)]
    show_secrets: bool,
    #[command(flatten)]
    limits: tokentrail::limits::LimitFlags,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// Diagnostics for people, with the requests that show each mistake.
    Human,
    /// One JSON document (schema in the README).
    Json,
    /// One JSON object a line: findings, then a line per file, then a summary line; the
    /// outputs of several runs concatenate (schema in the README).
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
            eprintln!("{report:?}");
            ExitCode::from(EXIT_TROUBLE)
        }
    }
}

fn load_rules(extra: &[PathBuf]) -> miette::Result<RuleSet> {
    let mut set = RuleSet::default();
    set.extend(rules::load_builtin().map_err(|e| miette::Report::new(*e))?);
    for dir in extra {
        set.extend(rules::load_dir(dir).map_err(miette::Report::new_boxed)?);
    }
    Ok(set)
}

fn use_color(when: Color, stream_is_tty: bool) -> bool {
    match when {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => stream_is_tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}

/// Sets how miette draws the diagnostics we print to stderr ourselves (rule and config errors).
fn setup_miette(color: bool) {
    let _ = miette::set_hook(Box::new(move |_| {
        Box::new(
            miette::MietteHandlerOpts::new()
                .color(color)
                .unicode(color)
                .width(width())
                .build(),
        )
    }));
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

fn run(cli: Cli) -> miette::Result<u8> {
    setup_miette(use_color(Color::Auto, std::io::stderr().is_terminal()));
    match cli.command {
        Command::Check {
            mut paths,
            files_from,
            common,
            format,
            fail_on,
            summary,
            shard,
            session,
            output,
        } => {
            let output = output.filter(|o| o.as_os_str() != "-");
            let stdout_tty = std::io::stdout().is_terminal() && output.is_none();
            let stderr_tty = std::io::stderr().is_terminal();
            setup_miette(use_color(common.color, stderr_tty));
            let opts = options(&common)?;
            if let Some(list) = &files_from {
                let listed = tokentrail::read::input::files_from(list)
                    .map_err(|e| miette::miette!("--files-from {e}"))?;
                paths.extend(listed.into_iter().map(std::path::PathBuf::into_os_string));
            }
            let inputs: Vec<Input> = paths.iter().map(|p| Input::from_arg(p)).collect();
            let stdin_users = inputs.iter().filter(|i| **i == Input::Stdin).count()
                + usize::from(files_from.as_deref() == Some(std::path::Path::new("-")));
            if stdin_users > 1 {
                miette::bail!("`-` (standard input) can be given only once");
            }
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
            let report = batch::run(&inputs, &opts, &settings, &mut |text| {
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
            if report.unreadable() > 0 {
                return Ok(EXIT_TROUBLE);
            }
            let threshold = match fail_on {
                FailOn::Error => Some(Severity::Error),
                FailOn::Warning => Some(Severity::Warning),
                FailOn::Info => Some(Severity::Info),
                FailOn::None => None,
            };
            let failed = matches!((report.worst(), threshold), (Some(w), Some(t)) if w >= t);
            Ok(if failed { EXIT_FINDINGS } else { 0 })
        }
        Command::Flows {
            file,
            common,
            format,
        } => {
            setup_miette(use_color(common.color, std::io::stderr().is_terminal()));
            let opts = options(&common)?;
            let input = Input::from_arg(&file);
            let report = check_inputs(std::slice::from_ref(&input), &opts);
            let Some(f) = report.files.first() else {
                return Ok(EXIT_TROUBLE);
            };
            if let Some(e) = &f.error {
                eprintln!("error: {e}");
                return Ok(EXIT_TROUBLE);
            }
            let out = match format {
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
            print(&out);
            Ok(0)
        }
        Command::Rules { rules } => {
            let set = load_rules(&rules)?;
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
            print(&out);
            Ok(0)
        }
        Command::Sanitize {
            input,
            output,
            key_file,
            report,
        } => sanitize(&input, &output, key_file.as_deref(), report),
        Command::Explain { rule_id, rules } => {
            let set = load_rules(&rules)?;
            match set.get(&rule_id) {
                Some(r) => {
                    print(&tokentrail::rules::docs::explain(r));
                    Ok(0)
                }
                None => {
                    let ids: Vec<&str> = set.rules.iter().map(|r| r.id.as_str()).collect();
                    eprintln!(
                        "error: no rule `{rule_id}`; known rules: {}",
                        ids.join(", ")
                    );
                    Ok(EXIT_TROUBLE)
                }
            }
        }
    }
}

fn options(common: &Common) -> miette::Result<Options> {
    if common.show_secrets {
        eprintln!(
            "warning: --show-secrets: raw secrets are printed below; do not share this output"
        );
        tokentrail::secret::reveal_secrets();
    }
    let (mut config, _) =
        Config::discover(common.config.as_deref()).map_err(|e| miette::Report::new(*e))?;
    config.limits = common.limits.over(&config.limits);
    Ok(Options {
        config,
        rules: load_rules(&common.rules)?,
    })
}

/// `tokentrail sanitize`: the copy goes to OUT (or stdout), everything else to stderr.
fn sanitize(
    input: &str,
    output: &str,
    key_file: Option<&std::path::Path>,
    report: bool,
) -> miette::Result<u8> {
    use tokentrail::secret::placeholder::{Key, Placeholders};
    let key = match key_file {
        Some(path) => Key::from_file(path),
        None => Key::random(),
    };
    let key = match key {
        Ok(k) => k,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(EXIT_TROUBLE);
        }
    };
    if output != "-" && input != "-" && same_file(input, output) {
        eprintln!("error: {output}: is the input; write the copy to another file");
        return Ok(EXIT_TROUBLE);
    }
    let capture = match tokentrail::sanitize::read(&Input::parse(input)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(EXIT_TROUBLE);
        }
    };
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
