"""Scare text: the phrase families of fake security warnings (サポート詐欺 / 偽セキュリティ警告).

Each family of ``scamscope/data/phrases.toml`` is one coarse evidence signal
(``text.infection_claim``, ``text.call_now`` ...). A family fires at most once per page; its
``strength`` grows with the number of distinct phrases matched (``min(1, n / 3)``), its
``source`` says where the first match was (``title`` > ``text`` > ``script``: matches found only
in script string literals / commented-out markup are ``script``).

Two families are counter-evidence: ``text.scam_awareness`` (the page talks *about* scams,
as advisories quoting scam text do) and ``text.benign_context`` (ordinary-site furniture such as
a legal notice or company profile, and long article structure). ``text.benign_context`` is weighed
by how much of the page's prominent content it explains (title, first screen, script-drawn text:
see :func:`explained_share`), so a footer or article appended under a scare screen counts for nothing.

Matching runs on normalised text (see :func:`normalise`) so that Japanese without word
boundaries, full-width characters, ウィルス/ウイルス, コンピューター/コンピュータ, the
``Windows_セキュリティ`` style and line breaks inside a phrase all match.

Speed: everything is compiled once at import. All literal phrases of all families are found in
one pass by two trie-shaped regexes (phrases starting with a Latin letter, and the rest); each
literal maps back to its families (and to the families of shorter phrases it contains). The
hand-written patterns run only on text holding one of their required literals (derived from the
regex). Page parts are normalised once and shared with :mod:`scamscope.signals.brands`; each
part is capped at :data:`MAX_CHARS`. About 1 ms per page (p50) on the development corpus.

Extra families beyond the brief: ``text.remote_tool`` (remote-access tool names and remote
support wording) is kept apart from ``text.remote_support`` (the kit's "our engineer will
guide you through the removal by phone" pitch) because legitimate IT-support pages use the
former all the time and kits almost never do.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from scamscope.data import load
from scamscope.types import Evidence, Observations, Page

NAME = "text"

MAX_CHARS = 300_000  # characters of each page part scanned
MAX_MATCHES = 64  # matches looked at per family and part (enough to count distinct phrases)
PER_STRENGTH = 3  # distinct phrases for full strength
EXCERPT_CHARS = 120

# --- normalisation ---------------------------------------------------------------------------

# CJK scripts after NFKC: CJK punctuation, kana, ideographs, remaining full-width forms
_CJK = "\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
LATIN = "a-z0-9\u00c0-\u024f"  # letters/digits that make a Latin "word edge"
_WS = re.compile(r"\s+")
# (each pattern starts with the character it removes/replaces: the engine skips to it quickly)
_CJK_SPACE = re.compile(rf" (?:(?=[{_CJK}])|(?<=[{_CJK}] ))")
_LETTER_HYPHEN = re.compile(r"-(?<=[^\W\d_]-)(?=[^\W\d_])")
_LONG_VOWEL = re.compile(r"\u30fc(?<=[\u30a1-\u30fa]\u30fc)\u30fc*")  # ー after a katakana letter
_REPLACE = (
    ("_", " "),
    ("\u2019", "'"),
    ("\u2018", "'"),
    ("\u201c", '"'),
    ("\u201d", '"'),
    ("\u2010", "-"),
    ("\u2011", "-"),
)
_KANA_FOLDS = (("ウィ", "ウイ"), ("ウェ", "ウエ"), ("ウォ", "ウオ"))


def _fold_kana(s: str) -> str:
    for a, b in _KANA_FOLDS:
        if a in s:
            s = s.replace(a, b)
    if "ー" in s:
        s = _LONG_VOWEL.sub("", s)
    return s


# Invisible format characters a kit puts inside words to break matching ("Vi\u200brus"): zero-width
# space/joiners, word joiner and invisible operators, BOM, soft hyphen, bidi marks, embeddings,
# overrides and isolates, Arabic letter mark, Mongolian vowel separator. NFKC keeps all of them.
INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def display(s: str) -> str:
    """Readable form of page text: NFKC, invisible format characters removed, white space collapsed
    (excerpts come from here)."""
    s = unicodedata.normalize("NFKC", s)
    if INVISIBLE.search(s):
        s = INVISIBLE.sub("", s)
    return _WS.sub(" ", s).strip()


def normalise(s: str, lower: bool = True) -> str:
    """Normalise text for matching: NFKC, lower case, ``_``/letter-``-``letter to space,
    one space per white-space run, no space next to CJK, ウィ->ウイ, no long-vowel mark after katakana."""
    return _normalise_display(display(s), lower)


_LOOKALIKES: dict[str, str] = load("confusables")["letters"]
LOOKALIKE_TABLE = str.maketrans(_LOOKALIKES)
_LOOKALIKE = re.compile("[" + re.escape("".join(_LOOKALIKES)) + "]")
_WORD = re.compile(r"[^\W_]+")
_ASCII_LETTER = re.compile("[A-Za-z]")


def mixed_script_words(s: str) -> list[tuple[str, str]]:
    """``(word, word with look-alike letters folded)`` for every word that mixes ASCII letters with
    letters of another script that look like them ("Місrоsоft" with Cyrillic і, с, о)."""
    if not _LOOKALIKE.search(s):
        return []
    out = []
    for m in _WORD.finditer(s):
        w = m.group(0)
        if _LOOKALIKE.search(w) and _ASCII_LETTER.search(w):
            out.append((w, w.translate(LOOKALIKE_TABLE)))
    return out


def fold_lookalikes(s: str) -> str:
    """Fold look-alike letters inside mixed-script words (the TR39 skeleton idea for Latin targets);
    words written wholly in another script (Russian, Greek text) are left alone."""
    if not _LOOKALIKE.search(s):
        return s
    # In text with no real Cyrillic/Greek/Armenian/Cherokee letter, a word made wholly of look-alikes
    # ("а", "соре") is folded too; otherwise only words that also hold ASCII letters are.
    fold = _fold_mixed if _REAL_OTHER.search(s) else _fold_in_latin
    return _WORD.sub(fold, s)


# letters of the scripts look-alikes come from that look like no ASCII letter (д, и, л, я, λ, ω ...):
# their presence means the text really is written in that script
_REAL_OTHER = re.compile(
    "["
    + "".join(re.escape(chr(c)) for lo, hi in ((0x370, 0x3FF), (0x400, 0x52F), (0x531, 0x58F), (0x13A0, 0x13FF))
              for c in range(lo, hi + 1) if chr(c).isalpha() and chr(c) not in _LOOKALIKES)
    + "]"
)


def _fold_mixed(m: re.Match[str]) -> str:
    w = m.group(0)
    return w.translate(LOOKALIKE_TABLE) if _LOOKALIKE.search(w) and _ASCII_LETTER.search(w) else w


def _fold_in_latin(m: re.Match[str]) -> str:
    w = m.group(0)
    if not _LOOKALIKE.search(w):
        return w
    folded = w.translate(LOOKALIKE_TABLE)
    return folded if folded.isascii() or _all_latin(folded) else w


def _all_latin(w: str) -> bool:
    """Every letter is Latin, accented ones included ("zadzwoń", "système"): a Polish or French
    word spelled with look-alikes folds too."""
    return all(c.isascii() or unicodedata.name(c, "").startswith("LATIN ") for c in w)


def _normalise_display(s: str, lower: bool = True) -> str:
    s = fold_lookalikes(s)
    if lower:
        s = s.lower()
    for a, b in _REPLACE:  # (str.replace is much faster than str.translate on non-ASCII text)
        if a in s:
            s = s.replace(a, b)
    if "-" in s:
        s = _LETTER_HYPHEN.sub(" ", s)
    if "  " in s:
        s = _WS.sub(" ", s)
    s = _CJK_SPACE.sub("", s)
    return _fold_kana(s)


normalise_display = _normalise_display  # for callers that already hold display() text


def _pattern(p: str) -> str:
    """Regex written naturally -> regex for normalised text (NFKC and kana folding only)."""
    return _fold_kana(unicodedata.normalize("NFKC", p))


# --- compiling phrase lists --------------------------------------------------------------------

LATIN_SET = frozenset(
    [chr(c) for c in range(ord("a"), ord("z") + 1)]
    + [chr(c) for c in range(ord("0"), ord("9") + 1)]
    + [chr(c) for c in range(0xC0, 0x250)]
)

_RIGHT_EDGE = r"(?![a-z0-9])"  # ASCII class: compiles fast at the hundreds of leaves that need it


def trie_regex(words: dict[str, bool]) -> str:
    """One regex for many literals, factored as a trie (one pass, shared prefixes).

    ``words`` maps each literal to whether it needs a Latin word edge on its right; that edge is
    a look-ahead at the leaf, so the engine backtracks to a shorter literal when it fails."""
    trie: dict = {}
    for w, edge in words.items():
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = node.get("", True) and edge  # a prefix phrase ("scam*") wins over an exact one

    def emit(node: dict) -> str:
        branches = [re.escape(ch) + emit(sub) for ch, sub in sorted(node.items()) if ch]
        if "" not in node:
            return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if node[""]:
            return "(?:" + "|".join([*branches, _RIGHT_EDGE]) + ")"
        if not branches:
            return ""
        return "(?:" + "|".join(branches) + ")?"

    return emit(trie) if trie else r"(?!x)x"


def edge_ok(s: str, start: int) -> bool:
    """A match starting with a Latin letter/digit must start at a word edge."""
    return start == 0 or s[start] not in LATIN_SET or s[start - 1] not in LATIN_SET


def _required(items) -> set[str] | None:  # noqa: ANN001 - re._parser internals
    """Literals of which every match of a parsed regex must contain at least one (or None)."""
    from re import _constants as c  # type: ignore[attr-defined]  # Python >= 3.11

    repeats = tuple(op for op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)) if op is not None)
    best: set[str] | None = None

    def consider(cand: set[str] | None) -> None:
        nonlocal best
        if not cand or min(map(len, cand)) < 2:
            return
        score = (min(map(len, cand)), -len(cand))
        if best is None or score > (min(map(len, best)), -len(best)):
            best = cand

    run: list[str] = []
    for op, av in items:
        if op is c.LITERAL:
            run.append(chr(av))
            continue
        if run:
            consider({"".join(run)})
            run = []
        if op is c.SUBPATTERN:
            consider(_required(av[3]))
        elif op is c.BRANCH:
            alts = [_required(alt) for alt in av[1]]
            if all(alts):
                consider(set().union(*alts))  # type: ignore[arg-type]
        elif op in repeats and av[0] >= 1:
            consider(_required(av[2]))
    if run:
        consider({"".join(run)})
    return best


_AT_EDGE = rf"(?:(?<![{LATIN}])|(?![{LATIN}]))"


def _edge_first(pattern: str) -> str:
    """A pattern that starts with a digit only tries starts :func:`edge_ok` accepts.

    The signal drops every other start anyway; refusing them up front makes a digit flood cost one
    step per digit instead of a scan of the rest of the run from every digit.
    """
    return _AT_EDGE + pattern if pattern.startswith("\\d") else pattern


def _gate(pattern: str) -> tuple[str, ...]:
    """Literals one of which a text must hold for ``pattern`` to match there (() = always run it)."""
    try:
        from re import _parser  # type: ignore[attr-defined]  # Python >= 3.11

        req = _required(_parser.parse(pattern))
    except Exception:  # a private module: without it every pattern simply always runs
        return ()
    return tuple(sorted(req)) if req else ()


@dataclass(frozen=True)
class Family:
    key: str
    signal: str
    counter: bool = False
    visible_only: bool = False
    full_at: int = PER_STRENGTH  # distinct phrases for full strength
    log_curve: bool = False  # strength log(1+n)/log(1+full_at): early phrases count most

    def strength(self, n: int) -> float:
        if self.log_curve:
            return min(1.0, math.log1p(n) / math.log1p(self.full_at))
        return min(1.0, n / self.full_at)


@dataclass(frozen=True)
class Pattern:
    family: str
    regex: re.Pattern[str]
    gate: tuple[str, ...]  # run only when one of these literals is in the text ("" = always)
    label: str = ""  # fake_software product name
    group: str = ""  # entries with a ``group`` count as one distinct phrase


@dataclass
class Matcher:
    families: dict[str, Family]
    latin: re.Pattern[str]  # every literal phrase that starts with a Latin letter/digit
    other: re.Pattern[str]  # every other literal phrase (Japanese ...)
    hits: dict[str, tuple[tuple[str, str], ...]]  # literal -> ((family, phrase counted), ...)
    labels: dict[str, str]  # literal -> fake_software product name
    patterns: list[Pattern]


def _literal(raw: str) -> tuple[str, bool]:
    prefix = raw.endswith("*")
    p = normalise(raw.rstrip("*"))
    return p, bool(p) and p[-1] in LATIN_SET and not prefix


def _contained(inner: str, edge: bool, outer: str) -> bool:
    """Would ``inner`` match inside ``outer`` on its own (same word-edge rules)?"""
    i = outer.find(inner)
    while i >= 0:
        j = i + len(inner)
        if edge_ok(outer, i) and (not edge or j == len(outer) or outer[j] not in LATIN_SET):
            return True
        i = outer.find(inner, i + 1)
    return False


def _build() -> Matcher:
    data = load("phrases")
    families: dict[str, Family] = {}
    owners: dict[str, set[str]] = {}  # literal -> families listing it
    edges: dict[str, bool] = {}
    labels: dict[str, str] = {}
    counted: dict[tuple[str, str], str] = {}  # (family, literal) -> what it counts as (its group)
    patterns: list[Pattern] = []

    def add_phrase(fam: str, raw: str, label: str = "", group: str = "") -> None:
        p, edge = _literal(raw)
        if not p:
            return
        owners.setdefault(p, set()).add(fam)
        edges[p] = edges.get(p, True) and edge
        if label:
            labels[p] = label
        if group:
            counted[(fam, p)] = group

    def add_pattern(fam: str, raw: str, label: str = "", group: str = "") -> None:
        src = _pattern(raw)
        patterns.append(Pattern(fam, re.compile(_edge_first(src)), _gate(src), label, group))

    for key, spec in data["families"].items():
        families[key] = Family(
            key=key,
            signal=spec["signal"],
            counter=bool(spec.get("counter", False)),
            visible_only=bool(spec.get("visible_only", False)),
            full_at=max(1, int(spec.get("full_at", PER_STRENGTH))),
            log_curve=spec.get("curve") == "log",
        )
        if key == "fake_software":
            for item in load("fake_software")["software"]:
                for raw in item.get("phrases", []):
                    add_phrase(key, raw, item["name"])
                if "pattern" in item:
                    add_pattern(key, item["pattern"], item["name"])
            continue
        for entry in spec.get("entries", []):
            group = entry.get("group", "")
            for raw in entry.get("phrases", []):
                add_phrase(key, raw, group=group)
            for raw in entry.get("patterns", []):
                add_pattern(key, raw, group=group)

    # a literal found on a page also counts for the families of the literals it contains
    # (the one-pass scan reports the longest literal only)
    by_len = sorted(owners, key=len)
    hits: dict[str, tuple[tuple[str, str], ...]] = {}
    for outer in by_len:
        found = [(fam, counted.get((fam, outer), outer)) for fam in sorted(owners[outer])]
        seen = set(owners[outer])
        for inner in by_len:
            if len(inner) >= len(outer):
                break
            if inner in outer and not owners[inner] <= seen and _contained(inner, edges[inner], outer):
                for fam in sorted(owners[inner] - seen):
                    found.append((fam, counted.get((fam, inner), inner)))
                    seen.add(fam)
        hits[outer] = tuple(found)

    latin = {w: e for w, e in edges.items() if w[0] in LATIN_SET}
    other = {w: e for w, e in edges.items() if w[0] not in LATIN_SET}
    return Matcher(
        families=families,
        latin=re.compile(rf"(?<![{LATIN}])" + trie_regex(latin)),
        other=re.compile(trie_regex(other)),
        hits=hits,
        labels=labels,
        patterns=patterns,
    )


MATCHER: Matcher = _build()
FAMILIES: list[Family] = list(MATCHER.families.values())
_DIGITS = re.compile(r"\d+")

# --- article structure (benign_context) ------------------------------------------------------

_CJK_CHAR = re.compile(rf"[{_CJK}]")
ARTICLE_PARAGRAPHS = 15  # distinct long lines that make a page read like an article


def _long_lines(text: str) -> int:
    """Distinct long lines (paragraph-like) of visible text: >= 40 CJK chars or >= 80 other chars."""
    seen = set()
    for line in text[:MAX_CHARS].splitlines():
        line = line.strip()
        n = len(line)
        if n < 40:
            continue
        if n >= 80 or len(_CJK_CHAR.findall(line)) >= 30:
            seen.add(line)
    return len(seen)


# --- how much of the prominent content counter-evidence explains ------------------------------

FOLD_CHARS = 1200  # normalised visible text read as "above the fold" (the first screen)...
FOLD_SHARE = 0.4  # ...but at most this share of it: on a short page the end is not the first screen


BELOW_FOLD_ONLY = 0.5  # furniture only below the first screen, with no scare text shown above it


def _prominent(source: str, hit: Hit, fold: int) -> bool:
    """A hit in the title, the first screen of visible text, or text drawn by script (overlays)."""
    return source in ("title", "script") or (source == "text" and hit[0] < fold)


def explained_share(found: dict[str, list[tuple[str, str, list[Hit]]]], text_chars: int) -> tuple[float, int, int]:
    """(share, ordinary, scare): how much of the page's prominent content (title, first screen of
    text, text drawn by script) the ordinary-site furniture explains. ``scare`` counts the distinct
    scare phrases there, ``ordinary`` the distinct benign-context phrases. With scare phrases the
    share is ordinary / (ordinary + scare); with none, 1 when the furniture is in the prominent
    content and BELOW_FOLD_ONLY when it sits only further down (a legal footer or an article
    appended under a scare screen explains nothing of it)."""
    fold = min(FOLD_CHARS, int(text_chars * FOLD_SHARE))
    scare: set[str] = set()
    ordinary: set[str] = set()
    for key, parts in found.items():
        fam = MATCHER.families[key]
        if fam.counter and key != "benign_context":
            continue
        for source, _, hits in parts:
            for h in hits:
                if _prominent(source, h, fold):
                    (ordinary if key == "benign_context" else scare).add(h[3])
    if scare:
        return len(ordinary) / (len(ordinary) + len(scare)), len(ordinary), len(scare)
    return (1.0 if ordinary else BELOW_FOLD_ONLY), len(ordinary), 0


# --- excerpts ----------------------------------------------------------------------------------


@lru_cache(maxsize=512)
def _fuzzy(norm: str) -> re.Pattern[str]:
    """Regex finding a normalised match back in display text (spaces, ー, ィ, case may differ)."""
    out = []
    for ch in norm:
        if ch == " ":
            out.append(r"[\s_\-]+")
        elif ch == "イ":
            out.append("[イィ]")
        elif ch == "エ":
            out.append("[エェ]")
        elif ch == "オ":
            out.append("[オォ]")
        elif ch == "'":
            out.append("['\u2019\u2018]")
        else:
            out.append(re.escape(ch))
    return re.compile(r"[\s_ー]*".join(out), re.I)


def _locate(disp: str, norm_match: str) -> tuple[int, int] | None:
    i = disp.lower().find(norm_match)
    if i >= 0:
        return i, i + len(norm_match)
    m = _fuzzy(norm_match).search(disp)
    return (m.start(), m.end()) if m else None


def _excerpt(disp: str, span: tuple[int, int]) -> str:
    return _excerpt_marked(disp, span).replace(QUOTE_OPEN, "“").replace(QUOTE_CLOSE, "”")


def _excerpt_marked(disp: str, span: tuple[int, int]) -> str:
    a, b = span
    if b - a >= EXCERPT_CHARS:
        return disp[a : a + EXCERPT_CHARS - 1].strip() + "…"
    room = EXCERPT_CHARS - (b - a)
    start = max(0, a - room // 3)
    end = min(len(disp), b + (room - (a - start)))
    text = disp[start:end].strip()
    if start > 0:
        text = "…" + text[1:] if len(text) >= EXCERPT_CHARS else "…" + text
    if end < len(disp) and len(text) < EXCERPT_CHARS:
        text = text + "…"
    return text[:EXCERPT_CHARS]


# --- the signal ----------------------------------------------------------------------------------

_SOURCE_OF = {"title": "title", "text": "text", "strings": "script"}


@dataclass(frozen=True)
class Part:
    source: str  # title, text, script
    display: str  # NFKC, white space collapsed (excerpts)
    cased: str  # normalised, case kept (brand names such as "Windows" vs "windows")
    norm: str  # normalised, lower case (phrase matching)


_PARTS_CACHE: dict[int, tuple[str, str, str, list[Part]]] = {}


def page_parts(page: Page) -> list[Part]:
    """Title, visible text and script strings of a page, normalised once and shared by the
    text signals (cached per page object while its parts are unchanged)."""
    hit = _PARTS_CACHE.get(id(page))
    if hit is not None and hit[0] is page.title and hit[1] is page.text and hit[2] is page.strings:
        return hit[3]
    parts = []
    for attr in ("title", "text", "strings"):
        raw = getattr(page, attr) or ""
        if not raw:
            continue
        disp = display(raw[:MAX_CHARS])
        if disp:
            cased = _normalise_display(disp, lower=False)
            low = cased.lower()
            parts.append(Part(_SOURCE_OF[attr], disp, cased, low))
    if len(_PARTS_CACHE) >= 16:
        _PARTS_CACHE.clear()
    _PARTS_CACHE[id(page)] = (page.title, page.text, page.strings, parts)
    return parts


def _parts(page: Page) -> list[tuple[str, str, str]]:
    """(source, display text, normalised text) of the page parts, most prominent first."""
    return [(p.source, p.display, p.norm) for p in page_parts(page)]


def _quote(s: str, limit: int = 60) -> str:
    s = s.strip()
    return s if len(s) <= limit else s[: limit - 1] + "…"


Hit = tuple[int, int, str, str, str]  # start, end, matched text, phrase counted, product label


def _find(norm: str, script: bool) -> dict[str, list[Hit]]:
    """family -> hits in one normalised part (hits inside a longer hit of the family dropped)."""
    out: dict[str, list[Hit]] = {}
    mt = MATCHER
    for rx in (mt.latin, mt.other):
        for m in rx.finditer(norm):
            found = m.group(0)
            for fam, phrase in mt.hits.get(found, ()):
                hits = out.setdefault(fam, [])
                if len(hits) < MAX_MATCHES:
                    hits.append((m.start(), m.end(), found, phrase, mt.labels.get(phrase, "")))
    for pat in mt.patterns:
        if pat.gate:
            for g in pat.gate:  # a plain loop: this runs ~50 times per page part
                if g in norm:
                    break
            else:
                continue
        hits = out.setdefault(pat.family, [])
        for m in pat.regex.finditer(norm):
            if len(hits) >= MAX_MATCHES:
                break
            found = m.group(0)
            if found.strip() and edge_ok(norm, m.start()):
                hits.append((m.start(), m.end(), found, pat.group or _DIGITS.sub("#", found.strip()), pat.label))
    if script:
        for fam in [k for k in out if mt.families[k].visible_only]:
            del out[fam]
    return {fam: _outermost(hits) for fam, hits in out.items() if hits}


def _outermost(hits: list[Hit]) -> list[Hit]:
    """Drop hits lying inside another hit of the same family (one claim, counted once)."""
    if len(hits) < 2:
        return hits
    kept: list[Hit] = []
    end = -1
    for hit in sorted(hits, key=lambda h: (h[0], -h[1])):
        if hit[1] <= end:
            continue
        kept.append(hit)
        end = max(end, hit[1])
    return kept


# --- quoted, negated and example phrases ---------------------------------------------------------

QUOTE_OPEN, QUOTE_CLOSE = "\ue000", "\ue001"  # put around <blockquote>, <q>, <figcaption> text by acquire
INLINE_WINDOW = 160  # an inline quote (「…」, "…") around a phrase opens/closes within this many chars
BLOCK_WINDOW = 4000  # a quoted element around a phrase
_INLINE_PAIRS = (("「", "」"), ("『", "』"), ("\u201c", "\u201d"))
# a phrase given as an example of what the fake warning says
_INTRO_BEFORE = re.compile(
    r"(?:such as|\blike|e\.g\.|for example|for instance|\bsaying|\bsays|that say|that said|\breading|\breads|\bstating"
    r"|states that|\bclaiming|claims that|claim that)\s*[:\"'\u201c\ue000(]?\s*$"
)
_INTRO_AFTER = re.compile(
    r"^[」』\"'\u201d\ue001)]?\s?(?:などの|など)?(?:のような|のように|みたいな|といった|という(?:表示|メッセージ|警告|画面|偽|文言|内容|通知)"
    r"|と(?:いう)?(?:表示|書かれ|出て|出る|警告|言われ)|などと|」?などと)"
)
# a phrase the page denies ("本当に感染している訳ではありません", "is not really infected")
_NEGATION_AFTER = re.compile(r"^[^。.!?！？]{0,14}?(?:訳では|わけでは|ではありません|ではない|ていません|てはいません|ていない|しておらず|はしていません)")
_NEGATION_BEFORE = re.compile(r"(?:\bnot|\bnever|n't|\bno longer|\bisn't|\baren't)\s+(?:\w+\s+){0,2}$")


def _inside(norm: str, a: int, b: int, op: str, cl: str, window: int) -> bool:
    o = norm.rfind(op, max(0, a - window), a + len(op))
    if o == -1 or (op != cl and norm.find(cl, o + len(op), a) != -1):
        return False
    return norm.find(cl, max(b - len(cl), o + len(op)), b + window) != -1


def quoted_how(norm: str, a: int, b: int) -> str | None:
    """Why the phrase at ``norm[a:b]`` is not shown to the reader as a claim: ``"quoted"`` (inside
    quotes or a quoting element), ``"example"`` (introduced by "such as", 「のような」, 「と表示される」),
    ``"negated"``; None when it is stated plainly."""
    if QUOTE_OPEN in norm and _inside(norm, a, b, QUOTE_OPEN, QUOTE_CLOSE, BLOCK_WINDOW):
        return "quoted"
    for op, cl in _INLINE_PAIRS:
        if op in norm and _inside(norm, a, b, op, cl, INLINE_WINDOW):
            return "quoted"
    before, after = norm[max(0, a - 40) : a], norm[b : b + 30]
    if before.count('"') % 2 == 1 and '"' in after:
        return "quoted"
    if _INTRO_BEFORE.search(before) or _INTRO_AFTER.match(after):
        return "example"
    if _NEGATION_AFTER.match(after) or _NEGATION_BEFORE.search(before):
        return "negated"
    return None


_QUOTED_REGION = re.compile(
    f"\ue000[^\ue000\ue001]{{0,{BLOCK_WINDOW}}}\ue001|「[^「」]{{0,{2 * INLINE_WINDOW}}}」"
    f"|『[^『』]{{0,{2 * INLINE_WINDOW}}}』|\u201c[^\u201c\u201d]{{0,{2 * INLINE_WINDOW}}}\u201d"
)
MAX_QUOTED_SHARE = 0.5  # a page whose text is mostly inside quotes shows what it quotes


def quoted_share(norm: str) -> float:
    """Share of the text inside quotes or quoting elements."""
    if not norm:
        return 0.0
    return sum(m.end() - m.start() for m in _QUOTED_REGION.finditer(norm)) / len(norm)


def _split_quoted(norm: str, hits: list[Hit]) -> tuple[list[Hit], list[tuple[Hit, str]]]:
    """Hits stated plainly, and those quoted, given as examples or denied. Quoting only sets a
    phrase aside on a page with text of its own around the quotes: wrapping a whole warning in
    quotes or a <blockquote> does not hide it."""
    shown: list[Hit] = []
    quoted: list[tuple[Hit, str]] = []
    mostly_quoted: bool | None = None
    for h in hits:
        how = quoted_how(norm, h[0], h[1])
        if how == "quoted":
            if mostly_quoted is None:
                mostly_quoted = quoted_share(norm) > MAX_QUOTED_SHARE
            if mostly_quoted:
                how = None
        if how is None:
            shown.append(h)
        else:
            quoted.append((h, how))
    return shown, quoted


def scan(page: Page) -> list[Evidence]:
    """All scare-text families (and counter-signals) found on a page."""
    found: dict[str, list[tuple[str, str, list[Hit]]]] = {}
    set_aside: dict[str, int] = {}
    aside_families: list[str] = []
    example = ""
    text_chars = 0
    for source, disp, norm in _parts(page):
        if source == "text":
            text_chars = len(norm)
        for key, hits in _find(norm, source == "script").items():
            if hits and source == "text" and not MATCHER.families[key].counter:
                hits, quoted = _split_quoted(norm, hits)
                for (_, _, text, _, _), how in quoted:
                    set_aside[how] = set_aside.get(how, 0) + 1
                    example = example or text
                    if key not in aside_families:
                        aside_families.append(key)
            if hits:
                found.setdefault(key, []).append((source, disp, hits))
    evidence: list[Evidence] = []
    if set_aside:
        what = ", ".join(f"{n} {how}" for how, n in sorted(set_aside.items()))
        evidence.append(Evidence("text.quoted", f"scare phrases the page quotes, gives as examples or denies, not counted as shown: {what} "
                                 f"({', '.join(aside_families)})",
                                 excerpt=example[:EXCERPT_CHARS], strength=0.0, source="text"))
    for fam in FAMILIES:
        parts = found.get(fam.key, [])
        distinct: dict[str, str] = {}
        for _, _, hits in parts:
            for _, _, text, phrase, _ in hits:
                distinct.setdefault(phrase, text)
        n = len(distinct)
        extra = ""
        if fam.key == "benign_context" and page.text:
            paras = _long_lines(page.text)
            if paras >= ARTICLE_PARAGRAPHS:
                n += paras // ARTICLE_PARAGRAPHS
                extra = f"article structure: {paras} paragraph-like lines"
        if n == 0:
            continue
        factor = 1.0
        if fam.key == "benign_context":
            factor, ordinary, scare = explained_share(found, text_chars)
            if factor < 1.0:
                extra = (f"{extra}; " if extra else "") + (
                    f"explains {ordinary} of {ordinary + scare} phrases of the title, first screen and script-drawn text "
                    f"(weighed ×{factor:.2f}: the prominent content is not explained by it)")
        if parts:
            source, disp, hits = parts[0]
            _, _, text, _, label = min(hits)
            span = _locate(disp, text)
            shown = disp[span[0] : span[1]] if span else text
            excerpt = _excerpt(disp, span) if span else text[:EXCERPT_CHARS]
            what = f"'{_quote(shown)}'" + (f" ({label})" if label else "")
            more = f" (+{len(distinct) - 1} more distinct)" if len(distinct) > 1 else ""
            detail = f"{fam.key}: {what}{more}" + (f"; {extra}" if extra else "")
        else:
            source, excerpt, detail = "text", "", f"{fam.key}: {extra}"
        evidence.append(
            Evidence(
                signal=fam.signal,
                detail=detail,
                excerpt=excerpt,
                strength=round(fam.strength(n) * factor, 3),
                source=source,
            )
        )
    return evidence


def run(page: Page) -> Observations:
    return Observations(evidence=scan(page))
