//! Helpers shared by the UI test files: a fixed clock, buffer-to-text, key presses, and
//! [`Console`], the console's real core (model, action runner, UI) on a fixture fleet, driven
//! like the event loop drives it.
#![allow(dead_code)]

use std::path::Path;
use std::time::{Duration, Instant};

use ge_console::actions::ActionContext;
use ge_console::actions::guard::Guards;
use ge_console::actions::runner::ActionEvent;
use ge_console::app::core::{ConsoleCore, CoreParts};
use ge_console::clock::TimeSource;
use ge_console::cluster::{LoadedKubeconfig, ZoneClients};
use ge_console::config::FleetConfig;
use ge_console::fleet::Fleet;
use ge_console::ui::{Clock, Keymap, RowKey, Theme, Ui, UiOptions, UiOutcome};
use jiff::Timestamp;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokio::sync::mpsc;

/// The wall-clock "now" of every rendered fixture.
pub fn wall() -> Timestamp {
    "2026-03-26T12:00:00Z".parse().unwrap()
}

/// A timestamp `seconds` before [`wall`].
pub fn ago(seconds: i64) -> Option<Timestamp> {
    Some(wall() - jiff::SignedDuration::from_secs(seconds))
}

/// A clock fixed for the whole test binary, so durations on screen are deterministic.
pub fn clock() -> Clock {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    let instant = *START.get_or_init(|| Instant::now() + Duration::from_secs(30 * 86_400));
    Clock {
        instant,
        wall: wall(),
    }
}

/// The buffer as text, one line per row, wide characters counted once, trailing spaces cut.
pub fn text_of(buffer: &Buffer) -> String {
    let width = usize::from(buffer.area.width);
    let mut out = String::new();
    for row in buffer.content.chunks(width.max(1)) {
        let mut line = String::new();
        let mut skip = 0;
        for cell in row {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            line.push_str(cell.symbol());
            skip = unicode_width::UnicodeWidthStr::width(cell.symbol()).saturating_sub(1);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// A key press without modifiers.
pub fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

/// A printable key, with shift for capitals.
pub fn ch(c: char) -> KeyEvent {
    let modifiers = if c.is_ascii_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    KeyEvent::new(KeyCode::Char(c), modifiers)
}

/// A kubeconfig with no contexts: nothing reaches a cluster.
pub fn offline_kubeconfig() -> LoadedKubeconfig {
    LoadedKubeconfig {
        kubeconfig: Default::default(),
        origin: "<none>".into(),
    }
}

/// How a test console is built.
pub struct ConsoleOptions {
    /// `--read-only`.
    pub read_only: bool,
    /// The keymap and its name.
    pub keymap: (Keymap, String),
    /// The kubeconfig actions go through.
    pub kubeconfig: LoadedKubeconfig,
    /// Where the audit log and build logs go.
    pub state_dir: std::path::PathBuf,
    /// Where "now" comes from.
    pub time: TimeSource,
}

impl ConsoleOptions {
    /// The default keymap, offline, on the fixed [`clock`], with state in `state_dir`.
    pub fn offline(state_dir: &Path) -> ConsoleOptions {
        ConsoleOptions {
            read_only: false,
            keymap: (Keymap::default_map(), "default".into()),
            kubeconfig: offline_kubeconfig(),
            state_dir: state_dir.to_path_buf(),
            time: TimeSource::manual(clock()),
        }
    }
}

impl std::ops::Deref for Console {
    type Target = Ui;

    /// The UI's state, read as the tests read a `Ui`.
    fn deref(&self) -> &Ui {
        self.core.ui()
    }
}

/// The console's real core on a fleet, with the action runner's report channel and a state
/// directory that lives as long as it does.
pub struct Console {
    /// The core, as the event loop holds it.
    pub core: ConsoleCore,
    /// The action runner's reports, for [`ConsoleCore::on_action_event`].
    pub actions_rx: mpsc::Receiver<ActionEvent>,
    _state: Option<tempfile::TempDir>,
}

impl Console {
    /// A console over `config` showing `fleet`, offline, default keymap, fixed clock.
    pub fn new(config: &FleetConfig, fleet: Fleet, read_only: bool) -> Console {
        let state = tempfile::tempdir().unwrap();
        let mut options = ConsoleOptions::offline(state.path());
        options.read_only = read_only;
        let mut console = Console::with(config, fleet, options);
        console._state = Some(state);
        console
    }

    /// A console built as `options` say.
    pub fn with(config: &FleetConfig, fleet: Fleet, options: ConsoleOptions) -> Console {
        let guards = Guards {
            console_read_only: options.read_only,
        };
        let (core, actions_rx) = ConsoleCore::new(CoreParts {
            fleet,
            actions: ActionContext::new(
                config.clone(),
                ZoneClients::new(options.kubeconfig),
                guards,
                options.state_dir,
            ),
            keymap: options.keymap.0,
            theme: Theme::default_theme(),
            options: UiOptions {
                read_only: options.read_only,
                keymap_name: options.keymap.1,
            },
            time: options.time,
        });
        Console {
            core,
            actions_rx,
            _state: None,
        }
    }

    /// The UI's state.
    pub fn ui(&self) -> &Ui {
        self.core.ui()
    }

    /// The model.
    pub fn fleet(&self) -> &Fleet {
        self.core.fleet()
    }

    /// One key press.
    pub fn key(&mut self, key: KeyEvent) -> UiOutcome {
        self.core.on_key(key)
    }

    /// Key presses without modifiers; the last one's outcome.
    pub fn press(&mut self, keys: &[KeyCode]) -> UiOutcome {
        let mut last = UiOutcome::Nothing;
        for k in keys {
            last = self.key(key(*k));
        }
        last
    }

    /// Types `text`, one printable key per character.
    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.key(ch(c));
        }
    }

    /// Draws a frame at `width`×`height` and returns it as text.
    pub fn render(&mut self, width: u16, height: u16) -> String {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        terminal
            .draw(|frame| {
                let area = frame.area();
                self.core.draw(frame.buffer_mut(), area);
            })
            .unwrap();
        text_of(terminal.backend().buffer())
    }

    /// Moves the overview's selection down until it rests on `target`.
    pub fn select_in_overview(&mut self, target: &RowKey) {
        for _ in 0..100 {
            if self.ui().selected() == Some(target) {
                return;
            }
            self.key(key(KeyCode::Down));
        }
        panic!("{target:?} not reached; at {:?}", self.ui().selected());
    }
}
