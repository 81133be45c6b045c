//! Reading scenario files: TOML syntax and types (serde, with the error's
//! span turned into line:column), then the rules types cannot express
//! (exactly one message form per step, unique slug names, every `${var}`
//! defined before use, regexes and schemas that compile, load-mix weights).
//!
//! Everything is checked before the target is contacted: a scenario with a
//! mistake in it fails the run with exit 2 and `file:line:col: what`, and no
//! request is sent.

use super::model::{Expect, Scenario, Step};
use super::vars;
use crate::spec::SpecVersion;
use std::collections::{BTreeSet, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

/// Files larger than this are not scenarios (and are not read whole).
const MAX_FILE_BYTES: u64 = 1 << 20;

/// A scenario file, read and validated.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub path: PathBuf,
    /// The middle segment of its check ids.
    pub stem: String,
    pub scenario: Scenario,
    /// The line each step starts on, for the reports' `spec_ref`.
    pub step_lines: Vec<usize>,
}

impl Loaded {
    /// The check id of a step.
    pub fn id_of(&self, step: &Step) -> String {
        format!("scenario/{}/{}", self.stem, step.name)
    }
}

/// One mistake in one file, with where it is.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct LoadError {
    pub path: PathBuf,
    /// 1-based line and column, when the mistake has a place.
    pub at: Option<(usize, usize)>,
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.at {
            Some((line, col)) => write!(f, "{}:{line}:{col}: {}", self.path.display(), self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

/// All the mistakes found, one per line.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct LoadErrors(pub Vec<LoadError>);

impl fmt::Display for LoadErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.0.iter().map(|e| format!("invalid scenario: {e}")).collect();
        f.write_str(&lines.join("\n"))
    }
}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Loads every path: a file as is, a directory as all of its `*.toml` files
/// (sorted, not recursive). Reports every mistake in every file.
pub fn load_paths(paths: &[PathBuf]) -> Result<Vec<Loaded>, LoadErrors> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        if p.is_dir() {
            match toml_files_in(p) {
                Ok(f) if f.is_empty() => errors.push(err(p, None, "the directory holds no *.toml file")),
                Ok(f) => files.extend(f),
                Err(e) => errors.push(err(p, None, format!("cannot read the directory: {e}"))),
            }
        } else {
            files.push(p.clone());
        }
    }
    let mut loaded: Vec<Loaded> = Vec::new();
    for f in files {
        match load_file(&f) {
            Ok(l) => {
                if let Some(other) = loaded.iter().find(|o| o.stem == l.stem) {
                    let msg = format!(
                        "its check ids scenario/{}/… clash with those of {}; rename one file",
                        l.stem,
                        other.path.display()
                    );
                    errors.push(err(&f, None, msg));
                } else {
                    loaded.push(l);
                }
            }
            Err(mut e) => errors.append(&mut e.0),
        }
    }
    if errors.is_empty() { Ok(loaded) } else { Err(LoadErrors(errors)) }
}

fn toml_files_in(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_file() && path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

fn err(path: &Path, at: Option<(usize, usize)>, message: impl Into<String>) -> LoadError {
    LoadError { path: path.to_path_buf(), at, message: message.into() }
}

/// Applies `--var NAME=VALUE` (string values) to every scenario that
/// declares NAME in its `[vars]`; a name no scenario declares is a mistake
/// (most likely a typo).
pub fn set_vars(scenarios: &mut [Loaded], assignments: &[String]) -> Result<(), String> {
    for a in assignments {
        let Some((name, value)) = a.split_once('=') else {
            return Err(format!("--var {a:?} is not NAME=VALUE"));
        };
        let mut used = false;
        for l in scenarios.iter_mut() {
            if let Some(v) = l.scenario.vars.get_mut(name) {
                *v = serde_json::Value::String(value.to_string());
                used = true;
            }
        }
        if !used {
            return Err(format!("--var {name}: no scenario declares {name} in its [vars]"));
        }
    }
    Ok(())
}

/// Reads and validates one file.
pub fn load_file(path: &Path) -> Result<Loaded, LoadErrors> {
    let one = |m: String| LoadErrors(vec![err(path, None, m)]);
    let size = std::fs::metadata(path).map_err(|e| one(format!("cannot read: {e}")))?.len();
    if size > MAX_FILE_BYTES {
        return Err(one(format!("{size} bytes; scenario files are limited to {MAX_FILE_BYTES}")));
    }
    let text = std::fs::read_to_string(path).map_err(|e| one(format!("cannot read: {e}")))?;
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    if stem.is_empty() || !stem.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
        return Err(one(format!(
            "the file name {stem:?} must be a slug ([a-z0-9-]): it is part of check ids"
        )));
    }
    let scenario = parse(path, &text)?;
    let step_lines = scenario.steps.iter().map(|s| line_col(&text, s.span().start).0).collect();
    Ok(Loaded { path: path.to_path_buf(), stem, scenario, step_lines })
}

/// Parses and validates scenario text; `path` only names it in errors.
pub fn parse(path: &Path, text: &str) -> Result<Scenario, LoadErrors> {
    let scenario: Scenario = toml::from_str(text).map_err(|e| {
        let at = e.span().map(|s| line_col(text, s.start));
        LoadErrors(vec![err(path, at, e.message().trim_end().to_string())])
    })?;
    let errors = validate(&scenario)
        .into_iter()
        .map(|(offset, m)| err(path, offset.map(|o| line_col(text, o)), m))
        .collect::<Vec<_>>();
    if errors.is_empty() { Ok(scenario) } else { Err(LoadErrors(errors)) }
}

/// The rules serde cannot state; each mistake with the byte offset of its step.
fn validate(s: &Scenario) -> Vec<(Option<usize>, String)> {
    let mut out = Vec::new();
    if s.steps.is_empty() {
        out.push((None, "a scenario needs at least one [[steps]]".to_string()));
    }
    if let Some(r) = &s.target.revision
        && r.parse::<SpecVersion>().is_err()
    {
        let known: Vec<&str> = SpecVersion::ALL.iter().map(|v| v.as_str()).collect();
        out.push((None, format!("target.revision {r:?} is not one of {}", known.join(", "))));
    }
    for name in s.vars.keys() {
        if !vars::valid_name(name) {
            out.push((None, format!("variable name {name:?} may hold only letters, digits, _ - .")));
        }
    }
    let mut known: BTreeSet<String> = s.vars.keys().cloned().collect();
    for (name, value) in &s.target.headers {
        unknown_refs(&mut out, None, &format!("target.headers.{name}"), vars::refs_in(value), &known);
    }
    let mut names = HashSet::new();
    let weighted = s.steps.iter().any(|st| st.get_ref().weight.is_some());
    for spanned in &s.steps {
        let at = Some(spanned.span().start);
        let step = spanned.get_ref();
        let mut say = |m: String| out.push((at, format!("step {:?}: {m}", step.name)));
        if !step.name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            || step.name.is_empty()
            || step.name.starts_with('-')
        {
            say("the name must be a slug ([a-z0-9-]): it ends the check id".into());
        }
        if !names.insert(step.name.clone()) {
            say("another step has this name; names must be unique in a file".into());
        }
        if step.message().is_none() {
            say("give exactly one of `method`, `raw` or `raw_body` (and `params` only with `method`)".into());
        }
        let e = &step.expect;
        let expects_something = e.status.is_some()
            || e.error.is_some()
            || e.error_code.is_some()
            || e.is_error.is_some()
            || e.max_ms.is_some()
            || !e.headers.is_empty()
            || !e.json.is_empty();
        if step.method.is_none() && !expects_something {
            say("a raw step needs at least one expectation (status, error_code, json, …)".into());
        }
        if weighted && !step.setup && step.weight.is_none() {
            say("this is a load mix (a step has `weight`): every non-setup step needs a weight".into());
        }
        if step.weight == Some(0) {
            say("weight must be at least 1".into());
        }
        if step.setup && step.weight.is_some() {
            say("setup steps run once before the mix; they take no weight".into());
        }
        if weighted && !step.setup && !step.capture.is_empty() {
            say("in a load mix only setup steps capture (the others run in random order)".into());
        }
        let mut refs = Vec::new();
        if let Some(p) = &step.params {
            vars::refs_in_value(p, &mut refs);
        }
        if let Some(r) = &step.raw {
            vars::refs_in_value(r, &mut refs);
        }
        if let Some(b) = &step.raw_body {
            refs.extend(vars::refs_in(b).into_iter().map(String::from));
        }
        for v in step.headers.values() {
            refs.extend(vars::refs_in(v).into_iter().map(String::from));
        }
        expect_rules(&step.expect, &mut refs, &mut say);
        let missing: Vec<&String> = refs.iter().filter(|r| !known.contains(r.as_str())).collect();
        if !missing.is_empty() {
            let list: Vec<String> = missing.iter().map(|m| format!("${{{m}}}")).collect();
            say(format!(
                "{} used before it is defined (in [vars] or captured by an earlier step)",
                list.join(", ")
            ));
        }
        for (var, pointer) in &step.capture {
            if !vars::valid_name(var) {
                say(format!("capture name {var:?} may hold only letters, digits, _ - ."));
            }
            if !pointer.is_empty() && !pointer.starts_with('/') {
                say(format!("capture {var}: {pointer:?} is not a JSON pointer (it starts with /)"));
            }
        }
        known.extend(step.capture.keys().cloned());
    }
    out
}

fn unknown_refs(
    out: &mut Vec<(Option<usize>, String)>,
    at: Option<usize>,
    place: &str,
    refs: Vec<&str>,
    known: &BTreeSet<String>,
) {
    for r in refs.into_iter().filter(|r| !known.contains(*r)) {
        out.push((at, format!("{place}: ${{{r}}} is not defined in [vars]")));
    }
}

/// Rules of one `expect` table; collects the variables it refers to.
fn expect_rules(e: &Expect, refs: &mut Vec<String>, say: &mut impl FnMut(String)) {
    if e.status.is_some_and(|s| !(100..=599).contains(&s)) {
        say("expect.status must be an HTTP status (100-599)".into());
    }
    for (name, pattern) in &e.headers {
        let before = refs.len();
        refs.extend(vars::refs_in(pattern).into_iter().map(String::from));
        if refs.len() == before
            && let Err(err) = regex::Regex::new(pattern)
        {
            say(format!("expect.headers.{name} is not a regular expression: {err}"));
        }
    }
    if e.max_ms == Some(0) {
        say("expect.max_ms must be at least 1".into());
    }
    for (i, j) in e.json.iter().enumerate() {
        let place = format!("expect.json[{i}] ({})", j.pointer);
        if !j.pointer.is_empty() && !j.pointer.starts_with('/') {
            say(format!(
                "{place}: not a JSON pointer (it starts with /, or is empty for the whole response)"
            ));
        }
        if j.equals.is_none()
            && j.contains.is_none()
            && j.matches.is_none()
            && j.schema.is_none()
            && j.exists.is_none()
        {
            say(format!("{place}: give at least one of equals, contains, matches, schema, exists"));
        }
        let before = refs.len();
        for v in [&j.equals, &j.contains, &j.schema].into_iter().flatten() {
            vars::refs_in_value(v, refs);
        }
        if let Some(m) = &j.matches {
            refs.extend(vars::refs_in(m).into_iter().map(String::from));
        }
        // Patterns and schemas with variables are compiled when they run.
        if refs.len() > before {
            continue;
        }
        if let Some(m) = &j.matches
            && let Err(e) = regex::Regex::new(m)
        {
            say(format!("{place}: matches is not a regular expression: {e}"));
        }
        if let Some(s) = &j.schema
            && let Err(e) = jsonschema::validator_for(s)
        {
            say(format!("{place}: schema is not a usable JSON Schema: {e}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        match parse(Path::new("s.toml"), text) {
            Ok(_) => vec![],
            Err(e) => e.0.iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn syntax_and_type_errors_have_a_line() {
        let p =
            problems("name = \"x\"\n[[steps]]\nname = \"a\"\nmethod = \"ping\"\nexpect = { stauts = 200 }\n");
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].starts_with("s.toml:5:"), "{p:?}");
        assert!(p[0].contains("stauts"), "{p:?}");
        let p = problems("name = \"x\"\n\n[[steps]\n");
        assert!(p[0].starts_with("s.toml:3:"), "{p:?}");
    }

    #[test]
    fn semantic_errors_name_the_step_line() {
        let text = "name = \"x\"\n[[steps]]\nname = \"ok\"\nmethod = \"ping\"\n\n[[steps]]\nname = \"bad\"\n\
                    method = \"tools/call\"\nraw_body = \"x\"\nparams = { n = \"${nope}\" }\n";
        let p = problems(text);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p.iter().all(|l| l.starts_with("s.toml:6:")), "{p:?}");
        assert!(p.iter().any(|l| l.contains("${nope}")), "{p:?}");
    }

    #[test]
    fn captures_define_variables_for_later_steps_only() {
        let ok = "name = \"x\"\n[[steps]]\nname = \"a\"\nmethod = \"ping\"\ncapture = { v = \"/result\" }\n\
                  [[steps]]\nname = \"b\"\nmethod = \"ping\"\nparams = { x = \"${v}\" }\n";
        assert_eq!(problems(ok), Vec::<String>::new());
        let early = "name = \"x\"\n[[steps]]\nname = \"a\"\nmethod = \"ping\"\nparams = { x = \"${v}\" }\n\
                     capture = { v = \"/result\" }\n";
        assert_eq!(problems(early).len(), 1);
    }

    #[test]
    fn load_mix_rules() {
        let text = "name = \"m\"\n[[steps]]\nname = \"a\"\nmethod = \"ping\"\nweight = 3\n\
                    [[steps]]\nname = \"b\"\nmethod = \"tools/list\"\n";
        let p = problems(text);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].contains("needs a weight"), "{p:?}");
    }

    #[test]
    fn line_col_counts_from_one() {
        assert_eq!(line_col("ab\ncd", 0), (1, 1));
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
    }
}
