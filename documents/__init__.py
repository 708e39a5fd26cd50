"""Documents the consultation can produce (催款函, 民事起诉状, 还款协议, 协商还款申请书) as Word files.

The ``documents`` package owns the catalogue (``catalogue.yaml``: the documents and the variables their
templates use), the builder that turns facts into those variables (``builder``, ``claims``, ``schedule``; every
figure from the calculators in ``law``), the docxtpl rendering of ``templates/`` (``render``) and the sample
files (``samples``). It may import ``law``, ``text``, ``messages`` (number and date formatting) and ``clock``;
only ``dialogue`` — the documents desk the engine drives, what it asks during the documents flow — may import
the engine (``flows``), and nothing below it imports ``dialogue``.
"""
