"""Every word the bot says: Jinja2 templates rendering Telegram-flavoured HTML."""

from messages.render import Rendered, html_to_text, render

__all__ = ["Rendered", "html_to_text", "render"]
