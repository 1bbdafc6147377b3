//! The terminal while the console owns it: raw mode, the alternate screen, mouse capture,
//! synchronized frames; given back on drop, on error and on a panic of the event loop.

use std::io::{self, Stdout, Write};

use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::terminal::{
    BeginSynchronizedUpdate, EndSynchronizedUpdate, EnterAlternateScreen, LeaveAlternateScreen,
};
use crossterm::{cursor, execute, queue, terminal};
use ratatui::{Frame, Terminal};

use crate::ui::backend::ColorDepthBackend;
use crate::ui::color_depth::ColorDepth;

/// Owns the terminal while the console runs and gives it back on drop, whatever happened
/// (a panic hook restores it too). Each frame is one synchronized update, so a terminal (or
/// tmux, for every client watching) shows whole frames only; ratatui sends only the cells that
/// changed, and clears the screen only when the size changed.
pub(super) struct TerminalGuard {
    terminal: Terminal<ColorDepthBackend<Stdout>>,
    mouse: bool,
}

impl TerminalGuard {
    pub(super) fn enter(depth: ColorDepth, mouse: bool) -> io::Result<Self> {
        let hook = std::panic::take_hook();
        let loop_thread = std::thread::current().id();
        std::panic::set_hook(Box::new(move |info| {
            // A panic in a spawned task (a watcher, a restart) is caught by tokio and the
            // console goes on drawing: only a panic of the event loop's own thread gives the
            // terminal back. Every panic is logged.
            tracing::error!(%info, "panic");
            if std::thread::current().id() == loop_thread {
                restore_terminal(mouse);
                hook(info);
            }
        }));
        terminal::enable_raw_mode()?;
        let mut stdout = io::stdout();
        let entered = execute!(stdout, EnterAlternateScreen).and_then(|()| {
            if mouse {
                execute!(stdout, EnableMouseCapture)?;
            }
            Terminal::new(ColorDepthBackend::new(stdout, depth))
        });
        match entered {
            Ok(terminal) => Ok(TerminalGuard { terminal, mouse }),
            Err(e) => {
                restore_terminal(mouse);
                Err(e)
            }
        }
    }

    /// Draws one frame inside a synchronized update, after writing `escapes` (OSC 52 clipboard
    /// writes) through the same writer, so nothing else ever writes to the terminal.
    pub(super) fn draw(
        &mut self,
        escapes: &[Vec<u8>],
        render: impl FnOnce(&mut Frame),
    ) -> io::Result<()> {
        let writer = self.terminal.backend_mut().writer_mut();
        queue!(writer, BeginSynchronizedUpdate)?;
        for escape in escapes {
            writer.write_all(escape)?;
        }
        let drawn = self.terminal.draw(render).map(drop);
        let ended = execute!(
            self.terminal.backend_mut().writer_mut(),
            EndSynchronizedUpdate
        );
        drawn.and(ended)
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal(self.mouse);
    }
}

/// Gives the terminal back: mouse released, cursor shown, main screen, cooked mode.
fn restore_terminal(mouse: bool) {
    let mut stdout = io::stdout();
    if mouse {
        let _ = execute!(stdout, DisableMouseCapture);
    }
    let _ = execute!(
        stdout,
        EndSynchronizedUpdate,
        cursor::Show,
        LeaveAlternateScreen
    );
    if let Err(e) = terminal::disable_raw_mode() {
        eprintln!("ge-console: cannot restore the terminal: {e}");
    }
}
