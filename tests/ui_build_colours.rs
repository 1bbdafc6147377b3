//! The build log pane shows coloured build output as colours: SGR sequences become styles,
//! every other escape sequence disappears whole, and no escape byte reaches the screen.

use std::path::Path;
use std::time::Duration;

use ge_console::config::{DEFAULT_ZONES_TOML, FleetConfig, parse_zones};
use ge_console::fleet::Fleet;
use ge_console::ui::{Theme, UiOutcome};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

mod common;
use common::{Console, ConsoleOptions, ch, text_of};

fn config_building_colours(workdir: &Path) -> FleetConfig {
    let mut config = parse_zones(DEFAULT_ZONES_TOML, Path::new("zones.toml")).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/build-colours.sh");
    config.rebuild.argv = vec!["bash".into(), script.display().to_string()];
    config.rebuild.workdir = Some(workdir.to_path_buf());
    config
}

/// The cell where `needle` starts on the row that holds it.
fn cell_of(buffer: &Buffer, text: &str, needle: &str) -> (u16, u16) {
    let (row, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not on screen:\n{text}"));
    let column = line[..line.find(needle).unwrap()].chars().count();
    (
        u16::try_from(column).unwrap(),
        u16::try_from(row).unwrap() + buffer.area.y,
    )
}

#[tokio::test]
async fn coloured_build_output_shows_its_colours_as_styles_and_no_escape_text() {
    let state = tempfile::tempdir().unwrap();
    let config = config_building_colours(state.path());
    let mut console = Console::with(
        &config,
        Fleet::new(&config),
        ConsoleOptions::offline(state.path()),
    );
    console.key(ch('b'));
    assert!(matches!(console.key(ch('y')), UiOutcome::Request(_)));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let build_ended = |console: &Console| {
        console
            .core
            .actions()
            .build()
            .is_some_and(|b| b.outcome.is_some())
    };
    while !build_ended(&console) {
        match tokio::time::timeout_at(deadline, console.actions_rx.recv()).await {
            Ok(Some(event)) => console.core.on_action_event(event),
            other => panic!("the build did not end: {other:?}"),
        }
    }

    let mut terminal = Terminal::new(TestBackend::new(100, 16)).unwrap();
    terminal
        .draw(|frame| {
            let area = frame.area();
            console.core.draw(frame.buffer_mut(), area);
        })
        .unwrap();
    let buffer = terminal.backend().buffer();
    let screen = text_of(buffer);

    assert!(
        screen.contains("\nERROR plain moved blue\ndone\n"),
        "the lines read as the build meant them:\n{screen}"
    );
    for leftover in [
        "[31m", "[0m", "[1;", "[m", "]0;", "]2;", "pwned", "[2K", "[10;1H", "\x1b",
    ] {
        assert!(
            !screen.contains(leftover),
            "{leftover:?} on screen:\n{screen}"
        );
    }

    let text_style = Theme::default_theme().style(ge_console::ui::theme::Role::Text);
    let (x, y) = cell_of(buffer, &screen, "ERROR");
    let error = &buffer[(x, y)];
    assert_eq!(error.fg, Color::Red, "SGR 31 is red");
    assert!(error.modifier.contains(Modifier::BOLD), "SGR 1 is bold");
    let (x, y) = cell_of(buffer, &screen, "plain");
    let plain = &buffer[(x, y)];
    assert_eq!(
        plain.fg,
        text_style.fg.unwrap_or(Color::Reset),
        "after SGR 0 the line is back in the theme's text colour"
    );
    assert!(!plain.modifier.contains(Modifier::BOLD));
    let (x, y) = cell_of(buffer, &screen, "blue");
    assert_eq!(buffer[(x, y)].fg, Color::Indexed(33), "SGR 38;5;33");
}
