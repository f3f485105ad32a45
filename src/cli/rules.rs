//! `tokentrail rules` and `tokentrail explain`: the rules in force and their documentation.

use super::terminal::print;
use super::RuleDirs;

#[derive(clap::Args)]
pub struct RulesArgs {
    #[command(flatten)]
    rules: RuleDirs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
    format: RulesFormat,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum RulesFormat {
    /// One rule a line: id, severity, summary.
    Text,
    /// `{"version": 1, "rules": [{"id", "pack", "severity", "summary", "origin"}]}`.
    Json,
}

#[derive(clap::Args)]
pub struct ExplainArgs {
    /// The rule id (`oauth/code-reused`) or its bare name (`code-reused`).
    rule_id: String,
    #[command(flatten)]
    rules: RuleDirs,
}

pub fn list(args: RulesArgs) -> miette::Result<u8> {
    let set = args.rules.load()?;
    let out = match args.format {
        RulesFormat::Text => {
            let mut out = String::new();
            for r in &set.rules {
                out.push_str(&format!(
                    "{:<36} {:<8} {}\n",
                    r.id,
                    r.severity.as_str(),
                    r.summary
                ));
            }
            out.push_str(&format!(
                "\n{} rules. `tokentrail explain ID` shows one in full.\n",
                set.rules.len()
            ));
            out
        }
        RulesFormat::Json => {
            let rules: Vec<serde_json::Value> = set
                .rules
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "id": r.id,
                        "pack": r.id.split_once('/').map_or("", |(p, _)| p),
                        "severity": r.severity,
                        "summary": r.summary,
                        "origin": r.origin,
                    })
                })
                .collect();
            let doc = serde_json::json!({"version": 1, "rules": rules});
            format!("{doc:#}\n")
        }
    };
    print(&out);
    Ok(0)
}

pub fn explain(args: ExplainArgs) -> miette::Result<u8> {
    let set = args.rules.load()?;
    let found = tokentrail::select::matching(&set, &args.rule_id);
    match found.as_slice() {
        [one] => {
            if let Some(r) = set.get(one) {
                print(&tokentrail::rules::docs::explain(r));
            }
            Ok(0)
        }
        [] => {
            let hint = match tokentrail::select::suggest(&set, &args.rule_id) {
                Some(s) => format!("did you mean `{s}`?"),
                None => "`tokentrail rules` lists them".to_string(),
            };
            miette::bail!("explain: no rule has the id or name given; {hint}")
        }
        several => miette::bail!(
            "explain: the name given is a pack or is in several packs; name one of {}",
            several.join(", ")
        ),
    }
}
