#!/usr/bin/env bash
# Takes a screenshot of ge-console running on the demo fleet in a real tmux pane and writes it
# as SVG (colours kept) with rich's exporter: tools/screenshot.sh OUT.svg [WIDTH HEIGHT [ARGS...]]
# Needs tmux and python3 with `rich` (pip install rich); the binary is built in release mode.
set -euo pipefail
out=$1; width=${2:-160}; height=${3:-45}; shift $(( $# >= 3 ? 3 : $# ))
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/target/release/ge-console"
[ -x "$bin" ] || cargo build --release --manifest-path "$root/Cargo.toml"
state=$(mktemp -d)
session="ge-shot-$$"
trap 'tmux kill-session -t "$session" 2>/dev/null || true; rm -rf "$state"' EXIT
tmux new-session -d -s "$session" -x "$width" -y "$height" \
  "GE_CONSOLE_STATE=$state TERM=tmux-256color COLORTERM=truecolor $bin demo $*"
# Wait until every zone is live (the log says so), then one more frame.
for _ in $(seq 1 200); do
  grep -q "first complete frame" "$state/ge-console.log" 2>/dev/null && break
  sleep 0.1
done
sleep 1.2
tmux capture-pane -e -p -t "$session" > "$state/capture.ansi"
python3 - "$state/capture.ansi" "$out" "$width" <<'PY'
import sys
from rich.console import Console
from rich.text import Text
src, out, width = sys.argv[1], sys.argv[2], int(sys.argv[3])
console = Console(record=True, width=width, force_terminal=True, color_system="truecolor", file=open("/dev/null", "w"))
console.print(Text.from_ansi(open(src, encoding="utf-8").read()), end="")
console.save_svg(out, title="ge-console")
PY
echo "wrote $out"
