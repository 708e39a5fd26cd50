"""Understanding what people type: first-message stories and answers in their own words.

Pure functions over text and an explicit ``today``; the words they know live in data files
(``understanding/data/*``, ``flows/synonyms.yaml``, ``messages/explanations.yaml``).
"""

from understanding.answers import read_answer
from understanding.model import Ask, Confirm, Reading, Unknown, Value
from understanding.story import read_story

__all__ = ["Ask", "Confirm", "Reading", "Unknown", "Value", "read_answer", "read_story"]
