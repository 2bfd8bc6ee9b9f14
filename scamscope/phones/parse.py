"""Reading a digit string as a phone number with ``phonenumbers`` (cached), region by region."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers as pn
from phonenumbers import CountryCodeSource, PhoneNumberType

from scamscope.phones.knowledge import GROUPS, knowledge, regions_for

_TYPE_NAMES: dict[int, str] = {
    getattr(PhoneNumberType, name): name.lower() for name in dir(PhoneNumberType) if name.isupper()
}


@dataclass(frozen=True)
class Parsed:
    """What phonenumbers says about one digit string read in one default region."""

    e164: str | None
    region: str | None
    country_code: int
    national: str
    type: str
    valid: bool
    possible: bool
    via_idd: bool  # dialled with an international prefix (010 in JP, 011 in NANP, 00, ...)
    groups: tuple[str, ...] = ()  # digit groups of the national format ("03", "1234", "5678")


_INVALID = Parsed(None, None, 0, "", "unknown", False, False, False)


@lru_cache(maxsize=8192)
def _parse(number: str, region: str) -> Parsed:
    try:
        n = pn.parse(number, region, keep_raw_input=True)
    except pn.NumberParseException:
        return _INVALID
    valid = pn.is_valid_number(n)
    national = "0" * (n.number_of_leading_zeros or 1) * bool(n.italian_leading_zero) + str(n.national_number)
    return Parsed(
        e164=pn.format_number(n, pn.PhoneNumberFormat.E164),
        region=pn.region_code_for_number(n),
        country_code=n.country_code or 0,
        national=national,
        type=_TYPE_NAMES.get(pn.number_type(n), "unknown") if valid else "unknown",
        valid=valid,
        possible=valid or pn.is_possible_number(n),
        via_idd=n.country_code_source == CountryCodeSource.FROM_NUMBER_WITH_IDD,
        groups=tuple(GROUPS.findall(pn.format_number(n, pn.PhoneNumberFormat.NATIONAL))) if valid else (),
    )


def _grouped_like(p: Parsed, groups: Sequence[str]) -> bool:
    """Is the number written with the grouping its country uses? (bare digits: yes).

    The written groups must end with the national format's groups; what stands before them
    may only be the country code or the NANP trunk prefix 1 ("1-888-…" against "(888) …").
    """
    if len(groups) < 2 or not p.groups:
        return True
    n = len(p.groups)
    if len(groups) < n or tuple(groups[-n:]) != p.groups:
        return False
    lead = "".join(groups[:-n])
    return lead in ("", "1", str(p.country_code))


def _rank(p: Parsed) -> int:
    """Preference among invalid readings: possible ones, and not via an international prefix."""
    return 2 * p.possible + (not p.via_idd)


def jp_idd(digits: str) -> str:
    """Rewrite Japanese carrier-selected international calls (0033-010-1…, 001-1…) to 010-1….

    Only for Japanese (or unknown-language) text: elsewhere 00 is the international prefix.
    """
    if not digits.startswith("00"):
        return digits
    k = knowledge()
    for carrier in k.jp_carriers:
        if digits.startswith(carrier + "010"):
            return digits[len(carrier) :]
    for direct in k.jp_direct:
        if digits.startswith(direct) and _parse("+" + digits[len(direct) :], "ZZ").valid:
            return "010" + digits[len(direct) :]
    return digits


def best_parse(digits: str, plus: bool, groups: Sequence[str], language: str | None, wide: bool) -> Parsed:
    """Read the digits as a phone number.

    Tiers: the language's regions (first valid wins), then the fallback regions and, when
    ``wide``, many more; the later tiers only count when the digits are grouped as that
    country writes its numbers. A number starting 010 is read as Japanese first (010 is
    Japan's international prefix, the 0101-… disguise).
    """
    if plus:
        return _parse("+" + digits, "ZZ")
    k = knowledge()
    first_tier = list(regions_for(language))
    if digits.startswith("010"):
        first_tier = ["JP", *(r for r in first_tier if r != "JP")]
    first: Parsed | None = None
    for region in first_tier:
        p = _parse(digits, region)
        if p.valid:
            return p
        if first is None or _rank(p) > _rank(first):
            first = p
    later = [r for r in k.fallback if r not in first_tier]
    if wide:
        later += [r for r in k.wide if r not in first_tier and r not in later]
    for region in later:
        if len(groups) < 2 and region not in k.fallback:
            continue  # bare digits: no grouping to tell the country by
        p = _parse(digits, region)
        if p.valid and (p.via_idd or _grouped_like(p, groups)):
            return p
    return first or _INVALID
