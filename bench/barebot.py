"""The start-up baseline: a bare python-telegram-bot echo bot, started like ``python bot.py telegram``.

Same token and Bot API URL from the environment, the same rate limiter and polling call as xiaoe's
production start (``channels.tg``), and nothing of xiaoe: no engine, no database, no command
menu. ``bench.startup`` times it next to xiaoe, so the difference is what xiaoe adds.
"""

from __future__ import annotations

import os

from telegram import Update
from telegram.ext import AIORateLimiter, ApplicationBuilder, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the text back."""
    message = update.effective_message
    if message is not None and message.text is not None:
        await context.bot.send_message(message.chat_id, message.text)


def main() -> None:
    """Poll until SIGTERM."""
    app = (ApplicationBuilder().token(os.environ["TELEGRAM_BOT_TOKEN"]).base_url(os.environ["TELEGRAM_API_URL"])
           .rate_limiter(AIORateLimiter(max_retries=3)).build())
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.run_polling(allowed_updates=["message", "callback_query"], bootstrap_retries=5)


if __name__ == "__main__":
    main()
