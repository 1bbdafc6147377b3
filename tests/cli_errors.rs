//! Bad input ends in one clear paragraph on stderr and a non-zero exit, before the terminal is
//! touched (stdout stays empty: no alternate screen, no escape sequences).

use std::path::Path;
use std::process::{Command, Output};

fn run(dir: &Path, args: &[&str], kubeconfig_env: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ge-console"));
    cmd.args(args)
        .env("GE_CONSOLE_CONFIG", dir.join("config"))
        .env("GE_CONSOLE_STATE", dir.join("state"))
        .env("HOME", dir)
        .env_remove("KUBECONFIG");
    if let Some(k) = kubeconfig_env {
        cmd.env("KUBECONFIG", k);
    }
    cmd.output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const KUBECONFIG: &str = "apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: 'http://127.0.0.1:9'}
users:
- name: u
  user: {token: t}
contexts:
- name: ge-dev
  context: {cluster: c, user: u}
- name: other
  context: {cluster: c, user: u}
current-context: ge-dev
";

fn assert_clean_failure(o: &Output, needle: &str) {
    assert_eq!(o.status.code(), Some(3), "stderr: {}", stderr(o));
    assert!(o.stdout.is_empty(), "nothing on stdout: {:?}", o.stdout);
    let err = stderr(o);
    assert!(err.contains(needle), "expected {needle:?} in: {err}");
    assert!(!err.contains('\x1b'), "no escape sequences: {err:?}");
}

#[test]
fn malformed_zones_file_names_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let zones = dir.path().join("zones.toml");
    std::fs::write(&zones, "[[zones]]\nid = 1\nname = dev\n").unwrap();
    let o = run(
        dir.path(),
        &["--config", zones.to_str().unwrap(), "snapshot"],
        None,
    );
    assert_clean_failure(&o, &format!("{}:3:8:", zones.display()));
}

#[test]
fn empty_zone_list_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let zones = dir.path().join("zones.toml");
    std::fs::write(&zones, "# nothing\n").unwrap();
    let o = run(dir.path(), &["--config", zones.to_str().unwrap()], None);
    assert_clean_failure(&o, "no zones are configured");
}

#[test]
fn unreadable_kubeconfig_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        dir.path(),
        &["--kubeconfig", "/nonexistent/kube.yaml"],
        None,
    );
    assert_clean_failure(&o, "/nonexistent/kube.yaml");
}

#[test]
fn missing_default_kubeconfig_suggests_the_demo() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(dir.path(), &["snapshot"], None);
    assert_clean_failure(&o, "ge-console demo");
}

#[test]
fn unknown_context_on_the_command_line_lists_the_contexts() {
    let dir = tempfile::tempdir().unwrap();
    let kube = dir.path().join("kube.yaml");
    std::fs::write(&kube, KUBECONFIG).unwrap();
    let o = run(
        dir.path(),
        &["--zone", "dev=typo", "snapshot"],
        Some(kube.to_str().unwrap()),
    );
    assert_clean_failure(&o, "no context \"typo\"; contexts there: ge-dev, other");
}

#[test]
fn unknown_zone_on_the_command_line_lists_the_zones() {
    let dir = tempfile::tempdir().unwrap();
    let kube = dir.path().join("kube.yaml");
    std::fs::write(&kube, KUBECONFIG).unwrap();
    let o = run(
        dir.path(),
        &["--zone", "qa=other", "snapshot"],
        Some(kube.to_str().unwrap()),
    );
    assert_clean_failure(&o, "the zones are dev, staging, production");
}

#[test]
fn no_zone_context_in_the_kubeconfig_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let kube = dir.path().join("kube.yaml");
    std::fs::write(&kube, KUBECONFIG.replace("ge-dev", "lab")).unwrap();
    let o = run(dir.path(), &[], Some(kube.to_str().unwrap()));
    assert_clean_failure(&o, "Contexts there: lab, other");
}

#[test]
fn kubeconfig_env_with_several_files_is_merged() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.yaml");
    let b = dir.path().join("b.yaml");
    std::fs::write(
        &a,
        "apiVersion: v1\nkind: Config\nclusters: []\nusers: []\ncontexts: []\n",
    )
    .unwrap();
    std::fs::write(&b, KUBECONFIG).unwrap();
    let joined = format!("{}:{}", a.display(), b.display());
    // ge-dev exists only in the second file; the zone that has it makes the run go ahead, and
    // with the server down the snapshot reports exit 2 (unreachable), not a config error.
    let o = run(
        dir.path(),
        &["snapshot", "--format", "json", "--timeout", "5"],
        Some(&joined),
    );
    assert_eq!(o.status.code(), Some(2), "stderr: {}", stderr(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["zones"][0]["state"], "unreachable");
    assert_eq!(report["zones"][1]["state"], "not_configured");
}

#[test]
fn a_command_line_that_does_not_parse_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(dir.path(), &["--no-such-flag"], None);
    assert_eq!(o.status.code(), Some(3), "stderr: {}", stderr(&o));
    assert!(o.stdout.is_empty());
    assert!(stderr(&o).contains("--no-such-flag"), "{}", stderr(&o));
    let o = run(dir.path(), &["--version"], None);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("ge-console "));
}
