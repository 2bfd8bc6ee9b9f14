"""Explaining every phone number in any text (the ``scamscope phone`` command)."""

from __future__ import annotations

import re

from scamscope.phones.classify import classify, dedup_phones
from scamscope.phones.text import find_phone_hits
from scamscope.phones.urls import phones_in_links
from scamscope.types import Phone

# a URL-ish word with a query starts where its run of non-space starts (not again from every
# character of a long run, which was quadratic)
URL_IN_TEXT = re.compile(r"(?:https?://|tel:|callto:)\S+|(?<!\S)\S*[?#&][A-Za-z0-9_]{1,20}=\S+")


def explain_text(text: str, language: str | None = None) -> list[Phone]:
    """Explain every phone number in any text: bare numbers, ``tel:`` links, URLs with ``?phone=``.

    Lenient (a digit run counts: the user is asking about it). Without ``language``, Japanese
    script in the text means Japanese; otherwise no language is assumed.
    """
    if language is None and re.search(r"[\u3040-\u30ff]", text):
        language = "ja"
    links = URL_IN_TEXT.findall(text)
    phones: list[Phone] = list(phones_in_links(links, language=language))
    rest = URL_IN_TEXT.sub(" ", text) if links else text
    phones.extend(h.phone for h in find_phone_hits(rest, language=language, where="text", strict=False))
    if not phones and rest.strip() and not re.search(r"[^\W\d_]", rest):  # just digits and punctuation
        phone = classify(rest.strip(), language=language)
        if phone is not None:
            phones.append(phone)
    return dedup_phones(phones)
