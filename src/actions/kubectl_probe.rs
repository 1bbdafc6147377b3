//! Which `kubectl` the runbook's RUN lines would use: runs `kubectl version --client -o json`
//! once (no shell, stdin closed, killed after [`PROBE_TIMEOUT`]) and reads
//! `clientVersion.gitVersion`, so `skew.kubectl` can compare it with each zone's server.
//! Its stderr only reaches the log.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde::Deserialize;
use tokio::io::AsyncReadExt;
use tokio::process::Command;

use crate::fleet::checks::KubectlClient;
use crate::sanitize::{clean_bytes, clean_owned};

/// How long `kubectl version --client` may take before it is killed and taken as missing.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// How much of kubectl's stdout and stderr is kept; the rest is drained unread.
const OUTPUT_KEPT: usize = 64 * 1024;

/// The longest version string kept (a real one is ~20 characters).
const VERSION_KEPT: usize = 64;

/// The `kubectl` on this process's PATH, probed.
pub async fn probe_kubectl() -> KubectlClient {
    probe_kubectl_on_path(std::env::var_os("PATH").as_deref()).await
}

/// The first `kubectl` on a PATH-style list of directories, probed; `Missing` when there is
/// none. Takes the list rather than reading the environment so tests need not change it.
pub async fn probe_kubectl_on_path(path_var: Option<&OsStr>) -> KubectlClient {
    match find_program("kubectl", path_var) {
        Some(program) => probe_kubectl_at(&program).await,
        None => {
            tracing::info!("no kubectl on PATH");
            KubectlClient::Missing
        }
    }
}

/// The first executable file named `program` in a PATH-style list of directories, as a shell
/// finds it. Written with `std::env::split_paths` because the few lines do not earn a
/// dependency (the `which` crate is not one of ours).
pub fn find_program(program: &str, path_var: Option<&OsStr>) -> Option<PathBuf> {
    std::env::split_paths(path_var?)
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(|dir| dir.join(program))
        .find(|candidate| is_executable_file(candidate))
}

/// A regular file (after symlinks) that someone may execute.
fn is_executable_file(path: &Path) -> bool {
    let Ok(metadata) = path.metadata() else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        metadata.is_file() && metadata.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        metadata.is_file()
    }
}

/// Runs `program version --client -o json` and reads its client version; `Missing` when it
/// cannot be started, fails, hangs past [`PROBE_TIMEOUT`] or does not say its version.
pub async fn probe_kubectl_at(program: &Path) -> KubectlClient {
    probe_within(program, PROBE_TIMEOUT).await
}

/// [`probe_kubectl_at`] with its deadline given (the tests use a short one).
async fn probe_within(program: &Path, deadline: Duration) -> KubectlClient {
    let shown = program.display();
    let spawned = Command::new(program)
        .args(["version", "--client", "-o", "json"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(error) => {
            tracing::warn!(program = %shown, %error, "cannot start kubectl");
            return KubectlClient::Missing;
        }
    };
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let finished = tokio::time::timeout(deadline, async {
        tokio::join!(read_bounded(stdout), read_bounded(stderr), child.wait())
    })
    .await;
    let Ok((stdout, stderr, status)) = finished else {
        // The readers went with the timed-out future, so a grandchild holding the pipes
        // cannot keep this waiting.
        if let Err(error) = child.kill().await {
            tracing::warn!(program = %shown, %error, "cannot kill kubectl");
        }
        tracing::warn!(
            program = %shown,
            seconds = deadline.as_secs_f32(),
            "kubectl version did not answer in time: killed"
        );
        return KubectlClient::Missing;
    };
    if !stderr.is_empty() {
        tracing::info!(program = %shown, stderr = %clean_bytes(&stderr).trim(), "kubectl version wrote on stderr");
    }
    match status {
        Ok(status) if status.success() => {}
        Ok(status) => {
            tracing::warn!(program = %shown, %status, "kubectl version failed");
            return KubectlClient::Missing;
        }
        Err(error) => {
            tracing::warn!(program = %shown, %error, "cannot wait for kubectl version");
            return KubectlClient::Missing;
        }
    }
    match parse_client_version(&stdout) {
        Some(version) => {
            tracing::info!(program = %shown, %version, "found kubectl");
            KubectlClient::Found(version)
        }
        None => {
            tracing::warn!(
                program = %shown,
                "kubectl version --client -o json did not say clientVersion.gitVersion"
            );
            KubectlClient::Missing
        }
    }
}

/// Reads up to [`OUTPUT_KEPT`] bytes of a stream and drains the rest (so the child never
/// blocks on a full pipe).
async fn read_bounded(stream: Option<impl tokio::io::AsyncRead + Unpin>) -> Vec<u8> {
    let Some(mut stream) = stream else {
        return Vec::new();
    };
    let mut kept = Vec::new();
    let mut chunk = [0u8; 4096];
    while let Ok(n) = stream.read(&mut chunk).await {
        if n == 0 {
            break;
        }
        let room = OUTPUT_KEPT.saturating_sub(kept.len());
        kept.extend_from_slice(&chunk[..n.min(room)]);
    }
    kept
}

/// `clientVersion.gitVersion` of `kubectl version --client -o json`'s output, sanitised and
/// bounded; None when the output is not that JSON or the version is empty.
pub fn parse_client_version(stdout: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct VersionOutput {
        client_version: ClientVersion,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct ClientVersion {
        git_version: String,
    }
    let output: VersionOutput = serde_json::from_slice(stdout).ok()?;
    let version: String = clean_owned(output.client_version.git_version.trim())
        .chars()
        .take(VERSION_KEPT)
        .collect();
    (!version.is_empty()).then_some(version)
}

#[cfg(test)]
mod tests {
    use std::ffi::OsString;
    use std::time::Instant;

    use super::*;

    /// A fixture directory holding one fake `kubectl`: ok, garbage, hang or fails.
    fn fixture_dir(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/kubectl")
            .join(name)
    }

    fn path_of(dirs: &[PathBuf]) -> OsString {
        std::env::join_paths(dirs).unwrap()
    }

    #[tokio::test]
    async fn a_kubectl_answering_json_is_found_with_its_client_version() {
        let found = probe_kubectl_at(&fixture_dir("ok").join("kubectl")).await;
        assert_eq!(found, KubectlClient::Found("v1.32.3".into()));
    }

    #[tokio::test]
    async fn the_first_kubectl_on_the_path_is_the_one_probed() {
        let empty = tempfile::tempdir().unwrap();
        let path = path_of(&[empty.path().to_path_buf(), fixture_dir("ok")]);
        assert_eq!(
            probe_kubectl_on_path(Some(&path)).await,
            KubectlClient::Found("v1.32.3".into())
        );
        // Like a shell, the first one wins even when a later one would answer.
        let path = path_of(&[fixture_dir("garbage"), fixture_dir("ok")]);
        assert_eq!(
            probe_kubectl_on_path(Some(&path)).await,
            KubectlClient::Missing
        );
    }

    #[tokio::test]
    async fn no_kubectl_at_all_is_missing() {
        let empty = tempfile::tempdir().unwrap();
        let path = path_of(&[empty.path().to_path_buf()]);
        assert_eq!(
            probe_kubectl_on_path(Some(&path)).await,
            KubectlClient::Missing
        );
        assert_eq!(probe_kubectl_on_path(None).await, KubectlClient::Missing);
        assert_eq!(
            probe_kubectl_on_path(Some(OsStr::new(""))).await,
            KubectlClient::Missing
        );
    }

    #[test]
    fn a_kubectl_that_may_not_be_executed_or_is_a_directory_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("kubectl"), "#!/bin/sh\n").unwrap();
        let holder = tempfile::tempdir().unwrap();
        std::fs::create_dir(holder.path().join("kubectl")).unwrap();
        let path = path_of(&[
            dir.path().to_path_buf(),
            holder.path().to_path_buf(),
            fixture_dir("ok"),
        ]);
        assert_eq!(
            find_program("kubectl", Some(&path)),
            Some(fixture_dir("ok").join("kubectl"))
        );
    }

    #[tokio::test]
    async fn garbage_or_a_failing_kubectl_is_missing() {
        for name in ["garbage", "fails"] {
            assert_eq!(
                probe_kubectl_at(&fixture_dir(name).join("kubectl")).await,
                KubectlClient::Missing,
                "{name}"
            );
        }
        assert_eq!(
            probe_kubectl_at(Path::new("/nonexistent/kubectl")).await,
            KubectlClient::Missing
        );
    }

    #[tokio::test]
    async fn a_hanging_kubectl_is_killed_at_the_deadline_and_missing() {
        let started = Instant::now();
        let found = probe_within(
            &fixture_dir("hang").join("kubectl"),
            Duration::from_millis(300),
        )
        .await;
        assert_eq!(found, KubectlClient::Missing);
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(300), "{took:?}");
        assert!(
            took < Duration::from_secs(5),
            "not held by the sleeping child: {took:?}"
        );
    }

    #[test]
    fn the_version_is_read_sanitised_and_bounded() {
        assert_eq!(
            parse_client_version(br#"{"clientVersion":{"gitVersion":" v1.33.0 "}}"#),
            Some("v1.33.0".into())
        );
        assert_eq!(
            parse_client_version(
                b"{\"clientVersion\":{\"gitVersion\":\"v1.33.0\\u001b]0;owned\\u0007\"}}"
            ),
            Some("v1.33.0".into())
        );
        let long = format!(
            r#"{{"clientVersion":{{"gitVersion":"v{}"}}}}"#,
            "1".repeat(500)
        );
        assert_eq!(
            parse_client_version(long.as_bytes()).map(|v| v.len()),
            Some(64)
        );
        assert_eq!(
            parse_client_version(br#"{"clientVersion":{"gitVersion":""}}"#),
            None
        );
        assert_eq!(
            parse_client_version(br#"{"kustomizeVersion":"v5.5.0"}"#),
            None
        );
        assert_eq!(parse_client_version(b"Client Version: v1.33.0"), None);
    }
}
