//! Scale benchmark: start-up time and memory of the demo fleet and of the console, at the demo's
//! default size and with 3 × 10,000 or 3 × 50,000 extra pods, either in `ge-load` (a namespace
//! no zone watches) or in `ge-agents` (a GE namespace the console shows). Run with
//! `cargo bench --bench scale`; it prints a Markdown table. Arguments pick cases by name
//! (`cargo bench --bench scale -- ge-agents`, `-- 50000`, `-- flood`; see [`CASES`]).
//!
//! Each side runs as its own process so their memory is measured apart:
//! - the fleet: `ge-console demo --serve --pods-per-zone N --load-namespace NS`; start-up is
//!   spawn → kubeconfig printed, memory is its RSS once serving;
//! - the console's model: `ge-console snapshot` against that fleet; time to every zone synced,
//!   and its peak RSS (from wait4's rusage of that child alone);
//! - the full-screen console in a real tmux pane: its own log line "first complete frame"
//!   (time from start to the first frame with every zone live) and its RSS then;
//! - key → screen while a workload's logs stream: `ge-console demo --log-rate 2500` in a tmux
//!   pane (ge-executor's two pods write 5,000 lines a second), its log pane open on the
//!   workload; `w` is pressed and the time until the pane's footer shows the change is taken,
//!   many times; with the console's CPU use and the lines it received and dropped meanwhile.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[path = "common/mod.rs"]
mod common;

use common::{cpu_ticks, percent_of_core, rss_kib};

const BIN: &str = env!("CARGO_BIN_EXE_ge-console");

/// Waits for `child` and returns its exit status and its own peak RSS (KiB). wait4 reports the
/// one child's usage, where getrusage(RUSAGE_CHILDREN) would report the largest of every child
/// reaped so far, an earlier case's fleet included.
fn wait_with_peak_rss(child: Child) -> (std::process::ExitStatus, u64) {
    use std::os::unix::process::ExitStatusExt;
    let pid = libc::pid_t::try_from(child.id()).expect("pid fits pid_t");
    let mut status = 0;
    // SAFETY: wait4 only fills the two structs we pass, for a child of ours not yet reaped.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        let reaped = libc::wait4(pid, &mut status, 0, &mut usage);
        assert_eq!(reaped, pid, "wait4 reaped the snapshot child");
        usage
    };
    (
        std::process::ExitStatus::from_raw(status),
        u64::try_from(usage.ru_maxrss).unwrap_or(0),
    )
}

struct Fleet {
    child: Child,
    kubeconfig: String,
    startup: Duration,
}

impl Drop for Fleet {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_fleet(state: &Path, case: &Case) -> Fleet {
    let started = Instant::now();
    let mut child = Command::new(BIN)
        .args([
            "demo",
            "--serve",
            "--pods-per-zone",
            &case.pods_per_zone.to_string(),
            "--load-namespace",
            case.namespace,
        ])
        .env("GE_CONSOLE_STATE", state)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the demo fleet");
    let stdout = child.stdout.take().expect("stdout");
    let mut kubeconfig = None;
    let mut lines = BufReader::new(stdout).lines();
    for line in lines.by_ref() {
        let line = line.expect("read fleet output");
        if let Some(path) = line.strip_prefix("kubeconfig: ") {
            kubeconfig = Some(path.to_string());
            break;
        }
    }
    let startup = started.elapsed();
    // Keep draining its output so the fleet never writes into a closed pipe.
    std::thread::spawn(move || for _ in lines {});
    Fleet {
        child,
        kubeconfig: kubeconfig.expect("the fleet printed its kubeconfig"),
        startup,
    }
}

fn snapshot(fleet: &Fleet, state: &Path) -> (Duration, u64) {
    let started = Instant::now();
    let child = Command::new(BIN)
        .args([
            "--kubeconfig",
            &fleet.kubeconfig,
            "snapshot",
            "--format",
            "json",
            "--timeout",
            "120",
        ])
        .env("GE_CONSOLE_STATE", state)
        .env("GE_CONSOLE_CONFIG", state.join("none"))
        .stdout(Stdio::null())
        .spawn()
        .expect("run snapshot");
    let (status, peak_kib) = wait_with_peak_rss(child);
    let synced = started.elapsed();
    assert!(
        status.code().is_some_and(|c| c <= 1),
        "snapshot saw every zone: {status}"
    );
    (synced, peak_kib)
}

/// What the full-screen console measured: first complete frame (ms), RSS then (KiB), and CPU
/// use while idle afterwards (percent of one core).
struct ConsoleFigures {
    first_frame_ms: u64,
    rss_kib: u64,
    idle_cpu_percent: f64,
}

/// How long the idle console is watched for its CPU use.
const IDLE_WINDOW: Duration = Duration::from_secs(5);

/// Runs the console in a tmux pane until its log says the first complete frame was drawn,
/// then watches its CPU use while nobody types.
fn console_first_frame(fleet: &Fleet, state: &Path) -> Option<ConsoleFigures> {
    let session = format!("ge-bench-{}", std::process::id());
    let log = state.join("logs").join("ge-console.log");
    // A new day's file is appended to: start from no logs at all, not only no link.
    let _ = std::fs::remove_dir_all(state.join("logs"));
    let command = format!(
        "GE_CONSOLE_STATE={} GE_CONSOLE_CONFIG={} exec {} --kubeconfig {}",
        state.display(),
        state.join("none").display(),
        BIN,
        fleet.kubeconfig
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
        .ok()?
        .success();
    if !ok {
        return None;
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut result = None;
    while Instant::now() < deadline {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if let Some(line) = text.lines().find(|l| l.contains("first complete frame")) {
            let elapsed: u64 = line
                .split("elapsed_ms=")
                .nth(1)
                .and_then(|s| s.split_whitespace().next())
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            let pid = Command::new("tmux")
                .args(["display-message", "-p", "-t", &session, "#{pane_pid}"])
                .output()
                .ok()
                .and_then(|o| {
                    String::from_utf8_lossy(&o.stdout)
                        .trim()
                        .parse::<u32>()
                        .ok()
                });
            let rss = pid.and_then(rss_kib).unwrap_or(0);
            let idle_cpu_percent = pid.map_or(0.0, |pid| {
                let before = cpu_ticks(pid).unwrap_or(0);
                std::thread::sleep(IDLE_WINDOW);
                let used = cpu_ticks(pid).unwrap_or(before).saturating_sub(before);
                percent_of_core(used, IDLE_WINDOW)
            });
            result = Some(ConsoleFigures {
                first_frame_ms: elapsed,
                rss_kib: rss,
                idle_cpu_percent,
            });
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = Command::new("tmux")
        .args(["kill-session", "-t", &session])
        .status();
    result
}

/// Lines a second each of ge-executor's two pods writes in the flood case.
const FLOOD_RATE_PER_POD: u32 = 2500;
/// Key presses timed in the flood case.
const FLOOD_KEYS: usize = 30;

fn tmux(args: &[&str]) -> Option<String> {
    let out = Command::new("tmux").args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Polls the pane until `done` holds for its text (every 2 ms, at most `within`); the time
/// it took.
fn until_screen(session: &str, within: Duration, done: impl Fn(&str) -> bool) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < within {
        if done(&tmux(&["capture-pane", "-p", "-t", session])?) {
            return Some(started.elapsed());
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    None
}

/// What the flood case measured.
struct FloodFigures {
    latencies: Vec<Duration>,
    cpu_percent: f64,
    footer: String,
}

/// The demo console in tmux with ge-executor's logs streaming 5,000 lines a second: key →
/// screen times of `w` (wrap on, off, …) read from the pane's footer.
fn flood_key_latency(state: &Path) -> Option<FloodFigures> {
    let session = format!("ge-bench-flood-{}", std::process::id());
    let command = format!(
        "GE_CONSOLE_STATE={} GE_CONSOLE_CONFIG={} exec {} demo --log-rate {}",
        state.display(),
        state.join("none").display(),
        BIN,
        FLOOD_RATE_PER_POD
    );
    tmux(&[
        "new-session",
        "-d",
        "-s",
        &session,
        "-x",
        "200",
        "-y",
        "50",
        &command,
    ])?;
    let result = (|| {
        let wait = Duration::from_secs(60);
        until_screen(&session, wait, |s| {
            s.contains("Overview") || s.contains("dev")
        })?;
        until_screen(&session, wait, |s| {
            !s.contains("connecting") && !s.contains("syncing")
        })?;
        tmux(&["send-keys", "-t", &session, "e"])?;
        until_screen(&session, wait, |s| s.contains("ge-executor"))?;
        tmux(&["send-keys", "-t", &session, "Escape"])?;
        std::thread::sleep(Duration::from_millis(300));
        tmux(&["send-keys", "-t", &session, "L"])?;
        until_screen(&session, wait, |s| {
            s.contains("Logs ·") && s.contains(" lines · ")
        })?;
        // Let the flood settle in.
        std::thread::sleep(Duration::from_secs(3));
        let pid: u32 = tmux(&["display-message", "-p", "-t", &session, "#{pane_pid}"])?
            .trim()
            .parse()
            .ok()?;
        let cpu_before = cpu_ticks(pid)?;
        let window = Instant::now();
        let mut latencies = Vec::new();
        for i in 0..FLOOD_KEYS {
            let wrap_on = i % 2 == 0;
            let started = Instant::now();
            tmux(&["send-keys", "-t", &session, "w"])?;
            until_screen(&session, Duration::from_secs(5), |s| {
                let footer = s
                    .lines()
                    .rev()
                    .find(|l| l.contains(" lines · "))
                    .unwrap_or("");
                footer.contains("· wrap") == wrap_on
            })?;
            latencies.push(started.elapsed());
            std::thread::sleep(Duration::from_millis(100));
        }
        let used = cpu_ticks(pid)?.saturating_sub(cpu_before);
        let cpu_percent = percent_of_core(used, window.elapsed());
        let screen = tmux(&["capture-pane", "-p", "-t", &session])?;
        let footer = screen
            .lines()
            .rev()
            .find(|l| l.contains(" lines · "))
            .unwrap_or("")
            .trim()
            .to_string();
        Some(FloodFigures {
            latencies,
            cpu_percent,
            footer,
        })
    })();
    let _ = tmux(&["kill-session", "-t", &session]);
    result
}

/// One row of the table: extra pods per zone and their namespace.
struct Case {
    /// Extra pods per zone (0: the demo's own ~30).
    pods_per_zone: usize,
    /// Their namespace, and whether the console watches it.
    namespace: &'static str,
    watched: bool,
}

impl Case {
    /// The name command-line filters match: `default`, `50000-ge-agents`, …
    fn name(&self) -> String {
        if self.pods_per_zone == 0 {
            "default".into()
        } else {
            format!("{}-{}", self.pods_per_zone, self.namespace)
        }
    }
}

/// The rows: the demo's default size, then 3 × 10,000 and 3 × 50,000 pods outside the GE
/// namespaces (what the console no longer receives) and inside one (what it shows).
const CASES: &[Case] = &[
    Case {
        pods_per_zone: 0,
        namespace: "ge-load",
        watched: false,
    },
    Case {
        pods_per_zone: 10_000,
        namespace: "ge-load",
        watched: false,
    },
    Case {
        pods_per_zone: 50_000,
        namespace: "ge-load",
        watched: false,
    },
    Case {
        pods_per_zone: 10_000,
        namespace: "ge-agents",
        watched: true,
    },
    Case {
        pods_per_zone: 50_000,
        namespace: "ge-agents",
        watched: true,
    },
];

/// A number with thousands separators, as the README writes them.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        println!("scale: bench");
        return;
    }
    // Positional arguments pick cases whose name contains one of them (`flood` is the log
    // flood case); cargo's own `--bench` flag is not one. None: every case.
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let picked =
        |name: &str| filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str()));
    let cases: Vec<&Case> = CASES.iter().filter(|c| picked(&c.name())).collect();
    if !cases.is_empty() {
        println!(
            "| pods per zone | in namespace | fleet start | fleet RSS | snapshot synced | \
             snapshot peak RSS | console first complete frame | console RSS | idle CPU |"
        );
        println!("|---|---|---|---|---|---|---|---|---|");
    }
    for case in cases {
        let state = tempfile::tempdir().expect("temp dir");
        let fleet = start_fleet(state.path(), case);
        std::thread::sleep(Duration::from_millis(500));
        let fleet_rss = rss_kib(fleet.child.id()).unwrap_or(0);
        let (sync, peak) = snapshot(&fleet, state.path());
        let tui = console_first_frame(&fleet, state.path());
        let (pods, namespace) = if case.pods_per_zone == 0 {
            ("default (~30)".to_string(), "—".to_string())
        } else {
            (
                thousands(case.pods_per_zone),
                format!(
                    "{} ({})",
                    case.namespace,
                    if case.watched {
                        "GE, watched"
                    } else {
                        "not watched"
                    }
                ),
            )
        };
        println!(
            "| {pods} | {namespace} | {} ms | {} MiB | {} ms | {} MiB | {} | {} | {} |",
            fleet.startup.as_millis(),
            fleet_rss / 1024,
            sync.as_millis(),
            peak / 1024,
            tui.as_ref()
                .map_or("n/a".into(), |t| format!("{} ms", t.first_frame_ms)),
            tui.as_ref()
                .map_or("n/a".into(), |t| format!("{} MiB", t.rss_kib / 1024)),
            tui.as_ref()
                .map_or("n/a".into(), |t| format!("{:.1} %", t.idle_cpu_percent)),
        );
    }
    if !picked("flood") {
        return;
    }
    let state = tempfile::tempdir().expect("temp dir");
    match flood_key_latency(state.path()) {
        Some(mut f) => {
            f.latencies.sort();
            let at = |q: f64| f.latencies[((f.latencies.len() - 1) as f64 * q) as usize];
            println!(
                "\nkey → screen while ge-executor's logs stream {} lines/s: median {:.0?}, p95 {:.0?}, \
                 max {:.0?} ({} keys); console CPU {:.0} % of one core; footer: {}",
                FLOOD_RATE_PER_POD * 2,
                at(0.5),
                at(0.95),
                at(1.0),
                f.latencies.len(),
                f.cpu_percent,
                f.footer
            );
        }
        None => println!("\nkey → screen under a log flood: n/a (needs tmux)"),
    }
}
