"""Phone-number intelligence: find the numbers a page shows, say where they really ring, flag tricks.

Tech support scam pages live on one phone number, and the number itself often gives them away:
a Japanese page showing ``0101-888-…`` (Japan's international prefix 010 + country code 1: an
international call to the USA disguised as a domestic number), a 050 IP phone labelled
フリーダイヤル, a US toll-free number on a Japanese page, a number taken from the URL
(``?ph0n=…``) so one kit serves many operators, digits written to dodge filters (``1-8OO-…``,
``{ 8 8 8 }``), or a template placeholder (``(050) 0000 0000``) left in a kit.

Speed matters (a whole page scan must stay within a few milliseconds): candidates are found with
one precompiled regular expression plus cheap boundary and context checks; only the survivors
(at most :data:`MAX_PARSED` distinct ones per text) are parsed with ``phonenumbers``, cached.

The modules, one concern each: :mod:`~scamscope.phones.knowledge` (``phones.toml`` compiled,
limits, character classes), :mod:`~scamscope.phones.parse` (``phonenumbers`` readings),
:mod:`~scamscope.phones.classify` (one candidate -> flagged, explained ``Phone``),
:mod:`~scamscope.phones.text` (numbers in text), :mod:`~scamscope.phones.literals` (numbers in
script literals), :mod:`~scamscope.phones.urls` (``tel:`` links, URL parameters),
:mod:`~scamscope.phones.url_reading` (script that reads the number from the URL),
:mod:`~scamscope.phones.ocr` (OCR digit repair), :mod:`~scamscope.phones.explain` (any text).

Public API (importable from ``scamscope.phones``): :func:`find_phones`, :func:`find_phone_hits`,
:func:`script_literal_hits`, :func:`phones_in_links`, :func:`phones_in_url`,
:func:`phones_in_code`, :func:`explain_text`, :func:`classify`, :func:`is_suspicious`,
:func:`dedup_phones`, :func:`repair_ocr_digits`, :func:`regions_for`, :func:`knowledge`. Knowledge
(word lists, parameter names, regions, flag documentation with examples) lives in
``scamscope/data/phones.toml``.
"""

from __future__ import annotations

from scamscope.phones.classify import classify, dedup_phones
from scamscope.phones.explain import URL_IN_TEXT as _URL_IN_TEXT  # noqa: F401 - old name, read by tests/test_fuzz_regex.py
from scamscope.phones.explain import explain_text
from scamscope.phones.knowledge import (
    MAX_CANDIDATES,
    MAX_CODE,
    MAX_DIGITS,
    MAX_LINKS,
    MAX_PARSED,
    MAX_WIDE,
    MIN_DIGITS,
    is_suspicious,
    knowledge,
    regions_for,
)
from scamscope.phones.literals import script_literal_hits
from scamscope.phones.ocr import repair_ocr_digits
from scamscope.phones.text import PhoneHit, find_phone_hits, find_phones
from scamscope.phones.url_reading import phones_in_code
from scamscope.phones.urls import phones_in_links, phones_in_url

__all__ = [
    "MAX_CANDIDATES",
    "MAX_CODE",
    "MAX_DIGITS",
    "MAX_LINKS",
    "MAX_PARSED",
    "MAX_WIDE",
    "MIN_DIGITS",
    "PhoneHit",
    "classify",
    "dedup_phones",
    "explain_text",
    "find_phone_hits",
    "find_phones",
    "is_suspicious",
    "knowledge",
    "phones_in_code",
    "phones_in_links",
    "phones_in_url",
    "regions_for",
    "repair_ocr_digits",
    "script_literal_hits",
]
