//! `mcpcheck list`: every check (server, or with `--client` client), as a
//! table or JSON.

use crate::cli::ListArgs;
use crate::spec::{Level, Revisions, SpecRef};

/// What a listing shows of a check, server or client.
struct Row {
    id: &'static str,
    title: &'static str,
    level: Level,
    revisions: Revisions,
    spec: SpecRef,
    requirement: &'static str,
}

/// The catalogue as text.
pub fn run(args: ListArgs) -> String {
    let rows: Vec<Row> = if args.client {
        crate::client::all()
            .iter()
            .map(|c| Row {
                id: c.id,
                title: c.title,
                level: c.level,
                revisions: c.revisions,
                spec: c.spec,
                requirement: c.requirement,
            })
            .collect()
    } else {
        crate::checks::all()
            .iter()
            .map(|c| Row {
                id: c.id,
                title: c.title,
                level: c.level,
                revisions: c.revisions,
                spec: c.spec,
                requirement: c.requirement,
            })
            .collect()
    };
    if args.json {
        let rows: Vec<serde_json::Value> = rows
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
    let width = rows.iter().map(|c| c.id.len()).max().unwrap_or(0);
    for c in &rows {
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
