//! The demo seed (`assets/demo-fleet.toml`): its schema and validation, the byte template
//! engine that stamps out many pods cheaply, and the builder that expands a zone into objects.

mod build;
mod events;
mod schema;
mod stamp;
mod workloads;

pub use build::build_zone;
pub use schema::{Seed, parse};

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
            build_zone(&seed, zone, 40, &store).unwrap();
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
