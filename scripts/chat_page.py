"""Write the layered result of one persona as Telegram-like HTML pages (summary, one section), for screenshots.

    python scripts/chat_page.py OUTDIR      # writes OUTDIR/summary.html and OUTDIR/section.html

scripts/render_screenshots.sh turns them into docs/screenshots/*.png with headless Chromium. The persona is
fictitious; the text and buttons are exactly what the bot sends (flows.screens), only laid out in a bubble.
"""

from __future__ import annotations

import html
import re
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flows import screens
from flows.model import Reply
from flows.spec import load_registry
from storage.sessions import Session

TODAY = date(2026, 11, 22)
FACTS = {"role": "creditor", "debt_type": "loan", "amount": "5000", "evidence": ["iou", "transfer"],
         "due_date": "2025-06-01", "last_demand": "2026-01-10", "attitude": "admits", "identity_known": "yes",
         "province": "江苏", "stage": "not_sued"}
STYLE = """
body { margin: 0; background: #8fb8d6; font: 15px/1.45 "Noto Sans CJK SC", "Noto Sans SC", sans-serif; }
.top { background: #517da2; color: #fff; padding: 10px 16px; font-weight: bold; }
.chat { padding: 14px 10px; max-width: 420px; }
.bubble { background: #fff; border-radius: 12px; padding: 9px 12px; white-space: pre-wrap; word-break: break-word;
          box-shadow: 0 1px 1px rgba(0,0,0,.15); }
.kb { margin-top: 4px; }
.row { display: flex; gap: 4px; margin-top: 4px; }
.btn { flex: 1; background: rgba(40, 80, 120, .55); color: #fff; text-align: center; border-radius: 8px;
       padding: 7px 4px; font-size: 14px; }
"""
_TELEGRAM_TAGS = re.compile(r"&lt;(/?)(b|i|u|s|code|pre)&gt;")


def page(reply: Reply, title: str) -> str:
    """One bot message with its inline keyboard, laid out like a Telegram chat on a phone."""
    body = _TELEGRAM_TAGS.sub(r"<\1\2>", html.escape(html.unescape(reply.html)))  # only Telegram's own tags
    rows = "".join('<div class="row">' + "".join(f'<div class="btn">{html.escape(b.label)}</div>' for b in row)
                   + "</div>" for row in reply.buttons)
    return (f'<!doctype html><meta charset="utf-8"><style>{STYLE}</style>'
            f'<div class="top">小额债务助手 · {html.escape(title)}</div>'
            f'<div class="chat"><div class="bubble">{body}</div><div class="kb">{rows}</div></div>')


def main(out: Path) -> None:
    """Write summary.html and section.html for the persona above."""
    registry = load_registry()
    session = Session(id=1, chat_id=1, user_id=1, flow="creditor", state="creditor.result", facts=dict(FACTS))
    summary = screens.result(registry, session, TODAY)
    section = screens.section(registry, session, TODAY, "limitation")
    assert section is not None
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.html").write_text(page(summary, "分析结果"), encoding="utf-8")
    (out / "section.html").write_text(page(section, "时效"), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
