//! Logs go to files in the state dir, never to the screen (the screen belongs to the UI): one
//! file a day in `<state dir>/logs/`, the last [`KEPT_LOG_FILES`] kept, written by a
//! background thread so logging never blocks the console.

use std::fmt;
use std::path::{Path, PathBuf};

use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::EnvFilter;

/// How many daily log files are kept; older ones are removed when a new one starts.
pub const KEPT_LOG_FILES: usize = 7;

/// The start of every log file's name: `ge-console.2026-11-30.log`.
const PREFIX: &str = "ge-console";
/// The end of every log file's name.
const SUFFIX: &str = "log";
/// The link in the log directory to the current log file.
pub const LATEST_LINK: &str = "ge-console.log";

/// The log directory in a state dir.
pub fn log_dir(state_dir: &Path) -> PathBuf {
    state_dir.join("logs")
}

/// The rotating log file writer for `dir`: a new file each day, named
/// `ge-console.YYYY-MM-DD.log`, [`LATEST_LINK`] pointing at the current one, and no more than
/// [`KEPT_LOG_FILES`] files (the oldest are removed when the writer starts and at each
/// rotation).
pub fn appender(dir: &Path) -> anyhow::Result<RollingFileAppender> {
    std::fs::create_dir_all(dir)
        .map_err(|e| anyhow::anyhow!("cannot create the log directory {}: {e}", dir.display()))?;
    RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix(PREFIX)
        .filename_suffix(SUFFIX)
        .max_log_files(KEPT_LOG_FILES)
        .latest_symlink(LATEST_LINK)
        .build(dir)
        .map_err(|e| anyhow::anyhow!("cannot open a log file in {}: {e}", dir.display()))
}

/// Running file logging. Keep it for as long as the process logs: dropping it writes out what
/// is still queued and stops the writer thread.
#[must_use = "logging stops when this is dropped"]
pub struct Logging {
    dir: PathBuf,
    _guard: WorkerGuard,
}

impl Logging {
    /// The directory the log files are in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl fmt::Display for Logging {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.dir.join(LATEST_LINK).display())
    }
}

/// Starts file logging at `level` (overridable with `GE_CONSOLE_LOG`, in `RUST_LOG` syntax)
/// into `<state_dir>/logs/`.
pub fn init(state_dir: &Path, level: &str) -> anyhow::Result<Logging> {
    let filter = match std::env::var("GE_CONSOLE_LOG") {
        Ok(spec) => EnvFilter::try_new(spec),
        Err(_) => EnvFilter::try_new(format!("warn,ge_console={level}")),
    }
    .map_err(|e| anyhow::anyhow!("bad log level {level:?}: {e}"))?;
    let dir = log_dir(state_dir);
    let (writer, guard) = tracing_appender::non_blocking(appender(&dir)?);
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(writer)
        .try_init()
        .map_err(|e| anyhow::anyhow!("cannot start logging: {e}"))?;
    Ok(Logging { dir, _guard: guard })
}
