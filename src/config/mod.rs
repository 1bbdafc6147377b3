//! Configuration files: where they live, how they are read, and the errors they give.
//!
//! Everything here runs before the terminal is touched, so a bad file ends in a clear message
//! on stderr instead of a half-drawn screen.

mod actions;
mod checks;
mod events;
mod notify;
mod ports;
mod promotion;
mod workload_ref;
mod zones;

pub use actions::{LogsConfig, RebuildConfig, RedeployConfig};
pub use checks::{ChecksConfig, DEFAULT_PORTS_FILE, DEFAULT_REGISTRIES};
pub use events::{DEFAULT_EVENT_WINDOW, DEFAULT_MAX_EVENTS_PER_ZONE, EventsConfig, parse_duration};
pub use notify::{DesktopNotification, NotifyConfig, NotifyTrigger};
pub use ports::{
    BUILT_IN_PORTS_SOURCE, BUILT_IN_PORTS_YAML, PortEntry, PortsSpec, built_in as built_in_ports,
    load_ports, parse_ports, ports_file_path,
};
pub use promotion::{DEFAULT_SOAK_DAYS, PromotionConfig, PromotionRecord, demo_promotion_records};
pub use workload_ref::{WorkloadKind, WorkloadRef};

pub use zones::{
    DEFAULT_ZONES_TOML, FleetConfig, MAX_ZONES, PinConfig, SYSTEM_NAMESPACE, ZoneConfig, ZoneId,
    ZoneOverride, parse_zones,
};

use std::path::{Path, PathBuf};

use crate::file_error::FileError;

/// Environment variable that overrides the user config directory.
pub const CONFIG_DIR_ENV: &str = "GE_CONSOLE_CONFIG";
/// Environment variable that overrides the state directory (logs, demo kubeconfig, audit log).
pub const STATE_DIR_ENV: &str = "GE_CONSOLE_STATE";

/// An error in a configuration file, located precisely enough to fix it.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file exists but could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// The file was read but its content is wrong at a known place.
    #[error(transparent)]
    Invalid(#[from] FileError),
    /// The content is wrong as a whole (no single place to point at).
    #[error("{path}: {message}")]
    Whole {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// Where ge-console looks for user files and keeps its own state.
#[derive(Debug, Clone)]
pub struct Dirs {
    /// User configuration: zones.toml, keymaps/, themes/.
    pub config: PathBuf,
    /// Logs, the demo kubeconfig, the audit log.
    pub state: PathBuf,
}

impl Dirs {
    /// Resolves the directories from the environment (`GE_CONSOLE_CONFIG`, `GE_CONSOLE_STATE`,
    /// `XDG_CONFIG_HOME`, `XDG_STATE_HOME` through `directories`).
    pub fn from_env() -> Dirs {
        let project = directories::ProjectDirs::from("", "", "ge-console");
        let config = std::env::var_os(CONFIG_DIR_ENV)
            .map(PathBuf::from)
            .or_else(|| project.as_ref().map(|p| p.config_dir().to_path_buf()))
            .unwrap_or_else(|| PathBuf::from(".ge-console"));
        let state = std::env::var_os(STATE_DIR_ENV)
            .map(PathBuf::from)
            .or_else(|| {
                project.as_ref().map(|p| {
                    p.state_dir()
                        .unwrap_or_else(|| p.data_local_dir())
                        .to_path_buf()
                })
            })
            .unwrap_or_else(|| std::env::temp_dir().join("ge-console"));
        Dirs { config, state }
    }
}

/// Loads the zones file: `explicit` if given (must exist), else `<config dir>/zones.toml` if it
/// exists, else the built-in defaults.
pub fn load_fleet_config(explicit: Option<&Path>, dirs: &Dirs) -> Result<FleetConfig, ConfigError> {
    let (path, must_exist) = match explicit {
        Some(p) => (p.to_path_buf(), true),
        None => (dirs.config.join("zones.toml"), false),
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => parse_zones(&text, &path),
        Err(e) if !must_exist && e.kind() == std::io::ErrorKind::NotFound => {
            parse_zones(DEFAULT_ZONES_TOML, Path::new("<built-in zones>"))
        }
        Err(source) => Err(ConfigError::Read { path, source }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_user_file_falls_back_to_defaults_but_explicit_missing_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let dirs = Dirs {
            config: dir.path().to_path_buf(),
            state: dir.path().to_path_buf(),
        };
        let fleet = load_fleet_config(None, &dirs).unwrap();
        assert_eq!(fleet.zones.len(), 3);
        let err = load_fleet_config(Some(&dir.path().join("nope.toml")), &dirs).unwrap_err();
        assert!(err.to_string().contains("nope.toml"), "{err}");
    }
}
