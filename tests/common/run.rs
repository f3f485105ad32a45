//! The one way the tests run the binary: from the repository root, with empty standard input
//! and without the environment variables that change what it prints. Cleared here once, so no
//! test's result depends on the shell that runs `cargo test` (a `NO_COLOR` or `COLUMNS` there,
//! `CLICOLOR_FORCE` in a CI runner); a test that wants one sets it on the command it gets.

use std::process::{Command, Output, Stdio};

/// What the binary reads from the environment (colour, width, threads), besides TOKENTRAIL_*.
pub const CLEARED: &[&str] = &["NO_COLOR", "CLICOLOR_FORCE", "COLUMNS", "RAYON_NUM_THREADS"];

/// The binary as a command, ready for arguments.
pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tokentrail"));
    c.current_dir(super::root()).stdin(Stdio::null());
    clear_env(&mut c);
    c
}

/// Clears what [`bin`] clears, for a command that runs the binary through another program
/// (`script`, for a terminal).
pub fn clear_env(c: &mut Command) -> &mut Command {
    for name in CLEARED {
        c.env_remove(name);
    }
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(|n| n.starts_with("TOKENTRAIL_")) {
            c.env_remove(name);
        }
    }
    c
}

/// Runs the binary with `args` and waits for it.
pub fn tokentrail<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Output {
    bin().args(args).output().expect("run tokentrail")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn the_runner_clears_what_the_binary_reads() {
    let c = bin();
    let removed: Vec<String> = c
        .get_envs()
        .filter(|(_, v)| v.is_none())
        .map(|(k, _)| k.to_string_lossy().into_owned())
        .collect();
    for name in CLEARED {
        assert!(removed.iter().any(|r| r == name), "{name} not cleared");
    }
    assert_eq!(c.get_current_dir(), Some(super::root().as_path()));
}
