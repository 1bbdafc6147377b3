//! Latency benchmark: the console's own event → frame and key → frame times, measured from
//! inside with `--trace-latency`, on the demo fleet. Run with `cargo bench --bench latency`;
//! it prints a table (the README's performance section shows it).
//!
//! - churn: `demo --serve --pods-per-zone 10000 --load-namespace ge-agents --churn 600` (3 ×
//!   10,000 pods the console watches, 200 pod updates a second in each zone); the console runs
//!   in a real tmux pane with `--trace-latency`; once its first complete frame is drawn and
//!   it has settled, its CPU use is taken over [`WINDOW`] with no key pressed (as the
//!   reflectors get none), then a key is pressed every 150 ms for another [`WINDOW`]; every
//!   model change and key of both windows is taken from the trace, and its RSS at the end. The
//!   updates move a label and a probe time, which the console leaves out of its model: no
//!   model change, so no event → frame figure.
//! - churn-restarts: the same with `--churn-restarts 1`: every update also counts a restart,
//!   a model change, and the trace times each one to the frame that shows it.
//! - sync: `--pods-per-zone 50000 --load-namespace ge-agents`, no churn; keys are pressed from
//!   the console's start until its first complete frame, while 3 × 50,000 pods are listed.
//! - the churn case's baseline: plain kube-rs reflectors of the same kinds on the same fleet
//!   and churn, alone once the console has stopped; their CPU over the same window is what the
//!   console's is compared with.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[path = "common/bare_reflectors.rs"]
mod bare_reflectors;
#[path = "common/mod.rs"]
mod common;

use common::{cpu_ticks, percent_of_core, rss_kib};

const BIN: &str = env!("CARGO_BIN_EXE_ge-console");
/// How long the churn case is measured.
const WINDOW: Duration = Duration::from_secs(20);
/// Time between two keys.
const KEY_EVERY: Duration = Duration::from_millis(150);

/// The demo fleet, serving until dropped.
struct Fleet {
    child: Child,
    kubeconfig: String,
}

impl Drop for Fleet {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_fleet(state: &Path, pods_per_zone: usize, churn: f64, restart_share: f64) -> Fleet {
    let mut child = Command::new(BIN)
        .args([
            "demo",
            "--serve",
            "--pods-per-zone",
            &pods_per_zone.to_string(),
            "--load-namespace",
            "ge-agents",
            "--churn",
            &churn.to_string(),
            "--churn-restarts",
            &restart_share.to_string(),
        ])
        .env("GE_CONSOLE_STATE", state)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the demo fleet");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut kubeconfig = None;
    for line in lines.by_ref() {
        let line = line.expect("read fleet output");
        if let Some(path) = line.strip_prefix("kubeconfig: ") {
            kubeconfig = Some(path.to_string());
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    Fleet {
        child,
        kubeconfig: kubeconfig.expect("the fleet printed its kubeconfig"),
    }
}

/// The console in a tmux pane, killed when dropped.
struct Console {
    session: String,
    log: PathBuf,
    trace: PathBuf,
}

impl Console {
    fn start(fleet: &Fleet, state: &Path, name: &str) -> Console {
        let session = format!("ge-latency-{name}-{}", std::process::id());
        let _ = std::fs::remove_dir_all(state.join("logs"));
        let trace = state.join(format!("latency-{name}.txt"));
        let command = format!(
            "GE_CONSOLE_STATE={} GE_CONSOLE_CONFIG={} exec {} --kubeconfig {} --trace-latency {}",
            state.display(),
            state.join("none").display(),
            BIN,
            fleet.kubeconfig,
            trace.display()
        );
        let ok = Command::new("tmux")
            .args([
                "new-session",
                "-d",
                "-s",
                &session,
                "-x",
                "200",
                "-y",
                "50",
                &command,
            ])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "tmux new-session (is tmux installed?)");
        Console {
            session,
            log: state.join("logs").join("ge-console.log"),
            trace,
        }
    }

    fn first_frame_drawn(&self) -> bool {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .contains("first complete frame")
    }

    fn pid(&self) -> Option<u32> {
        let out = Command::new("tmux")
            .args(["display-message", "-p", "-t", &self.session, "#{pane_pid}"])
            .output()
            .ok()?;
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    }

    /// Moves the overview's selection: a key whose frame differs from the one before.
    fn press(&self, n: usize) {
        let key = if n.is_multiple_of(2) { "Right" } else { "Left" };
        let _ = Command::new("tmux")
            .args(["send-keys", "-t", &self.session, key])
            .status();
    }

    /// The trace's records from byte `from` on: (label, microseconds).
    fn records(&self, from: usize) -> Vec<(String, u64)> {
        let text = std::fs::read_to_string(&self.trace).unwrap_or_default();
        text.get(from..)
            .unwrap_or("")
            .lines()
            .filter_map(|l| {
                let (label, micros) = l.split_once(' ')?;
                Some((label.to_string(), micros.parse().ok()?))
            })
            .collect()
    }

    fn trace_len(&self) -> usize {
        std::fs::metadata(&self.trace).map_or(0, |m| m.len() as usize)
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.session])
            .status();
    }
}

/// p50, p95, p99 and max of `micros`, in milliseconds, with the count.
fn percentiles(mut micros: Vec<u64>) -> String {
    if micros.is_empty() {
        return "n/a".into();
    }
    micros.sort_unstable();
    let at = |q: f64| {
        let i = ((micros.len() as f64 - 1.0) * q).round() as usize;
        micros[i.min(micros.len() - 1)] as f64 / 1000.0
    };
    format!(
        "{:.1} / {:.1} / {:.1} / {:.1} ms (n={})",
        at(0.5),
        at(0.95),
        at(0.99),
        at(1.0),
        micros.len()
    )
}

fn of(records: &[(String, u64)], label: &str) -> Vec<u64> {
    records
        .iter()
        .filter(|(l, _)| l == label)
        .map(|(_, m)| *m)
        .collect()
}

fn wait_first_frame(console: &Console, within: Duration, mut each: impl FnMut(usize)) -> Duration {
    let started = Instant::now();
    let mut n = 0;
    while !console.first_frame_drawn() {
        assert!(started.elapsed() < within, "no first complete frame");
        each(n);
        n += 1;
        std::thread::sleep(KEY_EVERY);
    }
    started.elapsed()
}

/// Plain kube-rs reflectors (see [`bare_reflectors`]) on `fleet`, once synced and settled:
/// their CPU use over [`WINDOW`] (% of one core) and their RSS (KiB).
fn bare_reflectors_cpu(fleet: &Fleet) -> (f64, u64) {
    let exe = std::env::current_exe().expect("the benchmark's own path");
    let mut child = Command::new(exe)
        .args([bare_reflectors::FLAG, &fleet.kubeconfig])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the bare reflectors");
    let stdout = child.stdout.take().expect("stdout");
    let synced = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .any(|l| l == bare_reflectors::SYNCED);
    assert!(synced, "the bare reflectors synced");
    std::thread::sleep(Duration::from_secs(3));
    let pid = child.id();
    let before = cpu_ticks(pid).unwrap_or(0);
    let started = Instant::now();
    std::thread::sleep(WINDOW);
    let used = cpu_ticks(pid).unwrap_or(before).saturating_sub(before);
    let rss = rss_kib(pid).unwrap_or(0);
    let _ = child.kill();
    let _ = child.wait();
    (percent_of_core(used, started.elapsed()), rss)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == bare_reflectors::FLAG) {
        let kubeconfig = args.get(at + 1).expect("a kubeconfig after the flag");
        bare_reflectors::run(kubeconfig);
        return;
    }
    // `cargo bench` passes `--bench`; a case name filters.
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let wanted = |case: &str| filter.is_empty() || filter.iter().any(|f| case.contains(f));
    println!(
        "| case | event → frame p50 / p95 / p99 / max | key → frame p50 / p95 / p99 / max | console CPU | console RSS |"
    );
    println!("|---|---|---|---|---|");

    if wanted("churn") {
        churn_case(0.0, "labels and probe times, which the console leaves out");
    }
    if wanted("churn-restarts") {
        churn_case(1.0, "each also counts a restart, which the console shows");
    }

    if wanted("sync") {
        let state = tempfile::tempdir().expect("temp dir");
        let fleet = start_fleet(state.path(), 50_000, 0.0, 0.0);
        let console = Console::start(&fleet, state.path(), "sync");
        let took = wait_first_frame(&console, Duration::from_secs(180), |n| console.press(n));
        std::thread::sleep(Duration::from_millis(200));
        let records = console.records(0);
        let rss = console.pid().and_then(rss_kib).unwrap_or(0);
        println!(
            "| 3 × 50,000 pods in ge-agents, keys while they sync (first complete frame {} ms) | {} | {} | – | {} MiB |",
            took.as_millis(),
            percentiles(of(&records, "model")),
            percentiles(of(&records, "key")),
            rss / 1024
        );
    }
}

/// The churn case: 3 × 10,000 pods in ge-agents and 3 × 200 updates/s, `restart_share` of them
/// counting a container restart (what the updates move: `moves`), then the bare reflectors on
/// the same fleet and churn once the console has stopped.
fn churn_case(restart_share: f64, moves: &str) {
    let state = tempfile::tempdir().expect("temp dir");
    let fleet = start_fleet(state.path(), 10_000, 600.0, restart_share);
    let console = Console::start(&fleet, state.path(), "churn");
    wait_first_frame(&console, Duration::from_secs(120), |_| {});
    // Settle: the first lists are behind us.
    std::thread::sleep(Duration::from_secs(3));
    let from = console.trace_len();
    let pid = console.pid().expect("console pid");
    // CPU is taken over a window of its own with no key pressed, as the reflectors get none.
    let before = cpu_ticks(pid).unwrap_or(0);
    let started = Instant::now();
    std::thread::sleep(WINDOW);
    let used = cpu_ticks(pid).unwrap_or(before).saturating_sub(before);
    let cpu = percent_of_core(used, started.elapsed());
    let started = Instant::now();
    let mut n = 0;
    while started.elapsed() < WINDOW {
        console.press(n);
        n += 1;
        std::thread::sleep(KEY_EVERY);
    }
    let rss = rss_kib(pid).unwrap_or(0);
    // The last frame's records are written when it is flushed.
    std::thread::sleep(Duration::from_millis(200));
    let records = console.records(from);
    // The baseline runs alone on the same fleet and churn: the console is stopped first.
    drop(console);
    let (bare_cpu, bare_rss) = bare_reflectors_cpu(&fleet);
    println!(
        "| 3 × 10,000 pods in ge-agents, 3 × 200 updates/s: {moves} | {} | {} | {:.1} % ({:.2}× bare reflectors) | {} MiB |",
        percentiles(of(&records, "model")),
        percentiles(of(&records, "key")),
        cpu,
        cpu / bare_cpu.max(0.01),
        rss / 1024
    );
    println!(
        "| bare kube-rs reflectors (full objects, same kinds, cluster-wide), same fleet and churn | – | – | {:.1} % | {} MiB |",
        bare_cpu,
        bare_rss / 1024
    );
}
