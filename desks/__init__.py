"""The desks: the features of a turn, each plugged into the core through ``core.desk.Desk``.

Consultation (the flows and their moves), documents, group chats, admin commands, law lookup and privacy
(/forget, retention) each live in one module here and are registered by the composition root
(``assembly.py``). Desks may import ``core``, ``flows``, ``documents``, ``law``, ``storage``, ``messages``
and ``clock``; never each other, ``recordings``, ``channels`` or ``assembly`` (what one desk needs from
another is injected by the composition root).
"""
