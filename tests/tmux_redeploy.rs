//! End to end in a real terminal: the built binary runs `demo` inside tmux with a config whose
//! build is `tests/fixtures/build-ok.sh`; the test presses the redeploy key, confirms, reads the
//! screen until the build has succeeded and ge-executor's rollout has ended as succeeded, then
//! quits and sees the shell again.
//!
//! tmux is required: without it the test fails, unless `GE_CONSOLE_SKIP_TMUX=1` says to skip.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// How long any one expected screen may take to appear (the demo runs at real speed here).
const DEADLINE: Duration = Duration::from_secs(60);
/// How often the screen is read while waiting.
const POLL: Duration = Duration::from_millis(100);
const PROMPT: &str = "ready$ ";

/// A tmux server of our own (its own socket, no user config) holding one session.
struct Tmux {
    socket: String,
}

impl Tmux {
    /// Starts a `width`×`height` session running a plain bash with a known prompt.
    fn start(width: u16, height: u16, home: &Path) -> Tmux {
        let tmux = Tmux {
            socket: format!("ge-console-test-{}", std::process::id()),
        };
        let shell = format!(
            "env HOME='{home}' PS1='{PROMPT}' bash --norc --noprofile",
            home = home.display(),
        );
        tmux.run(&[
            "new-session",
            "-d",
            "-s",
            "ge",
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
            &shell,
        ]);
        tmux
    }

    fn run(&self, args: &[&str]) -> Output {
        let output = Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .expect("run tmux");
        assert!(
            output.status.success(),
            "tmux {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        output
    }

    /// Sends keys in one `send-keys` call (`Escape` must go on its own, or tmux glues it to
    /// the next key as Alt-key).
    fn send(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "ge"];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    /// Types text literally.
    fn type_text(&self, text: &str) {
        self.run(&["send-keys", "-t", "ge", "-l", text]);
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "ge"]).stdout).into_owned()
    }

    /// Reads the screen until `done` holds; fails with the last screen after [`DEADLINE`].
    fn wait_for(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let screen = self.screen();
            if done(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "timed out after {DEADLINE:?} waiting for {what}; the screen:\n{screen}"
            );
            std::thread::sleep(POLL);
        }
    }

    fn wait_for_text(&self, text: &str) -> String {
        self.wait_for_all(&[text])
    }

    /// Waits for one screen showing every one of `texts` (a capture can catch a frame half
    /// written, so facts are only judged together).
    fn wait_for_all(&self, texts: &[&str]) -> String {
        self.wait_for(&format!("{texts:?}"), |s| {
            texts.iter().all(|t| s.contains(t))
        })
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

/// True when tmux can run; false (after saying so) when the test may be skipped.
fn tmux_available() -> bool {
    let works = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if works {
        return true;
    }
    if std::env::var("GE_CONSOLE_SKIP_TMUX").as_deref() == Ok("1") {
        eprintln!("tmux is not installed; skipped because GE_CONSOLE_SKIP_TMUX=1");
        return false;
    }
    panic!(
        "tmux is not installed (or `tmux -V` fails): this end-to-end test needs it. \
         Install tmux (apt-get install tmux), or set GE_CONSOLE_SKIP_TMUX=1 to skip it."
    );
}

/// The built-in zones with the build pointed at a fixture script.
fn write_config(dir: &Path) -> PathBuf {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/build-ok.sh");
    let default_argv =
        r#"argv = ["bash", "ge-ops/infrastructure/local/k3s/executor/build-executor.sh"]"#;
    assert!(ge_console::config::DEFAULT_ZONES_TOML.contains(default_argv));
    let text = ge_console::config::DEFAULT_ZONES_TOML.replace(
        default_argv,
        &format!("argv = [\"bash\", {:?}]", script.display().to_string()),
    );
    let path = dir.join("zones.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Lines of the console's log that mark the steps of an action, for measuring.
fn timing_lines(log: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    text.lines()
        .filter(|l| {
            [
                "action confirmed",
                "build finished",
                "restart accepted",
                "rollout ended",
                "rollout end on screen",
            ]
            .iter()
            .any(|m| l.contains(m))
                || (l.contains("http.method=PATCH") && l.contains("requesting"))
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn redeploy_key_builds_restarts_and_the_rollout_succeeds_on_screen() {
    if !tmux_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let config = write_config(dir.path());
    let tmux = Tmux::start(120, 35, dir.path());
    // capture-pane trims trailing spaces, so the prompt reads "ready$".
    tmux.wait_for_text(PROMPT.trim_end());

    let command = format!(
        "GE_CONSOLE_STATE='{state}' GE_CONSOLE_LOG='warn,ge_console=info,kube_client=debug' \
         '{bin}' demo --config '{config}'; echo \"console exited $?\"",
        state = state.display(),
        bin = env!("CARGO_BIN_EXE_ge-console"),
        config = config.display(),
    );
    tmux.type_text(&command);
    tmux.send(&["Enter"]);
    tmux.wait_for("the demo's dev zone to be live", |s| {
        s.contains("ge-console │") && s.contains("Z1 dev") && s.contains("✓ live")
    });
    tmux.wait_for_text("no action running");

    tmux.send(&["D"]);
    tmux.wait_for_all(&[
        "Redeploy ge-executor?",
        "build-ok.sh",
        "Zone       Z1 dev (development)",
        "Namespace  ge-agents",
        "Name       ge-executor",
        "y/enter confirm   n/esc cancel",
    ]);
    tmux.send(&["y"]);
    tmux.wait_for_all(&[
        "Build log (redeploy) · ✓ succeeded (exit 0)",
        "step 1/2: untagged",
    ]);
    tmux.wait_for_all(&[
        "✓ succeeded Z1 dev · ge-agents/deployment/ge-executor · ours",
        "updated 2/2  ready 2/2  available 2/2  old pods 0",
        "✓ rollout of ge-agents/deployment/ge-executor succeeded",
    ]);

    tmux.send(&["Escape"]);
    tmux.wait_for("the build log to close", |s| !s.contains("Build log"));
    tmux.send(&["q"]);
    let after = tmux.wait_for("the shell to come back", |s| {
        s.contains("console exited 0") && s.trim_end().ends_with(PROMPT.trim_end())
    });
    assert!(
        !after.contains("ge-console │"),
        "the console's screen is gone (alternate screen left):\n{after}"
    );

    let audit = std::fs::read_to_string(state.join("audit.jsonl")).unwrap();
    let actions: Vec<(String, String)> = audit
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["action"].as_str().unwrap_or_default().to_string(),
                v["result"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("rebuild".to_string(), "succeeded".to_string()),
            ("restart".to_string(), "succeeded".to_string())
        ]
    );
    for line in timing_lines(&state.join("logs/ge-console.log")) {
        eprintln!("{line}");
    }
}
