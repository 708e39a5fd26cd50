#!/usr/bin/env bash
# PNG pictures of the first page of each generated document, for the README (docs/previews/*.png).
#
# Not part of CI. Needs LibreOffice (writer), poppler-utils (pdftoppm) and a CJK font:
#   apt-get install -y --no-install-recommends libreoffice-writer poppler-utils fonts-noto-cjk
# The templates ask for 宋体 (SimSun), which Linux machines rarely have: for the previews only, a
# private fontconfig file maps 宋体/SimSun to Noto Serif CJK SC and 黑体/SimHei to Noto Sans CJK SC.
#
#   bash scripts/render_previews.sh            # writes docs/previews/<document>.png
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
OUT="docs/previews"
for tool in libreoffice pdftoppm; do
  command -v "$tool" >/dev/null || { echo "missing $tool (see the comment at the top of $0)" >&2; exit 2; }
done
fc-list : family | grep -i "Noto Serif CJK" >/dev/null || { echo "missing fonts-noto-cjk" >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat > "$work/fonts.conf" <<'XML'
<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <alias binding="same"><family>宋体</family><prefer><family>Noto Serif CJK SC</family></prefer></alias>
  <alias binding="same"><family>SimSun</family><prefer><family>Noto Serif CJK SC</family></prefer></alias>
  <alias binding="same"><family>黑体</family><prefer><family>Noto Sans CJK SC</family></prefer></alias>
  <alias binding="same"><family>SimHei</family><prefer><family>Noto Sans CJK SC</family></prefer></alias>
</fontconfig>
XML
export FONTCONFIG_FILE="$work/fonts.conf"

# The sample documents: fictitious people, identity numbers with a valid check digit.
"$PY" -m documents.samples "$work/docx"
mkdir -p "$OUT"
for docx in "$work"/docx/*.docx; do
  name="$(basename "$docx" .docx)"
  libreoffice --headless --norestore -env:UserInstallation="file://$work/profile" \
    --convert-to pdf --outdir "$work/pdf" "$docx" >/dev/null 2>&1
  pdftoppm -png -singlefile -f 1 -l 1 -r 100 "$work/pdf/$name.pdf" "$OUT/$name"
  echo "wrote $OUT/$name.png"
done
