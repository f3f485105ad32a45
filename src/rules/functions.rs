//! The CEL environment rules run in: the standard library, cel-go's strings extension
//! (`lowerAscii`, `join`, `split`…), and functions of our own that explain differences rules
//! would otherwise spell out by hand.

use std::sync::{Arc, OnceLock};

use cel::common::types::CelString;
use cel::Env;

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
    let decoded = crate::secret::form_decode(sent);
    if decoded == expected {
        return format!("it is percent-encoded once more (`{sent}` decodes to `{expected}`)");
    }
    if crate::secret::form_decode(expected) == sent {
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
    use super::describe;

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
