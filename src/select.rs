//! Choosing rules by id the way linters do (`--select`, `--ignore`, `[rules]` in
//! `tokentrail.toml`, `explain`): a full id (`oauth/code-reused`), a pack (`alexa/` or
//! `alexa`), or a rule's bare name (`code-reused`). A selector that matches nothing is an
//! error that suggests the closest id, never a silent no-op.

use std::collections::BTreeSet;

use crate::rules::RuleSet;

/// Why a selector matched no rule: names where it came from and the closest known id.
#[derive(Debug, thiserror::Error)]
#[error("{origin}: no rule or pack matches the selector given{}", hint(.suggestion))]
pub struct UnknownRule {
    /// Where the selector was given (`--select`, `tokentrail.toml: [rules] ignore`, ...).
    pub origin: String,
    pub suggestion: Option<String>,
}

fn hint(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(s) => format!("; did you mean `{s}`? (`tokentrail rules` lists them)"),
        None => "; `tokentrail rules` lists the rules and packs".to_string(),
    }
}

/// The ids of the rules in `set` that `selector` names: an exact id, a pack, or a bare name
/// (in every pack that has it).
pub fn matching<'s>(set: &'s RuleSet, selector: &str) -> Vec<&'s str> {
    let selector = selector.trim();
    if let Some(rule) = set.get(selector) {
        return vec![rule.id.as_str()];
    }
    let pack = selector.strip_suffix('/').unwrap_or(selector);
    let by_pack: Vec<&str> = set
        .rules
        .iter()
        .filter(|r| r.id.split_once('/').is_some_and(|(p, _)| p == pack))
        .map(|r| r.id.as_str())
        .collect();
    if !by_pack.is_empty() {
        return by_pack;
    }
    set.rules
        .iter()
        .filter(|r| r.id.rsplit('/').next() == Some(selector))
        .map(|r| r.id.as_str())
        .collect()
}

/// The known id (or pack) closest to `selector`, when one is close enough to be a typo.
pub fn suggest(set: &RuleSet, selector: &str) -> Option<String> {
    let selector = selector.trim().to_ascii_lowercase();
    let mut candidates: BTreeSet<String> = BTreeSet::new();
    for rule in &set.rules {
        candidates.insert(rule.id.clone());
        if let Some((pack, _)) = rule.id.split_once('/') {
            candidates.insert(format!("{pack}/"));
        }
    }
    // `alexa/` is compared as `alexa`, not as an empty name.
    let bare = |id: &str| {
        let id = id.trim_end_matches('/');
        id.rsplit('/').next().unwrap_or(id).to_string()
    };
    candidates
        .into_iter()
        .map(|c| {
            // A bare name is compared with bare names, a full id with full ids.
            let score = strsim::jaro_winkler(&selector, &c)
                .max(strsim::jaro_winkler(&bare(&selector), &bare(&c)) - 0.02);
            (score, c)
        })
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// Which rules' findings are reported. Layers apply in order (the config file's, then the
/// command line's), each as ruff does: a non-empty `select` replaces the set, then `ignore`
/// removes from it.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// `None`: every rule.
    enabled: Option<BTreeSet<String>>,
}

/// One layer of selectors and where they came from (for error messages).
pub struct Layer<'a> {
    /// Prefix of `select` / `ignore` in messages: `--`, or `tokentrail.toml: [rules] `.
    pub origin: &'a str,
    pub select: &'a [String],
    pub ignore: &'a [String],
}

impl Selection {
    pub fn new(set: &RuleSet, layers: &[Layer]) -> Result<Selection, UnknownRule> {
        let all: BTreeSet<String> = set.rules.iter().map(|r| r.id.clone()).collect();
        let mut enabled: Option<BTreeSet<String>> = None;
        let resolve = |selectors: &[String], flag: &str, origin: &str| {
            let mut ids = BTreeSet::new();
            for s in selectors {
                let found = matching(set, s);
                if found.is_empty() {
                    return Err(UnknownRule {
                        origin: format!("{origin}{flag}"),
                        suggestion: suggest(set, s),
                    });
                }
                ids.extend(found.into_iter().map(str::to_string));
            }
            Ok(ids)
        };
        for layer in layers {
            let select = resolve(layer.select, "select", layer.origin)?;
            let ignore = resolve(layer.ignore, "ignore", layer.origin)?;
            if !select.is_empty() {
                enabled = Some(select);
            }
            if !ignore.is_empty() {
                let base = enabled.take().unwrap_or_else(|| all.clone());
                enabled = Some(base.difference(&ignore).cloned().collect());
            }
        }
        Ok(Selection { enabled })
    }

    pub fn allows(&self, rule: &str) -> bool {
        self.enabled.as_ref().is_none_or(|e| e.contains(rule))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set() -> RuleSet {
        let mut s = RuleSet::default();
        s.extend(crate::rules::load_builtin().unwrap());
        s
    }

    #[test]
    fn ids_packs_and_bare_names_match() {
        let s = set();
        assert_eq!(matching(&s, "oauth/code-reused"), ["oauth/code-reused"]);
        assert_eq!(matching(&s, "code-reused"), ["oauth/code-reused"]);
        let alexa = matching(&s, "alexa/");
        assert!(alexa.len() > 5 && alexa.iter().all(|i| i.starts_with("alexa/")));
        assert_eq!(matching(&s, "alexa"), alexa);
        assert!(matching(&s, "oauth/code-reuse").is_empty());
    }

    #[test]
    fn typos_get_the_closest_id() {
        let s = set();
        assert_eq!(
            suggest(&s, "oauth/code-reuse").as_deref(),
            Some("oauth/code-reused")
        );
        assert_eq!(
            suggest(&s, "code-reuse").as_deref(),
            Some("oauth/code-reused")
        );
        assert_eq!(suggest(&s, "alexx/").as_deref(), Some("alexa/"));
        assert_eq!(suggest(&s, "zzzzzzzzzzzzzzzz"), None);
    }

    #[test]
    fn layers_select_then_ignore() {
        let s = set();
        let strings = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let (sel, ign) = (strings(&["oauth/"]), strings(&["code-reused"]));
        let config = Layer {
            origin: "cfg",
            select: &sel,
            ignore: &ign,
        };
        let selection = Selection::new(&s, &[config]).unwrap();
        assert!(selection.allows("oauth/code-expired"));
        assert!(!selection.allows("oauth/code-reused"));
        assert!(!selection.allows("alexa/token-wrong-profile"));
        // A later select replaces the earlier set.
        let cli_sel = strings(&["alexa/token-wrong-profile"]);
        let cli = Layer {
            origin: "cli",
            select: &cli_sel,
            ignore: &[],
        };
        let config = Layer {
            origin: "cfg",
            select: &sel,
            ignore: &ign,
        };
        let selection = Selection::new(&s, &[config, cli]).unwrap();
        assert!(selection.allows("alexa/token-wrong-profile"));
        assert!(!selection.allows("oauth/code-expired"));
        let bad = strings(&["oauth/code-reuse"]);
        let err = Selection::new(
            &s,
            &[Layer {
                origin: "--",
                select: &bad,
                ignore: &[],
            }],
        )
        .unwrap_err();
        assert!(err.to_string().contains("did you mean `oauth/code-reused`"));
        assert!(err.to_string().starts_with("--select: "), "{err}");
    }
}
