//! Message templates: text with `{expression}` placeholders, each a CEL expression over the
//! same facts as the rule's condition. `{{` and `}}` write literal braces.

#[derive(Debug)]
pub enum Part {
    Text(String),
    Expr(super::Expr),
}

/// The parts of a template that was checked when it was built (a built-in rule's), its
/// expressions compiled when they first run: one that does not compile shows as `(unknown)`,
/// as one that fails when it runs does.
pub fn split_unchecked(source: &str) -> Vec<Part> {
    let Ok(pieces) = split(source) else {
        return vec![Part::Text(source.to_string())];
    };
    pieces
        .into_iter()
        .map(|piece| {
            if piece.expr {
                Part::Expr(super::Expr::later(&piece.text))
            } else {
                Part::Text(piece.text)
            }
        })
        .collect()
}

/// Whether an expression's text names `findings` (as a word, so `my_findings` does not).
/// Decides, without compiling it, whether a template reads other rules' findings; the test
/// suite checks that it agrees with the compiled expression on every built-in rule.
pub fn names_findings(expr: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    expr.match_indices("findings").any(|(i, m)| {
        let before = expr.get(..i).and_then(|s| s.chars().next_back());
        let after = expr.get(i + m.len()..).and_then(|s| s.chars().next());
        !before.is_some_and(word) && !after.is_some_and(word)
    })
}

/// One piece of a template: literal text, or the source of an expression.
pub struct Piece {
    pub expr: bool,
    pub text: String,
}

/// Splits a template into text and expression sources.
pub fn split(source: &str) -> Result<Vec<Piece>, String> {
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut chars = source.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        match c {
            '{' if chars.peek().map(|p| p.1) == Some('{') => {
                chars.next();
                text.push('{');
            }
            '}' if chars.peek().map(|p| p.1) == Some('}') => {
                chars.next();
                text.push('}');
            }
            '{' => {
                if !text.is_empty() {
                    parts.push(Piece {
                        expr: false,
                        text: std::mem::take(&mut text),
                    });
                }
                let mut depth = 1;
                let mut expr = String::new();
                let mut in_string: Option<char> = None;
                let mut escaped = false;
                loop {
                    let Some((_, c)) = chars.next() else {
                        return Err("unclosed `{` in template".into());
                    };
                    match (in_string, c) {
                        (Some(_), _) if escaped => escaped = false,
                        (Some(_), '\\') => escaped = true,
                        (Some(q), c) if c == q => in_string = None,
                        (Some(_), _) => {}
                        (None, '"' | '\'') => in_string = Some(c),
                        (None, '{') => depth += 1,
                        (None, '}') => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    expr.push(c);
                }
                if expr.trim().is_empty() {
                    return Err("empty `{}` in template".into());
                }
                parts.push(Piece {
                    expr: true,
                    text: expr,
                });
            }
            '}' => return Err("unmatched `}` in template (write `}}` for a brace)".into()),
            c => text.push(c),
        }
    }
    if !text.is_empty() {
        parts.push(Piece { expr: false, text });
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn splits_text_and_expressions() {
        let parts =
            split("code {code.value} at #{code.redemptions[1].entry}, {{literal}}").unwrap();
        let exprs: Vec<&str> = parts
            .iter()
            .filter(|p| p.expr)
            .map(|p| p.text.as_str())
            .collect();
        assert_eq!(exprs, ["code.value", "code.redemptions[1].entry"]);
        assert!(parts.last().unwrap().text.ends_with("{literal}"));
    }

    #[test]
    fn braces_inside_strings_do_not_close() {
        let parts = split("{'}' + x}").unwrap();
        assert_eq!(parts[0].text, "'}' + x");
    }

    #[test]
    fn escaped_quotes_stay_inside_strings() {
        let parts = split(r#"{"say \"}\"" + x} after"#).unwrap();
        assert_eq!(parts[0].text, r#""say \"}\"" + x"#);
        assert_eq!(parts[1].text, " after");
    }

    #[test]
    fn reports_unclosed() {
        assert!(split("oops {step.entry").is_err());
        assert!(split("oops }").is_err());
    }
}
