"""xiaoe's law: verbatim articles with provenance, the statutory calculators, and the advice figures.

The ``law`` package owns the knowledge base (:func:`get_article`, :func:`cite`, :func:`search_articles`,
:func:`all_articles`; texts and dated figures in ``law/data``), the calculators — each returns a
:class:`Calculation` and raises :class:`CalculationError` on bad input: :func:`court_fee`,
:func:`payment_order_fee`, :func:`preservation_fee`, :func:`enforcement_fee`, :func:`interest_cap`,
:func:`delay_interest`, :func:`limitation`, :func:`enforcement_deadline`, :func:`small_claims`; data:
:func:`trial_periods`; notes: :func:`wage_arrears_note` — the figures a consultation's result needs
(:mod:`law.advice`) and the calculator command line (:mod:`law.cli`, arguments in :mod:`law.arguments`). It sits
at the bottom of the layers: it may import the standard library, third-party libraries, ``clock`` and the
``text`` package (the one parser and numeral helper), and never ``flows``, ``documents``, ``messages``,
``storage`` or ``channels``.
"""

from law.calculation import Calculation, CalculationError
from law.fees import court_fee, enforcement_fee, payment_order_fee, preservation_fee
from law.interest import delay_interest, interest_cap
from law.kb import (
    Article,
    UnknownCitation,
    all_articles,
    cite,
    format_article,
    get_article,
    search_articles,
    topics,
)
from law.lpr import lpr_on
from law.notes import wage_arrears_note
from law.periods import enforcement_deadline, limitation
from law.small_claims import TrialPeriod, small_claims, trial_periods

__all__ = [
    "Article",
    "Calculation",
    "CalculationError",
    "TrialPeriod",
    "UnknownCitation",
    "all_articles",
    "cite",
    "court_fee",
    "delay_interest",
    "enforcement_deadline",
    "enforcement_fee",
    "format_article",
    "get_article",
    "interest_cap",
    "limitation",
    "lpr_on",
    "payment_order_fee",
    "preservation_fee",
    "search_articles",
    "small_claims",
    "topics",
    "trial_periods",
    "wage_arrears_note",
]
