//! Runs the `[notify]` command for a notification: the configured argv (never a shell) with
//! the title and the body appended as two arguments. Its input is empty and its output goes to
//! the log, never to the screen; it may run for [`COMMAND_TIMEOUT`], and at most
//! [`MAX_RUNNING`] run at once (a burst of notices does not pile up processes).

use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::process::Command;
use tokio::task::JoinHandle;

use crate::sanitize::clean_bytes;

/// How long a notify command may run before it is killed.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(10);
/// How many notify commands may run at once.
pub const MAX_RUNNING: usize = 4;
/// How much of each of its output streams is kept for the log.
const OUTPUT_KEPT: usize = 4096;

/// How a notify command ended, with what it printed (bounded, sanitised).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandOutcome {
    /// `exit 0`, `exit 1`, `killed after 10s`, `cannot start: …`.
    pub status: String,
    /// The start of its standard output.
    pub stdout: String,
    /// The start of its standard error.
    pub stderr: String,
}

/// Starts notify commands, counting the ones still running.
#[derive(Debug, Clone, Default)]
pub struct CommandNotifier {
    running: Arc<AtomicUsize>,
}

/// Reads up to [`OUTPUT_KEPT`] bytes of a stream and drains the rest (so the child never blocks
/// on a full pipe).
async fn read_bounded(stream: Option<impl tokio::io::AsyncRead + Unpin>) -> String {
    let Some(mut stream) = stream else {
        return String::new();
    };
    let mut kept = Vec::new();
    let mut chunk = [0u8; 1024];
    while let Ok(n) = stream.read(&mut chunk).await {
        if n == 0 {
            break;
        }
        let room = OUTPUT_KEPT.saturating_sub(kept.len());
        kept.extend_from_slice(&chunk[..n.min(room)]);
    }
    clean_bytes(&kept).trim().to_string()
}

async fn run(argv: Vec<String>) -> CommandOutcome {
    let Some((program, args)) = argv.split_first() else {
        return CommandOutcome {
            status: "no command".into(),
            stdout: String::new(),
            stderr: String::new(),
        };
    };
    let spawned = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) => {
            return CommandOutcome {
                status: format!("cannot start {program}: {e}"),
                stdout: String::new(),
                stderr: String::new(),
            };
        }
    };
    let stdout = tokio::spawn(read_bounded(child.stdout.take()));
    let stderr = tokio::spawn(read_bounded(child.stderr.take()));
    let status = match tokio::time::timeout(COMMAND_TIMEOUT, child.wait()).await {
        Ok(Ok(status)) => match status.code() {
            Some(code) => format!("exit {code}"),
            None => "ended by a signal".into(),
        },
        Ok(Err(e)) => format!("cannot wait for it: {e}"),
        Err(_) => {
            let _ = child.kill().await;
            format!("killed after {}s", COMMAND_TIMEOUT.as_secs())
        }
    };
    // A child that left a grandchild holding its pipes must not hold this task forever.
    let output = |reader: JoinHandle<String>| async move {
        match tokio::time::timeout(Duration::from_secs(1), reader).await {
            Ok(Ok(text)) => text,
            _ => String::new(),
        }
    };
    CommandOutcome {
        status,
        stdout: output(stdout).await,
        stderr: output(stderr).await,
    }
}

impl CommandNotifier {
    /// Runs `argv` with `title` and `body` appended, in the background, and logs how it ended.
    /// `None` when it was not started: no argv, no async runtime, or [`MAX_RUNNING`] still
    /// running (said in the log).
    pub fn notify(
        &self,
        argv: &[String],
        title: &str,
        body: &str,
    ) -> Option<JoinHandle<CommandOutcome>> {
        if argv.is_empty() {
            return None;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::warn!("notify command not run: no async runtime");
            return None;
        };
        if self.running.fetch_add(1, Ordering::SeqCst) >= MAX_RUNNING {
            self.running.fetch_sub(1, Ordering::SeqCst);
            tracing::warn!(
                max = MAX_RUNNING,
                "notify command not run: too many still running"
            );
            return None;
        }
        let mut full = argv.to_vec();
        full.push(title.to_string());
        full.push(body.to_string());
        let running = Arc::clone(&self.running);
        Some(runtime.spawn(async move {
            let outcome = run(full).await;
            running.fetch_sub(1, Ordering::SeqCst);
            tracing::info!(
                status = %outcome.status,
                stdout = %outcome.stdout,
                stderr = %outcome.stderr,
                "notify command ended"
            );
            outcome
        }))
    }

    /// Notify commands still running.
    pub fn running(&self) -> usize {
        self.running.load(Ordering::SeqCst)
    }
}
