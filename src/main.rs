//! The `tokentrail` command line: parse arguments, call the library, set the exit code.

// No unwrap/expect outside tests (issue 7): a panic on any input is a bug. Set here rather
// than in Cargo.toml's [lints] so integration-test helpers may still use them.
#![deny(clippy::unwrap_used, clippy::expect_used)]

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use tokentrail::check::{check_inputs, Input, Options};
use tokentrail::config::Config;
use tokentrail::finding::Severity;
use tokentrail::report::{human, json};
use tokentrail::rules::{self, RuleSet};
use tokentrail::timeline;

/// Exit codes, as scripts rely on them.
const EXIT_FINDINGS: u8 = 1;
const EXIT_TROUBLE: u8 = 2;

#[derive(Parser)]
#[command(
    name = "tokentrail",
    version,
    about = "Explains what went wrong in the OAuth 2.0 exchanges of recorded HTTP traffic.",
    long_about = "Reads recorded HTTP traffic (HAR files exported from browser devtools or proxies), \
reconstructs the OAuth 2.0 exchanges in it, and runs declarative rules that explain what went wrong, \
pointing at the requests that show it. The first rule pack targets Alexa app-to-app account linking \
and the Skill Activation API.\n\nSecrets (codes, tokens, client secrets, cookies) are never printed: \
they are masked with a short fingerprint, so equal values look equal.",
    after_help = "Examples:\n  tokentrail check capture.har\n  tokentrail check --format json a.har b.har > findings.json\n  \
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
        /// HAR files to check; `-` reads standard input.
        #[arg(required = true, value_name = "PATHS")]
        paths: Vec<std::ffi::OsString>,
        #[command(flatten)]
        common: Common,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// The lowest severity that makes the exit code 1.
        #[arg(long, value_enum, default_value_t = FailOn::Error, value_name = "SEVERITY")]
        fail_on: FailOn,
    },
    /// Show the OAuth flows reconstructed from a capture, step by step.
    Flows {
        /// The HAR file; `-` reads standard input.
        file: std::ffi::OsString,
        #[command(flatten)]
        common: Common,
    },
    /// List the rules in force.
    Rules {
        /// Also load rule files from this directory (repeatable).
        #[arg(long, value_name = "DIR")]
        rules: Vec<PathBuf>,
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
    #[command(flatten)]
    limits: tokentrail::limits::LimitFlags,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// Diagnostics for people, with the requests that show each mistake.
    Human,
    /// One JSON document (schema in the README).
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
            paths,
            common,
            format,
            fail_on,
        } => {
            let stdout_tty = std::io::stdout().is_terminal();
            setup_miette(use_color(common.color, std::io::stderr().is_terminal()));
            let opts = options(&common)?;
            let inputs: Vec<Input> = paths.iter().map(|p| Input::from_arg(p)).collect();
            if inputs.iter().filter(|i| **i == Input::Stdin).count() > 1 {
                miette::bail!("`-` (standard input) can be given only once");
            }
            let report = check_inputs(&inputs, &opts);
            for f in &report.files {
                if let Some(e) = &f.error {
                    eprintln!("error: {e}");
                }
            }
            let out = match format {
                Format::Human => {
                    let color = use_color(common.color, stdout_tty);
                    human::render(
                        &report,
                        &human::HumanOptions {
                            color,
                            unicode: color,
                            width: width(),
                        },
                    )
                }
                Format::Json => json::render(&report),
            };
            print(&out);
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
        Command::Flows { file, common } => {
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
            print(&timeline::render(f, width()));
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
    let (mut config, _) =
        Config::discover(common.config.as_deref()).map_err(|e| miette::Report::new(*e))?;
    config.limits = common.limits.over(&config.limits);
    Ok(Options {
        config,
        rules: load_rules(&common.rules)?,
    })
}

/// Writes results to stdout; a closed pipe (`| head`) ends quietly instead of panicking.
fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}
