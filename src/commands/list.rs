//! `mcpcheck list`: every check, as a table or JSON.

use crate::cli::ListArgs;

/// The catalogue as text.
pub fn run(args: ListArgs) -> String {
    let checks = crate::checks::all();
    if args.json {
        let rows: Vec<serde_json::Value> = checks
            .iter()
            .map(|c| {
                serde_json::json!({
                    "id": c.id, "title": c.title, "level": c.level, "revisions": c.revisions.to_string(),
                    "spec_ref": format!("{}#{}", c.spec.page, c.spec.anchor), "requirement": c.requirement,
                })
            })
            .collect();
        return serde_json::to_string_pretty(&rows).unwrap_or_default() + "\n";
    }
    let mut out = String::new();
    let width = checks.iter().map(|c| c.id.len()).max().unwrap_or(0);
    for c in &checks {
        out.push_str(&format!(
            "{:width$}  {:6}  {:22}  {}#{}\n",
            c.id,
            c.level.as_str(),
            c.revisions.to_string(),
            c.spec.page,
            c.spec.anchor
        ));
    }
    out
}
