//! The rebuild runner against fixture scripts: success, failure with exit 3, a hanging script
//! cancelled with no process left behind, and a flood of output with bounded memory.

use std::path::{Path, PathBuf};
use std::time::Duration;

use ge_console::actions::rebuild::{
    BuildEvent, BuildOutcome, BuildStatus, OutputStream, OutputTail, RebuildConfig, group_alive,
    start_build,
};
use tokio::sync::mpsc;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn config(script: &str, keep_lines: usize) -> RebuildConfig {
    RebuildConfig {
        argv: vec!["bash".into(), fixture(script).display().to_string()],
        workdir: Some(std::env::temp_dir()),
        env: [("GE_BUILD_TAG".to_string(), "abc123".to_string())].into(),
        keep_lines,
    }
}

/// Collects events into a tail until the build finishes.
async fn finish(rx: &mut mpsc::Receiver<BuildEvent>, tail: &mut OutputTail) -> BuildOutcome {
    loop {
        match tokio::time::timeout(Duration::from_secs(60), rx.recv()).await {
            Ok(Some(BuildEvent::Line { stream, text })) => tail.push(stream, text),
            Ok(Some(BuildEvent::Finished(outcome))) => return outcome,
            Ok(None) => panic!("build channel closed without Finished"),
            Err(_) => panic!("build did not finish in time"),
        }
    }
}

#[tokio::test]
async fn a_successful_build_streams_sanitised_output_and_keeps_a_log() {
    let state = tempfile::tempdir().unwrap();
    let (tx, mut rx) = mpsc::channel(64);
    let handle = start_build(&config("build-ok.sh", 100), state.path(), tx).unwrap();
    let mut tail = OutputTail::new(100);
    let outcome = finish(&mut rx, &mut tail).await;
    assert_eq!(outcome.status, BuildStatus::Succeeded);
    assert_eq!(outcome.lines, 4);
    let lines: Vec<_> = tail.lines().map(|(_, l)| l.clone()).collect();
    assert!(
        lines.iter().any(|l| l.contains("step 1/2: abc123")),
        "env reaches the script: {lines:?}"
    );
    assert!(
        tail.lines()
            .any(|(s, l)| *s == OutputStream::Stderr && l.contains("step 1/2")),
        "stderr is captured as stderr"
    );
    let hostile = lines.iter().find(|l| l.starts_with("colour")).unwrap();
    assert_eq!(
        hostile, "colour \x1b[31mred\x1b[0m and \u{fffd}\u{fffd} bytes",
        "only SGR colours are kept (for the pane to turn into styles); invalid UTF-8 shown safely"
    );
    assert_eq!(
        ge_console::sanitize::clean(hostile),
        "colour red and \u{fffd}\u{fffd} bytes",
        "and clean removes them whole"
    );
    let tmp = std::env::temp_dir();
    assert!(
        lines.iter().any(|l| l.contains(&*tmp.to_string_lossy())),
        "workdir is used"
    );
    let log = std::fs::read(&outcome.log_path).unwrap();
    assert!(
        log.windows(5).any(|w| w == b"\x1b[31m"),
        "the log file keeps the raw bytes"
    );
    drop(handle);
}

#[tokio::test]
async fn a_failed_build_reports_its_exit_status() {
    let state = tempfile::tempdir().unwrap();
    let (tx, mut rx) = mpsc::channel(64);
    let _handle = start_build(&config("build-fail.sh", 100), state.path(), tx).unwrap();
    let outcome = finish(&mut rx, &mut OutputTail::new(10)).await;
    assert_eq!(
        outcome.status,
        BuildStatus::Failed {
            code: Some(3),
            signal: None
        }
    );
    assert_eq!(outcome.status.describe(), "failed (exit 3)");
}

#[tokio::test]
async fn cancelling_a_hanging_build_leaves_no_process_behind() {
    let state = tempfile::tempdir().unwrap();
    let (tx, mut rx) = mpsc::channel(64);
    let mut handle = start_build(&config("build-hang.sh", 100), state.path(), tx).unwrap();
    let pgid = handle.pgid;
    let mut tail = OutputTail::new(10);
    // Wait until the script says it is hanging, so the background child surely exists.
    loop {
        match rx.recv().await {
            Some(BuildEvent::Line { stream, text }) => {
                let hanging = text == "hanging";
                tail.push(stream, text);
                if hanging {
                    break;
                }
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(group_alive(pgid), "the build's group runs");
    handle.cancel();
    let outcome = finish(&mut rx, &mut tail).await;
    assert_eq!(outcome.status, BuildStatus::Cancelled);
    assert!(!group_alive(pgid), "no process of the group is left");
}

#[tokio::test]
async fn a_flood_of_output_keeps_only_the_tail_in_memory() {
    let state = tempfile::tempdir().unwrap();
    let (tx, mut rx) = mpsc::channel(64);
    let _handle = start_build(&config("build-flood.sh", 500), state.path(), tx).unwrap();
    let mut tail = OutputTail::new(500);
    let outcome = finish(&mut rx, &mut tail).await;
    assert_eq!(outcome.status, BuildStatus::Succeeded);
    assert_eq!(outcome.lines, 200_000);
    assert_eq!(tail.total, 200_000);
    assert_eq!(tail.len(), 500);
    assert_eq!(
        tail.lines().last().map(|(_, l)| l.as_str()),
        Some("output line 200000")
    );
    let log = std::fs::read_to_string(&outcome.log_path).unwrap();
    assert_eq!(log.lines().count(), 200_000, "the full log is on disk");
}

#[tokio::test]
async fn a_missing_program_is_a_clear_spawn_error() {
    let state = tempfile::tempdir().unwrap();
    let (tx, _rx) = mpsc::channel(4);
    let cfg = RebuildConfig {
        argv: vec!["/nonexistent/build.sh".into()],
        ..RebuildConfig::default()
    };
    let err = start_build(&cfg, state.path(), tx).unwrap_err();
    match err {
        BuildStatus::SpawnFailed { error } => assert!(error.contains("/nonexistent/build.sh")),
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn a_cancelled_build_that_logs_while_cleaning_up_is_read_to_the_end() {
    let state = tempfile::tempdir().unwrap();
    let (tx, mut rx) = mpsc::channel(64);
    let mut handle = start_build(&config("build-trap.sh", 10), state.path(), tx).unwrap();
    let pgid = handle.pgid;
    let mut tail = OutputTail::new(10);
    loop {
        match rx.recv().await {
            Some(BuildEvent::Line { text, .. }) if text == "hanging" => break,
            Some(BuildEvent::Line { .. }) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    handle.cancel();
    let outcome = finish(&mut rx, &mut tail).await;
    assert_eq!(outcome.status, BuildStatus::Cancelled);
    assert_eq!(
        tail.lines().last().map(|(_, l)| l.as_str()),
        Some("cleanup 6000"),
        "the cleanup's output was drained, not cut off by SIGKILL"
    );
    assert!(!group_alive(pgid));
}
