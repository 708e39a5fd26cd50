#!/usr/bin/env bash
# Screenshots of the layered result in a Telegram-like chat (docs/screenshots/*.png), for the README.
#
# Not part of CI. Needs Chromium and a CJK font:  apt-get install -y chromium fonts-noto-cjk
#   bash scripts/render_screenshots.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
OUT="docs/screenshots"
command -v chromium >/dev/null || { echo "missing chromium (see the comment at the top of $0)" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$PY" scripts/chat_page.py "$work"
mkdir -p "$OUT"
for pair in summary:600 section:1250; do
  name="${pair%%:*}" height="${pair##*:}"
  chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$work/profile-$name" \
    --hide-scrollbars --window-size=440,"$height" --screenshot="$OUT/result-$name.png" \
    "file://$work/$name.html" >/dev/null 2>&1
  echo "$OUT/result-$name.png"
done
