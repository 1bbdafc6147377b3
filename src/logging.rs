//! Logs go to a file in the state dir, never to the screen (the screen belongs to the UI).

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;

/// Starts file logging at `level` (overridable with `GE_CONSOLE_LOG`, in `RUST_LOG` syntax);
/// returns the log file's path.
pub fn init(state_dir: &Path, level: &str) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(state_dir).map_err(|e| {
        anyhow::anyhow!(
            "cannot create the state directory {}: {e}",
            state_dir.display()
        )
    })?;
    let path = state_dir.join("ge-console.log");
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|e| anyhow::anyhow!("cannot open the log file {}: {e}", path.display()))?;
    let filter = match std::env::var("GE_CONSOLE_LOG") {
        Ok(spec) => EnvFilter::try_new(spec),
        Err(_) => EnvFilter::try_new(format!("warn,ge_console={level}")),
    }
    .map_err(|e| anyhow::anyhow!("bad log level {level:?}: {e}"))?;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(Mutex::new(file))
        .try_init()
        .map_err(|e| anyhow::anyhow!("cannot start logging: {e}"))?;
    Ok(path)
}
