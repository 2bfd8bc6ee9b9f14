"""Labels shown on the desk's pages. The msgids are English; each mapping translates on lookup
into the request's language (:mod:`scamscope.web.i18n`)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from scamscope.web.i18n import N_, gettext, gettext_in


class Translated(Mapping[str, str]):
    """key -> msgid, read as key -> the msgid in the request's language."""

    def __init__(self, msgids: dict[str, str]) -> None:
        self.msgids = msgids

    def __getitem__(self, key: str) -> str:
        return gettext(self.msgids[key])

    def get_or_key(self, key: str) -> str:
        """The label of ``key``, or ``key`` itself when it has none (a value from an older version)."""
        return self[key] if key in self.msgids else key

    def __iter__(self) -> Iterator[str]:
        return iter(self.msgids)

    def __len__(self) -> int:
        return len(self.msgids)


CHANNEL_LABELS = Translated({"phone": N_("Phone"), "visit": N_("Visit"), "email": N_("E-mail"), "web": N_("Web form")})
CATEGORY_LABELS = Translated(
    {
        "fake_warning": N_("Saw a fake warning"),
        "called": N_("Called the number"),
        "remote_access": N_("Remote access"),
        "paid": N_("Paid"),
    }
)
CATEGORY_SHORT = Translated({"fake_warning": N_("fake warning"), "called": N_("called"), "remote_access": N_("remote access"), "paid": N_("paid")})
CATEGORY_COLOURS = {"fake_warning": "#f2b134", "called": "#ed7d31", "remote_access": "#c0392b", "paid": "#6c3483"}
STATUS_LABELS = Translated({"open": N_("Open"), "closed": N_("Closed")})
VERDICT_LABELS = Translated({"scam": N_("scam"), "suspicious": N_("suspicious"), "benign": N_("benign")})
VERDICT_SENTENCES = Translated(
    {
        "scam": N_("Very likely a scam"),
        "suspicious": N_("Suspicious"),
        "benign": N_("No problem was found"),
        "error": N_("Could not be analysed"),
    }
)
SCAN_KIND_LABELS = Translated({"url": N_("URL"), "html": N_("page file"), "screenshot": N_("screenshot")})
SCAN_STATUS_LABELS = Translated({"queued": N_("waiting"), "running": N_("scanning"), "done": N_("done"), "error": N_("failed")})
INDICATOR_KIND_LABELS = Translated({"phone": N_("phone number"), "domain": N_("domain")})
LANGUAGE_LABELS = Translated({"ja": N_("Japanese"), "en": N_("English")})
ROLE_LABELS = Translated({"admin": N_("admin"), "staff": N_("staff")})
AUDIT_ACTION_LABELS = Translated(
    {
        "view": N_("view"),
        "create": N_("create"),
        "update": N_("update"),
        "link": N_("link"),
        "delete": N_("delete"),
        "export": N_("export"),
        "login": N_("login"),
        "login_failed": N_("failed login"),
        "logout": N_("logout"),
        "user": N_("account change"),
        "purge": N_("purge"),
    }
)
OBJECT_KIND_LABELS = Translated({"case": N_("case"), "scan": N_("scan"), "indicators": N_("indicators"), "user": N_("user")})
PHONE_WHERE_LABELS = Translated(
    {
        "text": N_("page text"),
        "script": N_("script"),
        "tel_link": N_("call link"),
        "url_param": N_("page address"),
        "attr": N_("attribute"),
        "title": N_("title"),
        "ocr": N_("screenshot text"),
    }
)
FAMILY_LABELS = Translated(
    {
        "text": N_("Wording of the page"),
        "phone": N_("Phone numbers"),
        "lockin": N_("Tricks that keep the page open"),
        "brand": N_("Company and product names"),
        "form": N_("Forms asking for data"),
        "other": N_("Other signals"),
    }
)

# scan stages as the scan workers record them (scamscope.web.jobs), shown translated
STAGES = {
    s: s
    for s in (
        N_("waiting for a free scan worker"),
        N_("queued again after a restart"),
        N_("starting"),
        N_("analysing the page"),
        N_("reading the screenshot (OCR)"),
        N_("done"),
        N_("failed"),
    )
}
_BROWSER_STAGE = re.compile(r"^opening the page in headless Chromium \(up to ([\d.]+) s\), then OCR and scoring$")


def stage_label(stage: str | None) -> str:
    """A scan's stage in the request's language (unknown stages as they are)."""
    if not stage:
        return ""
    if stage in STAGES:
        return gettext(stage)
    m = _BROWSER_STAGE.match(stage)
    if m:
        return gettext(N_("opening the page in headless Chromium (up to %(seconds)s s), then OCR and scoring")) % {"seconds": m.group(1)}
    return stage


_GAVE_UP = re.compile(r"^gave up after (\d+) tries")


def scan_error_label(error: str | None) -> str:
    """A scan's error: the desk's own messages translated, the scanner's as they are."""
    if not error:
        return ""
    if error == "internal error while scanning (details are in the server log)":
        return gettext(N_("internal error while scanning (details are in the server log)"))
    m = _GAVE_UP.match(error)
    if m:
        return gettext(N_("gave up after %(n)s tries: the server stopped each time while this scan was running (see the server log)")) % {"n": m.group(1)}
    return error


# the advice wizard speaks the victim's language (``lang`` of the wizard, not the staff's choice)
WIZARD_TEXT: dict[str, str] = {
    "title": N_("What to do after a fake security warning"),
    "intro": N_('Answer a few questions and you get the steps to take now, in order. Choose "not sure" when you do not know.'),
    "start": N_("Start"),
    "next": N_("Next"),
    "back": N_("Back"),
    "show": N_("Show the steps"),
    "yes": N_("Yes"),
    "no": N_("No"),
    "unknown": N_("Not sure"),
    "none": N_("None of these"),
    "question": N_("Question %(n)s of %(total)s"),
    "result": N_("What to do, in this order"),
    "why": N_("Why"),
    "sources": N_("Sources"),
    "contacts": N_("Where to call"),
    "print": N_("Print"),
    "answers": N_("Your answers"),
    "again": N_("Start again"),
    "no_steps": N_("No steps are needed."),
    "tick_all": N_("Tick all that apply; tick none if none do."),
    "case": N_("Case"),
}


def wizard_text(key: str, lang: str) -> str:
    return gettext_in(lang, WIZARD_TEXT[key])
