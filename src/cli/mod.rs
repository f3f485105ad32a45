//! The subcommands of the `tokentrail` binary, one module each, and what they share: the
//! flags every command that reads captures takes, loading the options and the inputs, and
//! writing to the terminal.

pub mod allocator;
pub mod check;
pub mod diff;
pub mod error;
pub mod flows;
pub mod rules;
pub mod sanitize;
pub mod terminal;

use std::path::{Path, PathBuf};

use tokentrail::check::{Input, Options};
use tokentrail::config::Config;
use tokentrail::outcome::Report;
use tokentrail::rules::RuleSet;

use terminal::Color;

/// Exit codes, as scripts rely on them.
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_TROUBLE: u8 = 2;

/// `--rules DIR`, for every command that loads rules.
#[derive(clap::Args)]
pub struct RuleDirs {
    /// Also load rule files (*.toml) from this directory, no rebuild needed (repeatable).
    /// A rule with the id of a built-in rule replaces it.
    #[arg(long, value_name = "DIR")]
    pub rules: Vec<PathBuf>,
}

impl RuleDirs {
    /// The built-in rules, then those of each directory given.
    pub fn load(&self) -> miette::Result<RuleSet> {
        let mut set = RuleSet::default();
        set.extend(tokentrail::rules::load_builtin().map_err(|e| miette::Report::new(*e))?);
        for dir in &self.rules {
            set.extend(tokentrail::rules::load_dir(dir).map_err(miette::Report::new_boxed)?);
        }
        Ok(set)
    }
}

/// The flags of every command that reads captures.
#[derive(clap::Args)]
pub struct Common {
    /// Configuration file (default: the nearest tokentrail.toml from the current directory up
    /// to the repository root).
    #[arg(long, value_name = "FILE", conflicts_with = "isolated")]
    pub config: Option<PathBuf>,
    /// Ignore every configuration file.
    #[arg(long)]
    pub isolated: bool,
    /// Also list on stderr the files skipped as not captures and the configuration used.
    #[arg(short, long, conflicts_with = "quiet")]
    pub verbose: bool,
    /// Print only findings: no summary line, no progress bar, no notes.
    #[arg(short, long)]
    pub quiet: bool,
    #[command(flatten)]
    pub rules: RuleDirs,
    /// When to use colour. `auto` uses it on a terminal unless NO_COLOR is set (or
    /// everywhere when CLICOLOR_FORCE is).
    #[arg(long, value_enum, default_value_t = Color::Auto, value_name = "WHEN")]
    pub color: Color,
    /// Print codes, tokens, secrets, cookies and passwords unmasked. Output made with this
    /// flag must not be shared.
    #[arg(long)]
    pub show_secrets: bool,
    #[command(flatten)]
    pub limits: tokentrail::limits::LimitFlags,
}

impl Common {
    /// The options of a command that reads captures, and the config file used.
    pub fn options(&self) -> miette::Result<(Options, Option<PathBuf>)> {
        if self.show_secrets {
            eprintln!(
                "warning: --show-secrets: raw secrets are printed below; do not share this output"
            );
            tokentrail::secret::reveal_secrets();
        }
        let (mut config, path) = if self.isolated {
            (Config::default(), None)
        } else {
            Config::discover(self.config.as_deref()).map_err(|e| miette::Report::new(*e))?
        };
        if self.verbose {
            match &path {
                Some(p) => eprintln!("config: {}", p.display()),
                None if self.isolated => eprintln!("config: none (--isolated)"),
                None => eprintln!("config: none found"),
            }
        }
        config.limits = self.limits.over(&config.limits);
        let rules = self.rules.load()?;
        Ok((Options { config, rules }, path))
    }
}

/// The inputs named on the command line (and in `--files-from`), `-` at most once.
pub fn inputs_of(
    mut paths: Vec<std::ffi::OsString>,
    files_from: Option<&Path>,
) -> miette::Result<Vec<Input>> {
    if let Some(list) = files_from {
        let listed = tokentrail::read::input::files_from(list)
            .map_err(|e| miette::miette!("--files-from {e}"))?;
        paths.extend(listed.into_iter().map(PathBuf::into_os_string));
    }
    let inputs: Vec<Input> = paths.iter().map(|p| Input::from_arg(p)).collect();
    let stdin_users = inputs.iter().filter(|i| **i == Input::Stdin).count()
        + usize::from(files_from == Some(Path::new("-")));
    if stdin_users > 1 {
        miette::bail!("`-` (standard input) can be given only once");
    }
    Ok(inputs)
}

/// `-v`: the files a directory walk skipped. Always: an input set that held no capture is an
/// error (a wrong path in CI must not pass green).
pub fn report_skipped(report: &Report, inputs: &[Input], verbose: bool) -> miette::Result<()> {
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
