"""MISP event JSON of the indicators (``scamscope export --format misp``), built offline with pymisp.

One event; an attribute per indicator: ``url``, ``domain``, ``ip-dst`` (``Network activity``,
``to_ids`` true), ``phone-number`` (``Financial fraud``, ``to_ids`` false: a number is for
blocking calls and warning people, not for an IDS), ``filename|sha256`` for downloads
(``Payload delivery``). Each attribute has ``first_seen``/``last_seen`` from the scans, a comment
(how many scans, the phone number's explanation and flags, desk cases) and a
``scamscope:verdict="…"`` tag per verdict. The event is tagged with the TLP (``tlp:clear``,
``tlp:green``, ``tlp:amber``) and ``scamscope:kit-family="…"`` where the scans know the family.

UUIDs are deterministic (UUIDv5 of the indicator, and of the set of indicators for the event), so
a re-import updates rather than duplicates.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from pymisp import MISPAttribute, MISPEvent

from scamscope.exchange.indicators import Extraction
from scamscope.exchange.indicators import Indicator as Found

NAMESPACE = uuid.UUID("4f1c8e02-6b7a-5d0e-9a3b-5ca3a5c0e164")
ATTRIBUTE = {
    "url": ("url", "Network activity", True),
    "domain": ("domain", "Network activity", True),
    "ip": ("ip-dst", "Network activity", True),
    "phone": ("phone-number", "Financial fraud", False),
    "file": ("filename|sha256", "Payload delivery", True),
}
# MISP distribution: 0 your organisation only, 1 this community only, 3 all communities
DISTRIBUTION = {"clear": 3, "green": 1, "amber": 0}


def _t(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _value(ind: Found) -> str:
    if ind.type == "file":
        name = (ind.names[0] if ind.names else "download").replace("|", "_")
        return f"{name}|{ind.value}"
    return ind.value


def _comment(ind: Found) -> str:
    parts = [f"seen in {ind.count} scan{'s' if ind.count != 1 else ''} ({', '.join(ind.verdicts)})"]
    if ind.type == "phone":
        if ind.explanation:
            parts.append(ind.explanation)
        if ind.flags:
            parts.append("flags: " + ", ".join(ind.flags))
    if len(ind.names) > 1:
        parts.append("file names: " + ", ".join(ind.names))
    if ind.cases:
        parts.append("desk cases: " + ", ".join(f"#{c}" for c in ind.cases))
    return "; ".join(parts)


def _tag_value(text: str) -> str:
    return text.replace('"', "'")


def build_event(extraction: Extraction, *, tlp: str = "amber") -> MISPEvent:
    inds = extraction.indicators
    first, last = extraction.first_seen, extraction.last_seen
    event = MISPEvent()
    scans = sorted(r.id for r in extraction.scans)
    # the same indicators, the same event (whichever order or file the scans came in)
    event.uuid = str(uuid.uuid5(NAMESPACE, "event\n" + "\n".join(f"{i.type} {i.value}" for i in inds)))
    span = f", {first:%Y-%m-%d}..{last:%Y-%m-%d}" if first and last else ""
    event.info = f"scamscope: tech support scam indicators ({len(scans)} scan{'s' if len(scans) != 1 else ''}{span})"
    event.distribution = DISTRIBUTION[tlp]
    event.threat_level_id = 2  # medium: fraud against people, not an intrusion
    event.analysis = 2  # completed: every scan is finished
    event.published = False
    event.date = (last or datetime.now(UTC)).date()
    if last:
        event.timestamp = _t(last)
    event.add_tag(f"tlp:{tlp}")
    for family in extraction.families:
        event.add_tag(f'scamscope:kit-family="{_tag_value(family)}"')
    for ind in inds:
        kind, category, to_ids = ATTRIBUTE[ind.type]
        attr = event.add_attribute(
            kind,
            _value(ind),
            category=category,
            to_ids=to_ids,
            comment=_comment(ind),
            uuid=str(uuid.uuid5(NAMESPACE, f"{ind.type}\n{ind.value}")),
            first_seen=_t(ind.first_seen),
            last_seen=_t(ind.last_seen),
            timestamp=_t(ind.last_seen),
            disable_correlation=False,
        )
        assert isinstance(attr, MISPAttribute)
        for verdict in ind.verdicts:
            attr.add_tag(f'scamscope:verdict="{verdict}"')
        for family in ind.families:
            attr.add_tag(f'scamscope:kit-family="{_tag_value(family)}"')
    return event


def render(extraction: Extraction, *, tlp: str = "amber") -> str:
    """The event as MISP JSON (``{"Event": {...}}``), loadable with ``MISPEvent().load()``."""
    event = build_event(extraction, tlp=tlp)
    return json.dumps({"Event": json.loads(event.to_json())}, ensure_ascii=False, indent=1) + "\n"
