#!/usr/bin/env bash
# Takes a screenshot of ge-console running on the demo fleet in a real tmux pane and writes it
# as SVG, colours kept, with python's rich:
#
#   tools/screenshot.sh OUT.svg [WIDTH HEIGHT [CONSOLE ARGS...]]
#   tools/screenshot.sh assets/screenshot-default.svg
#   SCREENSHOT_BACKGROUND=light tools/screenshot.sh assets/screenshot-light.svg 160 45 --theme light
#
# GE_CONSOLE_BIN picks the binary (default: target/release/ge-console, built if missing; e.g.
# GE_CONSOLE_BIN=target/debug/ge-console). SCREENSHOT_BACKGROUND=light draws the SVG on a light
# terminal background (for the light theme). The console runs at truecolor in its own tmux
# server with empty config and state dirs, so neither your tmux nor your keymaps and themes
# change the picture. Needs tmux and python3 with rich (pip install rich); CI does not run it.
set -euo pipefail
out=$1; width=${2:-160}; height=${3:-45}; shift $(( $# >= 3 ? 3 : $# ))
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${GE_CONSOLE_BIN:-$root/target/release/ge-console}
if [ -z "${GE_CONSOLE_BIN:-}" ] && [ ! -x "$bin" ]; then
  cargo build --release --manifest-path "$root/Cargo.toml"
fi
[ -x "$bin" ] || { echo "no ge-console binary at $bin" >&2; exit 1; }
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
work=$(mktemp -d)
socket="ge-shot-$$"
tmux_() { tmux -L "$socket" -f "$work/tmux.conf" "$@"; }
trap 'tmux_ kill-server 2>/dev/null || true; rm -rf "$work"' EXIT
printf 'set -g default-terminal tmux-256color\nset -g status off\nset -g remain-on-exit on\n' \
  > "$work/tmux.conf"
mkdir -p "$work/state" "$work/config"
console_args=""
[ $# -eq 0 ] || console_args=$(printf ' %q' "$@")
tmux_ new-session -d -s shot -x "$width" -y "$height" \
  "env GE_CONSOLE_STATE=$work/state GE_CONSOLE_CONFIG=$work/config COLORTERM=truecolor \
   $(printf '%q' "$bin") demo$console_args"
# Wait until every zone of the demo fleet says it is live.
live=""
for _ in $(seq 1 300); do
  if [ "$(tmux_ display-message -p -t shot '#{pane_dead}')" = 1 ]; then
    echo "ge-console exited:" >&2; tmux_ capture-pane -p -t shot >&2; exit 1
  fi
  if [ "$(tmux_ capture-pane -p -t shot | grep -o '✓ live' | wc -l)" -ge 3 ]; then
    live=yes; break
  fi
  sleep 0.1
done
[ -n "$live" ] || { echo "the zones did not all go live:" >&2; tmux_ capture-pane -p -t shot >&2; exit 1; }
tmux_ capture-pane -e -p -t shot > "$work/capture.ansi"
python3 - "$work/capture.ansi" "$out" "$width" "${SCREENSHOT_BACKGROUND:-dark}" <<'PY'
import sys
from rich.console import Console
from rich.terminal_theme import DEFAULT_TERMINAL_THEME, MONOKAI
from rich.text import Text
src, out, width, background = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
theme = DEFAULT_TERMINAL_THEME if background == "light" else MONOKAI
console = Console(record=True, width=width, force_terminal=True, color_system="truecolor",
                  file=open("/dev/null", "w"))
console.print(Text.from_ansi(open(src, encoding="utf-8").read()), end="")
console.save_svg(out, title="ge-console", theme=theme)
PY
echo "wrote $out"
