"""Replies as stored rows: the processed-updates table keeps them so a crash can re-send them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flows.model import Button, Reply

# Reply meta a channel needs when it re-sends stored replies after a crash.
STORED_META = frozenset({"replace_pressed"})


def reply_to_dict(reply: Reply, html: str | None = None) -> dict[str, Any]:
    """Serialise a reply (for the processed-updates table and fixtures); ``html`` replaces its text."""
    return {
        "html": reply.html if html is None else html,
        "buttons": [[{"label": b.label, "data": b.data, **({"url": b.url} if b.url else {})} for b in row]
                    for row in reply.buttons],
        "files": [str(f) for f in reply.files],
        "state": reply.state,
        "kind": str(reply.kind),
        "alert": reply.alert,
        "meta": {k: v for k, v in reply.meta.items() if k in STORED_META},
    }


def reply_from_dict(data: dict[str, Any]) -> Reply:
    """Rebuild a reply serialised by :func:`reply_to_dict`."""
    return Reply(
        html=data["html"],
        buttons=tuple(tuple(Button(b["label"], b["data"], b.get("url", "")) for b in row) for row in data["buttons"]),
        files=tuple(Path(f) for f in data.get("files", [])),
        state=data.get("state", ""),
        kind=data.get("kind", "message"),
        alert=data.get("alert", False),
        meta=data.get("meta", {}),
    )


def with_state(reply: Reply, state: str) -> Reply:
    """The same reply stamped with the session state after the turn."""
    return Reply(reply.html, reply.buttons, reply.files, state, reply.kind, reply.alert, reply.meta)
