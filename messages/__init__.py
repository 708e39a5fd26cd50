"""Every word the bot says: Jinja2 templates rendering Telegram-flavoured HTML.

The ``messages`` package owns the templates (autoescape, StrictUndefined), the helpers they call (``cite()``
resolves an article through ``law``) and the HTML-to-text conversion for the terminal. It may import ``law``,
``text`` and ``clock``; nothing above it (flows, core, desks, channels).
"""

from messages.render import Rendered, html_to_text, render

__all__ = ["Rendered", "html_to_text", "render"]
