//! The YAML pane: the selected object (workload, pod, node, or any object by kind, namespace
//! and name) fetched on demand and shown as YAML without `managedFields`, in a [`TextView`]
//! (scroll, search, wrap). Keys are drawn in the title colour so the structure reads at a
//! glance.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::layer::{
    BarStyle, BottomBar, DrawContext, Effect, KeyContext, KeyModes, Layer, Placement, Reply,
    TextEntry,
};
use super::list::RowKey;
use super::panes::draw_title_row;
use super::text_view::{TextSource, TextView};
use super::theme::{Role, Theme};
use super::widgets::{Part, draw_lines, squeeze};
use super::{Action, Keymap, Mode};
use crate::actions::object_yaml::{ObjectRef, YamlDoc, YamlState};
use crate::actions::runner::Severity;
use crate::config::ZoneId;
use crate::fleet::{Fleet, WorkloadKey};

/// A fetched document's lines, styled as they are drawn.
struct YamlSource<'a> {
    lines: &'a [String],
    theme: &'a Theme,
}

impl TextSource for YamlSource<'_> {
    fn first(&self) -> u64 {
        0
    }

    fn end(&self) -> u64 {
        self.lines.len() as u64
    }

    fn line(&self, n: u64) -> Option<Line<'_>> {
        let text = self.lines.get(usize::try_from(n).ok()?)?;
        Some(yaml_line(text, self.theme))
    }
}

/// One YAML line with its key (`  name:`, `- name:`) in the title colour.
pub fn yaml_line<'a>(text: &'a str, theme: &Theme) -> Line<'a> {
    let value = theme.style(Role::Text);
    let body = text.trim_start();
    let indent = text.len() - body.len();
    let body_start = if body.starts_with("- ") {
        indent + 2
    } else {
        indent
    };
    let rest = &text[body_start..];
    let key_end = rest
        .find(": ")
        .or_else(|| rest.ends_with(':').then(|| rest.len() - 1));
    match key_end {
        Some(end) if !rest[..end].contains(' ') && !rest.starts_with('#') && end > 0 => {
            let split = body_start + end;
            Line::from(vec![
                Span::styled(&text[..body_start], value),
                Span::styled(&text[body_start..split], theme.style(Role::Title)),
                Span::styled(&text[split..], value),
            ])
        }
        _ => Line::styled(text, value),
    }
}

/// The YAML pane: the body while open, with the keys of mode `text`.
#[derive(Debug)]
pub struct YamlPane {
    zone: ZoneId,
    object: ObjectRef,
    view: TextView,
    /// The document the view was last drawn over.
    doc: Option<u64>,
}

impl YamlPane {
    /// A pane for `object` of `zone`, at its top.
    pub fn new(zone: ZoneId, object: ObjectRef) -> YamlPane {
        YamlPane {
            zone,
            object,
            view: TextView::at_top(),
            doc: None,
        }
    }

    /// The document the pane shows, when the runner holds it.
    fn doc<'a>(&self, doc: Option<&'a YamlDoc>) -> Option<&'a YamlDoc> {
        doc.filter(|d| d.zone == self.zone && d.object == self.object)
    }
}

/// The object `Y` shows: the selected row's (a workload, a pod, a node, a namespace, a
/// revision's ReplicaSet, the object an event is about), else the workload the view shows.
pub fn yaml_for(
    fleet: &Fleet,
    zone: usize,
    selected: Option<RowKey>,
    shown: Option<&WorkloadKey>,
) -> Effect {
    let Some(zone) = fleet.zones.get(zone) else {
        return Effect::Tell(Severity::Info, "YAML: no zone is shown".into());
    };
    let workload = |key: &WorkloadKey| ObjectRef {
        kind: key.kind.as_str().to_string(),
        api_version: None,
        namespace: Some(key.namespace.clone()),
        name: key.name.clone(),
    };
    let object = match (selected, shown) {
        (Some(RowKey::Event(event_zone, key)), _) => {
            let regarding = fleet
                .zones
                .iter()
                .find(|z| z.config.id == event_zone)
                .and_then(|z| z.events.get(&key))
                .map(|event| event.object.clone());
            let Some(regarding) = regarding else {
                return Effect::Tell(Severity::Info, "YAML: that event is gone".into());
            };
            return Effect::OpenYaml(
                event_zone,
                ObjectRef {
                    kind: regarding.kind,
                    api_version: None,
                    namespace: (!regarding.namespace.is_empty()).then_some(regarding.namespace),
                    name: regarding.name,
                },
            );
        }
        (Some(RowKey::Workload(key)), _) => workload(&key),
        (Some(RowKey::Pod(key)), _) => ObjectRef {
            kind: "Pod".into(),
            api_version: None,
            namespace: Some(key.namespace),
            name: key.name,
        },
        (Some(RowKey::Revision(key)), _) => ObjectRef {
            kind: "ReplicaSet".into(),
            api_version: None,
            namespace: Some(key.namespace),
            name: key.name,
        },
        (Some(RowKey::Node(name)), _) => ObjectRef {
            kind: "Node".into(),
            api_version: None,
            namespace: None,
            name,
        },
        (Some(RowKey::Namespace(name)), _) => ObjectRef {
            kind: "Namespace".into(),
            api_version: None,
            namespace: None,
            name,
        },
        (Some(RowKey::Finding(..)), _) => {
            return Effect::Tell(
                Severity::Info,
                "YAML: a finding is not an object; enter leads to its subject".into(),
            );
        }
        (None, Some(shown)) => workload(shown),
        (None, None) => {
            return Effect::Tell(Severity::Info, "YAML: select an object first".into());
        }
    };
    Effect::OpenYaml(zone.config.id, object)
}

impl Layer for YamlPane {
    fn key_modes(&self, _fleet: &Fleet) -> KeyModes {
        if self.view.editing_search() {
            KeyModes::only(&[Mode::Filter])
        } else {
            KeyModes::only(&[Mode::Text, Mode::Global])
        }
    }

    fn text_entry(&self) -> TextEntry {
        if self.view.editing_search() {
            TextEntry::WhenUnbound
        } else {
            TextEntry::None
        }
    }

    fn type_char(&mut self, c: char) -> bool {
        self.view.type_char(c)
    }

    fn handle(&mut self, action: Action, cx: &KeyContext<'_>) -> Reply {
        if action == Action::Back && !self.view.editing_search() {
            return Reply::Do(Effect::Close);
        }
        let plain = Theme::plain();
        let lines: &[String] = match self.doc(cx.actions.yaml()).map(|d| &d.state) {
            Some(YamlState::Loaded(lines)) => lines,
            _ => &[],
        };
        let source = YamlSource {
            lines,
            theme: &plain,
        };
        if action == Action::Copy && !self.view.editing_search() {
            return super::log_pane::copy_line(&self.view, &source);
        }
        match self.view.handle(action, &source) {
            Some(changed) => Reply::Done(changed),
            None if self.view.editing_search() && action != Action::Quit => Reply::NOTHING,
            None => Reply::Pass,
        }
    }

    fn bottom_bar(&self, _keymap: &Keymap) -> Option<BottomBar> {
        if self.view.editing_search() {
            return Some(BottomBar::Text(vec![(
                format!("/{}", self.view.query().unwrap_or_default()),
                BarStyle::Typed,
            )]));
        }
        Some(BottomBar::Hints(&[
            (Action::Back, "close"),
            (Action::Search, "search"),
            (Action::SearchNext, "next"),
            (Action::ToggleWrap, "wrap"),
            (Action::Help, "help"),
        ]))
    }

    fn crumb(&self) -> Option<&'static str> {
        Some(" › YAML")
    }

    fn placement(&mut self, _body: Rect, _cx: &DrawContext<'_>) -> Placement {
        Placement::Fill
    }

    fn draw(&mut self, buf: &mut Buffer, area: Rect, cx: &DrawContext<'_>) {
        if area.height < 3 {
            return;
        }
        let theme = cx.theme;
        let zone = cx
            .fleet
            .zone(self.zone)
            .map_or_else(|| self.zone.to_string(), |z| z.config.name.clone());
        draw_title_row(
            buf,
            area,
            vec![
                Part::fixed("─ YAML · ", theme.style(Role::Title)),
                Part::fixed(format!("{zone} · "), theme.style(Role::Text)),
                Part::flexible(self.object.to_string(), theme.style(Role::Title)),
                Part::fixed(" · managedFields hidden", theme.style(Role::Muted)),
            ],
            theme,
        );
        let body = Rect::new(area.x, area.y + 1, area.width, area.height - 2);
        let doc = self.doc(cx.actions.yaml());
        if let Some(d) = doc
            && self.doc != Some(d.id)
        {
            self.doc = Some(d.id);
            self.view = TextView::at_top();
        }
        let muted = theme.style(Role::Muted);
        let lines = match doc.map(|d| &d.state) {
            None | Some(YamlState::Loading) => {
                draw_lines(
                    buf,
                    body,
                    [Line::styled(format!("  fetching {}…", self.object), muted)],
                );
                return;
            }
            Some(YamlState::Failed(why)) => {
                draw_lines(
                    buf,
                    body,
                    [Line::styled(format!("  ✗ {why}"), theme.style(Role::Error))],
                );
                return;
            }
            Some(YamlState::Loaded(lines)) => lines,
        };
        let source = YamlSource { lines, theme };
        self.view.draw(buf, body, &source, theme);
        let status = self.view.status(&source);
        let mut parts = vec![Part::fixed(
            format!("  lines {}–{} of {}", status.from, status.to, status.total),
            muted,
        )];
        if status.wrap {
            parts.push(Part::fixed(" · wrap", muted));
        }
        if let Some((query, count, at)) = &status.search {
            let found = match (count, at) {
                (0, _) => "no match".to_string(),
                (n, Some(at)) => format!("{at} of {n}"),
                (n, None) => format!("{n} lines match"),
            };
            let cursor = if self.view.editing_search() {
                "▏"
            } else {
                ""
            };
            parts.push(Part::fixed(format!(" · /{query}{cursor} {found}"), muted));
        }
        let footer = squeeze(parts, usize::from(area.width));
        buf.set_line(area.x, area.bottom() - 1, &footer, area.width);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_told_from_values() {
        let theme = Theme::default_theme();
        let title = theme.style(Role::Title);
        let parts = |text: &str| -> Vec<(String, bool)> {
            yaml_line(text, &theme)
                .spans
                .iter()
                .map(|s| (s.content.to_string(), s.style == title))
                .collect()
        };
        assert_eq!(
            parts("  replicas: 2"),
            [
                ("  ".into(), false),
                ("replicas".into(), true),
                (": 2".into(), false)
            ]
        );
        assert_eq!(
            parts("- name: executor"),
            [
                ("- ".into(), false),
                ("name".into(), true),
                (": executor".into(), false)
            ]
        );
        assert_eq!(parts("metadata:")[1], ("metadata".into(), true));
        assert_eq!(parts("  - --verbose"), [("  - --verbose".into(), false)]);
        assert_eq!(
            parts("  a text: with spaces"),
            [("  a text: with spaces".into(), false)]
        );
    }
}
