//! `tokentrail sanitize` (a copy of a capture that can be shared) and `tokentrail
//! fingerprint` (the fingerprint of a client secret, for the config).

use std::io::{IsTerminal as _, Read as _};
use std::path::PathBuf;

use tokentrail::check::Input;

use super::EXIT_TROUBLE;

#[derive(clap::Args)]
pub struct SanitizeArgs {
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
    /// Configuration file, found as `check` finds it (default: the nearest tokentrail.toml).
    /// The copy records which of its placeholder client secrets stand for a secret whose
    /// `client_secret_sha256` it declares, so `check` of the copy finds the same.
    #[arg(long, value_name = "FILE", conflicts_with = "isolated")]
    config: Option<PathBuf>,
    /// Ignore every configuration file.
    #[arg(long)]
    isolated: bool,
}

/// `tokentrail sanitize`: the copy goes to OUT (or stdout), everything else to stderr.
pub fn sanitize(args: SanitizeArgs) -> miette::Result<u8> {
    let (input, output, key_file) = (&args.input[..], &args.output[..], args.key_file.as_deref());
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
    let config = if args.isolated {
        tokentrail::config::Config::default()
    } else {
        tokentrail::config::Config::discover(args.config.as_deref())
            .map_err(|e| miette::Report::new(*e))?
            .0
    };
    let capture = tokentrail::sanitize::read_with(&Input::parse(input), &config.limits)
        .map_err(|e| miette::miette!("{e}"))?;
    let placeholders = Placeholders::new(key);
    // The copy is written as it is made; a file being written is never the whole output in
    // memory.
    let done = if output == "-" {
        let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
        match tokentrail::sanitize::sanitize_to_with(&capture, &placeholders, &config, &mut out) {
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
            tokentrail::sanitize::sanitize_to_with(&capture, &placeholders, &config, &mut out)
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
    if args.report {
        eprint!("{}", done.report());
    }
    if key_file.is_none() {
        eprintln!("note: the key was random and is not kept; use --key-file to sanitize several files consistently");
    }
    // Not freed: the process ends here, and freeing a large capture's tens of thousands of
    // exchanges one by one was a few ms of the copy's serial end.
    std::mem::forget(capture);
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

/// Reads one secret from standard input (a trailing newline is not part of it) and prints the
/// first 16 hex digits of its SHA-256: enough to tell the profiles' secrets apart, too few to
/// test guesses against at leisure.
pub fn fingerprint() -> miette::Result<u8> {
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
