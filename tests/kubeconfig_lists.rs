//! `KUBECONFIG` lists as kubectl reads them: empty entries and files that do not exist are
//! skipped, the rest merged in order (first wins); an error only when no listed file exists,
//! or when one exists but is broken (naming it). The list is passed as a value, never set in
//! this process's environment, so the tests cannot race each other; one test runs the binary
//! with the variable set to show the environment path goes the same way.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use ge_console::cluster::load_kubeconfig_list;

fn kubeconfig(context: &str, server: &str) -> String {
    format!(
        "apiVersion: v1
kind: Config
clusters:
- name: {context}
  cluster: {{server: '{server}'}}
users:
- name: {context}
  user: {{token: t}}
contexts:
- name: {context}
  context: {{cluster: {context}, user: {context}}}
- name: shared
  context: {{cluster: {context}, user: {context}}}
current-context: {context}
"
    )
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn list(paths: &[&Path]) -> OsString {
    std::env::join_paths(paths).unwrap()
}

#[test]
fn missing_files_and_empty_entries_are_skipped_and_the_rest_merged_first_wins() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(
        dir.path(),
        "a.yaml",
        &kubeconfig("ge-dev", "https://a.example:6443"),
    );
    let b = write(
        dir.path(),
        "b.yaml",
        &kubeconfig("ge-prod", "https://b.example:6443"),
    );
    let gone = dir.path().join("gone.yaml");
    let mut value = OsString::from(":");
    value.push(list(&[&gone, &a, Path::new(""), &b]));
    value.push(":");

    let loaded = load_kubeconfig_list(&value).expect("missing and empty entries are skipped");

    assert_eq!(loaded.context_names(), ["ge-dev", "shared", "ge-prod"]);
    assert_eq!(loaded.kubeconfig.current_context.as_deref(), Some("ge-dev"));
    let shared = loaded
        .kubeconfig
        .contexts
        .iter()
        .find(|c| c.name == "shared")
        .and_then(|c| c.context.as_ref())
        .map(|c| c.cluster.clone());
    assert_eq!(shared.as_deref(), Some("ge-dev"), "the first file wins");
    assert!(
        loaded
            .origin
            .contains(&format!("skipped, not found: {}", gone.display())),
        "{}",
        loaded.origin
    );
}

#[test]
fn a_list_of_files_that_do_not_exist_is_an_error_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    let one = dir.path().join("one.yaml");
    let two = dir.path().join("two.yaml");
    let err = load_kubeconfig_list(&list(&[&one, &two]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("names no kubeconfig file that exists"),
        "{err}"
    );
    assert!(
        err.contains(&format!("{}, {}", one.display(), two.display())),
        "{err}"
    );
    let err = load_kubeconfig_list(&OsString::from("::"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("lists no file"), "{err}");
}

#[test]
fn a_file_that_exists_but_is_broken_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(
        dir.path(),
        "good.yaml",
        &kubeconfig("ge-dev", "https://a.example"),
    );
    let broken = write(dir.path(), "broken.yaml", "clusters: [this is: not: yaml");
    let gone = dir.path().join("gone.yaml");
    let err = load_kubeconfig_list(&list(&[&gone, &good, &broken]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&format!("cannot read the kubeconfig {}", broken.display())),
        "{err}"
    );
    // A directory exists too, but is not a file: still an error, not skipped.
    let err = load_kubeconfig_list(&list(&[dir.path(), &good]))
        .unwrap_err()
        .to_string();
    assert!(err.contains(&dir.path().display().to_string()), "{err}");
}

#[test]
fn the_binary_reads_a_kubeconfig_variable_with_a_missing_file_in_it() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(
        dir.path(),
        "good.yaml",
        &kubeconfig("other", "http://127.0.0.1:9"),
    );
    let gone = dir.path().join("gone.yaml");
    // The zones' contexts are not in the file: the run stops at that check, after the
    // kubeconfig was read, without touching a cluster.
    let out = Command::new(env!("CARGO_BIN_EXE_ge-console"))
        .arg("snapshot")
        .env("GE_CONSOLE_CONFIG", dir.path().join("config"))
        .env("GE_CONSOLE_STATE", dir.path().join("state"))
        .env("HOME", dir.path())
        .env("KUBECONFIG", list(&[&gone, &good]))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("none of the zones' contexts exist in the kubeconfig"),
        "the missing file was skipped and the other one read: {stderr}"
    );
    assert!(stderr.contains("Contexts there: other, shared"), "{stderr}");
}
