"""Static side of the lock-in families: the rules of ``lockin.toml`` and the page-code context.

Each family module (``scamscope/signals/families/<family>.py``) has a static hook that reads a
:class:`Ctx` (the page's code plus lazily computed facts: handlers, triggers, enclosing
functions) and returns :class:`Hit` candidates; :func:`best_evidence` keeps the strongest.

Patterns live in ``scamscope/data/lockin.toml`` (with provenance and examples) and are compiled
once at import. Every regex is linear-time (bounded repetitions) and runs only in a small window
around the occurrences of its cheap substring ``needles`` (see :func:`scan`), so a page costs a
few ``str.find`` passes plus work proportional to what it actually contains.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from scamscope.data import load
from scamscope.types import Evidence, Page

MAX_MATCHES = 200  # per rule and page: enough to find the worst use, bounded on hostile input
EXCERPT_CHARS = 120


# --- rules --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One [[rule]] of lockin.toml, compiled."""

    id: str
    signal: str
    needles: tuple[str, ...]
    rx: re.Pattern[str]
    strength: float
    description: str
    provenance: tuple[str, ...]
    back: int = 40  # a match starts at most this many chars before a needle ...
    ahead: int = 200  # ... and ends at most this many chars after it


def compile_rule(entry: Mapping[str, Any], sources: Mapping[str, Any]) -> Rule:
    """One [[rule]] table of lockin.toml as a :class:`Rule`; ValueError/re.error when it is malformed."""
    flags = re.IGNORECASE if "i" in entry.get("flags", "") else 0
    pattern = "|".join(f"(?:{p})" for p in entry["patterns"])
    provenance = tuple(entry.get("provenance", ()))
    unknown = [p for p in provenance if p not in sources]
    if unknown:
        raise ValueError(f"lockin.toml rule {entry['id']}: unknown provenance {unknown}")
    return Rule(
        id=entry["id"],
        signal=entry.get("signal", ""),
        needles=tuple(entry.get("needles", ())),
        rx=re.compile(pattern, flags),
        strength=float(entry.get("strength", 0.5)),
        description=entry.get("description", ""),
        provenance=provenance,
        back=int(entry.get("window", (40, 200))[0]),
        ahead=int(entry.get("window", (40, 200))[1]),
    )


def _compile_rules() -> dict[str, Rule]:
    data = load("lockin")
    sources = data.get("sources", {})
    return {entry["id"]: compile_rule(entry, sources) for entry in data["rule"]}


RULES: dict[str, Rule] = _compile_rules()


def rule_rx(rule_id: str) -> re.Pattern[str]:
    return RULES[rule_id].rx


# --- small text helpers ----------------------------------------------------------------------------

WS = re.compile(r"\s+")
_ESCAPE = re.compile(r"\\x([0-9A-Fa-f]{2})|\\u([0-9A-Fa-f]{4})|\\u\{([0-9A-Fa-f]{1,6})\}")
_CONCAT = re.compile(r"""(['"])[ \t]*\+[ \t]*\1""")
_BRACES = re.compile(r"[{}]")
_ATTR_LINE = re.compile(r"(?:on[a-z]{3,30}|style)=")
_ARROW_EXPR = re.compile(r"\s*(?:async\s+)?(?:\([^()]{0,200}\)|[\w$]+)\s*=>\s*(?!\{)")
_FUNC_START = re.compile(r"\s*(?:async\s+)?(?:function\b|\([^()]{0,200}\)\s*=>|[\w$]+\s*=>)")
_IDENT_HANDLER = re.compile(r"[ \t]*([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*){0,3})[ \t]*(?=[,);\r\n]|$)")
CALL = re.compile(r"(?<![\w$.])([A-Za-z_$][\w$]*)\s*\(")
NOT_CALLS = frozenset(
    "if for while switch catch function return typeof new delete void do else in of with await "
    "async yield throw case var let const alert confirm prompt setTimeout setInterval parseInt "
    "parseFloat String Number Boolean Array Object Math Date JSON RegExp Error isNaN $ jQuery require define "
    "console log".split()
)
PAGE_TARGET = re.compile(
    r"\bdocumentElement\b|\bdocument\s*\.\s*body\b|\$\(\s*['\"](?:body|html)['\"]\s*\)"
    r"|getElementsByTagName\(\s*['\"](?:body|html)['\"]|querySelector\(\s*['\"](?:body|html)['\"]"
)
INTERVAL_MS = re.compile(r"\}\s*\)?\s*,\s*(\d+(?:\.\d+)?(?:e\d)?)\s*\)")
_SOUND_FILE = re.compile(r"""['"(=]\s*([^'"\s()<>]{0,80}\.(?:mp3|wav|ogg|oga|m4a|aac|webm|mp4))\b""", re.I)
_TAG_NAME = re.compile(r"<\s*([A-Za-z][\w:-]{0,30})")

ALARM_WORDS = RULES["audio.alarm_name"].rx
_IDENT_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$")
FN_KEYWORD_BEFORE = re.compile(r"function\s*\*?\s*$")
_ASSIGNED_FN_AFTER = re.compile(r"\s*[:=]\s*(?:async\s+)?(?:function\b|\([^()]{0,200}\)\s*=>|[\w$]{1,80}\s*=>)")
_ATTR_WORDS = re.compile(r"context|menu|click|dbl|key|down|up|press|mouse|move|over|out|before|unload|touch|start")
_FN_NAME_AFTER = re.compile(r"function\s*\*?\s*([\w$]{0,80})\s*\(")


def _ident_before(code: str, end: int) -> tuple[str, int]:
    """The identifier that ends at ``end`` (after skipping white space) and where it starts."""
    j = end
    while j > 0 and code[j - 1] in " \t\r\n":
        j -= 1
    k = j
    while k > 0 and j - k < 80 and code[k - 1] in _IDENT_CHARS:
        k -= 1
    return code[k:j], k


def _name_before(code: str, pos: int, arrow: bool) -> str:
    """Name a function expression is assigned to: ``name = function``, ``name: (a) =>``, ``const name = x =>``."""
    j = pos
    if arrow:  # skip the parameter list: (a, b) or a single identifier
        head = code[max(0, pos - 260) : pos].rstrip()
        if head.endswith(")"):
            open_at = head.rfind("(")
            if open_at == -1:
                return ""
            j = pos - (len(code[max(0, pos - 260) : pos]) - open_at)
        else:
            _param, j = _ident_before(code, pos)
    word, k = _ident_before(code, j)
    if word == "async":
        j = k
    head = code[max(0, j - 10) : j].rstrip()
    if not head or head[-1] not in "=:" or head.endswith(("==", "!=", "<=", ">=", "=>")):
        return ""
    name, _ = _ident_before(code, j - (len(code[max(0, j - 10) : j]) - len(head)) - 1)
    return name if name and not name[0].isdigit() else ""


def _attr_spellings(attr: str) -> set[str]:
    """How an attribute is written in real pages: onclick, onClick, ONCLICK, onContextMenu..."""
    if not attr.startswith("on"):
        return {attr, attr.upper()}
    camel = _ATTR_WORDS.sub(lambda m: m.group(0).capitalize(), attr[2:])
    return {attr, attr.upper(), "on" + camel, "on" + attr[2:].capitalize()}


def _function_starts(code: str, lo: int, hi: int) -> Iterator[int]:
    """Positions of 'function' keywords and '=>' arrows in [lo, hi), nearest first."""
    a, b = code.rfind("function", lo, hi), code.rfind("=>", lo, hi)
    while a != -1 or b != -1:
        if a > b:
            if code[a - 1 : a] not in _IDENT_CHARS and code[a + 8 : a + 9] not in _IDENT_CHARS:
                yield a
            a = code.rfind("function", lo, a)
        else:
            yield b
            b = code.rfind("=>", lo, b)


def scan(rule: Rule, text: str, limit: int = MAX_MATCHES) -> Iterator[re.Match[str]]:
    """Matches of ``rule`` in ``text``, found by running its regex only around needle occurrences.

    Every match of a rule contains one of its needles, so this finds the same matches as
    ``rule.rx.finditer`` (non-overlapping, in order) at a fraction of the cost on large pages.
    Rules without needles are run over the whole text (use them on short texts only).
    """
    if not rule.needles:
        for i, m in enumerate(rule.rx.finditer(text)):
            if i >= limit:
                return
            yield m
        return
    spots: list[int] = []
    for needle in rule.needles:
        i = text.find(needle)
        while i != -1 and len(spots) < 20 * limit:
            spots.append(i)
            i = text.find(needle, i + len(needle))
    if not spots:
        return
    spots.sort()
    size, last_end, count = len(text), 0, 0
    for i in spots:
        if i < last_end:
            continue  # this needle lies inside the previous match
        lo, hi = max(last_end, i - rule.back), min(size, i + rule.ahead)
        if rule.back == 0:  # the match starts at the needle: one anchored attempt
            anchored = rule.rx.match(text, i, hi)
            if anchored is not None:
                yield anchored
                count += 1
                if count >= limit:
                    return
                last_end = max(anchored.end(), i + 1)
            continue
        while lo <= i:
            found = rule.rx.search(text, lo, hi)
            if found is None or found.start() > i:
                break  # a match further on belongs to a later needle (and its own window)
            yield found
            count += 1
            if count >= limit:
                return
            last_end = max(found.end(), found.start() + 1)
            lo = last_end


def _deobfuscate(code: str) -> str:
    """Undo the cheap disguises of API names: \\x / \\u escapes and 'request'+'Fullscreen' joins."""
    if "\\x" in code or "\\u" in code:
        code = _ESCAPE.sub(_unescape_one, code)
    if "'+'" in code or '"+"' in code or "' + '" in code or '" + "' in code:
        code = _CONCAT.sub(_join_literals, code)
    return code


def _join_literals(m: re.Match[str]) -> str:
    """'request'+'Fullscreen' -> 'requestFullscreen' (only between two word characters)."""
    s, a, b = m.string, m.start(), m.end()
    return "" if a and s[a - 1] in _IDENT_CHARS and s[b : b + 1] in _IDENT_CHARS and s[b : b + 1] else m.group(0)


def _unescape_one(m: re.Match[str]) -> str:
    hexa = m.group(1) or m.group(2) or m.group(3)
    try:
        ch = chr(int(hexa, 16))
    except (ValueError, OverflowError):
        return m.group(0)
    return ch if ch.isprintable() or ch in "\n\t" else m.group(0)


def excerpt_of(text: str, start: int, end: int) -> str:
    """Up to 120 chars of code around a match, white space collapsed."""
    a = max(0, start - 40)
    nl = text.rfind("\n", a, start)
    if nl != -1:
        a = nl + 1
    b = min(len(text), max(end, start) + 240)
    s = WS.sub(" ", text[a:b]).strip()
    lead = WS.sub(" ", text[a:start]).lstrip()
    if len(lead) > 40:  # keep the matched code in view
        s = s[len(lead) - 40 :]
    return s[:EXCERPT_CHARS].rstrip()


def in_js_comment(code: str, pos: int) -> bool:
    """Is ``pos`` inside a // or /* */ comment? (Line-local heuristic; strings are respected roughly.)"""
    ls = code.rfind("\n", 0, pos) + 1
    line = code[ls:pos]
    if line.lstrip().startswith(("<!--", "-->")):
        return True  # legacy HTML-comment lines inside <script> are JS line comments too
    i = line.find("//")
    while i != -1:
        prev = line[i - 1] if i else ""
        if prev not in (":", "\\", "'", '"', "*") and line.count('"', 0, i) % 2 == 0 and line.count("'", 0, i) % 2 == 0:
            if line.count("`", 0, i) % 2 == 0:
                return True
        i = line.find("//", i + 2)
    lo, hi = max(0, pos - 20000), pos
    for _ in range(4):  # skip '/*' inside a string such as 'text/plain, */*'
        opened = code.rfind("/*", lo, hi)
        if opened == -1 or code.find("*/", opened + 2, pos) != -1:
            return False
        if not _in_string_on_line(code, opened):
            return True
        hi = opened
    return False


def _in_string_on_line(code: str, pos: int) -> bool:
    prefix = code[code.rfind("\n", 0, pos) + 1 : pos]
    return prefix.count('"') % 2 == 1 or prefix.count("'") % 2 == 1


def in_html_comment(html: str, pos: int) -> bool:
    opened = html.rfind("<!--", max(0, pos - 100000), pos)
    return opened != -1 and html.find("-->", opened + 4, pos) == -1


def block_text(code: str, pos: int, limit: int = 4000) -> str:
    """Text from ``pos`` to the brace that closes the first '{' after it (bounded)."""
    start = code.find("{", pos, pos + 400)
    if start == -1:
        return code[pos : pos + 300]
    depth = 0
    stop = min(len(code), start + limit)
    for m in _BRACES.finditer(code, start, stop):
        depth += 1 if m.group() == "{" else -1
        if depth == 0:
            return code[pos : m.end()]
    return code[pos:stop]


def expr_end(code: str, pos: int, limit: int = 300) -> int:
    """End of a short expression starting at ``pos`` (stops at ; newline or an unbalanced ')')."""
    depth = 0
    stop = min(len(code), pos + limit)
    for i in range(pos, stop):
        c = code[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                return i
            depth -= 1
        elif c in ";\n" and depth == 0:
            return i
    return stop


def loop_count(header: str) -> str:
    m = re.search(r"(?:<|<=|>|>=)\s*(\d[\d.e+]*)|(\d[\d.e+]*)\s*(?:>|>=|<|<=)", header[:120])
    return (m.group(1) or m.group(2)) if m else ""


# --- page context -----------------------------------------------------------------------------------


@dataclass
class Handler:
    """An event handler or timer callback found in the code."""

    text: str  # its code (inline body, or the body of the named function)
    start: int  # span of the inline body in the code (empty for named handlers)
    end: int
    name: str | None  # the function name when the handler is passed by name


@dataclass
class Trigger:
    """Where a kind of trigger (page-wide gesture, mouse movement, timer...) runs code."""

    handlers: list[Handler] = field(default_factory=list)
    names: set[str] = field(default_factory=set)  # functions reachable from the handlers (2 hops)


@dataclass
class Hit:
    strength: float
    start: int
    end: int
    detail: str
    source: str = "script"
    text: str = ""  # what the excerpt is cut from (defaults to the page code)


class Ctx:
    """The page code plus lazily computed facts the detectors share."""

    def __init__(self, page: Page) -> None:
        self.page = page
        # "text" inputs are prose (acquire found no code in them): only their words are read
        raw = page.script_text if page.kind == "html" else page.html if page.kind == "script" else ""
        if page.unpacked:  # code recovered from packed scripts (scamscope.deobfuscate)
            raw = raw + "\n" + page.unpacked
        self.code = _deobfuscate(raw)
        self.is_html = page.kind == "html"
        self.markup = page.html if self.is_html else self.code
        self._triggers: dict[str, Trigger] = {}
        self._fn_bodies: dict[str, str | None] = {}
        self._enclosing: dict[int, str | None] = {}
        self._attr_tags: dict[str, set[str]] = {}
        self._block_ends: dict[int, int] = {}
        self._live: dict[str, list[re.Match[str]]] = {}
        self.memo: dict[str, Any] = {}  # results one family computes and another reuses

    # matches -------------------------------------------------------------------------------

    def live(self, rule_id: str, text: str | None = None, limit: int = MAX_MATCHES) -> Iterator[re.Match[str]]:
        """Matches of a rule in the code (or ``text``) that are not inside comments."""
        if text is None and limit == MAX_MATCHES:
            cached = self._live.get(rule_id)
            if cached is None:
                cached = self._live[rule_id] = list(self._live_matches(rule_id, self.code, limit))
            yield from cached
            return
        yield from self._live_matches(rule_id, self.code if text is None else text, limit)

    @staticmethod
    def _live_matches(rule_id: str, text: str, limit: int) -> Iterator[re.Match[str]]:
        if not text:
            return
        for m in scan(RULES[rule_id], text, limit):
            if not in_js_comment(text, m.start()):
                yield m

    def has(self, rule_id: str, text: str) -> re.Match[str] | None:
        rule = RULES[rule_id]
        if rule.needles and not any(n in text for n in rule.needles):
            return None
        return rule.rx.search(text)

    def attr_line(self, pos: int) -> bool:
        """Is ``pos`` on an ``onX=...`` / ``style=...`` line that acquire made from an HTML attribute?"""
        if not self.is_html:
            return False
        ls = self.code.rfind("\n", 0, pos) + 1
        return _ATTR_LINE.match(self.code, ls, ls + 40) is not None

    def attr_tags(self, attr: str) -> set[str]:
        """Tag names that carry attribute ``attr`` in the HTML (to tell <body oncontextmenu> from <canvas ...>)."""
        if attr in self._attr_tags:
            return self._attr_tags[attr]
        tags: set[str] = set()
        html = self.markup
        for spelling in _attr_spellings(attr):
            i, seen = html.find(spelling), 0
            while i != -1 and seen < 100:
                seen += 1
                if html[i - 1 : i].isspace() and html[i + len(spelling) :].lstrip()[:1] == "=":
                    lt = html.rfind("<", max(0, i - 5000), i)
                    tm = _TAG_NAME.match(html, lt) if lt != -1 and html.rfind(">", lt, i) == -1 else None
                    if tm and not in_html_comment(html, lt):
                        tags.add(tm.group(1).lower())
                i = html.find(spelling, i + len(spelling))
        self._attr_tags[attr] = tags
        return tags

    # functions and handlers ----------------------------------------------------------------

    def function_body(self, name: str) -> str | None:
        """Body of the function called ``name`` (first definition), or None if it is not defined here."""
        if name in self._fn_bodies:
            return self._fn_bodies[name]
        body: str | None = None
        code, size = self.code, len(name)
        i, tries = code.find(name), 0
        while i != -1 and tries < 300 and body is None:
            tries += 1
            if (i == 0 or code[i - 1] not in _IDENT_CHARS) and code[i + size : i + size + 1] not in _IDENT_CHARS:
                named = FN_KEYWORD_BEFORE.search(code, max(0, i - 24), i) and code[i + size :].lstrip()[:1] == "("
                if (named or _ASSIGNED_FN_AFTER.match(code, i + size)) and not in_js_comment(code, i):
                    body = block_text(code, i)
            i = code.find(name, i + size)
        self._fn_bodies[name] = body
        return body

    def handler(self, pos: int) -> Handler:
        """The handler whose code starts at ``pos`` (just after ``addEventListener('x',`` or ``onx =``)."""
        code = self.code
        m = _ARROW_EXPR.match(code, pos)
        if m:
            end = expr_end(code, m.end())
            return Handler(code[pos:end], pos, end, None)
        if _FUNC_START.match(code, pos):
            text = block_text(code, pos)
            return Handler(text, pos, pos + len(text), None)
        m = _IDENT_HANDLER.match(code, pos)
        if m:
            name = m.group(1).rsplit(".", 1)[-1]
            if name in ("null", "undefined", "false", "true"):
                return Handler(name, pos, m.end(), None)
            return Handler(self.function_body(name) or "", pos, m.end(), name)
        end = code.find("\n", pos, pos + 400)
        end = end if end != -1 else min(len(code), pos + 400)
        return Handler(code[pos:end], pos, end, None)

    def expand(self, text: str, max_calls: int = 4) -> str:
        """Handler text plus the bodies of the (locally defined) functions it calls, one level deep."""
        parts = [text]
        seen: set[str] = set()
        for m in CALL.finditer(text):
            name = m.group(1)
            if name in NOT_CALLS or name in seen or len(name) < 2:
                continue
            seen.add(name)
            body = self.function_body(name)
            if body:
                parts.append(body)
            if len(seen) >= max_calls:
                break
        return "\n".join(parts)

    def block_end(self, pos: int) -> int:
        """End of :func:`block_text` from ``pos`` (cached: enclosing-function queries revisit the same starts)."""
        end = self._block_ends.get(pos)
        if end is None:
            end = self._block_ends[pos] = pos + len(block_text(self.code, pos))
        return end

    def enclosing_function(self, pos: int) -> str | None:
        """Name of the innermost named function whose body contains ``pos``."""
        if pos in self._enclosing:
            return self._enclosing[pos]
        code, lo = self.code, max(0, pos - 4000)
        found: str | None = None
        for c in _function_starts(code, lo, pos):
            if code.startswith("=>", c):
                if code[c + 2 : c + 40].lstrip()[:1] != "{":
                    continue  # expression-bodied arrow: cannot hold a statement at pos
                name = _name_before(code, c, arrow=True)
            else:
                m = _FN_NAME_AFTER.match(code, c)
                name = m.group(1) if m and m.group(1) else _name_before(code, c, arrow=False)
            if name and self.block_end(c) > pos:
                found = name
                break
        self._enclosing[pos] = found
        return found

    # triggers ------------------------------------------------------------------------------

    def trigger(self, kind: str) -> Trigger:
        """Handlers of ``kind`` ("gesture", "mousemove", "interval", "fschange") and what they reach."""
        if kind in self._triggers:
            return self._triggers[kind]
        trig = Trigger()
        if kind == "gesture":
            for m in self.live("ctx.gesture"):
                if self.page_scope(m) and self.code[m.end() : m.end() + 1] != "=":
                    trig.handlers.append(self.handler(m.end()))
        elif kind == "mousemove":
            for m in self.live("ctx.mousemove"):
                if self.page_scope(m):
                    trig.handlers.append(self.handler(m.end()))
        elif kind == "interval":
            for m in self.live("ctx.interval"):
                trig.handlers.append(self.handler(m.end()))
            for m in self.live("ctx.timeout_self"):
                if self.enclosing_function(m.start()) == m.group(1):
                    trig.names.add(m.group(1))
        elif kind == "fschange":
            for m in self.live("fullscreen.change"):
                trig.handlers.append(self.handler(m.end()))
        self._reach(trig)
        self._triggers[kind] = trig
        return trig

    def _reach(self, trig: Trigger) -> None:
        names = set(trig.names)
        for h in trig.handlers:
            if h.name:
                names.add(h.name)
        frontier = set(names)
        for h in trig.handlers:
            frontier |= self._calls(h.text)
        names |= frontier
        for _hop in range(2):
            nxt: set[str] = set()
            for name in list(frontier)[:60]:
                body = self.function_body(name)
                if body:
                    nxt |= self._calls(body)
            nxt -= names
            names |= nxt
            frontier = nxt
            if not frontier:
                break
        trig.names = names

    @staticmethod
    def _calls(text: str) -> set[str]:
        return {m.group(1) for m in CALL.finditer(text) if m.group(1) not in NOT_CALLS and len(m.group(1)) > 1}

    def triggered(self, kind: str, pos: int) -> bool:
        """Does code at ``pos`` run from a trigger of ``kind`` (inside its handler, or in a function it reaches)?"""
        trig = self.trigger(kind)
        if not trig.handlers and not trig.names:
            return False
        for h in trig.handlers:
            if h.name is None and h.start <= pos < h.end:
                return True
        fn = self.enclosing_function(pos)
        return fn is not None and fn in trig.names

    def in_loop(self, pos: int, reach: int = 250) -> re.Match[str] | None:
        """The loop header whose body holds ``pos`` (heuristic: a for/while shortly before, no '}' between)."""
        last = None
        for m in rule_rx("ctx.loop").finditer(self.code, max(0, pos - reach), pos):
            last = m
        if last is None or "}" in self.code[last.end() : pos]:
            return None
        return last

    def repeated(self, pos: int) -> str:
        """How code at ``pos`` repeats: 'loop', 'timer', 'mousemove' or ''."""
        if self.in_loop(pos):
            return "loop"
        if self.triggered("interval", pos):
            return "timer"
        if self.triggered("mousemove", pos):
            return "mousemove"
        return ""

    def page_scope(self, m: re.Match[str]) -> bool:
        """Is the handler of this binding attached to the whole page (document/window/body), not one element?"""
        code = self.code
        before = code[max(0, m.start() - 80) : m.start()]
        matched = m.group(0)
        if matched.lstrip().startswith("."):
            before += "."
        if rule_rx("ctx.page_receiver").search(before):
            return True
        if matched.startswith(("addEvent(", "addEvent ", "$(")) and not matched.startswith("addEventListener"):
            return True  # the receiver is part of the pattern: addEvent(document, ...), $(document)...
        if self.attr_line(m.start()):
            attr = re.match(r"on[a-z]+", code[m.start() : m.start() + 40])
            return bool(attr and self.attr_tags(attr.group(0)) & {"body", "html"})
        stripped = before.rstrip()
        return not stripped.endswith(".") and not matched.lstrip().startswith(".")


def best_evidence(signal: str, hits: list[Hit], ctx: Ctx) -> Evidence | None:
    if not hits:
        return None
    hit = max(hits, key=lambda h: h.strength)
    text = hit.text or ctx.code
    return Evidence(
        signal=signal,
        detail=hit.detail,
        excerpt=excerpt_of(text, hit.start, hit.end),
        strength=round(max(0.0, min(1.0, hit.strength)), 2),
        source=hit.source,
    )


def source_of(ctx: Ctx, pos: int) -> str:
    return "html" if ctx.attr_line(pos) else "script"


# --- helpers the families share ---


def is_definition(code: str, start: int, open_paren_end: int) -> bool:
    """``function alert(...)`` or a method shorthand ``moveTo(x, y) { ... }``: a definition, not a call."""
    if FN_KEYWORD_BEFORE.search(code, max(0, start - 12), start):
        return True
    close = expr_end(code, open_paren_end, 400)
    return code[close : close + 1] == ")" and code[close + 1 : close + 12].lstrip()[:1] == "{"


def is_assignment_target(code: str, end: int) -> bool:
    after = code[end : end + 12].lstrip()
    return after.startswith("=") and not after.startswith(("==", "=>"))


def calls_any(text: str, names: set[str]) -> bool:
    return any(m.group(1) in names for m in CALL.finditer(text))


def sound_name(text: str) -> str:
    m = _SOUND_FILE.search(text)
    return m.group(1).rsplit("/", 1)[-1][:40] if m else ""


def is_recursive(ctx: Ctx, pos: int) -> bool:
    fn = ctx.enclosing_function(pos)
    if not fn:
        return False
    body = ctx.function_body(fn) or ""
    return (
        fn in ctx.trigger("interval").names
        or re.search(r"(?<![\w$.])" + re.escape(fn) + r"\s*\(", body[len(fn) + 10 :]) is not None
    )
