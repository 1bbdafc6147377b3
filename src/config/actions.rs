//! The actions part of the config file: how to rebuild the ge-executor image and what to
//! restart after it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// The `[rebuild]` section of the config file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RebuildConfig {
    /// The command, as an argv list.
    pub argv: Vec<String>,
    /// Working directory (the ge-ops checkout); default: where the console was started.
    pub workdir: Option<PathBuf>,
    /// Extra environment for the script.
    pub env: BTreeMap<String, String>,
    /// Lines of output kept on screen.
    pub keep_lines: usize,
}

impl Default for RebuildConfig {
    fn default() -> Self {
        RebuildConfig {
            argv: vec![
                "bash".into(),
                "ge-ops/infrastructure/local/k3s/executor/build-executor.sh".into(),
            ],
            workdir: None,
            env: BTreeMap::new(),
            keep_lines: 1000,
        }
    }
}

/// The `[redeploy]` section: what the redeploy key restarts after a successful rebuild.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RedeployConfig {
    /// Zone name or id (default: Zone 1, else the first zone).
    pub zone: Option<String>,
    /// `NAMESPACE/KIND/NAME` of the workload; checked with [`super::WorkloadRef::parse`] when
    /// the file is read.
    pub target: String,
    /// Seconds a rollout may take before it counts as timed out.
    pub rollout_timeout_secs: u64,
}

impl Default for RedeployConfig {
    fn default() -> Self {
        RedeployConfig {
            zone: None,
            target: "ge-agents/deployment/ge-executor".into(),
            rollout_timeout_secs: 600,
        }
    }
}

/// The `[logs]` section: how much of a pod's or workload's log the log pane keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogsConfig {
    /// Lines kept in the log pane; older lines are dropped (and counted) first.
    pub keep_lines: usize,
}

impl Default for LogsConfig {
    fn default() -> Self {
        LogsConfig { keep_lines: 10_000 }
    }
}
