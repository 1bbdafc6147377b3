//! The demo seed (`assets/demo-fleet.toml`): its schema and validation, the byte template
//! engine that stamps out many pods cheaply, and the builder that expands a zone into objects.

mod build;
mod events;
mod history;
mod schema;
mod stamp;
mod workloads;

pub use build::{LoadPods, build_zone};
pub use schema::{Seed, parse};
pub use workloads::LOAD_WORKLOAD_PREFIX;

/// The seed compiled into the binary.
pub const SEED_TEXT: &str = include_str!("../../../assets/demo-fleet.toml");
/// The name used for the compiled-in seed in error messages.
pub const SEED_FILE: &str = "assets/demo-fleet.toml";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::DemoError;
    use crate::demo::resources::ServedKind;
    use crate::demo::store::Store;
    use crate::file_error::FileError;

    #[test]
    fn the_compiled_in_seed_is_valid_and_every_object_normalises() {
        let seed = parse(SEED_FILE, SEED_TEXT).unwrap();
        let contexts: Vec<&str> = seed.zones.iter().map(|z| z.context.as_str()).collect();
        assert_eq!(contexts, ["ge-dev", "ge-staging", "ge-production"]);
        for zone in &seed.zones {
            let store = Store::new();
            let load = LoadPods {
                count: 40,
                namespace: "ge-load".into(),
            };
            build_zone(&seed, zone, &load, &store).unwrap();
            for kind in ServedKind::ALL {
                for object in store.list(kind, None, None, None, &|_| true).items {
                    let value = object.to_value();
                    assert!(
                        !object.json.windows(2).any(|w| w == b"@@"),
                        "unfilled placeholder in {}",
                        object.name
                    );
                    kind.normalise(value)
                        .unwrap_or_else(|e| panic!("{kind:?} {}: {e:?}", object.name));
                }
            }
            let load = store
                .list(ServedKind::Pod, Some("ge-load"), None, None, &|_| true)
                .items;
            assert_eq!(load.len(), 40);
            let stamped = load[0].to_value();
            assert_eq!(stamped["metadata"]["name"], load[0].name.as_str());
            assert_eq!(
                stamped["metadata"]["resourceVersion"],
                load[0].resource_version.to_string()
            );
            assert_eq!(
                load[0].field("status.podIP"),
                stamped["status"]["podIP"].as_str()
            );
        }
    }

    /// Every pod of a zone as (namespace, name, first container's image).
    fn pods(seed: &Seed, zone: &str) -> Vec<(String, String, String)> {
        let zone = seed.zones.iter().find(|z| z.name == zone).unwrap();
        let store = Store::new();
        let load = LoadPods {
            count: 0,
            namespace: "ge-load".into(),
        };
        build_zone(seed, zone, &load, &store).unwrap();
        let mut pods: Vec<(String, String, String)> = store
            .list(ServedKind::Pod, None, None, None, &|_| true)
            .items
            .iter()
            .map(|pod| {
                let value = pod.to_value();
                (
                    value["metadata"]["namespace"].as_str().unwrap().to_string(),
                    pod.name.clone(),
                    value["spec"]["containers"][0]["image"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                )
            })
            .collect();
        pods.sort();
        pods
    }

    #[test]
    fn image_in_changes_that_zones_image_only_and_seeds_the_rest_of_the_zone_as_before() {
        let seed = parse(SEED_FILE, SEED_TEXT).unwrap();
        let image_in_line = SEED_TEXT
            .lines()
            .find(|l| l.starts_with("image_in = "))
            .unwrap();
        let plain = parse(SEED_FILE, &SEED_TEXT.replacen(image_in_line, "", 1)).unwrap();
        let hotfix = "registry.ge.internal/ge-orchestrator:2026.03.25-hotfix-3f9e2c1";
        let orchestrator = |pods: &[(String, String, String)]| -> Vec<String> {
            pods.iter()
                .filter(|(_, name, _)| name.starts_with("orchestrator-"))
                .map(|(_, _, image)| image.clone())
                .collect()
        };
        let staging = pods(&seed, "staging");
        let staging_plain = pods(&plain, "staging");
        assert_eq!(orchestrator(&staging), [hotfix]);
        assert_eq!(
            orchestrator(&staging_plain),
            ["registry.ge.internal/ge-orchestrator:2026.03.18-e4d09b1"]
        );
        // Every other pod of staging is the same object as without the override.
        let others = |pods: Vec<(String, String, String)>| -> Vec<(String, String, String)> {
            pods.into_iter()
                .filter(|(_, name, _)| !name.starts_with("orchestrator-"))
                .collect()
        };
        assert_eq!(others(staging), others(staging_plain));
        // The other zones run their own release.
        assert_eq!(
            orchestrator(&pods(&seed, "dev")),
            ["registry.ge.internal/ge-orchestrator:2026.03.25-7c1e9a2"]
        );

        let unknown = parse(
            "fleet.toml",
            &SEED_TEXT.replacen("image_in = { staging", "image_in = { stagin", 1),
        )
        .unwrap_err();
        assert!(
            unknown
                .to_string()
                .contains("image_in names no zone \"stagin\""),
            "{unknown}"
        );
    }

    #[test]
    fn a_bad_seed_names_file_line_and_problem() {
        let text = SEED_TEXT.replacen("age = \"38d\"", "age = \"38 days\"", 1);
        let error = parse("fleet.toml", &text).unwrap_err();
        let DemoError::Seed(FileError {
            path,
            line,
            message,
            ..
        }) = &error
        else {
            panic!("{error}")
        };
        let file = path.to_string_lossy();
        assert_eq!(file, "fleet.toml");
        let expected_line = text.lines().position(|l| l.contains("38 days")).unwrap() + 1;
        assert_eq!(*line, expected_line);
        assert!(message.contains("invalid age"), "{message}");
        assert!(
            error
                .to_string()
                .contains(&format!("fleet.toml:{expected_line}")),
            "{error}"
        );

        let syntax = parse("fleet.toml", "[[zones]\nname = 1").unwrap_err();
        assert!(
            matches!(syntax, DemoError::Seed(FileError { line: 1, .. })),
            "{syntax}"
        );
        let unknown = parse(
            "fleet.toml",
            &SEED_TEXT.replacen("kind = \"DaemonSet\"", "kind = \"CronJob\"", 1),
        )
        .unwrap_err();
        assert!(
            unknown.to_string().contains("unknown workload kind"),
            "{unknown}"
        );
    }
}
