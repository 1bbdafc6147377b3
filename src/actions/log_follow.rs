//! One follower task per pod stream: it reads the pod's containers, opens its log through
//! `cluster::logs`, decodes and styles the lines off the event loop, and reports them in
//! batches. A flood stays cheap for the console: lines are sent at most every
//! [`BATCH_INTERVAL`] (or [`MAX_BATCH`] at a time); when the console is behind and the
//! channel is full, the follower keeps reading (the server is never held up) and drops its
//! oldest waiting lines, counting them, so the pane can say how many it lost.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TrySendError;
use tokio::time::Instant;

use super::log_buffer::LogLine;
use crate::cluster::ZoneClients;
use crate::cluster::logs::{LogError, LogOptions, PodContainers, open_log, pod_containers};
use crate::config::ZoneConfig;

/// The longest a line waits in its follower before it is sent.
pub const BATCH_INTERVAL: Duration = Duration::from_millis(50);
/// The most lines sent in one report.
pub const MAX_BATCH: usize = 2_000;

/// What one follower reports about its stream.
#[derive(Debug)]
pub enum StreamReport {
    /// The pod's containers (for the chooser).
    Containers(PodContainers),
    /// The pod has several containers and none was chosen: nothing is streamed until one is.
    ChooseContainer,
    /// The server answered: lines of this container follow.
    Streaming {
        /// The container streamed.
        container: String,
    },
    /// Lines, oldest first, and how many were dropped before them because the console was
    /// behind.
    Lines {
        /// The lines.
        lines: Vec<LogLine>,
        /// Lines dropped on the way.
        dropped: u64,
    },
    /// The stream ended: at the end of the log (or of the container), or with an error.
    Ended(Result<(), LogError>),
}

/// A report, addressed to its session and stream.
#[derive(Debug)]
pub struct LogReport {
    /// The log session it belongs to (a report of a closed session is ignored).
    pub session: u64,
    /// The stream within the session (an index into its sources).
    pub source: usize,
    /// Which start of that stream sent it (a restarted stream's old reports are ignored).
    pub generation: u32,
    /// What happened.
    pub report: StreamReport,
}

/// What one follower streams.
#[derive(Debug, Clone)]
pub struct FollowSpec {
    /// The log session.
    pub session: u64,
    /// The stream's index in the session.
    pub source: usize,
    /// This start of the stream.
    pub generation: u32,
    /// The pod's zone.
    pub zone: ZoneConfig,
    /// The pod's namespace.
    pub namespace: String,
    /// The pod.
    pub pod: String,
    /// The request (its container `None`: the pod's default, or ask when it has several).
    pub options: LogOptions,
    /// With several containers and none chosen: ask (true) rather than take the first.
    pub ask_container: bool,
    /// Lines a follower may hold while the console is behind (the pane keeps no more).
    pub max_pending: usize,
}

/// Follows one pod's log until its end, an error, or until the receiver goes away.
pub async fn follow(clients: ZoneClients, spec: FollowSpec, tx: mpsc::Sender<LogReport>) {
    let report = |report: StreamReport| LogReport {
        session: spec.session,
        source: spec.source,
        generation: spec.generation,
        report,
    };
    let ended = |e: LogError| report(StreamReport::Ended(Err(e)));
    let client = match clients.client(&spec.zone).await {
        Ok(client) => client,
        Err(reason) => {
            let _ = tx.send(ended(LogError::Failed(reason))).await;
            return;
        }
    };
    let mut options = spec.options.clone();
    if options.container.is_none() {
        let containers = match pod_containers(&client, &spec.namespace, &spec.pod).await {
            Ok(c) => c,
            Err(e) => {
                let _ = tx.send(ended(e)).await;
                return;
            }
        };
        let chosen = containers.preferred().map(str::to_string).or_else(|| {
            (!spec.ask_container)
                .then(|| containers.containers.first().cloned())
                .flatten()
        });
        if tx
            .send(report(StreamReport::Containers(containers)))
            .await
            .is_err()
        {
            return;
        }
        match chosen {
            Some(c) => options.container = Some(c),
            None => {
                let _ = tx.send(report(StreamReport::ChooseContainer)).await;
                return;
            }
        }
    }
    let mut lines = match open_log(&client, &spec.namespace, &spec.pod, &options).await {
        Ok(lines) => lines,
        Err(e) => {
            let _ = tx.send(ended(e)).await;
            return;
        }
    };
    let container = options.container.clone().unwrap_or_default();
    if tx
        .send(report(StreamReport::Streaming { container }))
        .await
        .is_err()
    {
        return;
    }
    let mut batch = Batch::new(spec.max_pending);
    let end = loop {
        let next = match batch.flush_at {
            Some(at) => match tokio::time::timeout_at(at, lines.next_line()).await {
                Ok(next) => next,
                Err(_) => {
                    if !batch.flush(&tx, &report) {
                        return;
                    }
                    continue;
                }
            },
            None => lines.next_line().await,
        };
        match next {
            Ok(Some(raw)) => {
                batch.push(LogLine::output(Some(spec.source), raw));
                if batch.lines.len() >= MAX_BATCH && !batch.flush(&tx, &report) {
                    return;
                }
            }
            Ok(None) => break Ok(()),
            Err(e) => break Err(e),
        }
    };
    // The last lines wait for room: they are the end of the story.
    if !batch.lines.is_empty() || batch.dropped > 0 {
        let lines = std::mem::take(&mut batch.lines);
        let dropped = batch.dropped;
        if tx
            .send(report(StreamReport::Lines { lines, dropped }))
            .await
            .is_err()
        {
            return;
        }
    }
    let _ = tx.send(report(StreamReport::Ended(end))).await;
}

/// Lines waiting to be sent.
struct Batch {
    lines: Vec<LogLine>,
    dropped: u64,
    /// When the oldest waiting line is due (`None` while nothing waits).
    flush_at: Option<Instant>,
    max_pending: usize,
}

impl Batch {
    fn new(max_pending: usize) -> Batch {
        Batch {
            lines: Vec::new(),
            dropped: 0,
            flush_at: None,
            max_pending: max_pending.max(MAX_BATCH),
        }
    }

    fn push(&mut self, line: LogLine) {
        if self.lines.is_empty() {
            self.flush_at = Some(Instant::now() + BATCH_INTERVAL);
        }
        self.lines.push(line);
        if self.lines.len() > self.max_pending {
            let excess = self.lines.len() - self.max_pending;
            self.lines.drain(..excess);
            self.dropped += excess as u64;
        }
    }

    /// Sends the waiting lines if the channel has room (else they keep waiting and the oldest
    /// give way); false when the receiver is gone.
    fn flush(
        &mut self,
        tx: &mpsc::Sender<LogReport>,
        report: &impl Fn(StreamReport) -> LogReport,
    ) -> bool {
        if self.lines.is_empty() && self.dropped == 0 {
            self.flush_at = None;
            return true;
        }
        let lines = std::mem::take(&mut self.lines);
        let dropped = self.dropped;
        match tx.try_send(report(StreamReport::Lines { lines, dropped })) {
            Ok(()) => {
                self.dropped = 0;
                self.flush_at = None;
                true
            }
            Err(TrySendError::Full(back)) => {
                if let StreamReport::Lines { lines, .. } = back.report {
                    self.lines = lines;
                }
                self.flush_at = Some(Instant::now() + BATCH_INTERVAL);
                true
            }
            Err(TrySendError::Closed(_)) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::logs::RawLine;

    fn line(i: usize) -> LogLine {
        LogLine::output(Some(0), RawLine::Whole(format!("line {i}").into_bytes()))
    }

    fn spec_report(report: StreamReport) -> LogReport {
        LogReport {
            session: 1,
            source: 0,
            generation: 0,
            report,
        }
    }

    #[test]
    fn a_full_channel_keeps_lines_waiting_and_drops_the_oldest_beyond_the_limit() {
        let (tx, mut rx) = mpsc::channel(1);
        tx.try_send(spec_report(StreamReport::ChooseContainer))
            .unwrap();
        let mut batch = Batch::new(MAX_BATCH);
        for i in 0..MAX_BATCH + 500 {
            batch.push(line(i));
        }
        assert!(
            batch.flush(&tx, &spec_report),
            "the receiver is still there"
        );
        assert_eq!(
            batch.lines.len(),
            MAX_BATCH,
            "kept waiting, the oldest gone"
        );
        assert_eq!(batch.dropped, 500);
        assert!(batch.flush_at.is_some(), "tried again soon");
        rx.try_recv().unwrap();
        assert!(batch.flush(&tx, &spec_report));
        let Some(LogReport {
            report: StreamReport::Lines { lines, dropped },
            ..
        }) = rx.try_recv().ok()
        else {
            panic!("expected lines");
        };
        assert_eq!(dropped, 500);
        assert_eq!(lines[0].plain(), "line 500");
        assert_eq!(lines.len(), MAX_BATCH);
        assert!(batch.flush_at.is_none());
        drop(rx);
        batch.push(line(1));
        assert!(!batch.flush(&tx, &spec_report), "the receiver went away");
    }
}
