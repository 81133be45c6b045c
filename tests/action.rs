//! action.yml stays a valid composite action whose outputs are really
//! written: it parses as YAML, every output reads a step output that the
//! test step sets, every input it reads is declared, and nothing in it still
//! waits for a command mcpcheck has.

use yaml_rust2::{Yaml, YamlLoader};

fn action() -> (String, Yaml) {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/action.yml")).expect("action.yml");
    let mut docs = YamlLoader::load_from_str(&text).expect("action.yml is YAML");
    (text, docs.remove(0))
}

#[test]
fn action_yml_is_a_composite_action_whose_outputs_are_set() {
    let (text, a) = action();
    assert_eq!(a["runs"]["using"].as_str(), Some("composite"));
    let steps = a["runs"]["steps"].as_vec().expect("steps");
    let test = steps.iter().find(|s| s["id"].as_str() == Some("test")).expect("the test step");
    let script = test["run"].as_str().expect("its script");
    let outputs = a["outputs"].as_hash().expect("outputs");
    for (name, out) in outputs {
        let name = name.as_str().expect("output name");
        let value = out["value"].as_str().expect("output value");
        assert!(out["description"].as_str().is_some_and(|d| !d.is_empty()), "{name} has no description");
        if let Some(key) = value.strip_prefix("${{ steps.test.outputs.").and_then(|v| v.strip_suffix(" }}")) {
            let written = script.contains(&format!("echo \"{key}="))
                || script.contains(&format!("print(\"{key}="))
                || (["pass", "fail", "warn", "error"].contains(&key) && script.contains("print(f\"{k}="));
            assert!(written, "output {name} reads steps.test.outputs.{key}, which the test step never sets");
        }
    }
    for expected in ["pass", "fail", "warn", "error", "revisions", "json-report", "sarif-report", "exit-code"]
    {
        assert!(outputs.contains_key(&Yaml::String(expected.into())), "no output {expected}");
    }
    // Every input the steps read is declared.
    let inputs = a["inputs"].as_hash().expect("inputs");
    for (i, _) in text.match_indices("inputs.") {
        let name: String = text[i + 7..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        assert!(inputs.contains_key(&Yaml::String(name.clone())), "action.yml reads undeclared input {name}");
    }
    assert!(!text.contains("no bench command"), "the stale bench notice is back");
}

/// The counts the Action reports come from a real report: its embedded
/// script, run on the committed sample, prints every output it promises.
#[test]
fn the_count_script_reads_a_schema_2_report() {
    let (text, _) = action();
    let start = text.find("<<'PY'\n").expect("the count script") + "<<'PY'\n".len();
    let end = start + text[start..].find("\n        PY\n").expect("its end");
    let code: String = text[start..end]
        .lines()
        .map(|l| l.strip_prefix("        ").unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n");
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/reports/html/plain/report.json");
    let Ok(out) = std::process::Command::new("python3").args(["-c", &code, sample]).output() else {
        println!("skipping: no python3 here (GitHub's runners have it)");
        return;
    };
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let printed = String::from_utf8_lossy(&out.stdout);
    for key in
        ["pass=", "fail=0", "warn=0", "error=0", "revisions={\"2025-03-26\":{\"selection\":\"negotiated\""]
    {
        assert!(printed.contains(key), "{key} missing from {printed}");
    }
}
