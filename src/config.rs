//! `tokentrail.toml`: what the user knows that the capture cannot prove.

use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Profile B: the Alexa Client Id(s) shown in the Alexa developer console.
    #[serde(default)]
    pub alexa: ProfileIds,
    /// Profile A: Your Client ID(s) at the skill's own authorization server.
    #[serde(default)]
    pub skill: ProfileIds,
    /// How long authorization codes of issuers other than Login with Amazon stay valid.
    #[serde(default)]
    pub codes: CodeLifetimes,
    /// Limits on what one capture can make the checker do (`--max-…` flags override them).
    #[serde(default)]
    pub limits: crate::limits::Limits,
    /// Which rules' findings are reported (`--select` / `--ignore` apply after these).
    #[serde(default)]
    pub rules: RuleChoice,
    /// Hosts that are one authorization server (a code issued at one may be redeemed at
    /// another), beside Login with Amazon's, which are always one.
    #[serde(default)]
    pub issuers: Issuers,
    /// OpenID Connect checks.
    #[serde(default)]
    pub oidc: Oidc,
}

/// `[oidc]`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Oidc {
    /// Seconds an id_token's `exp` may lie behind, or its `iat` ahead of, the time of the entry
    /// that received it before it counts as expired (default 300).
    pub clock_skew_seconds: Option<i64>,
}

/// `[rules]`: rule ids, packs (`alexa/`) or bare rule names, as `--select` / `--ignore` take.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleChoice {
    #[serde(default)]
    pub select: Vec<String>,
    #[serde(default)]
    pub ignore: Vec<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Issuers {
    /// Each group: hosts of one issuer, e.g. `["login.example.com", "api.example.com"]`.
    #[serde(default)]
    pub groups: Vec<Vec<String>>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeLifetimes {
    /// Seconds, for every issuer not listed by host (default 600, RFC 6749's upper bound).
    pub lifetime_seconds: Option<i64>,
    /// Seconds, by the host of the authorization server that issued the code.
    #[serde(default)]
    pub lifetime_by_host: std::collections::BTreeMap<String, i64>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileIds {
    #[serde(default)]
    pub client_ids: Vec<String>,
    /// The first 16 or more hex digits of the SHA-256 of the profile's client secret(s), as
    /// `tokentrail fingerprint` prints them: enough to tell which profile a secret in a
    /// capture belongs to, without keeping the secret.
    #[serde(default)]
    pub client_secret_sha256: Vec<String>,
}

impl ProfileIds {
    /// Whether a secret's SHA-256 (lower-case hex) matches one of the fingerprints.
    pub fn has_secret(&self, sha256: &str) -> bool {
        self.client_secret_sha256
            .iter()
            .any(|f| sha256.starts_with(&f.to_ascii_lowercase()))
    }
}

/// The fingerprint of a client secret: the SHA-256 of its bytes, lower-case hex.
pub fn fingerprint(secret: &str) -> String {
    use sha2::Digest as _;
    // Two digits a byte from a table: `write!("{b:02x}")` was half of what a token request's
    // secret cost.
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = sha2::Sha256::digest(secret.as_bytes());
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    out
}

/// Why a `client_secret_sha256` entry is refused, in words that never quote it.
fn fingerprint_problem(value: &str) -> Option<&'static str> {
    let v = value.trim();
    let hex = v.chars().all(|c| c.is_ascii_hexdigit());
    if v.starts_with("amzn1.") || v.contains('|') || v.contains('.') || v.contains('-') {
        Some("this looks like a client secret itself, not its fingerprint: a secret must never be written in tokentrail.toml (the file is shared and committed). Run `tokentrail fingerprint` and paste what it prints")
    } else if !hex {
        Some("a fingerprint is hexadecimal digits only (the SHA-256 of the secret, as `tokentrail fingerprint` prints it); this value has other characters, so it may be the secret itself, which must never be written here")
    } else if v.len() < 16 {
        Some("a fingerprint needs at least 16 hex digits of the SHA-256, so that no other secret matches it by chance")
    } else if v.len() > 64 {
        Some("a SHA-256 has 64 hex digits; this value is longer, so it is not a fingerprint (it may be the secret itself, which must never be written here)")
    } else {
        None
    }
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ConfigError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: invalid configuration")]
    Parse {
        path: String,
        #[source_code]
        src: miette::NamedSource<String>,
        #[label("{message}")]
        span: Option<miette::SourceSpan>,
        message: String,
    },
    #[error("{path}: {message}")]
    #[diagnostic(
        code(tokentrail::config),
        help("Run `tokentrail fingerprint`, type or paste the secret on standard input, and write the hex it prints under client_secret_sha256.")
    )]
    Fingerprint { path: String, message: String },
}

pub const FILE_NAME: &str = "tokentrail.toml";

impl Config {
    pub fn parse(path: &str, text: &str) -> Result<Config, Box<ConfigError>> {
        let config: Config = toml::from_str(text).map_err(|e| {
            Box::new(ConfigError::Parse {
                path: path.to_string(),
                src: miette::NamedSource::new(path, text.to_string()),
                span: e.span().map(Into::into),
                message: e.message().to_string(),
            })
        })?;
        for (section, ids) in [("alexa", &config.alexa), ("skill", &config.skill)] {
            for value in &ids.client_secret_sha256 {
                if let Some(problem) = fingerprint_problem(value) {
                    // Named by its line, never quoted, and the file is not shown: the value may
                    // be a live secret.
                    let line = text
                        .find(value.as_str())
                        .map_or(0, |at| text[..at].matches('\n').count() + 1);
                    return Err(Box::new(ConfigError::Fingerprint {
                        path: path.to_string(),
                        message: format!(
                            "[{section}] client_secret_sha256, line {line}: {problem}"
                        ),
                    }));
                }
            }
        }
        Ok(config)
    }

    pub fn load(path: &Path) -> Result<Config, Box<ConfigError>> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| {
            Box::new(ConfigError::Io {
                path: name.clone(),
                source,
            })
        })?;
        Config::parse(&name, &text)
    }

    /// The config named on the command line, else the nearest `tokentrail.toml` (see
    /// [`find`]), else none.
    pub fn discover(
        explicit: Option<&Path>,
    ) -> Result<(Config, Option<PathBuf>), Box<ConfigError>> {
        if let Some(p) = explicit {
            return Ok((Config::load(p)?, Some(p.to_path_buf())));
        }
        match find(Path::new(".")) {
            Some(found) => Ok((Config::load(&found)?, Some(found))),
            None => Ok((Config::default(), None)),
        }
    }
}

/// The nearest `tokentrail.toml` from `dir` upwards, as ruff looks for its config: `dir`,
/// then each parent up to the root of the repository `dir` is in (the directory holding
/// `.git`). Outside a repository only `dir` itself is looked at, so that a stray file in a
/// shared parent (`/tmp`) never configures a run. Paths are relative to `dir` when `dir`
/// is relative (`../../tokentrail.toml`), as messages show them.
pub fn find(dir: &Path) -> Option<PathBuf> {
    let here = dir.join(FILE_NAME);
    if here.is_file() {
        return Some(clean(here));
    }
    let absolute = std::fs::canonicalize(dir).ok()?;
    if absolute.join(".git").exists() {
        return None;
    }
    // Only climb when some ancestor is a repository root.
    let root_depth = absolute
        .ancestors()
        .skip(1)
        .position(|a| a.join(".git").exists())?;
    let mut up = dir.to_path_buf();
    for _ in 0..=root_depth {
        up.push("..");
        let candidate = up.join(FILE_NAME);
        if candidate.is_file() {
            return Some(clean(candidate));
        }
    }
    None
}

/// `./tokentrail.toml` as `tokentrail.toml`.
fn clean(path: PathBuf) -> PathBuf {
    path.strip_prefix(".")
        .map(Path::to_path_buf)
        .unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table's hex is `{:02x}`'s, digit for digit (a known vector, and digests whose
    /// bytes cover every nibble).
    #[test]
    fn fingerprints_are_the_lower_case_hex_of_the_sha256() {
        use sha2::Digest as _;
        assert_eq!(
            fingerprint("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        for i in 0..200 {
            let secret = format!("secret-{i}");
            let formatted: String = sha2::Sha256::digest(secret.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(fingerprint(&secret), formatted);
        }
    }

    #[test]
    fn found_up_to_the_repository_root_and_no_further() {
        let tmp = tempfile::tempdir().unwrap();
        let outer = tmp.path();
        std::fs::write(outer.join(FILE_NAME), "").unwrap();
        let repo = outer.join("repo");
        let deep = repo.join("a/b");
        std::fs::create_dir_all(&deep).unwrap();
        // Not in a repository: the parent's file is not taken.
        assert_eq!(find(&deep), None);
        std::fs::create_dir(repo.join(".git")).unwrap();
        // In one: nothing up to its root, and the file above it is not taken.
        assert_eq!(find(&deep), None);
        std::fs::write(repo.join(FILE_NAME), "").unwrap();
        let found = find(&deep).unwrap();
        assert_eq!(found, deep.join("../../tokentrail.toml"));
        std::fs::write(deep.join(FILE_NAME), "").unwrap();
        assert_eq!(find(&deep).unwrap(), deep.join(FILE_NAME));
    }
}
