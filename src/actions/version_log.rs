//! The console's observation log of Kubernetes versions: `versions.jsonl` in the state dir, one
//! [`VersionObservation`] per line, appended whenever a zone's API server reports a version
//! other than the last one logged for it. The promotion checks date a zone's version from it
//! when the zones file has no record.

use std::collections::{BTreeMap, VecDeque};
use std::fs::OpenOptions;
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use jiff::Timestamp;

use crate::config::ZoneId;
use crate::fleet::checks::VersionObservation;
use crate::fleet::{Fleet, LinkStatus};

/// The most observations kept in memory; older lines stay in the file.
pub const MAX_OBSERVATIONS: usize = 1000;

/// The log's file name in the state dir.
pub const FILE_NAME: &str = "versions.jsonl";

/// The observation log: the file and its last [`MAX_OBSERVATIONS`] lines.
#[derive(Debug, Clone)]
pub struct VersionLog {
    path: PathBuf,
    /// Oldest first.
    observations: Vec<VersionObservation>,
    /// Each zone's last logged version, from the whole file (a zone quiet for longer than the
    /// in-memory window is not logged again).
    last: BTreeMap<ZoneId, String>,
}

impl VersionLog {
    /// The log in `state_dir`: a missing file is an empty log; lines that are not an
    /// observation are skipped with a warning.
    pub fn load(state_dir: &Path) -> io::Result<VersionLog> {
        let path = state_dir.join(FILE_NAME);
        let mut log = VersionLog {
            path,
            observations: Vec::new(),
            last: BTreeMap::new(),
        };
        let file = match std::fs::File::open(&log.path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(log),
            Err(e) => return Err(e),
        };
        let mut kept: VecDeque<VersionObservation> = VecDeque::new();
        for (index, line) in BufReader::new(file).split(b'\n').enumerate() {
            let line = line?;
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            match serde_json::from_slice::<VersionObservation>(&line) {
                Ok(seen) => {
                    log.last.insert(seen.zone, seen.version.clone());
                    kept.push_back(seen);
                    if kept.len() > MAX_OBSERVATIONS {
                        kept.pop_front();
                    }
                }
                Err(e) => tracing::warn!(
                    path = %log.path.display(),
                    line = index + 1,
                    error = %e,
                    "skipping a line of the version log that is not an observation"
                ),
            }
        }
        log.observations = kept.into();
        Ok(log)
    }

    /// Where the log is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The kept observations, oldest first: what the promotion checks read.
    pub fn observations(&self) -> &[VersionObservation] {
        &self.observations
    }

    /// Appends an observation for each zone connected now whose server version differs from
    /// the last one logged for it (a zone's first sighting counts). The lines go out in one
    /// write on an append-only file, so consoles sharing a state dir do not interleave them;
    /// when the write fails nothing is remembered, so the next call tries again.
    pub fn observe(&mut self, fleet: &Fleet, now: Timestamp) -> io::Result<()> {
        let seen: Vec<VersionObservation> = fleet
            .zones
            .iter()
            .filter_map(|zone| match &zone.link {
                LinkStatus::Connected { server_version } => Some((zone.config.id, server_version)),
                _ => None,
            })
            .filter(|(zone, version)| self.last.get(zone) != Some(*version))
            .map(|(zone, version)| VersionObservation {
                zone,
                version: version.clone(),
                at: now,
            })
            .collect();
        if seen.is_empty() {
            return Ok(());
        }
        let mut text = String::new();
        for observation in &seen {
            text.push_str(&serde_json::to_string(observation).map_err(io::Error::other)?);
            text.push('\n');
        }
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?
            .write_all(text.as_bytes())?;
        for observation in seen {
            self.last
                .insert(observation.zone, observation.version.clone());
            self.observations.push(observation);
        }
        let excess = self.observations.len().saturating_sub(MAX_OBSERVATIONS);
        self.observations.drain(..excess);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{DEFAULT_ZONES_TOML, parse_zones};
    use crate::fleet::{FailureCause, ZoneEvent};

    fn fleet() -> Fleet {
        Fleet::new(&parse_zones(DEFAULT_ZONES_TOML, Path::new("z")).unwrap())
    }

    fn connect(fleet: &mut Fleet, zone: u32, version: &str) {
        fleet
            .zone_mut(ZoneId(zone))
            .unwrap()
            .apply(ZoneEvent::Link(LinkStatus::Connected {
                server_version: version.into(),
            }));
    }

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn entries(log: &VersionLog) -> Vec<(u32, &str, String)> {
        log.observations()
            .iter()
            .map(|o| (o.zone.0, o.version.as_str(), o.at.to_string()))
            .collect()
    }

    #[test]
    fn a_missing_file_is_an_empty_log() {
        let dir = tempfile::tempdir().unwrap();
        let log = VersionLog::load(&dir.path().join("not-yet")).unwrap();
        assert!(log.observations().is_empty());
        assert_eq!(log.path(), dir.path().join("not-yet").join(FILE_NAME));
    }

    #[test]
    fn changes_are_appended_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        let mut fleet = fleet();
        let mut log = VersionLog::load(&state).unwrap();
        connect(&mut fleet, 1, "v1.34.2+k3s1");
        connect(&mut fleet, 2, "v1.33.5");
        log.observe(&fleet, at("2026-11-20T10:00:00Z")).unwrap();
        // Nothing changed: nothing is appended.
        log.observe(&fleet, at("2026-11-20T10:00:05Z")).unwrap();
        // A zone that lost its connection keeps its last version; it is not re-logged.
        fleet
            .zone_mut(ZoneId(2))
            .unwrap()
            .apply(ZoneEvent::Link(LinkStatus::Failed {
                error: "refused".into(),
                cause: FailureCause::Unreachable,
                retry_at: None,
            }));
        connect(&mut fleet, 1, "v1.34.2+k3s2");
        connect(&mut fleet, 3, "v1.33.5");
        log.observe(&fleet, at("2026-11-21T08:00:00Z")).unwrap();
        let expected = [
            (1, "v1.34.2+k3s1", "2026-11-20T10:00:00Z".to_string()),
            (2, "v1.33.5", "2026-11-20T10:00:00Z".to_string()),
            (1, "v1.34.2+k3s2", "2026-11-21T08:00:00Z".to_string()),
            (3, "v1.33.5", "2026-11-21T08:00:00Z".to_string()),
        ];
        assert_eq!(entries(&log), expected);
        let text = std::fs::read_to_string(log.path()).unwrap();
        assert_eq!(text.lines().count(), 4);
        assert_eq!(
            text.lines().next().unwrap(),
            r#"{"zone":1,"version":"v1.34.2+k3s1","at":"2026-11-20T10:00:00Z"}"#
        );
        // A new console reads the same log and does not log the unchanged versions again.
        let mut reloaded = VersionLog::load(&state).unwrap();
        assert_eq!(entries(&reloaded), expected);
        reloaded
            .observe(&fleet, at("2026-11-22T00:00:00Z"))
            .unwrap();
        assert_eq!(
            std::fs::read_to_string(log.path()).unwrap().lines().count(),
            4
        );
    }

    #[test]
    fn bad_lines_are_skipped_and_the_rest_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes: Vec<u8> = Vec::new();
        bytes.extend(b"{\"zone\":1,\"version\":\"v1.33.5\",\"at\":\"2026-11-01T00:00:00Z\"}\n");
        bytes.extend(b"not json\n\n");
        bytes.extend(b"{\"zone\":1,\"version\":\"v1.34.2\",\"at\":\"yesterday\"}\n");
        bytes.extend(b"\x1b[31m\xff\xfe\n");
        bytes.extend(b"{\"zone\":2,\"version\":\"v1.33.5\",\"at\":\"2026-11-02T00:00:00Z\"}\n");
        // A line cut short by a crash.
        bytes.extend(b"{\"zone\":1,\"version\":\"v1.34");
        std::fs::write(dir.path().join(FILE_NAME), bytes).unwrap();
        let mut log = VersionLog::load(dir.path()).unwrap();
        assert_eq!(
            entries(&log),
            [
                (1, "v1.33.5", "2026-11-01T00:00:00Z".to_string()),
                (2, "v1.33.5", "2026-11-02T00:00:00Z".to_string()),
            ]
        );
        // The last good line per zone decides what is a change.
        let mut fleet = fleet();
        connect(&mut fleet, 1, "v1.33.5");
        connect(&mut fleet, 2, "v1.34.2");
        log.observe(&fleet, at("2026-11-03T00:00:00Z")).unwrap();
        assert_eq!(
            entries(&log).last().unwrap(),
            &(2, "v1.34.2", "2026-11-03T00:00:00Z".to_string())
        );
        assert_eq!(log.observations().len(), 3);
    }

    #[test]
    fn memory_keeps_the_last_thousand_but_remembers_every_zone() {
        let dir = tempfile::tempdir().unwrap();
        let mut text =
            String::from("{\"zone\":3,\"version\":\"v1.33.5\",\"at\":\"2026-01-01T00:00:00Z\"}\n");
        for i in 0..MAX_OBSERVATIONS + 5 {
            let version = if i % 2 == 0 { "v1.34.2" } else { "v1.34.1" };
            text.push_str(&format!(
                "{{\"zone\":1,\"version\":\"{version}\",\"at\":\"2026-02-01T00:00:{:02}Z\"}}\n",
                i % 60
            ));
        }
        std::fs::write(dir.path().join(FILE_NAME), text).unwrap();
        let mut log = VersionLog::load(dir.path()).unwrap();
        assert_eq!(log.observations().len(), MAX_OBSERVATIONS);
        assert!(log.observations().iter().all(|o| o.zone == ZoneId(1)));
        let mut fleet = fleet();
        connect(&mut fleet, 3, "v1.33.5");
        connect(&mut fleet, 1, "v1.35.0");
        log.observe(&fleet, at("2026-03-01T00:00:00Z")).unwrap();
        assert_eq!(log.observations().len(), MAX_OBSERVATIONS);
        let last = log.observations().last().unwrap();
        assert_eq!((last.zone, last.version.as_str()), (ZoneId(1), "v1.35.0"));
        assert!(
            !log.observations().iter().any(|o| o.zone == ZoneId(3)),
            "zone 3 is unchanged since its line that left the window"
        );
    }
}
