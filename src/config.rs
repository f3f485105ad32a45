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
}

pub const FILE_NAME: &str = "tokentrail.toml";

impl Config {
    pub fn parse(path: &str, text: &str) -> Result<Config, Box<ConfigError>> {
        toml::from_str(text).map_err(|e| {
            Box::new(ConfigError::Parse {
                path: path.to_string(),
                src: miette::NamedSource::new(path, text.to_string()),
                span: e.span().map(Into::into),
                message: e.message().to_string(),
            })
        })
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
