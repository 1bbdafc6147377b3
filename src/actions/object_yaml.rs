//! Fetching one object as YAML for the YAML pane, on demand, off the event loop: the runner
//! keeps the last document asked for; the fetch reports back as an [`ActionEvent`].

use tokio::sync::mpsc;

use super::ActionContext;
use super::runner::ActionEvent;
use crate::cluster::logs::LogError;
pub use crate::cluster::object_yaml::ObjectRef;
use crate::cluster::object_yaml::fetch_yaml;
use crate::config::ZoneId;

/// Where a document stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum YamlState {
    /// Being fetched.
    Loading,
    /// Its lines, sanitised.
    Loaded(Vec<String>),
    /// Why it could not be fetched.
    Failed(String),
}

/// The object the YAML pane shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlDoc {
    /// Tells this fetch's answer from an older one's.
    pub id: u64,
    /// The object's zone.
    pub zone: ZoneId,
    /// The object.
    pub object: ObjectRef,
    /// Its text, or why there is none.
    pub state: YamlState,
}

/// A fetch's answer.
#[derive(Debug)]
pub struct YamlReport {
    /// The fetch it answers.
    pub id: u64,
    /// The lines, or why not.
    pub result: Result<Vec<String>, LogError>,
}

/// The last document asked for.
#[derive(Debug, Default)]
pub struct YamlDesk {
    doc: Option<YamlDoc>,
    next_id: u64,
}

impl YamlDesk {
    /// The document shown (or being fetched).
    pub fn doc(&self) -> Option<&YamlDoc> {
        self.doc.as_ref()
    }

    /// Starts fetching `object` in `zone`; the answer comes back on `events`.
    pub fn fetch(
        &mut self,
        zone: ZoneId,
        object: ObjectRef,
        ctx: &ActionContext,
        events: &mpsc::Sender<ActionEvent>,
    ) {
        self.next_id += 1;
        let id = self.next_id;
        self.doc = Some(YamlDoc {
            id,
            zone,
            object: object.clone(),
            state: YamlState::Loading,
        });
        let Some(zone_config) = ctx.zone(zone).cloned() else {
            if let Some(doc) = &mut self.doc {
                doc.state = YamlState::Failed(format!("zone {zone} is not configured"));
            }
            return;
        };
        let clients = ctx.clients.clone();
        let events = events.clone();
        tokio::spawn(async move {
            let result = match clients.client(&zone_config).await {
                Ok(client) => fetch_yaml(&client, &object).await,
                Err(reason) => Err(LogError::Failed(reason)),
            };
            let _ = events
                .send(ActionEvent::Yaml(YamlReport { id, result }))
                .await;
        });
    }

    /// Applies a fetch's answer; true when it is the one shown.
    pub fn on_report(&mut self, report: YamlReport) -> bool {
        let Some(doc) = &mut self.doc else {
            return false;
        };
        if doc.id != report.id {
            return false;
        }
        doc.state = match report.result {
            Ok(lines) => YamlState::Loaded(lines),
            Err(e) => YamlState::Failed(e.to_string()),
        };
        true
    }
}
