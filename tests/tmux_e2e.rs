//! End to end in a real tmux: the console on the demo fleet, driven with `send-keys` and read
//! with `capture-pane`, as a pair sharing a tmux session sees it.
//!
//! Every test runs its own tmux server (`-L` with a unique socket name, no config file), so
//! tests run in parallel and never touch the user's tmux. The console is started from
//! `bash --norc` with the prompt `READY$ `, so quitting can be checked: the prompt is back and
//! the alternate screen is off. Waiting is polling `capture-pane` for expected text against a
//! deadline, never a fixed sleep.
//!
//! Without tmux the suite fails with a clear message, unless `GE_CONSOLE_SKIP_TMUX=1`.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How long the demo fleet may take to be live in every zone (2 cores, tests in parallel).
const START_DEADLINE: Duration = Duration::from_secs(60);
/// How long any other change may take to show.
const DEADLINE: Duration = Duration::from_secs(20);
/// Time between two looks at the pane.
const POLL: Duration = Duration::from_millis(50);
/// The shell prompt the console is started from.
const PROMPT: &str = "READY$ ";

static NEXT_SERVER: AtomicUsize = AtomicUsize::new(0);

/// True when tmux can be used; false (after saying why) when the suite is to be skipped.
fn tmux_available() -> bool {
    let found = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if found {
        return true;
    }
    if std::env::var("GE_CONSOLE_SKIP_TMUX").is_ok_and(|v| v == "1") {
        eprintln!("tmux is not installed; skipped because GE_CONSOLE_SKIP_TMUX=1");
        return false;
    }
    panic!(
        "tmux is not installed, and the end-to-end suite needs it: install tmux (CI's .ci/run \
         does), or set GE_CONSOLE_SKIP_TMUX=1 to skip these tests"
    );
}

/// One tmux server with one 100×30 window running bash, in which the console is started.
struct Tmux {
    socket: String,
    dir: tempfile::TempDir,
}

impl Tmux {
    /// Starts the server and the shell; `env` is added to the shell's environment.
    fn start(env: &[(&str, &str)]) -> Tmux {
        let dir = tempfile::tempdir().unwrap();
        let socket = format!(
            "ge-e2e-{}-{}",
            std::process::id(),
            NEXT_SERVER.fetch_add(1, Ordering::SeqCst)
        );
        let conf = dir.path().join("tmux.conf");
        std::fs::write(
            &conf,
            "set -g default-terminal tmux-256color\nset -sg escape-time 0\nset -g status off\n",
        )
        .unwrap();
        let tmux = Tmux { socket, dir };
        let state = tmux.dir.path().join("state");
        let config = tmux.dir.path().join("config");
        let mut args: Vec<String> = [
            "-f",
            conf.to_str().unwrap(),
            "new-session",
            "-d",
            "-s",
            "e2e",
            "-x",
            "100",
            "-y",
            "30",
        ]
        .map(String::from)
        .to_vec();
        let mut vars = vec![
            ("GE_CONSOLE_STATE".to_string(), state.display().to_string()),
            ("GE_CONSOLE_CONFIG".into(), config.display().to_string()),
        ];
        vars.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        for (key, value) in vars {
            args.push("-e".into());
            args.push(format!("{key}={value}"));
        }
        // PS1 goes on the command line: set with -e, the shell tmux starts the pane with drops it.
        args.push(format!("env PS1='{PROMPT}' bash --norc --noprofile"));
        let out = tmux.run(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(out.status.success(), "tmux new-session: {out:?}");
        tmux.wait_for("the shell prompt", |s| s.contains(PROMPT.trim_end()));
        tmux
    }

    /// Runs a tmux command against this test's server, in a clean UTF-8 environment.
    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("LANG", "C.UTF-8")
            .env("LC_ALL", "C.UTF-8")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .unwrap()
    }

    /// Types `ge-console ARGS` at the prompt and waits until every zone is live.
    fn start_console(&self, args: &str) {
        let bin = env!("CARGO_BIN_EXE_ge-console");
        self.type_text(&format!("'{bin}' {args}"));
        self.keys(&["Enter"]);
        self.wait_for_with("every zone live", START_DEADLINE, |s| {
            s.contains("ge-console │") && all_zones_live(s)
        });
    }

    /// Sends keys by tmux name (`Enter`, `Escape`, `C-d`, `q`).
    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "e2e"];
        args.extend_from_slice(keys);
        assert!(self.run(&args).status.success());
    }

    /// Types text literally.
    fn type_text(&self, text: &str) {
        assert!(
            self.run(&["send-keys", "-t", "e2e", "-l", text])
                .status
                .success()
        );
    }

    /// The pane as plain text.
    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "e2e"]).stdout).into_owned()
    }

    /// The pane with its colours and attributes as escape sequences.
    fn screen_with_escapes(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-e", "-t", "e2e"]).stdout)
            .into_owned()
    }

    /// A tmux format of the pane (`#{alternate_on}`).
    fn pane_format(&self, format: &str) -> String {
        let out = self.run(&["display-message", "-p", "-t", "e2e", format]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    fn resize(&self, width: u16, height: u16) {
        let (w, h) = (width.to_string(), height.to_string());
        let out = self.run(&["resize-window", "-t", "e2e", "-x", &w, "-y", &h]);
        assert!(out.status.success(), "resize-window: {out:?}");
    }

    /// Polls the pane until `done` holds; fails with the screen after [`DEADLINE`].
    fn wait_for(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        self.wait_for_with(what, DEADLINE, done)
    }

    fn wait_for_with(&self, what: &str, deadline: Duration, done: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if done(&screen) {
                return screen;
            }
            if start.elapsed() > deadline {
                let log =
                    std::fs::read_to_string(self.dir.path().join("state/logs/ge-console.log"))
                        .unwrap_or_default();
                let tail: Vec<&str> = log.lines().rev().take(15).collect();
                panic!(
                    "timed out after {deadline:?} waiting for {what}; the pane shows:\n{screen}\n\
                     last log lines (newest first):\n{}",
                    tail.join("\n")
                );
            }
            std::thread::sleep(POLL);
        }
    }

    /// Waits until `text` shows.
    fn wait_text(&self, text: &str) -> String {
        self.wait_for(&format!("{text:?}"), |s| s.contains(text))
    }

    /// The top bar (first line).
    fn top_bar(screen: &str) -> &str {
        screen.lines().next().unwrap_or_default()
    }

    /// Quits with `keys` and checks the terminal is given back: the prompt shows again below
    /// where the console was started, and the alternate screen is off.
    fn quit_and_check_restored(&self, keys: &[&str]) {
        self.keys(keys);
        let screen = self.wait_for("the shell prompt after quitting", |s| {
            let lines: Vec<&str> = s.lines().filter(|l| !l.trim().is_empty()).collect();
            lines.len() >= 2
                && lines
                    .last()
                    .is_some_and(|l| l.trim_end() == PROMPT.trim_end())
                && lines[lines.len() - 2].contains("ge-console")
        });
        assert_eq!(self.pane_format("#{alternate_on}"), "0", "{screen}");
        assert!(
            !screen.contains('│'),
            "nothing of the console is left:\n{screen}"
        );
        assert_eq!(self.pane_format("#{pane_current_command}"), "bash");
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

/// The zone strip or columns say `✓ live` for each of the demo's three zones.
fn all_zones_live(screen: &str) -> bool {
    screen.matches("✓ live").count() >= 3
}

/// The parameters of every SGR sequence (`ESC [ … m`) in a capture.
fn sgr_parameters(captured: &str) -> Vec<Vec<u16>> {
    let mut all = Vec::new();
    let mut rest = captured;
    while let Some(start) = rest.find("\x1b[") {
        let after = &rest[start + 2..];
        let Some(end) = after.find(|c: char| !(c.is_ascii_digit() || c == ';')) else {
            break;
        };
        if after[end..].starts_with('m') {
            let params = after[..end]
                .split(';')
                .map(|p| p.parse().unwrap_or(0))
                .collect();
            all.push(params);
        }
        rest = &after[end..];
    }
    all
}

/// Colour parameters of an SGR sequence: (code, is one of the 16 ANSI colours).
fn colour_codes(params: &[u16]) -> Vec<(u16, bool)> {
    let mut codes = Vec::new();
    let mut i = 0;
    while i < params.len() {
        let p = params[i];
        match p {
            30..=37 | 40..=47 | 90..=97 | 100..=107 => codes.push((p, true)),
            38 | 48 => {
                codes.push((p, false));
                // Skip 5;N or 2;R;G;B.
                i += if params.get(i + 1) == Some(&5) { 2 } else { 4 };
            }
            _ => {}
        }
        i += 1;
    }
    codes
}

fn bin_exists() -> bool {
    Path::new(env!("CARGO_BIN_EXE_ge-console")).exists()
}

#[test]
fn navigate_into_a_zone_and_back_filter_help_and_quit() {
    if !tmux_available() {
        return;
    }
    assert!(bin_exists());
    let tmux = Tmux::start(&[]);
    tmux.start_console("demo");
    let screen = tmux.screen();
    let top = Tmux::top_bar(&screen);
    assert!(top.contains("Overview › Z1 dev"), "{top}");
    assert!(top.contains("keymap default"), "{top}");

    // Into the zone view and back.
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("the zone view", |s| {
        Tmux::top_bar(s).contains("› Zone view")
    });
    assert!(Tmux::top_bar(&screen).contains("Z1 dev"), "{screen}");
    tmux.keys(&["Escape"]);
    tmux.wait_for("the overview again", |s| {
        Tmux::top_bar(s).contains("Overview › Z1 dev")
    });

    // The next zone, then a filter.
    tmux.keys(&["Tab"]);
    tmux.wait_for("the focus on staging", |s| {
        Tmux::top_bar(s).contains("Overview › Z2 staging")
    });
    tmux.keys(&["/"]);
    tmux.wait_text("filter: ▏");
    tmux.type_text("executor");
    tmux.wait_text("filter: executor▏");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_text("filter: \"executor\"");
    assert!(screen.contains("ge-executor"), "{screen}");
    assert!(!screen.contains("postgresql"), "filtered out:\n{screen}");
    tmux.keys(&["Escape"]);
    tmux.wait_for("the filter cleared", |s| !s.contains("filter:"));

    // The help overlay, generated from the keymap.
    tmux.keys(&["?"]);
    let help = tmux.wait_text("Help · keymap default");
    assert!(help.contains("Focus the next zone"), "{help}");
    tmux.keys(&["?"]);
    tmux.wait_for("the help closed", |s| !s.contains("Help · keymap"));

    tmux.quit_and_check_restored(&["q"]);
}

#[test]
fn vim_keymap_navigates_with_hjkl_and_the_command_line() {
    if !tmux_available() {
        return;
    }
    let tmux = Tmux::start(&[]);
    tmux.start_console("demo --keymap vim");
    assert!(Tmux::top_bar(&tmux.screen()).contains("keymap vim"));

    tmux.keys(&["l"]);
    tmux.wait_for("l to focus staging", |s| {
        Tmux::top_bar(s).contains("Overview › Z2 staging")
    });
    tmux.keys(&["h"]);
    tmux.wait_for("h to focus dev", |s| {
        Tmux::top_bar(s).contains("Overview › Z1 dev")
    });

    // Into dev's zone view, down to the last row (a workload) with G, open it with l.
    tmux.keys(&["Enter"]);
    tmux.wait_for("the zone view", |s| {
        Tmux::top_bar(s).contains("› Zone view")
    });
    tmux.keys(&["G"]);
    tmux.keys(&["l"]);
    let screen = tmux.wait_for("a workload view", |s| {
        let top = Tmux::top_bar(s);
        top.contains("Z1 dev › ") && !top.contains("Zone view")
    });
    let workload = Tmux::top_bar(&screen).to_string();
    // j and k move in the zone view: up one row and open gives another workload.
    tmux.keys(&["h"]);
    tmux.wait_for("h back to the zone view", |s| {
        Tmux::top_bar(s).contains("› Zone view")
    });
    tmux.keys(&["k"]);
    tmux.keys(&["l"]);
    let screen = tmux.wait_for("another workload", |s| {
        let top = Tmux::top_bar(s);
        !top.contains("Zone view") && top.contains("Z1 dev › ")
    });
    assert_ne!(Tmux::top_bar(&screen), workload, "k moved the selection");
    tmux.keys(&["h"]);
    tmux.wait_for("back to the zone view", |s| {
        Tmux::top_bar(s).contains("› Zone view")
    });

    // The command line jumps to a zone by name.
    tmux.keys(&[":"]);
    tmux.wait_for("the command line", |s| {
        s.lines().last().is_some_and(|l| l.starts_with(":▏"))
    });
    tmux.type_text("staging");
    tmux.wait_text(":staging▏");
    tmux.keys(&["Enter"]);
    tmux.wait_for("staging's zone view", |s| {
        Tmux::top_bar(s).contains("Z2 staging › Zone view")
    });
    tmux.keys(&[":"]);
    tmux.wait_for("the command line", |s| {
        s.lines().last().is_some_and(|l| l.starts_with(":▏"))
    });
    tmux.type_text("q");
    tmux.wait_text(":q▏");
    tmux.quit_and_check_restored(&["Enter"]);
}

#[test]
fn basic16_theme_writes_only_the_16_ansi_colours() {
    if !tmux_available() {
        return;
    }
    let tmux = Tmux::start(&[("COLORTERM", "truecolor")]);
    tmux.start_console("demo --theme basic16");
    let captured = tmux.screen_with_escapes();
    let codes: Vec<(u16, bool)> = sgr_parameters(&captured)
        .iter()
        .flat_map(|p| colour_codes(p))
        .collect();
    assert!(
        codes.iter().all(|(_, ansi)| *ansi),
        "only 30–37/40–47/90–97/100–107, no 38;5 or 38;2: {codes:?}\n{captured:?}"
    );
    assert!(
        codes.contains(&(41, true)),
        "the production header is on red: {codes:?}"
    );
    tmux.quit_and_check_restored(&["q"]);
}

#[test]
fn no_color_gives_a_monochrome_screen_with_reverse_and_bold() {
    if !tmux_available() {
        return;
    }
    let tmux = Tmux::start(&[("NO_COLOR", "1"), ("COLORTERM", "truecolor")]);
    tmux.start_console("demo");
    let captured = tmux.screen_with_escapes();
    let params = sgr_parameters(&captured);
    let codes: Vec<(u16, bool)> = params.iter().flat_map(|p| colour_codes(p)).collect();
    assert!(codes.is_empty(), "no colour at all: {codes:?}");
    let all: Vec<u16> = params.concat();
    assert!(all.contains(&7), "reverse carries the selection and [PROD]");
    assert!(all.contains(&1), "bold carries titles and errors");
    let screen = tmux.screen();
    assert!(screen.contains("PROD"), "{screen}");
    assert!(screen.contains('✓'), "{screen}");
    tmux.quit_and_check_restored(&["q"]);
}

#[test]
fn follows_resizes_down_to_too_small_and_back() {
    if !tmux_available() {
        return;
    }
    let tmux = Tmux::start(&[]);
    tmux.start_console("demo");

    tmux.resize(80, 24);
    let screen = tmux.wait_for("an 80×24 frame", |s| {
        s.lines().count() == 24
            && s.lines()
                .next()
                .is_some_and(|l| l.contains("Overview › Z1 dev"))
            && s.lines().all(|l| l.chars().count() <= 80)
            && s.lines().last().is_some_and(|l| l.contains("help"))
            && all_zones_live(s)
    });
    // The predicate above waits for a whole frame (tmux may be captured mid-frame): the top
    // bar, the bottom bar with its keys, every zone live, nothing wider than 80 columns.
    assert!(!screen.contains("too small"), "{screen}");

    tmux.resize(40, 10);
    let screen = tmux.wait_text("terminal too small");
    assert!(screen.contains("now 40×10"), "{screen}");

    tmux.resize(100, 30);
    let screen = tmux.wait_for("the full overview again", |s| {
        !s.contains("too small")
            && s.lines()
                .next()
                .is_some_and(|l| l.contains("Overview › Z1 dev"))
            && all_zones_live(s)
    });
    assert_eq!(screen.lines().count(), 30, "{screen}");

    // Keys still work after the resizes.
    tmux.keys(&["Enter"]);
    tmux.wait_for("the zone view", |s| {
        Tmux::top_bar(s).contains("› Zone view")
    });
    tmux.keys(&["Escape"]);
    tmux.wait_for("the overview", |s| Tmux::top_bar(s).contains("Overview ›"));
    tmux.quit_and_check_restored(&["q"]);
}

#[test]
fn sgr_parsing_finds_colour_codes() {
    let params = sgr_parameters("a\x1b[0;1;38;5;214;41mb\x1b[39m\x1b[2Jc\x1b[48;2;1;2;3m");
    assert_eq!(
        params,
        [vec![0, 1, 38, 5, 214, 41], vec![39], vec![48, 2, 1, 2, 3]]
    );
    assert_eq!(colour_codes(&params[0]), [(38, false), (41, true)]);
    assert_eq!(colour_codes(&params[1]), []);
    assert_eq!(colour_codes(&params[2]), [(48, false)]);
}

#[test]
fn why_is_it_red_events_explain_logs_and_yaml_in_a_real_terminal() {
    if !tmux_available() {
        return;
    }
    assert!(bin_exists());
    let tmux = Tmux::start(&[]);
    tmux.start_console("demo");

    // ge-executor's view: its revisions and its events, in context.
    tmux.keys(&["e"]);
    // REVISIONS is only in the workload view: "EVENTS" alone also matches the overview a
    // capture may still show below a frame being written.
    tmux.wait_for("ge-executor's view with its revisions and events", |s| {
        s.contains("ge-agents/ge-executor") && s.contains("REVISIONS") && s.contains("EVENTS")
    });

    // The selected pod's log, live; esc closes it.
    tmux.keys(&["L"]);
    tmux.wait_text("picked up job");
    tmux.keys(&["Escape"]);
    tmux.wait_for("the log pane closed", |s| !s.contains("picked up job"));

    // The selected pod as YAML, without managedFields.
    tmux.keys(&["Y"]);
    let yaml = tmux.wait_text("kind: Pod");
    assert!(yaml.contains("managedFields hidden"), "{yaml}");
    assert!(!yaml.contains("managedFields:"), "{yaml}");
    tmux.keys(&["Escape"]);
    tmux.wait_for("the YAML pane closed", |s| !s.contains("kind: Pod"));

    // Why the shown workload is (or is not) red.
    tmux.keys(&["X"]);
    tmux.wait_text("Why · Z1 dev · deployment ge-agents/ge-executor");
    tmux.keys(&["Escape"]);
    tmux.wait_for("the explain pane closed", |s| !s.contains("Why · "));

    // The fleet timeline, then the stuck sandbox's events and why its pod is stuck.
    tmux.keys(&["E"]);
    tmux.wait_text("Events (all zones)");
    tmux.keys(&["/"]);
    tmux.type_text("ge-sandbox");
    tmux.keys(&["Enter"]);
    tmux.wait_text("filter: \"ge-sandbox\"");
    tmux.keys(&["x"]);
    let why = tmux.wait_text("Why · Z1 dev · pod ge-agents/ge-sandbox");
    assert!(
        why.contains("event "),
        "the pod's Warnings are findings:\n{why}"
    );

    tmux.quit_and_check_restored(&["C-c"]);
}

#[test]
fn a_credential_plugin_that_needs_a_login_gets_the_terminal_before_the_screen() {
    if !tmux_available() {
        return;
    }
    assert!(bin_exists());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let tmux = Tmux::start(&[]);
    let dir = tmux.dir.path().to_path_buf();
    let demo = runtime
        .block_on(ge_console::demo::DemoFleet::start(
            ge_console::demo::DemoOptions {
                state_dir: dir.join("demo"),
                time_scale: 0.1,
                ..ge_console::demo::DemoOptions::default()
            },
        ))
        .unwrap();
    // dev's user logs in through a plugin that asks for a password when it has a terminal
    // (its cached token goes to a file, as kubelogin's does) and fails without one.
    let mut kubeconfig =
        ge_console::cluster::load_kubeconfig(Some(demo.kubeconfig_path())).unwrap();
    let user = kubeconfig.user_of("ge-dev").unwrap();
    let auth = kubeconfig
        .kubeconfig
        .auth_infos
        .iter_mut()
        .find(|a| a.name == user)
        .and_then(|a| a.auth_info.as_mut())
        .unwrap();
    let token = auth.token.take().unwrap();
    let token = secrecy::ExposeSecret::expose_secret(&token).to_string();
    let plugin = dir.join("ge-login");
    std::fs::write(
        &plugin,
        format!(
            "#!/bin/sh\n\
             cache='{cache}'\n\
             if [ -s \"$cache\" ]; then printf '{{\"status\":{{\"token\":\"%s\"}}}}' \"$(cat \"$cache\")\"; exit 0; fi\n\
             case \"$KUBERNETES_EXEC_INFO\" in *'\"interactive\":true'*) ;; *) echo 'no cached token' >&2; exit 1;; esac\n\
             printf 'GE login, password: ' >&2\n\
             read -r password\n\
             [ \"$password\" = letmein ] || {{ echo 'wrong password' >&2; exit 1; }}\n\
             printf '%s' '{token}' > \"$cache\"\n\
             printf '{{\"status\":{{\"token\":\"%s\"}}}}' '{token}'\n",
            cache = dir.join("token-cache").display(),
        ),
    )
    .unwrap();
    std::fs::set_permissions(&plugin, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    auth.exec = Some(kube::config::ExecConfig {
        api_version: Some("client.authentication.k8s.io/v1".into()),
        command: Some(plugin.display().to_string()),
        args: Some(vec![]),
        ..kube::config::ExecConfig::default()
    });
    let path = dir.join("kubeconfig.yaml");
    std::fs::write(
        &path,
        serde_json::to_string(&kubeconfig.kubeconfig).unwrap(),
    )
    .unwrap();

    let bin = env!("CARGO_BIN_EXE_ge-console");
    tmux.type_text(&format!("'{bin}' --kubeconfig '{}'", path.display()));
    tmux.keys(&["Enter"]);
    let asked = tmux.wait_text("GE login, password:");
    assert!(
        asked.contains("zone dev needs a login; running"),
        "the console says why before the plugin asks:\n{asked}"
    );
    tmux.type_text("letmein");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for_with("every zone live", START_DEADLINE, |s| {
        s.contains("ge-console │") && all_zones_live(s)
    });
    assert!(!screen.contains("password"), "{screen}");
    tmux.keys(&["q"]);
    tmux.wait_for("the shell prompt after quitting", |s| {
        s.lines()
            .rfind(|l| !l.trim().is_empty())
            .is_some_and(|l| l.trim_end() == PROMPT.trim_end())
    });
    assert_eq!(tmux.pane_format("#{alternate_on}"), "0");
    drop(demo);
}

#[test]
fn trace_latency_records_each_model_change_and_key_with_the_frame_that_showed_it() {
    if !tmux_available() {
        return;
    }
    assert!(bin_exists());
    let tmux = Tmux::start(&[]);
    let trace = tmux.dir.path().join("latency.txt");
    tmux.start_console(&format!("demo --trace-latency '{}'", trace.display()));
    tmux.keys(&["Enter"]);
    tmux.wait_for("the zone view", |s| {
        Tmux::top_bar(s).contains("› Zone view")
    });
    // The trace is written after each frame: the frame that showed the key has been flushed.
    let deadline = Instant::now() + Duration::from_secs(10);
    let records = loop {
        let text = std::fs::read_to_string(&trace).unwrap_or_default();
        let records: Vec<(String, u64)> = text
            .lines()
            .filter_map(|l| {
                let (label, micros) = l.split_once(' ')?;
                Some((label.to_string(), micros.parse().ok()?))
            })
            .collect();
        if records.iter().any(|(l, _)| l == "key") {
            break records;
        }
        assert!(
            Instant::now() < deadline,
            "no key record in {}:\n{text}",
            trace.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let model = records.iter().filter(|(l, _)| l == "model").count();
    // The demo's zones listed every kind: one record per relist and change at least.
    assert!(model >= 3, "{model} model records: {records:?}");
    assert!(
        records.iter().all(|(l, _)| l == "model" || l == "key"),
        "{records:?}"
    );
    tmux.keys(&["Escape"]);
    tmux.wait_for("the overview again", |s| {
        Tmux::top_bar(s).contains("Overview")
    });
    tmux.quit_and_check_restored(&["q"]);
}
