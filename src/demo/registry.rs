//! The demo's image registry: which digest an image repository was last pushed with.
//!
//! The simulated build (`ge-console demo-build`, see [`super::build`]) runs as a child process
//! of the console, so it cannot reach the in-process API servers directly. It "pushes" by
//! writing the new digest into a small JSON file (`<state dir>/demo-registry.json` unless
//! [`super::DemoOptions::registry_file`] says otherwise; the path reaches the build in
//! `GE_DEMO_REGISTRY`). The zones' simulated kubelets read that file when they start a new
//! container, so pods created after the build report the pushed digest in
//! `status.containerStatuses[].imageID`, as a node that pulled the new image would.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The registry file's contents: one entry per pushed repository.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryFile {
    /// Repository (`registry.ge.internal/ge-executor`) to its latest push.
    #[serde(default)]
    pub images: BTreeMap<String, Pushed>,
}

/// One push of a repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pushed {
    /// `sha256:` and 64 hex digits.
    pub digest: String,
    /// When it was pushed (RFC 3339).
    pub pushed_at: String,
}

/// The repository of an image reference: without its tag or digest
/// (`registry:5000/a/b:1.2@sha256:…` → `registry:5000/a/b`).
pub fn repository(image: &str) -> &str {
    let without_digest = image.split('@').next().unwrap_or(image);
    let last_slash = without_digest.rfind('/').map_or(0, |i| i + 1);
    match without_digest[last_slash..].find(':') {
        Some(colon) => &without_digest[..last_slash + colon],
        None => without_digest,
    }
}

/// Read a registry file; a missing or unreadable file is an empty registry (nothing pushed).
pub fn read(path: &Path) -> RegistryFile {
    std::fs::read(path)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

/// Record a push of `repository` with `digest` in the registry file at `path`, replacing the
/// file atomically (write then rename) so a kubelet never reads half of it.
pub fn record_push(path: &Path, repository: &str, digest: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let mut file = read(path);
    file.images.insert(
        repository.to_string(),
        Pushed {
            digest: digest.to_string(),
            pushed_at: jiff::Timestamp::now().to_string(),
        },
    );
    let text = serde_json::to_vec_pretty(&file).map_err(std::io::Error::other)?;
    let temporary = path.with_extension(format!("tmp-{}", std::process::id()));
    std::fs::write(&temporary, text)?;
    std::fs::rename(&temporary, path)
}

/// The registry as the zones' kubelets see it: the file, re-read when it changed.
#[derive(Debug)]
pub struct Registry {
    path: PathBuf,
    cache: Mutex<Option<(SystemTime, Arc<RegistryFile>)>>,
}

impl Registry {
    /// The registry kept in `path`.
    pub fn new(path: PathBuf) -> Registry {
        Registry {
            path,
            cache: Mutex::new(None),
        }
    }

    /// Where the registry is kept.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The pushed images now (cheap when the file did not change since the last look).
    pub fn current(&self) -> Arc<RegistryFile> {
        let Ok(modified) = std::fs::metadata(&self.path).and_then(|m| m.modified()) else {
            return Arc::new(RegistryFile::default());
        };
        let mut cache = self
            .cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((seen, file)) = cache.as_ref()
            && *seen == modified
        {
            return file.clone();
        }
        let file = Arc::new(read(&self.path));
        *cache = Some((modified, file.clone()));
        file
    }
}

impl RegistryFile {
    /// Point the `imageID` of a pod's freshly started containers (those reporting one) at the
    /// pushed digest of their image's repository, as a node that just pulled it reports.
    pub fn stamp_image_ids(&self, pod: &mut Value) {
        for status in pod["status"]["containerStatuses"]
            .as_array_mut()
            .into_iter()
            .flatten()
        {
            let reported = status["imageID"].as_str().is_some_and(|id| !id.is_empty());
            if let Some(image_id) = status["image"]
                .as_str()
                .filter(|_| reported)
                .and_then(|image| self.image_id(image))
            {
                status["imageID"] = Value::String(image_id);
            }
        }
    }

    /// The `imageID` a container of `image` reports when its image was pushed here:
    /// `repository@sha256:…`; None when the repository was never pushed.
    pub fn image_id(&self, image: &str) -> Option<String> {
        let repository = repository(image);
        self.images
            .get(repository)
            .map(|pushed| format!("{repository}@{}", pushed.digest))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repositories_drop_tags_and_digests_but_keep_registry_ports() {
        assert_eq!(
            repository("registry.ge.internal/ge-executor:2026.03.25-7c1e9a2"),
            "registry.ge.internal/ge-executor"
        );
        assert_eq!(repository("localhost:5000/ge/x:1"), "localhost:5000/ge/x");
        assert_eq!(repository("localhost:5000/ge/x"), "localhost:5000/ge/x");
        assert_eq!(repository("redis@sha256:abc"), "redis");
    }

    #[test]
    fn a_push_is_seen_by_the_next_look_and_names_the_repository() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/registry.json");
        let registry = Registry::new(path.clone());
        let image = "registry.ge.internal/ge-executor:2026.03.25-7c1e9a2";
        assert_eq!(
            registry.current().image_id(image),
            None,
            "nothing pushed yet"
        );
        let digest = format!("sha256:{}", "ab".repeat(32));
        record_push(&path, "registry.ge.internal/ge-executor", &digest).unwrap();
        assert_eq!(
            registry.current().image_id(image),
            Some(format!("registry.ge.internal/ge-executor@{digest}"))
        );
        assert_eq!(
            registry.current().image_id("docker.io/library/redis:8"),
            None
        );
    }

    #[test]
    fn only_started_containers_of_a_pushed_repository_report_the_new_digest() {
        let mut file = RegistryFile::default();
        file.images.insert(
            "registry.ge.internal/ge-executor".into(),
            Pushed {
                digest: "sha256:new".into(),
                pushed_at: "2026-03-25T10:00:00Z".into(),
            },
        );
        let mut pod = serde_json::json!({"status": {"containerStatuses": [
            {"image": "registry.ge.internal/ge-executor:t1", "imageID": "registry.ge.internal/ge-executor@sha256:old"},
            {"image": "docker.io/library/redis:8.2.2", "imageID": "docker.io/library/redis@sha256:r"},
            {"image": "registry.ge.internal/ge-executor:t1", "imageID": ""},
        ]}});
        file.stamp_image_ids(&mut pod);
        let ids: Vec<&str> = pod["status"]["containerStatuses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["imageID"].as_str().unwrap())
            .collect();
        assert_eq!(
            ids,
            [
                "registry.ge.internal/ge-executor@sha256:new",
                "docker.io/library/redis@sha256:r",
                ""
            ]
        );
    }

    #[test]
    fn a_broken_file_is_an_empty_registry() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("registry.json");
        std::fs::write(&path, "{not json").unwrap();
        assert_eq!(*Registry::new(path).current(), RegistryFile::default());
    }
}
