//! Writing the demo kubeconfig: one cluster/user/context per zone, atomically, mode 0600.

use std::io::Write;
use std::path::Path;

use super::DemoError;

/// One zone's entry in the kubeconfig.
pub struct KubeconfigZone<'a> {
    /// Context (and cluster/user) name.
    pub context: &'a str,
    /// `http://127.0.0.1:PORT`.
    pub server: String,
    /// Bearer token.
    pub token: &'a str,
}

/// Quote a string for YAML (double-quoted style; JSON escaping is valid YAML).
fn quote(text: &str) -> String {
    serde_json::Value::String(text.to_string()).to_string()
}

/// The kubeconfig YAML text; the first zone is the current context.
pub fn render(zones: &[KubeconfigZone<'_>]) -> String {
    let mut text = String::from(
        "# GE demo fleet (ge-console demo). Plain HTTP on loopback; each zone requires its bearer\n\
         # token. kubectl does not send tokens over plain HTTP, so the demo lets kubectl in without.\n\
         apiVersion: v1\nkind: Config\npreferences: {}\nclusters:\n",
    );
    for zone in zones {
        text.push_str(&format!(
            "- name: {}\n  cluster:\n    server: {}\n",
            quote(zone.context),
            quote(&zone.server)
        ));
    }
    text.push_str("users:\n");
    for zone in zones {
        text.push_str(&format!(
            "- name: {}\n  user:\n    token: {}\n",
            quote(&format!("{}-admin", zone.context)),
            quote(zone.token)
        ));
    }
    text.push_str("contexts:\n");
    for zone in zones {
        text.push_str(&format!(
            "- name: {}\n  context:\n    cluster: {}\n    user: {}\n    namespace: default\n",
            quote(zone.context),
            quote(zone.context),
            quote(&format!("{}-admin", zone.context))
        ));
    }
    if let Some(first) = zones.first() {
        text.push_str(&format!("current-context: {}\n", quote(first.context)));
    }
    text
}

/// Write `text` to `path` atomically (temp file in the same directory, then rename), mode 0600.
pub fn write_atomically(path: &Path, text: &str) -> Result<(), DemoError> {
    let unwritable = |source: std::io::Error| DemoError::KubeconfigUnwritable {
        path: path.to_path_buf(),
        source,
    };
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    std::fs::create_dir_all(&directory).map_err(unwritable)?;
    let file_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("kubeconfig");
    let temporary = directory.join(format!(".{file_name}.tmp-{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let result = (|| {
        let mut file = options.open(&temporary)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result.map_err(unwritable)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubeconfig_lists_every_zone_and_starts_on_the_first() {
        let zones = [
            KubeconfigZone {
                context: "ge-dev",
                server: "http://127.0.0.1:1".into(),
                token: "t1",
            },
            KubeconfigZone {
                context: "ge-staging",
                server: "http://127.0.0.1:2".into(),
                token: "t2",
            },
        ];
        let text = render(&zones);
        assert!(text.contains("current-context: \"ge-dev\""));
        assert!(text.contains("server: \"http://127.0.0.1:2\""));
        assert!(text.contains("token: \"t2\""));
    }

    #[cfg(unix)]
    #[test]
    fn written_with_mode_0600() {
        use std::os::unix::fs::PermissionsExt;
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("nested/kubeconfig.yaml");
        write_atomically(&path, "x").unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "x");
    }
}
