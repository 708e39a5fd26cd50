"""The engine core: runs one turn and knows features only through the desk protocol.

It owns the turn transaction, update de-duplication, session load and save, the machine moves (answer,
step, edit, back, auto-advance) and the transcript; ``core.desk`` defines what a feature (a *desk*) may
declare and hook into, ``core.commands`` the one command registry. It may import ``flows`` (model, spec,
machine, screens, answers, callbacks, parsers), ``storage``, ``messages`` and ``clock`` — never ``desks``,
``documents``, ``recordings``, ``channels`` or the composition root (``assembly``).
"""
