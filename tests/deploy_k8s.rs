//! The Kubernetes manifests in deploy/k8s/ parse as YAML, have the shape of an
//! Indexed Job and a merge Job, agree with each other (shard count, volume,
//! run id), and the command lines they run are accepted by mcpcheck's own
//! parser, so a flag renamed in the CLI breaks this test and not a cluster run.

use clap::Parser;
use mcpcheck::cli::report::ReportCommand;
use mcpcheck::cli::{Cli, Command};
use std::collections::HashMap;
use yaml_rust2::{Yaml, YamlLoader};

fn load(file: &str) -> Vec<Yaml> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/k8s").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let docs = YamlLoader::load_from_str(&text).unwrap_or_else(|e| panic!("{file} is not YAML: {e}"));
    for d in &docs {
        for key in ["apiVersion", "kind"] {
            assert!(d[key].as_str().is_some(), "{file}: a document without {key}");
        }
        assert!(d["metadata"]["name"].as_str().is_some(), "{file}: a document without metadata.name");
    }
    docs
}

fn job(docs: &[Yaml]) -> &Yaml {
    docs.iter().find(|d| d["kind"].as_str() == Some("Job")).expect("a Job")
}

fn env(container: &Yaml) -> HashMap<String, String> {
    let list = container["env"].as_vec().cloned().unwrap_or_default();
    list.iter()
        .filter_map(|e| Some((e["name"].as_str()?.to_owned(), e["value"].as_str()?.to_owned())))
        .collect()
}

/// The shell line a container runs with its variables filled in (the
/// Indexed Job's JOB_COMPLETION_INDEX as 0), cut into `&&`-separated
/// commands and shell words.
fn commands(container: &Yaml, vars: &HashMap<String, String>) -> Vec<Vec<String>> {
    assert_eq!(container["command"][0].as_str(), Some("/bin/sh"), "runs through sh -c");
    let mut line = container["args"][0].as_str().expect("args[0]").to_owned();
    let mut names: Vec<&String> = vars.keys().collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    for name in names {
        line = line.replace(&format!("${name}"), &vars[name]);
    }
    assert!(!line.contains('$'), "an unset variable in {line}");
    line.split("&&")
        .map(|c| shlex::split(c.trim()).unwrap_or_else(|| panic!("not shell words: {c}")))
        .collect()
}

fn mcpcheck_line(cmds: &[Vec<String>]) -> Cli {
    let words =
        cmds.iter().find(|c| c.first().map(String::as_str) == Some("mcpcheck")).expect("runs mcpcheck");
    Cli::try_parse_from(words).unwrap_or_else(|e| panic!("mcpcheck refuses {words:?}: {e}"))
}

fn claim(spec: &Yaml) -> String {
    spec["template"]["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"]
        .as_str()
        .expect("a PVC")
        .to_owned()
}

#[test]
fn the_indexed_job_runs_one_shard_per_index() {
    let docs = load("bench-job.yaml");
    assert!(docs.iter().any(|d| d["kind"].as_str() == Some("PersistentVolumeClaim")));
    let spec = &job(&docs)["spec"];
    assert_eq!(spec["completionMode"].as_str(), Some("Indexed"));
    let container = &spec["template"]["spec"]["containers"][0];
    let mut vars = env(container);
    let shards: i64 = vars["SHARDS"].parse().expect("SHARDS is a number");
    assert_eq!(spec["completions"].as_i64(), Some(shards), "completions = SHARDS");
    assert_eq!(spec["parallelism"].as_i64(), Some(shards), "all shards at once");
    assert_eq!(spec["template"]["spec"]["restartPolicy"].as_str(), Some("Never"));
    vars.insert("JOB_COMPLETION_INDEX".into(), "0".into());
    let cmds = commands(container, &vars);
    let Command::Bench(args) = mcpcheck_line(&cmds).command else { panic!("not mcpcheck bench") };
    assert!(args.start_at.is_some(), "every shard gets the same --start-at");
    let shard = args.shard.expect("--shard");
    assert_eq!((shard.index, i64::from(shard.of)), (0, shards));
    let json = args.json.expect("--json");
    assert!(json.starts_with(&format!("/results/{}/", vars["RUN_ID"])), "{json}");
    // The finished file is what the merge waits for.
    let mv = cmds.last().expect("a last command");
    assert_eq!(mv[0], "mv");
    assert_eq!(mv[1], json);
    assert_eq!(mv[2], format!("/results/{}/shard-0.json", vars["RUN_ID"]));
    assert_eq!(container["volumeMounts"][0]["mountPath"].as_str(), Some("/results"));
}

#[test]
fn the_merge_job_waits_for_every_shard_then_merges() {
    let bench_docs = load("bench-job.yaml");
    let bench = &job(&bench_docs)["spec"];
    let bench_vars = env(&bench["template"]["spec"]["containers"][0]);
    let docs = load("merge-job.yaml");
    let spec = &job(&docs)["spec"];
    assert_eq!(claim(spec), claim(bench), "the same results volume");
    let wait = &spec["template"]["spec"]["initContainers"][0];
    let wait_vars = env(wait);
    assert_eq!(wait_vars["SHARDS"], bench_vars["SHARDS"], "waits for as many shards as run");
    assert_eq!(wait_vars["RUN_ID"], bench_vars["RUN_ID"]);
    let line = wait["args"][0].as_str().expect("wait script");
    assert!(line.contains("shard-*.json") && line.contains("$SHARDS"), "{line}");
    let merge = &spec["template"]["spec"]["containers"][0];
    let vars = env(merge);
    assert_eq!(vars["RUN_ID"], bench_vars["RUN_ID"]);
    let cmds = commands(merge, &vars);
    let Command::Report(r) = mcpcheck_line(&cmds).command else { panic!("not mcpcheck report") };
    let ReportCommand::Merge(m) = r.command else { panic!("not report merge") };
    assert_eq!(m.files.len(), 1);
    assert_eq!(m.files[0].display().to_string(), format!("/results/{}/shard-*.json", vars["RUN_ID"]));
    assert!(m.json.is_some() && m.markdown.is_some());
    // Longer than the shard Job may run, so the merge does not give up first.
    assert!(spec["activeDeadlineSeconds"].as_i64() > bench["activeDeadlineSeconds"].as_i64());
}
