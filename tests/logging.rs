//! The log file rotates: one file a day in `<state dir>/logs/`, written without blocking,
//! flushed when logging stops, and only the last few kept.
//! (One test per process may start the global subscriber: only `init_writes_…` does.)

use std::path::Path;

use ge_console::logging::{self, KEPT_LOG_FILES, LATEST_LINK};

/// The dated log files in `dir`, sorted.
fn dated_logs(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("the log dir exists")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn init_writes_into_todays_file_in_the_state_dir() {
    let state = tempfile::tempdir().unwrap();
    let log = logging::init(state.path(), "info").expect("logging starts");
    assert_eq!(log.dir(), state.path().join("logs"));
    // Other crates log from warn up (this test is another crate).
    tracing::warn!(marker = "rotating-log-test", "hello from the test");
    drop(log); // flushes the background writer
    let dir = state.path().join("logs");
    let files = dated_logs(&dir);
    assert_eq!(files.len(), 1, "{files:?}");
    let name = &files[0];
    let date = name
        .strip_prefix("ge-console.")
        .and_then(|rest| rest.strip_suffix(".log"))
        .unwrap_or_else(|| panic!("ge-console.DATE.log: {name}"));
    assert!(
        date.len() == 10 && date.bytes().all(|b| b.is_ascii_digit() || b == b'-'),
        "{name}"
    );
    let text = std::fs::read_to_string(dir.join(name)).unwrap();
    assert!(text.contains("rotating-log-test"), "{text:?}");
    let via_link = std::fs::read_to_string(dir.join(LATEST_LINK)).unwrap();
    assert_eq!(via_link, text, "{LATEST_LINK} points at today's file");
}

#[test]
fn old_log_files_beyond_the_limit_are_removed() {
    let dir = tempfile::tempdir().unwrap();
    let old: Vec<String> = (1..=10)
        .map(|day| format!("ge-console.2020-01-{day:02}.log"))
        .collect();
    for name in &old {
        std::fs::write(dir.path().join(name), "old\n").unwrap();
    }
    std::fs::write(dir.path().join("audit.jsonl"), "{}\n").unwrap();
    let appender = logging::appender(dir.path()).expect("the appender starts");
    drop(appender);
    let files = dated_logs(dir.path());
    let logs: Vec<&String> = files
        .iter()
        .filter(|n| n.starts_with("ge-console."))
        .collect();
    assert_eq!(logs.len(), KEPT_LOG_FILES, "{files:?}");
    // Which old ones go is by creation time, the same instant for files made here; today's
    // file is always among those kept.
    assert!(
        logs.iter().any(|n| !old.contains(n)),
        "today's file is kept: {files:?}"
    );
    assert!(
        files.contains(&"audit.jsonl".to_string()),
        "other files stay"
    );
}
