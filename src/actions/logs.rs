//! Log sessions: the logs of one pod, or of every pod of a workload interleaved (stern-like),
//! shared by the console's log pane and the headless `logs` command.
//!
//! A [`LogDesk`] holds at most one session: its bounded buffer, its streams (one per pod, see
//! [`super::log_follow`]) and what the streams reported. For a workload, [`LogDesk::observe`]
//! compares the streams with the workload's pods in the live model: a pod that started joins
//! (its stream opens), a pod that went away is marked, a pod whose container restarted is
//! followed into its new instance. Reports come back through [`LogDesk::on_report`].

use std::path::PathBuf;

use tokio::sync::mpsc;
use tokio::task::AbortHandle;

use super::ActionContext;
use super::log_buffer::{LineKind, LogBuffer, LogLine, short_label};
use super::log_follow::{FollowSpec, LogReport, StreamReport, follow};
use crate::cluster::logs::{LogOptions, PodContainers};
use crate::config::ZoneId;
use crate::fleet::health::workload_pods;
use crate::fleet::{Fleet, ObjectKey, PodInfo, WorkloadKey};

pub use super::log_buffer::DEFAULT_KEEP_LINES;

/// Whose logs: one pod, or every pod of a workload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogSubject {
    /// One pod.
    Pod(ObjectKey),
    /// Every pod of a workload, interleaved, each line prefixed with its pod.
    Workload(WorkloadKey),
}

impl LogSubject {
    /// The namespace of the pod or workload.
    pub fn namespace(&self) -> &str {
        match self {
            LogSubject::Pod(key) => &key.namespace,
            LogSubject::Workload(key) => &key.namespace,
        }
    }

    /// Parses `NAMESPACE/KIND/NAME`: KIND `pod` (or `po`, `pods`) for a pod, else a workload
    /// kind as kubectl accepts it (deployment, deploy, sts, ds, …).
    pub fn parse(s: &str) -> Option<LogSubject> {
        let mut parts = s.split('/');
        let (namespace, kind, name) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || namespace.is_empty() || name.is_empty() {
            return None;
        }
        if matches!(kind.to_ascii_lowercase().as_str(), "pod" | "pods" | "po") {
            return Some(LogSubject::Pod(ObjectKey::new(namespace, name)));
        }
        WorkloadKey::parse(s).map(LogSubject::Workload)
    }
}

impl std::fmt::Display for LogSubject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LogSubject::Pod(key) => write!(f, "{}/pod/{}", key.namespace, key.name),
            LogSubject::Workload(key) => write!(f, "{key}"),
        }
    }
}

/// How a log is asked for: kubectl's `logs` flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSettings {
    /// `-c`: the container; `None` takes the pod's default (and asks when it has several).
    pub container: Option<String>,
    /// `-f`: keep following.
    pub follow: bool,
    /// `--previous`: the terminated instance.
    pub previous: bool,
    /// `--tail`: the last N lines (`None`: all).
    pub tail: Option<i64>,
    /// `--since`: lines of the last N seconds (`None`: all).
    pub since_seconds: Option<i64>,
    /// `--timestamps`: each line starts with its time.
    pub timestamps: bool,
}

/// The tail choices the pane steps through, `None` being all lines.
pub const TAIL_STEPS: [Option<i64>; 3] = [Some(100), Some(1000), None];
/// The since choices the pane steps through, in seconds, `None` being from the start.
pub const SINCE_STEPS: [Option<i64>; 4] = [None, Some(60), Some(600), Some(3600)];

impl Default for LogSettings {
    /// The pane's start: follow, the last 1000 lines.
    fn default() -> Self {
        LogSettings {
            container: None,
            follow: true,
            previous: false,
            tail: Some(1000),
            since_seconds: None,
            timestamps: false,
        }
    }
}

impl LogSettings {
    /// The request for one pod.
    pub fn options(&self) -> LogOptions {
        LogOptions {
            container: self.container.clone(),
            follow: self.follow && !self.previous,
            previous: self.previous,
            tail_lines: self.tail,
            since_seconds: self.since_seconds,
            timestamps: self.timestamps,
        }
    }

    /// The next tail choice.
    pub fn next_tail(&self) -> Option<i64> {
        next_step(&TAIL_STEPS, self.tail)
    }

    /// The next since choice.
    pub fn next_since(&self) -> Option<i64> {
        next_step(&SINCE_STEPS, self.since_seconds)
    }

    /// Short words for the title: `follow · tail 1000 · since 10m · previous`.
    pub fn describe(&self) -> String {
        let mut parts = vec![if self.follow && !self.previous {
            "follow".to_string()
        } else {
            "no follow".to_string()
        }];
        parts.push(match self.tail {
            Some(n) => format!("tail {n}"),
            None => "all lines".into(),
        });
        if let Some(s) = self.since_seconds {
            parts.push(format!("since {}", seconds_text(s)));
        }
        if self.previous {
            parts.push("previous".into());
        }
        parts.join(" · ")
    }
}

fn next_step(steps: &[Option<i64>], current: Option<i64>) -> Option<i64> {
    let at = steps.iter().position(|s| *s == current);
    match at {
        Some(i) => steps[(i + 1) % steps.len()],
        None => steps[0],
    }
}

/// `90` → `1m30s`, `600` → `10m`, `3600` → `1h`.
pub fn seconds_text(seconds: i64) -> String {
    let (h, m, s) = (seconds / 3600, seconds % 3600 / 60, seconds % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 || out.is_empty() {
        out.push_str(&format!("{s}s"));
    }
    out
}

/// A log asked for: where, whose, how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogOrder {
    /// The zone.
    pub zone: ZoneId,
    /// The pod or workload.
    pub subject: LogSubject,
    /// The flags.
    pub settings: LogSettings,
}

/// What the log pane asks of the runner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogRequest {
    /// Open (or reopen with other settings) the session.
    Open(LogOrder),
    /// Stop every stream and forget the session.
    Close,
    /// Write the session's lines to a file in the state dir.
    Save,
}

/// Where one stream stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamState {
    /// The pod has not started yet: it joins when it runs.
    Waiting,
    /// Asking the server.
    Connecting,
    /// Several containers and none chosen: waiting for a choice.
    ChooseContainer,
    /// Lines flow.
    Streaming,
    /// The log (or the container) ended.
    Ended,
    /// The server could not serve it, or the stream broke: why.
    Failed(String),
    /// The pod is gone.
    Gone,
}

/// One pod's stream in a session.
#[derive(Debug)]
pub struct LogStream {
    /// The pod.
    pub pod: String,
    /// The container streamed, once known.
    pub container: Option<String>,
    /// What the interleaved log calls it.
    pub label: String,
    /// Where it stands.
    pub state: StreamState,
    /// The pod's restart count when the stream opened (a higher one means a new instance).
    restarts: u32,
    /// Bumped at each (re)start; reports of an older start are ignored.
    generation: u32,
    task: Option<AbortHandle>,
}

/// One log session: its order, lines and streams.
#[derive(Debug)]
pub struct LogSession {
    /// Tells this session's reports from a closed one's.
    pub id: u64,
    /// What was asked.
    pub order: LogOrder,
    /// The lines.
    pub buffer: LogBuffer,
    /// One per pod, in the order they joined (a line's `source` indexes this).
    pub streams: Vec<LogStream>,
    /// The containers of the (first) pod, for the chooser.
    pub containers: Option<PodContainers>,
    /// Why nothing can be streamed at all (zone not configured, workload gone).
    pub problem: Option<String>,
    reports: mpsc::Sender<LogReport>,
    /// The model was compared once: pods found from now on joined later.
    observed: bool,
}

impl LogSession {
    /// The stream of `pod`, if it joined.
    pub fn stream(&self, pod: &str) -> Option<&LogStream> {
        self.streams.iter().find(|s| s.pod == pod)
    }

    /// True when a line should carry its pod's prefix (a workload's interleaved log).
    pub fn prefixed(&self) -> bool {
        matches!(self.order.subject, LogSubject::Workload(_))
    }

    /// True while any stream may still bring lines (or a pod may still join).
    pub fn live(&self) -> bool {
        let open = self.streams.iter().any(|s| {
            matches!(
                s.state,
                StreamState::Waiting | StreamState::Connecting | StreamState::Streaming
            )
        });
        open || (self.prefixed() && self.order.settings.follow && self.problem.is_none())
    }

    /// The longest pod label, for aligned prefixes.
    pub fn label_width(&self) -> usize {
        self.streams
            .iter()
            .map(|s| unicode_width::UnicodeWidthStr::width(s.label.as_str()))
            .max()
            .unwrap_or(0)
    }

    fn note(&mut self, source: Option<usize>, kind: LineKind, text: String) {
        self.buffer.push(LogLine::note(source, kind, text));
    }
}

impl Drop for LogSession {
    fn drop(&mut self) {
        for stream in &self.streams {
            if let Some(task) = &stream.task {
                task.abort();
            }
        }
    }
}

/// The console's (or a command's) log session and what it needs to start streams.
pub struct LogDesk {
    session: Option<LogSession>,
    next_id: u64,
    keep_lines: usize,
    /// Where every stream of every session reports.
    reports: mpsc::Sender<LogReport>,
}

impl std::fmt::Debug for LogDesk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogDesk")
            .field("session", &self.session.as_ref().map(|s| s.id))
            .finish_non_exhaustive()
    }
}

/// Reports a desk's streams send, at most this many batches waiting.
const REPORTS_QUEUED: usize = 64;

impl LogDesk {
    /// A desk keeping `keep_lines` lines per session; its streams report on the receiver.
    pub fn new(keep_lines: usize) -> (LogDesk, mpsc::Receiver<LogReport>) {
        let (reports, rx) = mpsc::channel(REPORTS_QUEUED);
        (
            LogDesk {
                session: None,
                next_id: 1,
                keep_lines: keep_lines.max(1),
                reports,
            },
            rx,
        )
    }

    /// The open session.
    pub fn session(&self) -> Option<&LogSession> {
        self.session.as_ref()
    }

    /// Opens a session (closing the one before); a pod's stream starts at once, a workload's
    /// pods join at the next [`LogDesk::observe`].
    pub fn open(&mut self, order: LogOrder, ctx: &ActionContext) {
        let id = self.next_id;
        self.next_id += 1;
        let mut session = LogSession {
            id,
            order,
            buffer: LogBuffer::new(self.keep_lines),
            streams: Vec::new(),
            containers: None,
            problem: None,
            reports: self.reports.clone(),
            observed: false,
        };
        if ctx.zone(session.order.zone).is_none() {
            let why = format!("✗ zone {} is not configured", session.order.zone);
            session.note(None, LineKind::Problem, why.clone());
            session.problem = Some(why);
        } else if let LogSubject::Pod(key) = &session.order.subject {
            let (pod, label) = (key.name.clone(), key.name.clone());
            join(&mut session, ctx, pod, label, 0, None);
        }
        self.session = Some(session);
    }

    /// Stops every stream and forgets the session.
    pub fn close(&mut self) {
        self.session = None;
    }

    /// Brings a workload's streams in line with its pods in `fleet` (joined, gone,
    /// restarted), and marks a single pod that went away.
    pub fn observe(&mut self, fleet: &Fleet, ctx: &ActionContext) {
        let Some(session) = &mut self.session else {
            return;
        };
        let Some(zone) = fleet.zone(session.order.zone) else {
            return;
        };
        if zone.state() != crate::fleet::ZoneState::Live {
            // A zone that is not live has no trustworthy pod list: nothing joins or goes.
            return;
        }
        let subject = session.order.subject.clone();
        let pods: Vec<&PodInfo> = match &subject {
            LogSubject::Workload(key) => {
                if !zone.workloads.contains_key(key) && session.problem.is_none() {
                    let note = format!("✗ {key} is not in the zone (deleted, or a typo?)");
                    session.note(None, LineKind::Problem, note.clone());
                    session.problem = Some(note);
                }
                workload_pods(zone, key)
            }
            LogSubject::Pod(key) => zone.pods.get(key).into_iter().collect(),
        };
        reconcile(session, &pods, ctx);
        session.observed = true;
    }

    /// Applies a stream's report; true when the screen changed.
    pub fn on_report(&mut self, report: LogReport) -> bool {
        let Some(session) = &mut self.session else {
            return false;
        };
        if report.session != session.id {
            return false;
        }
        let source = report.source;
        let Some(stream) = session.streams.get_mut(source) else {
            return false;
        };
        if stream.generation != report.generation {
            return false;
        }
        match report.report {
            StreamReport::Containers(containers) => {
                if source == 0 || session.containers.is_none() {
                    session.containers = Some(containers);
                }
                false
            }
            StreamReport::ChooseContainer => {
                stream.state = StreamState::ChooseContainer;
                stream.task = None;
                true
            }
            StreamReport::Streaming { container } => {
                stream.state = StreamState::Streaming;
                stream.container = Some(container);
                true
            }
            StreamReport::Lines { lines, dropped } => {
                session.buffer.lost_on_the_way(dropped);
                session.buffer.extend(lines);
                true
            }
            StreamReport::Ended(result) => {
                stream.task = None;
                let label = stream.label.clone();
                match result {
                    Ok(()) => {
                        if stream.state != StreamState::Gone {
                            stream.state = StreamState::Ended;
                        }
                        let text = if session.order.settings.follow {
                            format!("— {label}: log stream ended —")
                        } else {
                            format!("— {label}: end of log —")
                        };
                        session.note(Some(source), LineKind::Note, text);
                    }
                    Err(e) => {
                        let message = e.to_string();
                        stream.state = StreamState::Failed(message.clone());
                        session.note(
                            Some(source),
                            LineKind::Problem,
                            format!("✗ {label}: {message}"),
                        );
                    }
                }
                true
            }
        }
    }

    /// Writes the session's lines to `saved-logs/` in the state dir (the file named after the
    /// zone, the subject and `now`); the file's path and the number of lines written.
    pub fn save(
        &self,
        state_dir: &std::path::Path,
        zone_name: &str,
        now: jiff::Timestamp,
    ) -> Result<(PathBuf, usize), String> {
        let Some(session) = &self.session else {
            return Err("no log is open".into());
        };
        let dir = state_dir.join("saved-logs");
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let name = match &session.order.subject {
            LogSubject::Pod(key) => format!("{}-{}", key.namespace, key.name),
            LogSubject::Workload(key) => format!("{}-{}", key.namespace, key.name),
        };
        let stamp = now.strftime("%Y%m%dT%H%M%SZ");
        let path = dir.join(format!(
            "{}-{stamp}.log",
            file_safe(&format!("{zone_name}-{name}"))
        ));
        let mut text = String::new();
        for line in session.buffer.lines() {
            text.push_str(&saved_line(session, line));
            text.push('\n');
        }
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        Ok((path, session.buffer.len()))
    }
}

/// A line as saved and printed: `[label] text` in a workload's log, the text in a pod's.
pub fn saved_line(session: &LogSession, line: &LogLine) -> String {
    match line.source.and_then(|s| session.streams.get(s)) {
        Some(stream) if session.prefixed() => format!("[{}] {}", stream.label, line.plain()),
        _ => line.plain(),
    }
}

/// `name` with nothing a file name should not hold.
fn file_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// True when a pod's containers have started, so its log can be read.
fn started(pod: &PodInfo) -> bool {
    pod.phase != "Pending"
}

/// Joins, marks gone and restarts the session's streams against `pods` (the subject's pods in
/// the live model).
fn reconcile(session: &mut LogSession, pods: &[&PodInfo], ctx: &ActionContext) {
    let workload = match &session.order.subject {
        LogSubject::Workload(key) => Some(key.name.clone()),
        LogSubject::Pod(_) => None,
    };
    // Gone: streams whose pod left the model.
    for i in 0..session.streams.len() {
        let stream = &mut session.streams[i];
        if stream.state == StreamState::Gone || pods.iter().any(|p| p.name == stream.pod) {
            continue;
        }
        // Its stream is left to end by itself: a deleted pod's container writes its last
        // lines while it shuts down, and the server ends the stream when it stops.
        stream.state = StreamState::Gone;
        let text = format!("— pod {} gone —", stream.pod);
        session.note(Some(i), LineKind::Note, text);
    }
    for pod in pods {
        match session.streams.iter().position(|s| s.pod == pod.name) {
            None => {
                let Some(workload) = &workload else {
                    continue;
                };
                let label = short_label(workload, &pod.name, pod.template_hash.as_deref());
                let index = session.streams.len();
                session.streams.push(LogStream {
                    pod: pod.name.clone(),
                    container: None,
                    label,
                    state: StreamState::Waiting,
                    restarts: pod.restarts,
                    generation: 0,
                    task: None,
                });
                if started(pod) {
                    start(session, ctx, index, pod.restarts);
                    if session.observed {
                        let text = format!("— pod {} joined —", pod.name);
                        session.note(Some(index), LineKind::Note, text);
                    }
                }
            }
            Some(index) => {
                let stream = &session.streams[index];
                let waiting_started = stream.state == StreamState::Waiting && started(pod);
                let restarted = stream.state == StreamState::Ended
                    && session.order.settings.follow
                    && pod.restarts > stream.restarts;
                if waiting_started {
                    start(session, ctx, index, pod.restarts);
                    let text = format!("— pod {} joined —", pod.name);
                    session.note(Some(index), LineKind::Note, text);
                } else if restarted {
                    let text = format!("— {} restarted (restart {}) —", pod.name, pod.restarts);
                    session.note(Some(index), LineKind::Note, text);
                    start(session, ctx, index, pod.restarts);
                }
            }
        }
    }
}

/// Adds `pod`'s stream to `session` and starts it.
fn join(
    session: &mut LogSession,
    ctx: &ActionContext,
    pod: String,
    label: String,
    restarts: u32,
    container: Option<String>,
) {
    session.streams.push(LogStream {
        pod,
        container,
        label,
        state: StreamState::Waiting,
        restarts,
        generation: 0,
        task: None,
    });
    let index = session.streams.len() - 1;
    start(session, ctx, index, restarts);
}

/// (Re)starts stream `index` of `session` as a follower task.
fn start(session: &mut LogSession, ctx: &ActionContext, index: usize, restarts: u32) {
    let Some(zone) = ctx.zone(session.order.zone).cloned() else {
        return;
    };
    let namespace = match &session.order.subject {
        LogSubject::Pod(key) => key.namespace.clone(),
        LogSubject::Workload(key) => key.namespace.clone(),
    };
    let single = !session.prefixed();
    let keep = session.buffer.capacity();
    let Some(stream) = session.streams.get_mut(index) else {
        return;
    };
    if let Some(task) = stream.task.take() {
        task.abort();
    }
    stream.generation += 1;
    stream.restarts = restarts;
    stream.state = StreamState::Connecting;
    let spec = FollowSpec {
        session: session.id,
        source: index,
        generation: stream.generation,
        zone,
        namespace,
        pod: stream.pod.clone(),
        options: session.order.settings.options(),
        ask_container: single,
        max_pending: keep,
    };
    let task = tokio::spawn(follow(ctx.clients.clone(), spec, session.reports.clone()));
    stream.task = Some(task.abort_handle());
}

#[cfg(test)]
#[path = "logs_tests.rs"]
mod tests;
