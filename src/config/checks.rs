//! The `[checks]` section of the zones file: where the team's ports file is, and which image
//! registries make a workload one of GE's (for the namespace-placement check).

use std::path::PathBuf;

use serde::Deserialize;
use toml::Spanned;

/// The registries GE's own images come from, unless the zones file says otherwise.
pub const DEFAULT_REGISTRIES: [&str; 2] = ["registry.ge.internal/", "registry.local/ge/"];

/// Where the ports file is found when `ports_file` is not set: under the rebuild `workdir`.
pub const DEFAULT_PORTS_FILE: &str = "config/ports.yaml";

/// What the runbook checks read besides the clusters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChecksConfig {
    /// The team's ports file; `None`: `config/ports.yaml` under the rebuild `workdir`, else the
    /// built-in table from the wiki.
    pub ports_file: Option<PathBuf>,
    /// Image prefixes that make a workload one of GE's (besides a `ge-` name).
    pub registries: Vec<String>,
}

impl Default for ChecksConfig {
    fn default() -> Self {
        ChecksConfig {
            ports_file: None,
            registries: DEFAULT_REGISTRIES.map(String::from).to_vec(),
        }
    }
}

/// The section as written in the file, with spans for error messages.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawChecks {
    #[serde(default)]
    ports_file: Option<Spanned<String>>,
    #[serde(default)]
    registries: Option<Vec<Spanned<String>>>,
}

/// A checked `[checks]` section, or the byte offset and message of what is wrong.
pub(super) fn check(raw: Option<RawChecks>) -> Result<ChecksConfig, (usize, String)> {
    let mut config = ChecksConfig::default();
    let Some(raw) = raw else {
        return Ok(config);
    };
    if let Some(file) = raw.ports_file {
        let path = file.get_ref().trim();
        if path.is_empty() {
            return Err((file.span().start, "checks ports_file is empty".into()));
        }
        config.ports_file = Some(PathBuf::from(path));
    }
    if let Some(registries) = raw.registries {
        let mut kept = Vec::new();
        for registry in registries {
            let text = registry.get_ref().trim();
            if text.is_empty() || text.contains(char::is_whitespace) {
                return Err((
                    registry.span().start,
                    format!(
                        "checks registry {text:?} must be an image prefix like \"registry.ge.internal/\""
                    ),
                ));
            }
            kept.push(text.to_string());
        }
        config.registries = kept;
    }
    Ok(config)
}
