"""The flows as data and the mechanism below the core: the inbound/reply model, the flow definitions
(``definitions/*.yaml``, ``spec``), the one shared transitions machine, answer parsing, screens and the
button codec.

Nothing here knows the core or any desk: it may import ``law``, ``messages``, ``storage`` and ``clock`` only
(``core`` and ``desks`` import it, never the reverse).
"""
