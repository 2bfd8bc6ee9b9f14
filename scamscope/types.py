"""Typed records that flow through scamscope: acquire -> signals -> score -> report.

A :class:`Page` is acquired once. Each signal reads it and returns a list of
:class:`Evidence`. The scorer turns evidence into a :class:`ScanResult`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Verdict = Literal["scam", "suspicious", "benign"]
PageKind = Literal["html", "script", "text", "image"]


@dataclass(frozen=True)
class Evidence:
    """One observation made by a signal.

    ``signal`` is a stable dotted name (``"text.infection_claim"``, ``"lockin.keyboard_lock"``);
    it doubles as the scorer's feature name, so keep it stable and coarse (a family of
    phrases shares one name, the specific phrase goes into ``detail``/``excerpt``).
    ``strength`` (0..1) lets a signal say how sure it is; the scorer's model decides
    ``weight`` (the contribution to the log-odds), filled in after scoring.
    """

    signal: str
    detail: str
    excerpt: str = ""
    strength: float = 1.0
    weight: float = 0.0
    source: str = "text"  # which part of the page: text, title, script, url, attr, ocr, behaviour

    def to_dict(self) -> dict[str, Any]:
        return {
            "signal": self.signal,
            "weight": round(self.weight, 4),
            "detail": self.detail,
            "excerpt": self.excerpt,
            "source": self.source,
        }


@dataclass(frozen=True)
class Phone:
    """A phone number found on a page and what is suspicious about it."""

    raw: str
    e164: str | None
    region: str | None  # ISO 3166 region the number belongs to ("US", "JP"), None if unknown
    type: str  # phonenumbers type name in lower case: "toll_free", "voip", "fixed_line", ...
    flags: tuple[str, ...] = ()  # e.g. "jp_international_disguised", "toll_free_label_mismatch"
    where: str = "text"  # text, tel_link, url_param, script, attr, ocr
    explanation: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["flags"] = list(self.flags)
        return d


@dataclass(frozen=True)
class BrandClaim:
    """A brand named on a page, and whether the page's domain belongs to it."""

    brand: str
    where: str  # title, text, script, logo
    domain: str | None  # registrable domain of the page URL, if known
    official: bool | None  # True: domain is the brand's own; False: it is not; None: unknown URL

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Page:
    """A page as acquired: decoded source plus the parts signals read.

    ``text`` is the visible text (what a person reads), ``script_text`` the inline code,
    event-handler attributes and styles (where lock-in code and script-drawn text live),
    ``strings`` the string literals found in scripts (text drawn by JavaScript).
    For ``kind == "script"`` or ``"text"`` inputs, the whole source is both text and code.
    """

    source: str
    kind: PageKind
    html: str
    text: str
    title: str = ""
    script_text: str = ""
    strings: str = ""
    links: list[str] = field(default_factory=list)  # href/src/action values, incl. tel: links
    url: str | None = None
    encoding: str = "utf-8"
    language: str = "und"  # "ja", "en", "de", ... or "und"
    truncated: bool = False
    byte_size: int = 0
    forms: list[dict[str, Any]] = field(default_factory=list)  # [{"action":..., "inputs":[name/type/placeholder...]}]
    notes: list[str] = field(default_factory=list)
    ocr_text: str | None = None  # text recognised in an image input (or a live page's screenshot)
    behaviour: list[dict[str, Any]] = field(default_factory=list)  # live capture: instrumentation events
    live: dict[str, Any] | None = None  # live capture: redirects, dialogs, downloads, timing (reported as is)
    packers: dict[str, int] = field(default_factory=dict)  # packers met in the scripts (scamscope.deobfuscate), with counts
    unpacked: str = ""  # JavaScript recovered from packed scripts (read by the lock-in signals)

    @property
    def all_text(self) -> str:
        """Everything a reader could be shown: title, visible text and script-drawn strings."""
        return "\n".join(p for p in (self.title, self.text, self.strings) if p)


@dataclass
class Observations:
    """What one signal returns: evidence, plus phones and brand claims for the signals that find them."""

    evidence: list[Evidence] = field(default_factory=list)
    phones: list[Phone] = field(default_factory=list)
    brands: list[BrandClaim] = field(default_factory=list)

    def extend(self, other: Observations) -> None:
        self.evidence.extend(other.evidence)
        self.phones.extend(other.phones)
        self.brands.extend(other.brands)


@dataclass
class ScanResult:
    input: str
    verdict: Verdict | None
    score: float | None
    language: str | None
    evidence: list[Evidence] = field(default_factory=list)
    phones: list[Phone] = field(default_factory=list)
    brands: list[BrandClaim] = field(default_factory=list)
    error: str | None = None
    url: str | None = None
    kind: str | None = None
    truncated: bool = False
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "input": self.input,
            "verdict": self.verdict,
            "score": None if self.score is None else round(self.score, 4),
            "language": self.language,
            "evidence": [e.to_dict() for e in self.evidence],
            "phones": [p.to_dict() for p in self.phones],
            "brands": [b.to_dict() for b in self.brands],
            "error": self.error,
            "url": self.url,
            "kind": self.kind,
            "truncated": self.truncated,
            "notes": list(self.notes),
            **self.extra,
        }
