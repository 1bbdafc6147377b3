//! Scale benchmark: start-up time and memory of the demo fleet and of the console, at the demo's
//! default size and at 3 × 10,000 pods. Run with `cargo bench --bench scale`; it prints a table.
//!
//! Each side runs as its own process so their memory is measured apart:
//! - the fleet: `ge-console demo --serve --pods-per-zone N`; start-up is spawn → kubeconfig
//!   printed, memory is its RSS once serving;
//! - the console's model: `ge-console snapshot` against that fleet; time to every zone synced,
//!   and its peak RSS (from getrusage of the waited child);
//! - the full-screen console in a real tmux pane: its own log line "first complete frame"
//!   (time from start to the first frame with every zone live) and its RSS then.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_ge-console");

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// CPU time (user + system) a process has used, in clock ticks.
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    // After the command: state(0) ppid(1) ... utime(11) stime(12).
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

fn children_peak_rss_kib() -> u64 {
    // SAFETY: getrusage only fills the struct we pass.
    unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        u64::try_from(usage.ru_maxrss).unwrap_or(0)
    }
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

fn start_fleet(state: &Path, pods_per_zone: usize) -> Fleet {
    let started = Instant::now();
    let mut child = Command::new(BIN)
        .args([
            "demo",
            "--serve",
            "--pods-per-zone",
            &pods_per_zone.to_string(),
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
    let status = Command::new(BIN)
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
        .status()
        .expect("run snapshot");
    assert!(
        status.code().is_some_and(|c| c <= 1),
        "snapshot saw every zone: {status}"
    );
    (started.elapsed(), children_peak_rss_kib())
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
                // SAFETY: sysconf has no preconditions.
                let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
                used as f64 / hz / IDLE_WINDOW.as_secs_f64() * 100.0
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

fn main() {
    if std::env::args().any(|a| a == "--list") {
        println!("scale: bench");
        return;
    }
    println!(
        "{:>14} | {:>13} {:>13} | {:>14} {:>15} | {:>16} {:>10} {:>9}",
        "pods per zone",
        "fleet start",
        "fleet RSS",
        "snapshot sync",
        "snapshot peak",
        "TUI first frame",
        "TUI RSS",
        "idle CPU"
    );
    for pods in [0usize, 10_000] {
        let state = tempfile::tempdir().expect("temp dir");
        let fleet = start_fleet(state.path(), pods);
        std::thread::sleep(Duration::from_millis(500));
        let fleet_rss = rss_kib(fleet.child.id()).unwrap_or(0);
        let (sync, peak) = snapshot(&fleet, state.path());
        let tui = console_first_frame(&fleet, state.path());
        println!(
            "{:>14} | {:>10.0?} {:>10} MiB | {:>14.0?} {:>11} MiB | {:>16} {:>10} {:>9}",
            if pods == 0 {
                "default".to_string()
            } else {
                pods.to_string()
            },
            fleet.startup,
            fleet_rss / 1024,
            sync,
            peak / 1024,
            tui.as_ref()
                .map_or("n/a".into(), |t| format!("{} ms", t.first_frame_ms)),
            tui.as_ref()
                .map_or("n/a".into(), |t| format!("{} MiB", t.rss_kib / 1024)),
            tui.as_ref()
                .map_or("n/a".into(), |t| format!("{:.1} %", t.idle_cpu_percent)),
        );
    }
}
