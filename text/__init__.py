"""Reading what people type: the one parser for the chat, the calculator CLI and the documents.

The ``text`` package owns every rule that turns typed text into a value — amounts (:mod:`text.amounts`),
dates (:mod:`text.dates`), provinces (:mod:`text.provinces`), choices and yes/no (:mod:`text.choices`),
fixed-shape answers such as names, 身份证号, phone numbers, addresses (:mod:`text.formats`) and interest
rates like 月息2分 (:mod:`text.rates`), Chinese numerals (:mod:`text.numerals`, the one wrapper around
cn2an) — and the plain wording of its refusals (:mod:`text.refusals`). A refusal is a
:class:`text.errors.ParseError` whose ``code`` names the explanation. Functions are pure: anything that
depends on the day takes ``today`` explicitly. It sits at the bottom of the layers: it may import the
standard library, third-party libraries (cn2an, PyYAML) and ``clock``, and nothing else of the project.
"""
