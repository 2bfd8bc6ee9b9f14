"""STIX 2.1 bundle of the indicators (``scamscope export --format stix2``).

Design:

* one ``identity`` (scamscope, ``identity_class: system``) creates everything;
* an ``indicator`` (``pattern_type: stix``, ``indicator_types: ["malicious-activity"]``) per URL
  (``[url:value = '…']``), host name (``[domain-name:value = '…']``), public IP address
  (``[ipv4-addr:value = '…']``), download (``[file:hashes.'SHA-256' = '…']``) and phone number;
* phone numbers, which STIX has no object for, are a custom SCO ``x-scamscope-phone-number``
  declared the STIX 2.1 way: an ``extension-definition`` (``extension_types: ["new-sco"]``) in the
  bundle, and an ``extensions`` entry naming it on every phone object; ``value`` (E.164) is the
  id-contributing property, so phone ids are UUIDv5 as for standard SCOs. Their indicators use the
  pattern ``[x-scamscope-phone-number:value = '+1…']``;
* one ``infrastructure`` (``infrastructure_types: ["phishing"]``): every indicator ``indicates``
  it, and it ``consists-of`` the phone objects;
* a ``sighting`` per indicator (``first_seen``, ``last_seen``, ``count`` over the scans, seen by
  scamscope);
* TLP 2.0 markings (``--tlp clear|green|amber``): the official marking-definition objects of the
  TLP 2.0 extension (``extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d``) with their
  fixed ids; the stix2 library only ships TLP 1.0. Every object but the markings is marked.

Ids are deterministic: UUIDv4-shaped hashes of what the object stands for (an indicator's id comes
from its type and value), UUIDv5 for phone SCOs; ``created``/``modified`` come from the scans'
times, so exporting the same scans again gives the same bundle, and a later export with more
sightings gives newer versions of the same objects.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from stix2.properties import ListProperty, StringProperty  # type: ignore[import-untyped]
from stix2.v21 import (  # type: ignore[import-untyped]
    Bundle,
    CustomObservable,
    ExtensionDefinition,
    Identity,
    Indicator,
    Infrastructure,
    MarkingDefinition,
    Relationship,
    Sighting,
)

from scamscope.exchange.indicators import Extraction
from scamscope.exchange.indicators import Indicator as Found

PHONE_TYPE = "x-scamscope-phone-number"
PHONE_EXTENSION = "extension-definition--6c1f0f3e-2d1a-4b9e-9c55-5ca3a5c0e164"
TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_CREATOR = "identity--b3bca3c2-1f3d-4b54-b44f-dac42c3a8f01"
TLP2_IDS = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
TLP_CHOICES = ("clear", "green", "amber")
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)  # created/modified of the fixed objects (identity, extension)
# stix2-validator does not know custom SCOs as SCOs: it asks them for a UUIDv4 (the STIX 2.1 spec
# asks SCOs for UUIDv5) and calls "infrastructure consists-of" one "not suggested" (the spec allows
# every SCO as its target). Those two warnings about the phone objects are expected.
KNOWN_CUSTOM_SCO_WARNINGS = ("is not a valid UUIDv4 ID", "not a suggested relationship target object for 'infrastructure' objects with the 'consists-of'")


class _PhoneNumber:
    """A telephone number (E.164) shown by a tech support scam page."""


PhoneNumber: Any = CustomObservable(
    PHONE_TYPE,
    [
        ("value", StringProperty(required=True)),
        ("region", StringProperty()),
        ("number_type", StringProperty()),
        ("flags", ListProperty(StringProperty)),
        ("explanation", StringProperty()),
    ],
    ["value"],
    PHONE_EXTENSION,
)(_PhoneNumber)


class InvalidBundle(Exception):
    """The bundle does not validate (the validator's first error)."""


def _id(kind: str, *parts: str) -> str:
    """``kind--UUID``: a UUIDv4-shaped hash of ``parts`` (the same parts, the same id)."""
    digest = bytearray(hashlib.sha256("\x1f".join(("scamscope", kind, *parts)).encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x40
    digest[8] = (digest[8] & 0x3F) | 0x80
    return f"{kind}--{uuid.UUID(bytes=bytes(digest))}"


def _t(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


def tlp_marking(level: str) -> MarkingDefinition:
    """The official TLP 2.0 marking definition for ``level``."""
    name = "TLP:" + level.upper()
    return MarkingDefinition(
        id=TLP2_IDS[level],
        created="2022-10-01T00:00:00.000Z",
        created_by_ref=TLP2_CREATOR,
        name=name,
        extensions={TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": level}},
        allow_custom=True,
    )


IDENTITY_ID = _id("identity", "scamscope")


def _identity(marking: list[str]) -> Identity:
    return Identity(
        id=IDENTITY_ID,
        created=EPOCH,
        modified=EPOCH,
        name="scamscope",
        description="scamscope, a toolkit against tech support scams: the scanner that judged the pages these indicators come from.",
        identity_class="system",
        object_marking_refs=marking,
    )


def _phone_extension(marking: list[str]) -> ExtensionDefinition:
    return ExtensionDefinition(
        id=PHONE_EXTENSION,
        created=EPOCH,
        modified=EPOCH,
        created_by_ref=IDENTITY_ID,
        name="scamscope phone number",
        description="A telephone number shown by a tech support scam page (fake virus warning) for victims to call.",
        schema=(
            "x-scamscope-phone-number: a STIX Cyber-observable Object. Properties: value (string, required, "
            "the number in E.164 form, e.g. '+15057556579'; the only id-contributing property), region "
            "(string, ISO 3166-1 alpha-2 region of the number), number_type (string, e.g. 'toll_free', "
            "'fixed_line_or_mobile'), flags (list of strings, why the number is suspicious, e.g. "
            "'jp_international_disguised'), explanation (string, the same in English)."
        ),
        version="1.0",
        extension_types=["new-sco"],
        object_marking_refs=marking,
    )


_LABEL = {"url": "URL", "domain": "domain name", "ip": "IP address", "phone": "phone number", "file": "downloaded file"}


def _pattern(ind: Found) -> str:
    v = _quote(ind.value)
    if ind.type == "url":
        return f"[url:value = '{v}']"
    if ind.type == "domain":
        return f"[domain-name:value = '{v}']"
    if ind.type == "ip":
        return f"[{'ipv6-addr' if ':' in ind.value else 'ipv4-addr'}:value = '{v}']"
    if ind.type == "phone":
        return f"[{PHONE_TYPE}:value = '{v}']"
    return f"[file:hashes.'SHA-256' = '{v}']"


def _description(ind: Found) -> str:
    what = _LABEL[ind.type]
    seen = f"{ind.count} scan{'s' if ind.count != 1 else ''}"
    lines = [f"A {what} seen on tech support scam pages (fake virus warnings with a phone number): {seen} judged {'/'.join(ind.verdicts) or 'scam'} by scamscope, from {ind.first_seen:%Y-%m-%d %H:%M} to {ind.last_seen:%Y-%m-%d %H:%M} UTC."]
    if ind.type == "phone":
        if ind.explanation:
            lines.append(f"Why it is suspicious: {ind.explanation}")
        if ind.flags:
            lines.append("Flags: " + ", ".join(ind.flags) + ".")
    if ind.names:
        lines.append("File names: " + ", ".join(ind.names) + ".")
    if ind.via and ind.type != "url":
        lines.append("Seen at: " + ", ".join(ind.via[:5]) + (" …" if len(ind.via) > 5 else "") + ".")
    if ind.brands:
        lines.append("Impersonated brands: " + ", ".join(ind.brands) + ".")
    if ind.families:
        lines.append("Kit family: " + ", ".join(ind.families) + ".")
    if ind.cases:
        lines.append("Desk cases: " + ", ".join(f"#{c}" for c in ind.cases) + ".")
    lines.append("Scans: " + ", ".join(ind.scan_ids[:20]) + (" …" if len(ind.scan_ids) > 20 else "") + ".")
    return "\n".join(lines)


def build_bundle(extraction: Extraction, *, tlp: str = "amber") -> dict[str, Any]:
    """The STIX 2.1 bundle (as a JSON-ready dict) for ``extraction``."""
    marking_obj = tlp_marking(tlp)
    marking = [marking_obj.id]
    identity = _identity(marking)
    objects: list[Any] = [marking_obj, identity]
    inds = extraction.indicators
    if not inds:
        return _bundle(objects)
    objects.append(_phone_extension(marking))
    first = _t(min(i.first_seen for i in inds))
    last = _t(max(i.last_seen for i in inds))
    infra_id = _id("infrastructure", "tech-support-scam")
    families = extraction.families
    infra = Infrastructure(
        id=infra_id,
        created=first,
        modified=last,
        created_by_ref=IDENTITY_ID,
        name="Tech support scam pages" + (f" ({', '.join(families)})" if families else ""),
        description=(
            "Web pages that show a fake virus or security warning, lock the browser (full screen, keyboard lock, "
            "alarms) and push a phone number, and the phone numbers they push, as seen by scamscope in "
            f"{len(extraction.scans)} scans from {first:%Y-%m-%d} to {last:%Y-%m-%d}."
            + (f" Desk cases: {', '.join(f'#{c}' for c in extraction.cases)}." if extraction.cases else "")
        ),
        infrastructure_types=["phishing"],
        first_seen=first,
        last_seen=last,
        object_marking_refs=marking,
    )
    objects.append(infra)
    for ind in inds:
        created, modified = _t(ind.first_seen), _t(ind.last_seen)
        sdo = Indicator(
            id=_id("indicator", ind.type, ind.value),
            created=created,
            modified=modified,
            created_by_ref=IDENTITY_ID,
            name=f"Tech support scam {_LABEL[ind.type]}: {ind.value if ind.type != 'file' else (ind.names[0] if ind.names else ind.value)}"[:250],
            description=_description(ind),
            indicator_types=["malicious-activity"],
            pattern=_pattern(ind),
            pattern_type="stix",
            pattern_version="2.1",
            valid_from=created,
            labels=[f"verdict:{v}" for v in ind.verdicts],
            object_marking_refs=marking,
        )
        objects.append(sdo)
        objects.append(Relationship(
            id=_id("relationship", sdo.id, "indicates", infra_id), created=created, modified=modified, created_by_ref=IDENTITY_ID,
            relationship_type="indicates", source_ref=sdo.id, target_ref=infra_id, object_marking_refs=marking,
        ))
        if ind.type == "phone":
            phone = PhoneNumber(
                value=ind.value,
                region=ind.region or None,
                number_type=ind.number_type or None,
                flags=ind.flags or None,
                explanation=ind.explanation or None,
                object_marking_refs=marking,
            )
            objects.append(phone)
            objects.append(Relationship(
                id=_id("relationship", infra_id, "consists-of", phone.id), created=created, modified=modified, created_by_ref=IDENTITY_ID,
                relationship_type="consists-of", source_ref=infra_id, target_ref=phone.id, object_marking_refs=marking, allow_custom=True,
            ))
        objects.append(Sighting(
            id=_id("sighting", sdo.id),
            created=created,
            modified=modified,
            created_by_ref=IDENTITY_ID,
            description=f"Seen by scamscope in {ind.count} scan{'s' if ind.count != 1 else ''}.",
            first_seen=created,
            last_seen=modified,
            count=min(ind.count, 999_999_999),
            sighting_of_ref=sdo.id,
            where_sighted_refs=[IDENTITY_ID],
            object_marking_refs=marking,
        ))
    return _bundle(objects)


def _bundle(objects: list[Any]) -> dict[str, Any]:
    dicts = [json.loads(o.serialize()) for o in objects]
    digest = "\n".join(sorted(f"{d['id']} {d.get('modified', '')}" for d in dicts))
    bundle = Bundle(objects=objects, id=_id("bundle", hashlib.sha256(digest.encode()).hexdigest()), allow_custom=True)
    return json.loads(bundle.serialize())


def _known(warning: str) -> bool:
    return PHONE_TYPE in warning and any(k in warning for k in KNOWN_CUSTOM_SCO_WARNINGS)


def validate(bundle: dict[str, Any]) -> tuple[list[str], list[str]]:
    """``(errors, warnings)`` from stix2-validator, without the expected warnings about the phone SCOs."""
    from stix2validator import ValidationOptions, validate_instance  # type: ignore[import-untyped]

    result = validate_instance(bundle, ValidationOptions(version="2.1"))
    errors = [str(e) for e in result.errors]
    warnings = [str(w) for w in result.warnings if not _known(str(w))]
    return errors, warnings


def render(extraction: Extraction, *, tlp: str = "amber") -> str:
    """The bundle as JSON text; :class:`InvalidBundle` when it does not validate."""
    bundle = build_bundle(extraction, tlp=tlp)
    errors, _ = validate(bundle)
    if errors:
        raise InvalidBundle(errors[0])
    return json.dumps(bundle, ensure_ascii=False, indent=1) + "\n"


__all__ = ["TLP_CHOICES", "InvalidBundle", "PhoneNumber", "build_bundle", "render", "tlp_marking", "validate"]
