//! The team's ports file (`config/ports.yaml` in the ge-ops checkout): which port, node port and
//! Service type each GE Service must use, so the ports check can compare the clusters with it
//! ("ports match config/ports.yaml — never hardcode"). The format:
//!
//! ```yaml
//! services:
//!   redis:    {namespace: ge-data,   port: 6381, note: "NOT default 6379"}
//!   wiki:     {namespace: ge-system, port: 8000, nodePort: 30080, type: NodePort}
//! ```
//!
//! Each key is a Service name; `namespace` and `port` are required, `nodePort`, `type`
//! (ClusterIP, NodePort, LoadBalancer) and `note` (said when the Service differs) are optional.
//! Without a file, the wiki's table is built in ([`BUILT_IN_PORTS_YAML`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::{ChecksConfig, DEFAULT_PORTS_FILE};
use crate::file_error::FileError;

/// The wiki's ports table, used when the team's file is not found.
pub const BUILT_IN_PORTS_YAML: &str = r#"services:
  redis:      {namespace: ge-data,   port: 6381, note: "NOT default 6379"}
  wiki:       {namespace: ge-system, port: 8000, nodePort: 30080, type: NodePort}
  admin-ui:   {namespace: ge-system, port: 3000, type: ClusterIP}
  postgresql: {namespace: ge-data,   port: 5432}
"#;

/// How the built-in table is named where a finding says where its expected values came from.
pub const BUILT_IN_PORTS_SOURCE: &str = "built-in table (wiki)";

/// The Service types a ports file may ask for.
const SERVICE_TYPES: [&str; 3] = ["ClusterIP", "NodePort", "LoadBalancer"];

/// What one Service must look like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortEntry {
    /// The Service's name.
    pub name: String,
    /// The namespace it lives in.
    pub namespace: String,
    /// The port it must listen on.
    pub port: i32,
    /// The node port it must use, when it has one.
    pub node_port: Option<i32>,
    /// The Service type it must have, when the file says.
    pub service_type: Option<String>,
    /// The file's words about it (`NOT default 6379`), said when the Service differs.
    pub note: Option<String>,
}

/// The team's ports file, read and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortsSpec {
    /// The Services it names, by name.
    pub services: BTreeMap<String, PortEntry>,
    /// Where it came from: the file's path, or [`BUILT_IN_PORTS_SOURCE`].
    pub source: String,
}

impl Default for PortsSpec {
    /// The built-in table.
    fn default() -> Self {
        built_in()
    }
}

/// The file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPorts {
    #[serde(default)]
    services: BTreeMap<String, RawEntry>,
}

/// One Service's entry as written, with places for error messages.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    namespace: Spanned<String>,
    port: Spanned<i64>,
    #[serde(default, rename = "nodePort")]
    node_port: Option<Spanned<i64>>,
    #[serde(default, rename = "type")]
    service_type: Option<Spanned<String>>,
    #[serde(default)]
    note: Option<String>,
}

/// The built-in table from the wiki.
pub fn built_in() -> PortsSpec {
    match parse_ports(BUILT_IN_PORTS_YAML, Path::new(BUILT_IN_PORTS_SOURCE)) {
        Ok(spec) => spec,
        // The table is a constant, checked by a test; an empty table is the safe fallback.
        Err(_) => PortsSpec {
            services: BTreeMap::new(),
            source: BUILT_IN_PORTS_SOURCE.into(),
        },
    }
}

/// Which ports file applies: `[checks] ports_file` when set, else `config/ports.yaml` under
/// the rebuild `workdir` when that file exists, else none (the built-in table).
pub fn ports_file_path(checks: &ChecksConfig, workdir: Option<&Path>) -> Option<PathBuf> {
    if let Some(path) = &checks.ports_file {
        return Some(path.clone());
    }
    let candidate = workdir?.join(DEFAULT_PORTS_FILE);
    candidate.is_file().then_some(candidate)
}

/// Reads the ports file that applies (see [`ports_file_path`]), or the built-in table. A file
/// named in the zones file that cannot be read is an error, as is a mistake in it.
pub fn load_ports(checks: &ChecksConfig, workdir: Option<&Path>) -> Result<PortsSpec, FileError> {
    let Some(path) = ports_file_path(checks, workdir) else {
        return Ok(built_in());
    };
    let text = std::fs::read_to_string(&path).map_err(|e| FileError {
        path: path.clone(),
        line: 1,
        column: 1,
        message: format!("cannot read the ports file: {e}"),
    })?;
    parse_ports(&text, &path)
}

/// Parses a ports file's `text`; `path` names it in errors and in the spec's `source`.
pub fn parse_ports(text: &str, path: &Path) -> Result<PortsSpec, FileError> {
    let raw: RawPorts = serde_saphyr::from_str(text).map_err(|e| {
        let (line, column) = e
            .location()
            .map_or((1, 1), |l| (l.line() as usize, l.column() as usize));
        FileError {
            path: path.to_path_buf(),
            line: line.max(1),
            column: column.max(1),
            message: plain_message(&e),
        }
    })?;
    let at = |location: serde_saphyr::Location, message: String| FileError {
        path: path.to_path_buf(),
        line: (location.line() as usize).max(1),
        column: (location.column() as usize).max(1),
        message,
    };
    let mut services = BTreeMap::new();
    for (name, entry) in raw.services {
        let port = checked_port(&entry.port, &name, "port").map_err(|(l, m)| at(l, m))?;
        let node_port = entry
            .node_port
            .as_ref()
            .map(|p| checked_port(p, &name, "nodePort"))
            .transpose()
            .map_err(|(l, m)| at(l, m))?;
        if entry.namespace.value.trim().is_empty() {
            return Err(at(
                entry.namespace.referenced,
                format!("service {name:?}: namespace is empty"),
            ));
        }
        if let Some(kind) = &entry.service_type
            && !SERVICE_TYPES.contains(&kind.value.as_str())
        {
            return Err(at(
                kind.referenced,
                format!(
                    "service {name:?}: unknown type {:?}: expected ClusterIP, NodePort or LoadBalancer",
                    kind.value
                ),
            ));
        }
        if let (Some(node_port), Some(kind)) = (&entry.node_port, &entry.service_type)
            && kind.value == "ClusterIP"
        {
            return Err(at(
                node_port.referenced,
                format!("service {name:?}: a ClusterIP Service has no nodePort"),
            ));
        }
        services.insert(
            name.clone(),
            PortEntry {
                name,
                namespace: entry.namespace.value.trim().to_string(),
                port,
                node_port,
                service_type: entry.service_type.map(|t| t.value),
                note: entry.note.filter(|n| !n.trim().is_empty()),
            },
        );
    }
    Ok(PortsSpec {
        services,
        source: path.display().to_string(),
    })
}

/// A port number within 1..=65535, or where and what is wrong.
fn checked_port(
    port: &Spanned<i64>,
    service: &str,
    field: &str,
) -> Result<i32, (serde_saphyr::Location, String)> {
    i32::try_from(port.value)
        .ok()
        .filter(|p| (1..=65_535).contains(p))
        .ok_or_else(|| {
            (
                port.referenced,
                format!(
                    "service {service:?}: {field} {} is not a port (1-65535)",
                    port.value
                ),
            )
        })
}

/// The parser's message without its snippet and without the place (the error names it).
fn plain_message(error: &serde_saphyr::Error) -> String {
    let text = error.without_snippet().to_string();
    let first = text.lines().next().unwrap_or_default().trim();
    // "... at line 3, column 7": the place is in the FileError already.
    first
        .split(" at line ")
        .next()
        .unwrap_or(first)
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_table_is_the_wikis() {
        let spec = built_in();
        assert_eq!(spec.source, "built-in table (wiki)");
        let redis = &spec.services["redis"];
        assert_eq!((redis.namespace.as_str(), redis.port), ("ge-data", 6381));
        assert_eq!(redis.note.as_deref(), Some("NOT default 6379"));
        let wiki = &spec.services["wiki"];
        assert_eq!(
            (wiki.port, wiki.node_port, wiki.service_type.as_deref()),
            (8000, Some(30080), Some("NodePort"))
        );
        assert_eq!(
            spec.services["admin-ui"].service_type.as_deref(),
            Some("ClusterIP")
        );
        assert_eq!(spec.services["postgresql"].port, 5432);
        assert_eq!(spec.services["postgresql"].service_type, None);
        assert_eq!(spec.services.len(), 4);
    }

    #[test]
    fn the_shipped_example_parses() {
        let text = include_str!("../../assets/ports.example.yaml");
        let spec = parse_ports(text, Path::new("assets/ports.example.yaml")).unwrap();
        assert_eq!(spec.services["redis"].port, 6381);
        assert_eq!(spec.source, "assets/ports.example.yaml");
    }

    #[test]
    fn mistakes_name_file_line_and_column() {
        let path = Path::new("/srv/ge/config/ports.yaml");
        let bad_port = "services:\n  redis: {namespace: ge-data, port: 70000}\n";
        let err = parse_ports(bad_port, path).unwrap_err();
        assert_eq!((err.line, err.column), (2, 37), "{err}");
        assert!(err.message.contains("70000 is not a port"), "{err}");
        assert!(
            err.to_string()
                .starts_with("/srv/ge/config/ports.yaml:2:37: ")
        );

        let bad_type =
            "services:\n  wiki:\n    namespace: ge-system\n    port: 8000\n    type: Nodeport\n";
        let err = parse_ports(bad_type, path).unwrap_err();
        assert_eq!((err.line, err.column), (5, 11), "{err}");
        assert!(err.message.contains("unknown type \"Nodeport\""), "{err}");

        let unknown_field =
            "services:\n  wiki: {namespace: ge-system, port: 8000, node_port: 30080}\n";
        let err = parse_ports(unknown_field, path).unwrap_err();
        assert_eq!(err.line, 2, "{err}");
        assert!(err.message.contains("node_port"), "{err}");

        let missing_port = "services:\n  wiki: {namespace: ge-system}\n";
        let err = parse_ports(missing_port, path).unwrap_err();
        assert!(err.message.contains("port"), "{err}");

        let cluster_ip_node_port =
            "services:\n  a: {namespace: x, port: 1, nodePort: 30001, type: ClusterIP}\n";
        let err = parse_ports(cluster_ip_node_port, path).unwrap_err();
        assert!(
            err.message.contains("ClusterIP Service has no nodePort"),
            "{err}"
        );

        let broken = "services:\n  a: {namespace: x, port: [\n";
        let err = parse_ports(broken, path).unwrap_err();
        assert!(err.line >= 2, "{err}");
    }

    #[test]
    fn which_file_applies() {
        let dir = tempfile::tempdir().unwrap();
        let checks = ChecksConfig::default();
        // No workdir, or a workdir without the file: the built-in table.
        assert_eq!(ports_file_path(&checks, None), None);
        assert_eq!(ports_file_path(&checks, Some(dir.path())), None);
        assert_eq!(load_ports(&checks, Some(dir.path())).unwrap(), built_in());
        // The workdir's config/ports.yaml.
        std::fs::create_dir_all(dir.path().join("config")).unwrap();
        let file = dir.path().join("config/ports.yaml");
        std::fs::write(
            &file,
            "services:\n  redis: {namespace: ge-data, port: 6390}\n",
        )
        .unwrap();
        let spec = load_ports(&checks, Some(dir.path())).unwrap();
        assert_eq!(spec.services["redis"].port, 6390);
        assert_eq!(spec.source, file.display().to_string());
        // The zones file's ports_file wins, and must exist.
        let named = ChecksConfig {
            ports_file: Some(dir.path().join("elsewhere.yaml")),
            ..ChecksConfig::default()
        };
        let err = load_ports(&named, Some(dir.path())).unwrap_err();
        assert!(err.message.contains("cannot read the ports file"), "{err}");
        assert!(err.path.ends_with("elsewhere.yaml"));
    }
}
