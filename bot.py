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


def _add_chat_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", help="SQLite database path (default: $XIAOE_DB or data/xiaoe.db)")
    parser.add_argument("--user", default=os.environ.get("USER", "terminal"), help="user name (one session each)")
    parser.add_argument("--jsonl", action="store_true", help="JSON lines on stdin/stdout")


def cmd_chat(argv: list[str]) -> int:
    """The terminal consultation (``--jsonl`` for the machine interface)."""
    from pathlib import Path

    from channels.terminal import HISTORY_FILE, run_interactive, run_jsonl
    from storage.db import default_db_path

    parser = argparse.ArgumentParser(prog="bot.py chat", description="在终端里咨询 / chat in the terminal")
    _add_chat_options(parser)
    args = parser.parse_args(argv)
    engine = _engine(args.db)
    if args.jsonl:
        return run_jsonl(engine, args.user, sys.stdin, sys.stdout)
    history = Path(args.db or default_db_path()).resolve().parent / HISTORY_FILE
    return run_interactive(engine, args.user, history=history)


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


# Sub-commands whose own modules parse their arguments (each has its --help).
DELEGATED = {
    "calc": "计算器：诉讼费、利率上限、期限… / calculators (court fees, interest cap, deadlines…)",
    "law": "查看法条 / show article texts",
    "export": "从对话记录导出匿名的对话样例 / anonymised conversation fixture from the transcripts",
    "replay": "对照样例与现在的回答 / a fixture side by side with what the bot says now",
}


def build_parser() -> argparse.ArgumentParser:
    """The one argument tree: every sub-command, so ``bot.py --help`` lists them all."""
    parser = argparse.ArgumentParser(
        prog="bot.py",
        description="小额债务助手 xiaoe — 不带命令时：设置了 TELEGRAM_BOT_TOKEN 则运行 Telegram 机器人，否则在终端咨询",
        epilog="环境变量 / environment: TELEGRAM_BOT_TOKEN, TELEGRAM_API_URL, TELEGRAM_WEBHOOK_SECRET, XIAOE_DB, "
               "XIAOE_LOG_LEVEL, XIAOE_RETENTION_DAYS, XIAOE_ADMIN_IDS, XIAOE_NOW")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_chat_options(commands.add_parser("chat", help="在终端里咨询 / chat in the terminal"))
    commands.add_parser("telegram", add_help=False,
                        help="运行 Telegram 机器人（长轮询或 --webhook URL） / run the Telegram bot")
    diagram = commands.add_parser("diagram", help="打印流程的 Mermaid 状态图 / the flows' Mermaid state diagram")
    diagram.add_argument("--markdown", action="store_true", help="docs/flows.md")
    for name, text in DELEGATED.items():
        commands.add_parser(name, add_help=False, help=text + "（详见 bot.py " + name + " --help）")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Dispatch to a sub-command; with none, Telegram if a token is set, else the terminal."""
    argv = list(sys.argv[1:] if argv is None else argv)
    # python-telegram-bot 22: time spans as timedelta already (its next major version's behaviour), so its
    # deprecation warning never fires; channels/delivery.py reads retry_after either way.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    _configure_logging()
    if not argv or (argv[0].startswith("-") and argv[0] not in {"-h", "--help"}):
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
        build_parser().parse_args(argv)  # --help, or argparse's error (exit 2) for an unknown command
        return 2
    return commands[command](rest)


if __name__ == "__main__":
    raise SystemExit(main())
