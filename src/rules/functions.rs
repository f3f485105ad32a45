//! The CEL environment rules run in: the standard library, cel-go's strings extension
//! (`lowerAscii`, `join`, `split`…), and functions of our own that explain differences rules
//! would otherwise spell out by hand.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use cel::common::types::{CelBool, CelString};
use cel::{Env, ExecutionError};

/// Built once; every evaluation context shares it.
pub fn env() -> Arc<Env> {
    static ENV: OnceLock<Arc<Env>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Env::stdlib();
        // Registration only fails on a name clash, which would be a defect caught by every
        // test that evaluates a rule; the functions are then missing and rules that call
        // them stay silent.
        let _ = env.add_extension(cel::extensions::strings);
        let _ = cel::add_overload!(env, fn uri_difference: (CelString, CelString) -> CelString);
        // In place of cel's own (its `regex` feature is off): see [`matches`].
        let _ = cel::add_overload!(env, fn matches: (CelString, CelString) -> Result<CelBool>,
            id = "matches");
        let _ =
            cel::add_member_overload!(env, fn matches: (CelString, CelString) -> Result<CelBool>);
        Arc::new(env)
    })
    .clone()
}

/// Which of cel's two parsers reads an expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parser {
    /// The ANTLR grammar: the reference, with the error messages users see for their own
    /// rule files.
    Reference,
    /// The hand-written Pratt parser, for the built-in rules. The ANTLR one costs about
    /// 20 M instructions to read their 27 conditions on a cold start (most of a small
    /// check's time); this one, a tenth of that. The test suite checks that it gives the same
    /// tree as the reference for every built-in expression.
    Fast,
}

/// `source` as a tree, with the macros of [`env`] expanded.
pub fn parse(source: &str, parser: Parser) -> Result<cel::IdedExpr, cel::ParseErrors> {
    match parser {
        Parser::Reference => env().parser().parse(source),
        // With the optional syntax (`m[?k].orValue(d)`) that [`Env::stdlib`] allows.
        Parser::Fast => cel::parser::PrattParser::new()
            .enable_optional_syntax(true)
            .parse(source),
    }
}

/// `s.matches(re)` and `matches(s, re)`, as in cel's standard library (same answers, same
/// error), but with each pattern compiled once per process: cel's compiles it on every call,
/// which cost a third of a millisecond a call for the misspelled-scope rule's pattern.
fn matches(this: &CelString<'_>, re: &CelString<'_>) -> Result<CelBool, ExecutionError> {
    /// Patterns kept at most: user rules could build them from captured values.
    const KEPT: usize = 256;
    static COMPILED: OnceLock<Mutex<HashMap<String, regex::Regex>>> = OnceLock::new();
    let compiled = COMPILED.get_or_init(Default::default);
    let pattern: &str = re;
    let known = compiled
        .lock()
        .ok()
        .and_then(|map| map.get(pattern).cloned());
    let regex = match known {
        Some(regex) => regex,
        None => {
            let regex =
                regex::Regex::new(pattern).map_err(|err| ExecutionError::FunctionError {
                    function: "matches".to_string(),
                    message: format!("'{pattern}' not a valid regex:\n{err}"),
                })?;
            if let Ok(mut map) = compiled.lock() {
                if map.len() < KEPT {
                    map.insert(pattern.to_string(), regex.clone());
                }
            }
            regex
        }
    };
    let text: &str = this;
    Ok(CelBool::from(regex.is_match(text)))
}

/// `uriDifference(sent, expected)`: the first way two URIs differ, in words, or `""` when
/// they are equal.
fn uri_difference(sent: &CelString<'_>, expected: &CelString<'_>) -> CelString<'static> {
    describe(sent, expected).into()
}

pub fn describe(sent: &str, expected: &str) -> String {
    use crate::flow::url::Url;
    if sent == expected {
        return String::new();
    }
    let decoded = crate::wire::form::decode(sent);
    if decoded == expected {
        return format!("it is percent-encoded once more (`{sent}` decodes to `{expected}`)");
    }
    if crate::wire::form::decode(expected) == sent {
        return format!("it is decoded once more than the original (`{expected}` is the original)");
    }
    if sent.trim_end_matches('/') == expected.trim_end_matches('/') {
        return if sent.ends_with('/') {
            "it has a trailing slash the original does not have".into()
        } else {
            "it lacks the original's trailing slash".into()
        };
    }
    let (a, b) = (Url::parse(sent), Url::parse(expected));
    if a.scheme != b.scheme {
        return format!(
            "the scheme differs: `{}` instead of `{}`",
            a.scheme, b.scheme
        );
    }
    if a.host != b.host {
        return format!("the host differs: `{}` instead of `{}`", a.host, b.host);
    }
    let authority = |u: &str| -> String {
        let rest = u.split_once("://").map_or(u, |(_, r)| r);
        rest.split(['/', '?', '#']).next().unwrap_or("").to_string()
    };
    if authority(sent) != authority(expected) {
        return format!(
            "the port differs: `{}` instead of `{}`",
            authority(sent),
            authority(expected)
        );
    }
    if a.path != b.path {
        if a.path.eq_ignore_ascii_case(b.path) {
            return format!(
                "the path differs in case: `{}` instead of `{}`",
                a.path, b.path
            );
        }
        return format!("the path differs: `{}` instead of `{}`", a.path, b.path);
    }
    if a.query != b.query {
        return format!(
            "the query differs: `?{}` instead of `?{}`",
            a.query, b.query
        );
    }
    format!("`{sent}` instead of `{expected}`")
}

#[cfg(test)]
mod tests {
    use super::{describe, env, parse, ExecutionError, Parser};

    /// `matches` answers as cel's own did, in both forms, on the first call and on later
    /// ones (the compiled pattern kept), and reports an invalid pattern in cel's words.
    #[test]
    fn matches_answers_as_cels_own() {
        let eval = |source: &str| {
            let ctx = cel::Context::with_env(env());
            cel::Value::resolve(&parse(source, Parser::Fast).expect("parses"), &ctx)
        };
        for _ in 0..2 {
            assert_eq!(eval("'foobar'.matches('^[a-z]*$')"), Ok(true.into()));
            assert_eq!(eval("matches('foo1', '^[a-z]*$')"), Ok(false.into()));
            assert_eq!(
                eval(r"'Alexa:Skills'.matches('(?i)alexa\\s*:+\\s*skills')"),
                Ok(true.into())
            );
            assert_eq!(
                eval("'foobar'.matches('(foo')"),
                Err(ExecutionError::FunctionError {
                    function: "matches".to_string(),
                    message: "'(foo' not a valid regex:\nregex parse error:\n    (foo\n    ^\nerror: unclosed group".to_string(),
                })
            );
        }
    }

    #[test]
    fn names_the_first_difference() {
        let orig = "https://app.example.com/alexa/callback";
        assert_eq!(describe(orig, orig), "");
        assert!(
            describe("https://app.example.com/alexa/callback/", orig).contains("trailing slash")
        );
        assert!(describe("http://app.example.com/alexa/callback", orig).contains("scheme"));
        assert!(describe("https://app.example.org/alexa/callback", orig).contains("host"));
        assert!(describe("https://app.example.com/skill/callback", orig).contains("path"));
        assert!(describe("https://app.example.com:8443/alexa/callback", orig).contains("port"));
        assert!(
            describe("https%3A%2F%2Fapp.example.com%2Falexa%2Fcallback", orig)
                .contains("percent-encoded")
        );
    }
}
