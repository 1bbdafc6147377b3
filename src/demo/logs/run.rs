//! Which run of a container a log request reads, decided from the pod's status as the kubelet
//! decides it (with the kubelet's messages when there is none), and that run's lines.

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use super::profiles::{Ctx, Ending, Profile};
use super::timeline::{Part, Section, Timeline};
use crate::demo::factory::{fnv64, parse_timestamp};

/// Time between the lines a program writes while it starts.
const STARTUP_GAP: SignedDuration = SignedDuration::from_millis(40);
/// Time between a program's last words.
const CLOSING_GAP: SignedDuration = SignedDuration::from_millis(30);
/// How long after being asked to stop a program writes its last words.
const STOP_DELAY: SignedDuration = SignedDuration::from_millis(150);

/// How a run's lines come about.
#[derive(Debug, Clone)]
enum Shape {
    /// A container still running: startup lines, steady lines, and its last words once the pod
    /// is being deleted.
    Live {
        started: Timestamp,
        startup: Vec<Vec<u8>>,
        rate: f64,
        stop: Option<Timestamp>,
    },
    /// A run that has ended: everything it wrote, the last line at its end.
    Finished {
        lines: Vec<Vec<u8>>,
        first: Timestamp,
    },
}

/// One run of a container, whose log a request reads.
#[derive(Debug, Clone)]
pub struct Run {
    profile: Profile,
    ctx: Ctx,
    shape: Shape,
    /// Names the run: a different identity means the container restarted or the pod was
    /// replaced, and a follow of the old run ends.
    pub identity: String,
}

/// The JSON object of a container's status, if the pod has one for it.
fn container_status<'a>(pod: &'a Value, container: &str) -> Option<&'a Value> {
    [
        "containerStatuses",
        "initContainerStatuses",
        "ephemeralContainerStatuses",
    ]
    .iter()
    .flat_map(|field| pod["status"][field].as_array().into_iter().flatten())
    .find(|status| status["name"] == container)
}

/// The container's image as the pod spec asks for it.
fn spec_image<'a>(pod: &'a Value, container: &str) -> &'a str {
    ["containers", "initContainers", "ephemeralContainers"]
        .iter()
        .flat_map(|field| pod["spec"][field].as_array().into_iter().flatten())
        .find(|c| c["name"] == container)
        .and_then(|c| c["image"].as_str())
        .unwrap_or_default()
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or_default()
}

/// The run of `container` a request reads (`previous`: the last terminated one), or the
/// kubelet's error message when there is none to read.
pub fn resolve(pod: &Value, container: &str, previous: bool, rate: f64) -> Result<Run, String> {
    let pod_name = text(&pod["metadata"]["name"]);
    let status = container_status(pod, container)
        .ok_or_else(|| format!("container {container:?} in pod {pod_name:?} is not available"))?;
    let last = &status["lastState"]["terminated"];
    let state = &status["state"];
    let has_id = |terminated: &Value| !text(&terminated["containerID"]).is_empty();
    let image = spec_image(pod, container);
    let profile = Profile::of(image);
    let mut ctx = Ctx {
        pod: pod_name.to_string(),
        namespace: text(&pod["metadata"]["namespace"]).to_string(),
        container: container.to_string(),
        tag: image
            .rsplit_once(':')
            .map(|(_, tag)| tag)
            .filter(|t| !t.contains('/'))
            .unwrap_or_default()
            .to_string(),
        pod_ip: text(&pod["status"]["podIP"]).to_string(),
        host_ip: text(&pod["status"]["hostIP"]).to_string(),
        node: text(&pod["spec"]["nodeName"]).to_string(),
        seed: 0,
    };
    let uid = text(&pod["metadata"]["uid"]);
    let finished =
        |terminated: &Value, ctx: Ctx| -> Run { finished_run(profile, ctx, terminated, uid) };
    if previous {
        if last.is_object() && has_id(last) {
            return Ok(finished(last, ctx));
        }
        return Err(format!(
            "previous terminated container {container:?} in pod {pod_name:?} not found"
        ));
    }
    if let Some(running) = state["running"].as_object() {
        let started = running
            .get("startedAt")
            .and_then(Value::as_str)
            .and_then(parse_timestamp)
            .unwrap_or_else(Timestamp::now);
        let container_id = text(&status["containerID"]);
        let identity = format!("{uid}/{container_id}/{started}");
        ctx.seed = fnv64(identity.as_bytes());
        let stop = stop_time(pod).map(|stop| stop.max(started));
        let startup = profile.startup(&ctx, &|i| spaced(started, STARTUP_GAP, i));
        return Ok(Run {
            profile,
            ctx,
            shape: Shape::Live {
                started,
                startup,
                rate: rate * profile.share(),
                stop,
            },
            identity,
        });
    }
    let terminated = &state["terminated"];
    if terminated.is_object() {
        if has_id(terminated) {
            return Ok(finished(terminated, ctx));
        }
        if last.is_object() && has_id(last) {
            return Ok(finished(last, ctx));
        }
        return Err(format!(
            "container {container:?} in pod {pod_name:?} is terminated"
        ));
    }
    if last.is_object() {
        if has_id(last) {
            return Ok(finished(last, ctx));
        }
        return Err(format!(
            "container {container:?} in pod {pod_name:?} is terminated"
        ));
    }
    match state["waiting"]["reason"].as_str() {
        Some("ErrImagePull") => Err(format!(
            "container {container:?} in pod {pod_name:?} is waiting to start: image can't be pulled"
        )),
        Some("ImagePullBackOff") => Err(format!(
            "container {container:?} in pod {pod_name:?} is waiting to start: trying and failing to pull image"
        )),
        Some(reason) => Err(format!(
            "container {container:?} in pod {pod_name:?} is waiting to start: {reason}"
        )),
        None => Err(format!(
            "container {container:?} in pod {pod_name:?} is waiting to start - no logs yet"
        )),
    }
}

/// `start + index * gap`.
fn spaced(start: Timestamp, gap: SignedDuration, index: usize) -> Timestamp {
    let offset = gap
        .checked_mul(i32::try_from(index).unwrap_or(i32::MAX))
        .unwrap_or(SignedDuration::ZERO);
    start.checked_add(offset).unwrap_or(start)
}

/// When the pod was asked to stop: its deletion time less its grace period.
fn stop_time(pod: &Value) -> Option<Timestamp> {
    let deadline = parse_timestamp(pod["metadata"]["deletionTimestamp"].as_str()?)?;
    let grace = pod["metadata"]["deletionGracePeriodSeconds"]
        .as_i64()
        .unwrap_or(0);
    deadline.checked_sub(SignedDuration::from_secs(grace)).ok()
}

/// A run that has ended, from its `terminated` state: all its lines, the last at its end.
fn finished_run(profile: Profile, mut ctx: Ctx, terminated: &Value, uid: &str) -> Run {
    let finished = terminated["finishedAt"]
        .as_str()
        .and_then(parse_timestamp)
        .unwrap_or_else(Timestamp::now);
    let ending = match terminated["exitCode"].as_i64().unwrap_or(0) {
        0 => Ending::Completed,
        code => Ending::Crashed(code),
    };
    let identity = format!(
        "{uid}/{}/{}/ended",
        text(&terminated["containerID"]),
        finished
    );
    ctx.seed = fnv64(identity.as_bytes());
    let count = profile.finished_run(&ctx, ending, &|_| finished).len();
    let span = STARTUP_GAP
        .checked_mul(i32::try_from(count.saturating_sub(1)).unwrap_or(0))
        .unwrap_or(SignedDuration::ZERO);
    let first = finished.checked_sub(span).unwrap_or(finished);
    let lines = profile.finished_run(&ctx, ending, &|i| spaced(first, STARTUP_GAP, i));
    Run {
        profile,
        ctx,
        shape: Shape::Finished { lines, first },
        identity,
    }
}

impl Run {
    /// The run's lines as written by `now`. A follow passes the time of the last line it sent
    /// as `floor`, so a stop noticed late never moves lines it already sent.
    pub fn timeline(&self, now: Timestamp, floor: Option<Timestamp>) -> Timeline {
        match &self.shape {
            Shape::Finished { lines, first } => {
                let section =
                    Section::spaced(Part::Startup, lines.len() as u64, *first, STARTUP_GAP);
                Timeline {
                    sections: vec![section],
                    complete: true,
                }
            }
            Shape::Live {
                started,
                startup,
                rate,
                stop,
            } => {
                let stop = stop.map(|stop| floor.map_or(stop, |floor| stop.max(floor)));
                let mut startup_section =
                    Section::spaced(Part::Startup, startup.len() as u64, *started, STARTUP_GAP);
                startup_section.count = startup_section.count_at_or_before(now);
                let steady_from = spaced(*started, STARTUP_GAP, startup.len());
                let until = stop.map_or(now, |stop| stop.min(now));
                let steady = Section::steady(steady_from, *rate, self.ctx.seed, until);
                let mut sections = vec![startup_section, steady];
                let mut complete = false;
                if let Some(stop) = stop {
                    let first = stop.checked_add(STOP_DELAY).unwrap_or(stop);
                    let closing = self.closing_lines(first).len() as u64;
                    let mut section = Section::spaced(Part::Closing, closing, first, CLOSING_GAP);
                    section.count = section.count_at_or_before(now);
                    complete = section.count == closing;
                    sections.push(section);
                }
                Timeline { sections, complete }
            }
        }
    }

    /// The container was stopped at `at` (its pod is gone): it writes its last words then.
    /// A run that already has a stop or has ended keeps it.
    pub fn stop_at(&mut self, at: Timestamp) {
        if let Shape::Live {
            stop: stop @ None, ..
        } = &mut self.shape
        {
            *stop = Some(at);
        }
    }

    /// About how many lines a second the run writes while it runs.
    pub fn rate(&self) -> f64 {
        match &self.shape {
            Shape::Live { rate, .. } => *rate,
            Shape::Finished { .. } => 0.0,
        }
    }

    fn closing_lines(&self, first: Timestamp) -> Vec<Vec<u8>> {
        self.profile.closing(&self.ctx, Ending::Stopped, &|i| {
            spaced(first, CLOSING_GAP, i)
        })
    }

    /// The line at `position` of `timeline` and when it was written.
    pub fn line(&self, timeline: &Timeline, position: u64) -> Option<(Timestamp, Vec<u8>)> {
        let (section, index) = timeline.locate(position)?;
        let at = section.time_of(index);
        let stored = |lines: &[Vec<u8>]| lines.get(usize::try_from(index).ok()?).cloned();
        let line = match (&self.shape, section.part) {
            (Shape::Finished { lines, .. }, _) => stored(lines)?,
            (Shape::Live { startup, .. }, Part::Startup) => stored(startup)?,
            (Shape::Live { .. }, Part::Steady) => self.profile.steady(&self.ctx, index, at),
            (Shape::Live { .. }, Part::Closing) => stored(&self.closing_lines(section.time_of(0)))?,
        };
        Some((at, line))
    }
}
