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
    #[diagnostic(code(tokentrail::config))]
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

    /// The config named on the command line, else `tokentrail.toml` in the current directory,
    /// else none.
    pub fn discover(
        explicit: Option<&Path>,
    ) -> Result<(Config, Option<PathBuf>), Box<ConfigError>> {
        if let Some(p) = explicit {
            return Ok((Config::load(p)?, Some(p.to_path_buf())));
        }
        let local = PathBuf::from(FILE_NAME);
        if local.is_file() {
            return Ok((Config::load(&local)?, Some(local)));
        }
        Ok((Config::default(), None))
    }
}
