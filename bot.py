"""xiaoe (小额债务助手) — entry point.

Usage:
    python bot.py                      Telegram if TELEGRAM_BOT_TOKEN is set, else the terminal chat
    python bot.py chat [--db PATH] [--user NAME] [--jsonl]
    python bot.py telegram             run the Telegram bot (long polling)
    python bot.py telegram --webhook URL [--listen HOST] [--port N] [--secret S]    webhook mode
    python bot.py calc <calculator> ...    court fees, interest cap, deadlines... (--help)
    python bot.py law <topic or article>   show article texts
    python bot.py diagram [--markdown]  print the flows' Mermaid state diagram (or docs/flows.md)
    python bot.py export (--session ID | --last N | --user ID) --out FILE [--force] [--db PATH]
                                       anonymised conversation fixture from the transcripts
    python bot.py replay FILE          a fixture side by side with what the bot says now

Environment: TELEGRAM_BOT_TOKEN, TELEGRAM_API_URL (Bot API base URL, default https://api.telegram.org/bot),
TELEGRAM_WEBHOOK_SECRET, XIAOE_DB (database path, default data/xiaoe.db), XIAOE_LOG_LEVEL (default WARNING),
XIAOE_RETENTION_DAYS (delete conversation records older than this, default 30), XIAOE_ADMIN_IDS (Telegram user
ids allowed to run /stats).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys


def _engine(db_path: str | None, outbox: bool = False):  # imported lazily to keep `calc` light
    """The engine over the database; documents go to ./out, or (``outbox``) to a private folder beside
    the database from which the Telegram channel sends and deletes them."""
    from pathlib import Path

    from assembly import Engine
    from storage import SessionStore, open_database
    from storage.db import default_db_path

    documents_dir = None
    if outbox:
        documents_dir = Path(db_path or default_db_path()).resolve().parent / "outbox"
    return Engine(SessionStore(open_database(db_path)), documents_dir=documents_dir, outbox=outbox)


def _configure_logging() -> None:
    level = os.environ.get("XIAOE_LOG_LEVEL", "WARNING").upper()
    logging.basicConfig(level=getattr(logging, level, logging.WARNING),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def cmd_chat(argv: list[str]) -> int:
    """The terminal consultation (``--jsonl`` for the machine interface)."""
    from channels.terminal import run_interactive, run_jsonl

    parser = argparse.ArgumentParser(prog="bot.py chat", description="在终端里咨询 / chat in the terminal")
    parser.add_argument("--db", help="SQLite database path (default: $XIAOE_DB or data/xiaoe.db)")
    parser.add_argument("--user", default=os.environ.get("USER", "terminal"), help="user name (one session each)")
    parser.add_argument("--jsonl", action="store_true", help="JSON lines on stdin/stdout")
    args = parser.parse_args(argv)
    engine = _engine(args.db)
    if args.jsonl:
        return run_jsonl(engine, args.user, sys.stdin, sys.stdout)
    return run_interactive(engine, args.user)


def cmd_telegram(argv: list[str]) -> int:
    """Run the Telegram bot: long polling, or ``--webhook URL --listen HOST --port N --secret S``."""
    from channels.tg.app import main as telegram_main

    return telegram_main(argv, lambda db_path: _engine(db_path, outbox=True))


def cmd_diagram(argv: list[str]) -> int:
    """Print the Mermaid state diagram of every flow."""
    from flows.machine import SharedMachine, flows_markdown
    from flows.spec import load_registry

    shared = SharedMachine(load_registry())
    sys.stdout.write(flows_markdown(shared) if "--markdown" in argv else shared.mermaid())
    return 0


def main(argv: list[str] | None = None) -> int:
    """Dispatch to a sub-command; with none, Telegram if a token is set, else the terminal."""
    argv = list(sys.argv[1:] if argv is None else argv)
    _configure_logging()
    if not argv or argv[0].startswith("-"):
        if os.environ.get("TELEGRAM_BOT_TOKEN"):
            return cmd_telegram(argv)
        return cmd_chat(argv)
    command, rest = argv[0], argv[1:]
    if command in {"calc", "law"}:
        from law.cli import main as law_main

        return law_main([command, *rest])
    if command in {"export", "replay"}:
        from recordings.cli import export_main, replay_main

        return (export_main if command == "export" else replay_main)(rest)
    commands = {"chat": cmd_chat, "telegram": cmd_telegram, "diagram": cmd_diagram}
    if command not in commands:
        sys.stderr.write(f"未知命令 / unknown command: {command}\n{__doc__}")
        return 2
    return commands[command](rest)


if __name__ == "__main__":
    raise SystemExit(main())
