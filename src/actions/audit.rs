//! The audit log: every action ge-console takes is appended as one JSON line to
//! `audit.jsonl` in the state dir (who, where, what, when, and how it ended).

use std::fs::OpenOptions;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// What an audit record is about; serialised as today's words (`restart`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// A rollout restart of one workload.
    Restart,
    /// The build alone.
    Rebuild,
    /// Build, then restart the redeploy target.
    Redeploy,
    /// A rollout undo of one Deployment (its template back to an earlier revision's).
    Undo,
}

/// How an audited action ended; serialised as today's words (`succeeded`, `timed_out`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditResult {
    /// It did what was asked.
    Succeeded,
    /// It ran and failed (or the server said no).
    Failed,
    /// The user stopped it.
    Cancelled,
    /// A guard refused it before anything ran.
    Refused,
    /// The rollout it started did not end in time.
    TimedOut,
}

impl AuditResult {
    /// The word written to the file and shown in the actions pane.
    pub fn word(self) -> &'static str {
        match self {
            AuditResult::Succeeded => "succeeded",
            AuditResult::Failed => "failed",
            AuditResult::Cancelled => "cancelled",
            AuditResult::Refused => "refused",
            AuditResult::TimedOut => "timed_out",
        }
    }
}

impl std::fmt::Display for AuditAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            AuditAction::Restart => "restart",
            AuditAction::Rebuild => "rebuild",
            AuditAction::Redeploy => "redeploy",
            AuditAction::Undo => "undo",
        })
    }
}

impl std::fmt::Display for AuditResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.word())
    }
}

/// One action, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// What was done.
    pub action: AuditAction,
    /// When it was asked for.
    pub started: Timestamp,
    /// When it ended (or was refused).
    pub ended: Timestamp,
    /// The operating-system user running the console.
    pub local_user: String,
    /// The kubeconfig user of the zone's context, when the action touched a zone.
    pub kube_user: Option<String>,
    /// The zone's name, when the action touched a zone.
    pub zone: Option<String>,
    /// `namespace/kind/name` of the object acted on.
    pub object: Option<String>,
    /// How it ended.
    pub result: AuditResult,
    /// The error, exit status or other explanation.
    pub detail: Option<String>,
}

impl AuditRecord {
    /// A record of `action` by the local user, touching no zone yet (see [`Self::in_zone`]).
    pub fn new(
        action: AuditAction,
        started: Timestamp,
        ended: Timestamp,
        result: AuditResult,
        detail: impl Into<String>,
    ) -> AuditRecord {
        AuditRecord {
            action,
            started,
            ended,
            local_user: local_user(),
            kube_user: None,
            zone: None,
            object: None,
            result,
            detail: Some(detail.into()),
        }
    }

    /// The same record, about `object` in the zone named `zone` as kubeconfig user `kube_user`.
    pub fn in_zone(
        mut self,
        zone: &str,
        kube_user: Option<String>,
        object: Option<String>,
    ) -> AuditRecord {
        self.zone = Some(zone.to_string());
        self.kube_user = kube_user;
        self.object = object;
        self
    }
}

/// The append-only audit file.
#[derive(Debug, Clone)]
pub struct AuditLog {
    path: PathBuf,
}

impl AuditLog {
    /// The audit log in `state_dir`.
    pub fn in_state_dir(state_dir: &Path) -> Self {
        AuditLog {
            path: state_dir.join("audit.jsonl"),
        }
    }

    /// Where the log is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one record as a single line (one `write` on an O_APPEND file, so concurrent
    /// consoles sharing a state dir do not interleave lines).
    pub fn append(&self, record: &AuditRecord) -> std::io::Result<()> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut line = serde_json::to_string(record).map_err(std::io::Error::other)?;
        line.push('\n');
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        file.write_all(line.as_bytes())
    }

    /// The last `n` records, oldest first; unreadable lines are skipped.
    pub fn recent(&self, n: usize) -> Vec<AuditRecord> {
        let Ok(file) = std::fs::File::open(&self.path) else {
            return Vec::new();
        };
        let mut records: std::collections::VecDeque<AuditRecord> =
            std::collections::VecDeque::with_capacity(n + 1);
        for line in BufReader::new(file).lines().map_while(Result::ok) {
            if let Ok(r) = serde_json::from_str(&line) {
                records.push_back(r);
                if records.len() > n {
                    records.pop_front();
                }
            }
        }
        records.into()
    }
}

/// The local user's name: `$USER`, else `$LOGNAME`, else the numeric uid.
pub fn local_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .ok()
        .filter(|u| !u.is_empty())
        // SAFETY: getuid has no preconditions and cannot fail.
        .unwrap_or_else(|| format!("uid {}", unsafe { libc::getuid() }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(result: AuditResult) -> AuditRecord {
        AuditRecord {
            action: AuditAction::Restart,
            started: Timestamp::UNIX_EPOCH,
            ended: Timestamp::UNIX_EPOCH,
            local_user: "gerco".into(),
            kube_user: Some("admin".into()),
            zone: Some("dev".into()),
            object: Some("ge-agents/deployment/ge-executor".into()),
            result,
            detail: None,
        }
    }

    #[test]
    fn records_are_appended_as_json_lines_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::in_state_dir(dir.path());
        log.append(&record(AuditResult::Succeeded)).unwrap();
        log.append(&record(AuditResult::Failed)).unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(log.path())
            .unwrap()
            .write_all(b"not json\n")
            .unwrap();
        log.append(&record(AuditResult::Refused)).unwrap();
        let text = std::fs::read_to_string(log.path()).unwrap();
        assert_eq!(text.lines().count(), 4);
        let results: Vec<_> = log.recent(2).into_iter().map(|r| r.result).collect();
        assert_eq!(results, [AuditResult::Failed, AuditResult::Refused]);
        assert!(text.contains(r#""action":"restart""#) && text.contains(r#""result":"refused""#));
    }
}
