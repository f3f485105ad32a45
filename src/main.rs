//! The `tokentrail` command line: parse arguments and hand each subcommand to its module
//! under `cli/`, which calls the library; set the exit code.

// No unwrap/expect outside tests (issue 7): a panic on any input is a bug. Set here rather
// than in Cargo.toml's [lints] so integration-test helpers may still use them.
#![deny(clippy::unwrap_used, clippy::expect_used)]

mod cli;

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

use cli::terminal::{print, set_stderr_color, Color};

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
    Check(cli::check::CheckArgs),
    /// Show the OAuth flows reconstructed from a capture, step by step.
    #[command(
        after_help = "The timeline shows each step's time since the first request, its entry number, \
who sent what to whom, and the codes and tokens it carried (masked, with a fingerprint). Lanes on \
the left join the step that issued a code or token (●) to the steps that used it (▶). Findings \
follow the step they concern.\n\n`--format mermaid` prints Markdown with one Mermaid sequence \
diagram per flow, ready to paste into a pull request.\n\nExamples:\n  tokentrail flows capture.har\n  \
tokentrail flows app.har backend.har\n  tokentrail flows --format mermaid capture.har > flows.md"
    )]
    Flows(cli::flows::FlowsArgs),
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
    Diff(cli::diff::DiffArgs),
    /// List the rules in force.
    #[command(
        after_help = "Examples:\n  tokentrail rules\n  tokentrail rules --format json | jq -r '.rules[].id'\n  \
tokentrail rules --rules team-rules/"
    )]
    Rules(cli::rules::RulesArgs),
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
    Sanitize(cli::sanitize::SanitizeArgs),
    /// Print the fingerprint of a client secret read from standard input, for
    /// `client_secret_sha256` in tokentrail.toml (the secret is never a command-line argument,
    /// which shell history and process lists keep).
    Fingerprint,
    /// Show a rule's documentation: what it finds, why it matters, an example and the fix.
    #[command(
        after_help = "Examples:\n  tokentrail explain oauth/code-reused\n  tokentrail explain code-reused"
    )]
    Explain(cli::rules::ExplainArgs),
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

fn main() -> ExitCode {
    cli::allocator::return_memory_at_once();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(report) => {
            cli::error::print_error(&report);
            ExitCode::from(cli::EXIT_TROUBLE)
        }
    }
}

fn run(cli: Cli) -> miette::Result<u8> {
    set_stderr_color(Color::Auto);
    match cli.command {
        Command::Check(args) => cli::check::run(args),
        Command::Flows(args) => cli::flows::run(args),
        Command::Diff(args) => cli::diff::run(args),
        Command::Rules(args) => cli::rules::list(args),
        Command::Sanitize(args) => cli::sanitize::sanitize(args),
        Command::Fingerprint => cli::sanitize::fingerprint(),
        Command::Explain(args) => cli::rules::explain(args),
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
