//! Running the team's image build script: an argv (never a shell string) in its own process
//! group, output streamed line by line (sanitised, bounded in memory, full copy in a log file),
//! and a cancel that takes the whole group down so nothing is left behind.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::process::Command;
use tokio::sync::{mpsc, oneshot};

pub use crate::config::RebuildConfig;
use crate::sanitize::clean_bytes_keeping_sgr;

/// Longest line kept as one; longer output is split so memory per line stays bounded.
pub const MAX_LINE_BYTES: usize = 8 * 1024;
/// How long a cancelled build gets after SIGTERM before SIGKILL.
pub const CANCEL_GRACE: Duration = Duration::from_secs(3);
/// How long output may keep flowing after the script exited (a background child holding the
/// pipes) before the group is killed.
const DRAIN_GRACE: Duration = Duration::from_secs(2);

/// Which of the script's streams a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputStream {
    /// The script's standard output.
    Stdout,
    /// The script's standard error.
    Stderr,
}

/// How a build ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum BuildStatus {
    /// Exited with status 0.
    Succeeded,
    /// Exited non-zero or was killed by a signal it did not get from us.
    Failed {
        /// The exit status, when the script exited on its own.
        code: Option<i32>,
        /// The signal that killed it, when it did not exit on its own.
        signal: Option<i32>,
    },
    /// Stopped by the user: SIGTERM to its process group (SIGKILL after the grace).
    Cancelled,
    /// The command could not be started at all.
    SpawnFailed {
        /// Why, with the path or command involved.
        error: String,
    },
}

impl BuildStatus {
    /// A short phrase for the screen and the audit log.
    pub fn describe(&self) -> String {
        match self {
            BuildStatus::Succeeded => "succeeded (exit 0)".into(),
            BuildStatus::Failed { code: Some(c), .. } => format!("failed (exit {c})"),
            BuildStatus::Failed {
                signal: Some(s), ..
            } => format!("failed (signal {s})"),
            BuildStatus::Failed { .. } => "failed".into(),
            BuildStatus::Cancelled => "cancelled".into(),
            BuildStatus::SpawnFailed { error } => format!("could not start: {error}"),
        }
    }

    /// How the audit log records a build that ended so.
    pub fn audit_result(&self) -> super::audit::AuditResult {
        use super::audit::AuditResult;
        match self {
            BuildStatus::Succeeded => AuditResult::Succeeded,
            BuildStatus::Cancelled => AuditResult::Cancelled,
            _ => AuditResult::Failed,
        }
    }
}

/// The end of a build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildOutcome {
    /// How the build ended.
    pub status: BuildStatus,
    /// Time from the start until the script had exited and its output was read.
    pub duration: Duration,
    /// When the build ended, for the log pane and the audit log.
    pub finished_at: jiff::Timestamp,
    /// Output lines received from both streams.
    pub lines: u64,
    /// The full output, in `builds/` under the state dir.
    pub log_path: PathBuf,
}

/// Progress of a running build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildEvent {
    /// One line of output, sanitised for the screen (the log file keeps the raw bytes).
    Line {
        /// The stream it came from.
        stream: OutputStream,
        /// The line without its newline: printable text, plus its colours as SGR sequences
        /// (see [`crate::sanitize::clean_bytes_keeping_sgr`]); pass it through
        /// [`crate::sanitize::clean`] before printing it anywhere but the build log pane.
        text: String,
    },
    /// The build ended; no more events follow.
    Finished(BuildOutcome),
}

/// A running build; dropping it kills the build's process group.
#[derive(Debug)]
pub struct BuildHandle {
    cancel: Option<oneshot::Sender<()>>,
    /// Set by the build's task once the script has exited and been reaped.
    finished: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// The build's process group id (its leader's pid).
    pub pgid: i32,
    /// Where the full output is written (`builds/rebuild-<stamp>-<pid>.log` in the state dir).
    pub log_path: PathBuf,
    /// When the build was started, for the elapsed time shown while it runs.
    pub started: Instant,
}

impl BuildHandle {
    /// Asks the build to stop: SIGTERM to the group, SIGKILL after [`CANCEL_GRACE`].
    pub fn cancel(&mut self) {
        if let Some(tx) = self.cancel.take() {
            let _ = tx.send(());
        }
    }
}

impl Drop for BuildHandle {
    fn drop(&mut self) {
        // Only a build still running is killed: once it finished, its group id may already
        // belong to someone else.
        if self.cancel.is_some() && !self.finished.load(std::sync::atomic::Ordering::Acquire) {
            kill_group(self.pgid, libc::SIGKILL);
        }
    }
}

/// The last lines of a build's output, for the log pane; older lines fall off.
#[derive(Debug, Clone)]
pub struct OutputTail {
    lines: VecDeque<(OutputStream, String)>,
    capacity: usize,
    /// Lines seen in all, including those that fell off.
    pub total: u64,
}

impl OutputTail {
    /// A tail keeping at most `capacity` lines.
    pub fn new(capacity: usize) -> Self {
        OutputTail {
            lines: VecDeque::with_capacity(capacity.min(4096)),
            capacity: capacity.max(1),
            total: 0,
        }
    }

    /// Adds a line, dropping the oldest when full.
    pub fn push(&mut self, stream: OutputStream, text: String) {
        if self.lines.len() == self.capacity {
            self.lines.pop_front();
        }
        self.lines.push_back((stream, text));
        self.total += 1;
    }

    /// The kept lines, oldest first.
    pub fn lines(
        &self,
    ) -> impl DoubleEndedIterator<Item = &(OutputStream, String)> + ExactSizeIterator {
        self.lines.iter()
    }

    /// How many lines are kept.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// True before the first line.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
}

fn kill_group(pgid: i32, signal: i32) {
    if pgid > 0 {
        // SAFETY: killpg only sends a signal; a stale pgid yields ESRCH, which is fine.
        unsafe {
            libc::killpg(pgid, signal);
        }
    }
}

/// The processes of a group that are still running (zombies, already dead but not yet
/// reaped by their new parent, do not count), read from /proc.
pub fn group_members(pgid: i32) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                return false;
            };
            // Fields after the parenthesised command: state, ppid, pgrp, ...
            let Some(after) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
                return false;
            };
            let mut fields = after.split_whitespace();
            let state = fields.next();
            let group = fields.nth(1).and_then(|g| g.parse::<i32>().ok());
            group == Some(pgid) && state != Some("Z")
        })
        .collect()
}

/// True while any process of the group is still running.
pub fn group_alive(pgid: i32) -> bool {
    pgid > 0 && !group_members(pgid).is_empty()
}

/// Starts the build; events arrive on `tx` and end with exactly one `Finished`.
pub fn start_build(
    config: &RebuildConfig,
    state_dir: &Path,
    tx: mpsc::Sender<BuildEvent>,
) -> Result<BuildHandle, BuildStatus> {
    let Some((program, args)) = config.argv.split_first() else {
        return Err(BuildStatus::SpawnFailed {
            error: "the rebuild command (argv) is empty".into(),
        });
    };
    let builds = state_dir.join("builds");
    std::fs::create_dir_all(&builds).map_err(|e| BuildStatus::SpawnFailed {
        error: format!("cannot create {}: {e}", builds.display()),
    })?;
    let stamp = jiff::Timestamp::now()
        .strftime("%Y%m%dT%H%M%SZ")
        .to_string();
    let log_path = builds.join(format!("rebuild-{stamp}-{}.log", std::process::id()));
    let log = std::fs::File::create(&log_path).map_err(|e| BuildStatus::SpawnFailed {
        error: format!("cannot create {}: {e}", log_path.display()),
    })?;

    let mut cmd = Command::new(program);
    cmd.args(args)
        .envs(&config.env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    if let Some(dir) = &config.workdir {
        cmd.current_dir(dir);
    }
    let mut child = cmd.spawn().map_err(|e| BuildStatus::SpawnFailed {
        error: format!(
            "{}{}: {e}",
            config.argv.join(" "),
            config
                .workdir
                .as_ref()
                .map(|d| format!(" (in {})", d.display()))
                .unwrap_or_default()
        ),
    })?;
    let pgid = child
        .id()
        .and_then(|id| i32::try_from(id).ok())
        .unwrap_or(0);
    let started = Instant::now();
    let (cancel_tx, mut cancel_rx) = oneshot::channel::<()>();
    let (line_tx, mut line_rx) = mpsc::channel::<(OutputStream, Vec<u8>)>(256);
    let mut readers = tokio::task::JoinSet::new();
    if let Some(out) = child.stdout.take() {
        readers.spawn(read_lines(out, OutputStream::Stdout, line_tx.clone()));
    }
    if let Some(err) = child.stderr.take() {
        readers.spawn(read_lines(err, OutputStream::Stderr, line_tx.clone()));
    }
    drop(line_tx);
    let task_log_path = log_path.clone();
    let finished = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let task_finished = finished.clone();
    tokio::spawn(async move {
        let mut log = tokio::fs::File::from_std(log);
        let mut lines: u64 = 0;
        let mut cancelled = false;
        let mut exit: Option<std::io::Result<std::process::ExitStatus>> = None;
        let mut drain_deadline: Option<tokio::time::Instant> = None;
        let mut pipes_open = true;
        let mut kill_at: Option<tokio::time::Instant> = None;
        while exit.is_none() || pipes_open {
            tokio::select! {
                line = line_rx.recv(), if pipes_open => match line {
                    Some((stream, bytes)) => {
                        lines += 1;
                        let _ = log.write_all(&bytes).await;
                        let _ = log.write_all(b"\n").await;
                        let text = clean_bytes_keeping_sgr(&bytes);
                        if tx.send(BuildEvent::Line { stream, text }).await.is_err() {
                            kill_group(pgid, libc::SIGKILL);
                        }
                    }
                    None => pipes_open = false,
                },
                status = child.wait(), if exit.is_none() => {
                    exit = Some(status);
                    if cancelled {
                        // The script is gone; whatever it left in its group goes too.
                        kill_group(pgid, libc::SIGKILL);
                    }
                    drain_deadline = Some(tokio::time::Instant::now() + DRAIN_GRACE);
                }
                _ = &mut cancel_rx, if !cancelled && exit.is_none() => {
                    // SIGTERM first; the output keeps being read meanwhile, so a script that
                    // logs while it cleans up is not blocked on a full pipe.
                    cancelled = true;
                    kill_group(pgid, libc::SIGTERM);
                    kill_at = Some(tokio::time::Instant::now() + CANCEL_GRACE);
                }
                _ = tokio::time::sleep_until(kill_at.unwrap_or_else(tokio::time::Instant::now)),
                    if kill_at.is_some() && exit.is_none() => {
                    kill_group(pgid, libc::SIGKILL);
                    kill_at = None;
                }
                _ = tokio::time::sleep_until(drain_deadline.unwrap_or_else(tokio::time::Instant::now)),
                    if drain_deadline.is_some() && pipes_open => {
                    // Something in the group still holds the pipes: take it down too.
                    kill_group(pgid, libc::SIGKILL);
                    readers.abort_all();
                    pipes_open = false;
                }
            }
        }
        let _ = log.flush().await;
        task_finished.store(true, std::sync::atomic::Ordering::Release);
        if cancelled {
            // A process can close its pipes a moment before the kernel marks it dead: make
            // sure the whole group is gone before reporting the cancel as done.
            let deadline = tokio::time::Instant::now() + CANCEL_GRACE;
            while group_alive(pgid) && tokio::time::Instant::now() < deadline {
                kill_group(pgid, libc::SIGKILL);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
        let status = if cancelled {
            BuildStatus::Cancelled
        } else {
            match exit {
                Some(Ok(s)) if s.success() => BuildStatus::Succeeded,
                Some(Ok(s)) => {
                    use std::os::unix::process::ExitStatusExt;
                    BuildStatus::Failed {
                        code: s.code(),
                        signal: s.signal(),
                    }
                }
                Some(Err(_)) | None => BuildStatus::Failed {
                    code: None,
                    signal: None,
                },
            }
        };
        let _ = tx
            .send(BuildEvent::Finished(BuildOutcome {
                status,
                duration: started.elapsed(),
                finished_at: jiff::Timestamp::now(),
                lines,
                log_path: task_log_path,
            }))
            .await;
    });
    Ok(BuildHandle {
        cancel: Some(cancel_tx),
        finished,
        pgid,
        log_path,
        started,
    })
}

/// Reads `reader` and sends its lines (without the newline), splitting any line longer than
/// [`MAX_LINE_BYTES`].
async fn read_lines<R: AsyncRead + Unpin>(
    mut reader: R,
    stream: OutputStream,
    tx: mpsc::Sender<(OutputStream, Vec<u8>)>,
) {
    let mut pending: Vec<u8> = Vec::with_capacity(1024);
    let mut chunk = vec![0u8; 16 * 1024];
    loop {
        let n = match reader.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        for segment in chunk[..n].split_inclusive(|b| *b == b'\n') {
            let complete = segment.last() == Some(&b'\n');
            let body = if complete {
                &segment[..segment.len() - 1]
            } else {
                segment
            };
            for piece in body.chunks(MAX_LINE_BYTES) {
                let room = MAX_LINE_BYTES - pending.len();
                let (now, later) = piece.split_at(piece.len().min(room));
                pending.extend_from_slice(now);
                if pending.len() == MAX_LINE_BYTES {
                    let full = std::mem::take(&mut pending);
                    if tx.send((stream, full)).await.is_err() {
                        return;
                    }
                }
                pending.extend_from_slice(later);
            }
            if complete {
                let line = std::mem::take(&mut pending);
                if tx.send((stream, strip_cr(line))).await.is_err() {
                    return;
                }
            }
        }
    }
    if !pending.is_empty() {
        let _ = tx.send((stream, strip_cr(pending))).await;
    }
}

fn strip_cr(mut line: Vec<u8>) -> Vec<u8> {
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tail_keeps_only_the_newest_lines() {
        let mut tail = OutputTail::new(3);
        for i in 0..10 {
            tail.push(OutputStream::Stdout, i.to_string());
        }
        let kept: Vec<_> = tail.lines().map(|(_, l)| l.as_str()).collect();
        assert_eq!(kept, ["7", "8", "9"]);
        assert_eq!(tail.total, 10);
    }

    #[tokio::test]
    async fn long_lines_are_split_and_crlf_is_trimmed() {
        let data = [vec![b'a'; MAX_LINE_BYTES + 10], b"\r\nend\r\n".to_vec()].concat();
        let (tx, mut rx) = mpsc::channel(16);
        read_lines(&data[..], OutputStream::Stdout, tx).await;
        let mut lines = Vec::new();
        while let Some((_, l)) = rx.recv().await {
            lines.push(l);
        }
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0].len(), MAX_LINE_BYTES);
        assert_eq!(lines[1], vec![b'a'; 10]);
        assert_eq!(lines[2], b"end");
    }

    #[test]
    fn default_command_is_the_teams_build_script() {
        let c = RebuildConfig::default();
        assert_eq!(
            c.argv,
            [
                "bash",
                "ge-ops/infrastructure/local/k3s/executor/build-executor.sh"
            ]
        );
    }
}
