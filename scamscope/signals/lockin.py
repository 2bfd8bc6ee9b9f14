"""Lock-in and alarm code visible in page source (static analysis; no JavaScript is run).

Tech support scam pages take over the browser: full screen, keyboard and pointer lock, keys and
right-click swallowed, a hidden cursor, a siren and a voice, dialogs and history entries that
come back, a "leave this page?" prompt, and sometimes a worker bomb that freezes the tab. This
signal reads the page's code (inline scripts, event-handler attributes, styles, PHP left in a
saved kit, or a whole JS file) and reports one coarse piece of evidence per behaviour, with the
best excerpt and a strength that reflects how hostile the use is: the same APIs have benign uses
(games lock the pointer on a canvas click, slide decks go full screen on a key, forms warn about
unsaved input), so context decides the strength.

Patterns live in ``scamscope/data/lockin.toml`` (with provenance) and are compiled once at
import. Every regex is linear-time (bounded repetitions) and runs only in a small window around
the occurrences of its cheap substring ``needles`` (see :func:`scan`), so a page costs a few
``str.find`` passes plus work proportional to what it actually contains.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from scamscope.data import load
from scamscope.types import Evidence, Observations, Page

NAME = "lockin"

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


def _compile_rules() -> dict[str, Rule]:
    data = load("lockin")
    sources = data.get("sources", {})
    rules: dict[str, Rule] = {}
    for entry in data["rule"]:
        flags = re.IGNORECASE if "i" in entry.get("flags", "") else 0
        pattern = "|".join(f"(?:{p})" for p in entry["patterns"])
        provenance = tuple(entry.get("provenance", ()))
        unknown = [p for p in provenance if p not in sources]
        if unknown:
            raise ValueError(f"lockin.toml rule {entry['id']}: unknown provenance {unknown}")
        rules[entry["id"]] = Rule(
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
    return rules


RULES: dict[str, Rule] = _compile_rules()


def _rx(rule_id: str) -> re.Pattern[str]:
    return RULES[rule_id].rx


# --- small text helpers ----------------------------------------------------------------------------

_WS = re.compile(r"\s+")
_ESCAPE = re.compile(r"\\x([0-9A-Fa-f]{2})|\\u([0-9A-Fa-f]{4})|\\u\{([0-9A-Fa-f]{1,6})\}")
_CONCAT = re.compile(r"""(['"])[ \t]*\+[ \t]*\1""")
_BRACES = re.compile(r"[{}]")
_ATTR_LINE = re.compile(r"(?:on[a-z]{3,30}|style)=")
_ARROW_EXPR = re.compile(r"\s*(?:async\s+)?(?:\([^()]{0,200}\)|[\w$]+)\s*=>\s*(?!\{)")
_FUNC_START = re.compile(r"\s*(?:async\s+)?(?:function\b|\([^()]{0,200}\)\s*=>|[\w$]+\s*=>)")
_IDENT_HANDLER = re.compile(r"[ \t]*([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*){0,3})[ \t]*(?=[,);\r\n]|$)")
_CALL = re.compile(r"(?<![\w$.])([A-Za-z_$][\w$]*)\s*\(")
_NOT_CALLS = frozenset(
    "if for while switch catch function return typeof new delete void do else in of with await "
    "async yield throw case var let const alert confirm prompt setTimeout setInterval parseInt "
    "parseFloat String Number Boolean Array Object Math Date JSON RegExp Error isNaN $ jQuery require define "
    "console log".split()
)
_PAGE_TARGET = re.compile(
    r"\bdocumentElement\b|\bdocument\s*\.\s*body\b|\$\(\s*['\"](?:body|html)['\"]\s*\)"
    r"|getElementsByTagName\(\s*['\"](?:body|html)['\"]|querySelector\(\s*['\"](?:body|html)['\"]"
)
_USER_TOGGLE_KEY = re.compile(
    r"['\"]F11['\"]|\b(?:keyCode|which)\s*={2,3}\s*(?:122|70)\b|\b(?:122|70)\s*={2,3}\s*[\w$.]*(?:keyCode|which)"
    r"|\bkey\s*={2,3}\s*['\"][fF]['\"]"
)
_EXIT_FULLSCREEN = re.compile(r"\b(?:exit|cancel|webkitExit|mozCancel|msExit|webkitCancel)Full[Ss]creen\b")
_CONDITION = re.compile(r"\bif\s*\(([^()]{0,200}(?:\([^()]{0,100}\)[^()]{0,100})?)\)|\breturn\s+([^;\n]{1,120}?)\s*&&")
_ESCAPE_BREAK = re.compile(r"\b(?:break|return|yield|await|throw)\b")
_INTERVAL_MS = re.compile(r"\}\s*\)?\s*,\s*(\d+(?:\.\d+)?(?:e\d)?)\s*\)")
_SOUND_FILE = re.compile(r"""['"(=]\s*([^'"\s()<>]{0,80}\.(?:mp3|wav|ogg|oga|m4a|aac|webm|mp4))\b""", re.I)
_AUDIO_ATTR = {
    "autoplay": re.compile(r"\bautoplay\b", re.I),
    "loop": re.compile(r"\bloop\b", re.I),
    "muted": re.compile(r"\bmuted\b", re.I),
}
_AUDIOISH = re.compile(r"audio|sound|beep|siren|alarm|voice|sfx|buzz|mp3|wav|ogg|player|music", re.I)
_KEYLIST = re.compile(r"\[([^\[\]]{0,300})\]")
_TAG_NAME = re.compile(r"<\s*([A-Za-z][\w:-]{0,30})")
_PAGE_SELECTOR = re.compile(r"(?:^|[\s,>}~+])(?:html|body|\*|:root)(?=$|[\s,.:#\[>{~+])", re.I)
_SMALL_SELECTOR = re.compile(
    r"canvas|video|game|player|plyr|vjs|jw|slide|reveal|kiosk|idle|hide|fullscreen|screensaver|lightbox|viewer|drag",
    re.I,
)
_WINDOW_RECEIVER = re.compile(
    r"(?<![\w$.])(?:window|self|top|parent|opener|w|win|wnd|popup|newWindow|myWindow|newwin)\s*\.\s*$"
)
_CURSOR_BACK = re.compile(
    r"""cursor\s*=\s*['"](?:|default|auto|pointer|inherit)['"]|['"]cursor['"]\s*,\s*['"](?:|default|auto)['"]"""
)
_OPTIONAL_BEFORE = re.compile(r"(?:&&|\?|\bif\s*\([^()]{0,25}\))\s*[\w$.]{0,30}$")
_SEPARATE_HANDLERS = re.compile(r"\bfunction\b|=>|\bif\s*\(|\bcase\b|\belse\b|\bcatch\b|addEventListener")
_BUILT_DEBUGGER = re.compile(r"(?:constructor|Function)\s*\(\s*['\"]$")

_ALARM_WORDS = RULES["audio.alarm_name"].rx
_IDENT_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$")
_FN_KEYWORD_BEFORE = re.compile(r"function\s*\*?\s*$")
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


def _excerpt(text: str, start: int, end: int) -> str:
    """Up to 120 chars of code around a match, white space collapsed."""
    a = max(0, start - 40)
    nl = text.rfind("\n", a, start)
    if nl != -1:
        a = nl + 1
    b = min(len(text), max(end, start) + 240)
    s = _WS.sub(" ", text[a:b]).strip()
    lead = _WS.sub(" ", text[a:start]).lstrip()
    if len(lead) > 40:  # keep the matched code in view
        s = s[len(lead) - 40 :]
    return s[:EXCERPT_CHARS].rstrip()


def _in_js_comment(code: str, pos: int) -> bool:
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


def _in_html_comment(html: str, pos: int) -> bool:
    opened = html.rfind("<!--", max(0, pos - 100000), pos)
    return opened != -1 and html.find("-->", opened + 4, pos) == -1


def _block(code: str, pos: int, limit: int = 4000) -> str:
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


def _expr_end(code: str, pos: int, limit: int = 300) -> int:
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


def _loop_count(header: str) -> str:
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
            if not _in_js_comment(text, m.start()):
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
                    if tm and not _in_html_comment(html, lt):
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
                named = _FN_KEYWORD_BEFORE.search(code, max(0, i - 24), i) and code[i + size :].lstrip()[:1] == "("
                if (named or _ASSIGNED_FN_AFTER.match(code, i + size)) and not _in_js_comment(code, i):
                    body = _block(code, i)
            i = code.find(name, i + size)
        self._fn_bodies[name] = body
        return body

    def handler(self, pos: int) -> Handler:
        """The handler whose code starts at ``pos`` (just after ``addEventListener('x',`` or ``onx =``)."""
        code = self.code
        m = _ARROW_EXPR.match(code, pos)
        if m:
            end = _expr_end(code, m.end())
            return Handler(code[pos:end], pos, end, None)
        if _FUNC_START.match(code, pos):
            text = _block(code, pos)
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
        for m in _CALL.finditer(text):
            name = m.group(1)
            if name in _NOT_CALLS or name in seen or len(name) < 2:
                continue
            seen.add(name)
            body = self.function_body(name)
            if body:
                parts.append(body)
            if len(seen) >= max_calls:
                break
        return "\n".join(parts)

    def block_end(self, pos: int) -> int:
        """End of :func:`_block` from ``pos`` (cached: enclosing-function queries revisit the same starts)."""
        end = self._block_ends.get(pos)
        if end is None:
            end = self._block_ends[pos] = pos + len(_block(self.code, pos))
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
        return {m.group(1) for m in _CALL.finditer(text) if m.group(1) not in _NOT_CALLS and len(m.group(1)) > 1}

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
        for m in _rx("ctx.loop").finditer(self.code, max(0, pos - reach), pos):
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
        if _rx("ctx.page_receiver").search(before):
            return True
        if matched.startswith(("addEvent(", "addEvent ", "$(")) and not matched.startswith("addEventListener"):
            return True  # the receiver is part of the pattern: addEvent(document, ...), $(document)...
        if self.attr_line(m.start()):
            attr = re.match(r"on[a-z]+", code[m.start() : m.start() + 40])
            return bool(attr and self.attr_tags(attr.group(0)) & {"body", "html"})
        stripped = before.rstrip()
        return not stripped.endswith(".") and not matched.lstrip().startswith(".")


def _best(signal: str, hits: list[Hit], ctx: Ctx) -> Evidence | None:
    if not hits:
        return None
    hit = max(hits, key=lambda h: h.strength)
    text = hit.text or ctx.code
    return Evidence(
        signal=signal,
        detail=hit.detail,
        excerpt=_excerpt(text, hit.start, hit.end),
        strength=round(max(0.0, min(1.0, hit.strength)), 2),
        source=hit.source,
    )


def _src(ctx: Ctx, pos: int) -> str:
    return "html" if ctx.attr_line(pos) else "script"


# --- detectors --------------------------------------------------------------------------------------
# Each returns the hits for one signal; run() keeps the strongest.


def _fullscreen_requests(ctx: Ctx) -> tuple[list[Hit], set[str]]:
    """Fullscreen requests and the names of the functions that make them."""
    hits: list[Hit] = []
    fs_functions: set[str] = set()
    code = ctx.code
    for m in ctx.live("fullscreen.request"):
        pos = m.start()
        after = code[m.end() : m.end() + 120]
        if code[pos - 1 : pos] in "'\"" and after[:1] in "'\"" and after[1:].lstrip().startswith(","):
            if ctx.has("fullscreen.api_table", code[max(0, pos - 200) : m.end() + 200]):
                hits.append(Hit(0.15, pos, m.end(), "Fullscreen API names in a feature-detection table (library code)"))
                continue
        if _is_assignment_target(code, m.end()):
            continue  # el.requestFullscreen = el.requestFullscreen || el.webkitRequestFullscreen: not the call
        fn = ctx.enclosing_function(pos)
        if fn:
            fs_functions.add(fn)
        before = code[max(0, pos - 300) : pos]
        page_target = _page_target(before) or _page_target(code[pos : pos + 80])
        how = ctx.repeated(pos)
        if how in ("timer", "mousemove", "loop"):
            s = 0.9 if page_target else 0.65
            why = {"timer": "on a timer", "mousemove": "on mere mouse movement", "loop": "in a loop"}[how]
        elif ctx.triggered("gesture", pos):
            s, why = (0.85 if page_target else 0.6), "on any click or key press anywhere on the page"
        else:
            s, why = (0.45 if page_target else 0.4), "from a specific control"
        if _user_toggle_key(before):
            s, why = min(s, 0.3), "toggled by the user's own F11/F key"
        target = "the whole page" if page_target else "an element"
        hits.append(Hit(s, pos, m.end(), f"requests full screen for {target} {why}", _src(ctx, pos)))
    return hits, fs_functions


def _page_target(text: str) -> bool:
    return ("documentElement" in text or "body" in text or "html" in text) and _PAGE_TARGET.search(text) is not None


def _user_toggle_key(text: str) -> bool:
    if not ("F11" in text or "122" in text or "70" in text or "key" in text):
        return False
    return _USER_TOGGLE_KEY.search(text) is not None


def _is_definition(code: str, start: int, open_paren_end: int) -> bool:
    """``function alert(...)`` or a method shorthand ``moveTo(x, y) { ... }``: a definition, not a call."""
    if _FN_KEYWORD_BEFORE.search(code, max(0, start - 12), start):
        return True
    close = _expr_end(code, open_paren_end, 400)
    return code[close : close + 1] == ")" and code[close + 1 : close + 12].lstrip()[:1] == "{"


def _is_assignment_target(code: str, end: int) -> bool:
    after = code[end : end + 12].lstrip()
    return after.startswith("=") and not after.startswith(("==", "=>"))


def _calls_any(text: str, names: set[str]) -> bool:
    return any(m.group(1) in names for m in _CALL.finditer(text))


def _fullscreen_churn(ctx: Ctx, fs_hits: list[Hit], fs_functions: set[str]) -> list[Hit]:
    hits: list[Hit] = []
    for m in ctx.live("fullscreen.change"):
        h = ctx.handler(m.end())
        text = ctx.expand(h.text)
        if "equestFull" in text or _calls_any(text, fs_functions) or ctx.has("click.synth", text):
            hits.append(
                Hit(
                    0.95,
                    m.start(),
                    m.end(),
                    "leaving full screen triggers a new full-screen request (fullscreenchange re-enters)",
                )
            )
    gesture_fs = any(h.strength >= 0.8 for h in fs_hits)
    for m in ctx.live("click.synth"):
        how = ctx.repeated(m.start())
        if how == "timer" and (gesture_fs or fs_hits):
            hits.append(
                Hit(
                    0.9,
                    m.start(),
                    m.end(),
                    "clicks the page on a timer, re-triggering its full-screen/audio click handlers",
                )
            )
        elif ctx.triggered("fschange", m.start()):
            hits.append(Hit(0.95, m.start(), m.end(), "clicks the page whenever full screen changes, to re-enter it"))
    for h in ctx.trigger("mousemove").handlers:
        text = ctx.expand(h.text)
        if ctx.has("fullscreen.state", text) and ("equestFull" in text or _calls_any(text, fs_functions)):
            hits.append(
                Hit(0.8, h.start, h.end, "re-enters full screen whenever it is left (checked on mouse movement)")
            )
    for h in ctx.trigger("interval").handlers:
        if "equestFull" in h.text or _calls_any(h.text, fs_functions):
            hits.append(Hit(0.85, h.start, h.end, "requests full screen again on a timer"))
    return hits


def _keyboard_lock(ctx: Ctx) -> list[Hit]:
    hits: list[Hit] = []
    code = ctx.code
    for m in ctx.live("keyboard.lock"):
        navigator = "navigator" in code[max(0, m.start() - 20) : m.start()]
        km = _KEYLIST.match(code, m.end())
        if km:
            keys = [k.strip(" '\"\n\t") for k in km.group(1).split(",") if k.strip(" '\"\n\t")]
            system = [
                k
                for k in keys
                if k in ("Escape", "F11", "Tab", "AltLeft", "AltRight", "MetaLeft", "MetaRight", "F4", "F5")
            ]
            s = 0.85 if system else 0.6
            detail = f"Keyboard Lock on {', '.join(keys[:8])}" + (" (system keys)" if system else "")
        else:
            s, detail = 0.9, "navigator.keyboard.lock() with no key list: every key, including Esc, goes to the page"
        if not navigator:
            s -= 0.15
        hits.append(Hit(s, m.start(), m.end() + (km.end() - km.start() if km else 0), detail))
    return hits


def _pointer_lock(ctx: Ctx) -> list[Hit]:
    hits: list[Hit] = []
    for m in ctx.live("pointer.request"):
        if _is_assignment_target(ctx.code, m.end()):
            continue  # el.requestPointerLock = el.requestPointerLock || el.mozRequestPointerLock: the call comes later
        how = ctx.repeated(m.start())
        if how:
            s, why = 0.9, {"timer": "on a timer", "mousemove": "on mere mouse movement", "loop": "in a loop"}[how]
        elif ctx.triggered("gesture", m.start()):
            s, why = 0.75, "on any click anywhere on the page"
        else:
            s, why = 0.4, "after a click on a specific element (as games do)"
        hits.append(Hit(s, m.start(), m.end(), f"locks the mouse pointer {why}", _src(ctx, m.start())))
    if not hits:
        for m in ctx.live("pointer.state", limit=1):
            hits.append(
                Hit(
                    RULES["pointer.state"].strength,
                    m.start(),
                    m.end(),
                    "uses pointer-lock state (the request is not visible in this source)",
                )
            )
    return hits


def _conditions(text: str) -> list[str]:
    return [m.group(1) or m.group(2) or "" for m in _CONDITION.finditer(text)]


def _undefined_calls_only(ctx: Ctx, cond: str) -> bool:
    """A condition like ``data_needs_saving()`` whose function is not defined anywhere: not a real check."""
    names = [m.group(1) for m in _CALL.finditer(cond) if m.group(1) not in _NOT_CALLS]
    return bool(names) and all(ctx.function_body(n) is None for n in names)


def _beforeunload(ctx: Ctx) -> list[Hit]:
    hits: list[Hit] = []
    dirty_rx = _rx("unload.dirty_condition")
    for m in ctx.live("unload.handler"):
        before_unload = "before" in m.group(0).lower()
        h = ctx.handler(m.end())
        if h.text.strip() in ("", "null", "undefined", "false") and not ctx.attr_line(m.start()):
            continue
        text = ctx.expand(h.text)
        src = _src(ctx, m.start())
        trap = ctx.has("unload.trap_action", text)
        if trap:
            what = trap.group(0)
            if "Worker" in what or "while" in what:
                detail = "leaving the page starts a CPU bomb (workers / endless loop)"
            elif re.match(r"(?:alert|confirm|prompt)|window\.(?:alert|confirm|prompt)", what):
                detail = "leaving the page pops up a dialog"
            else:
                detail = "leaving the page re-opens or reloads it"
            hits.append(Hit(1.0, m.start(), m.end(), detail, src))
            continue
        if not before_unload:
            continue  # a plain unload handler (analytics, cleanup)
        dirty = [c for c in _conditions(text) if dirty_rx.search(c) and not _undefined_calls_only(ctx, c)]
        message = ctx.has("unload.message", text)
        if dirty:
            hits.append(Hit(0.3, m.start(), m.end(), "asks to confirm leaving only when there is unsaved input", src))
        elif message:
            hits.append(Hit(0.7, m.start(), m.end(), "asks 'leave this page?' every time (returns a message)", src))
        elif "preventDefault" in text or "returnValue" in text:
            hits.append(
                Hit(0.4, m.start(), m.end(), "asks to confirm leaving (preventDefault/returnValue, no message)", src)
            )
        elif ctx.attr_line(m.start()):
            hits.append(Hit(0.55, m.start(), m.end(), "onbeforeunload attribute asks to confirm leaving", src))
        elif h.text.strip():
            hits.append(Hit(0.35, m.start(), m.end(), "beforeunload handler", src))
    return hits


def _history(ctx: Ctx) -> list[Hit]:
    hits: list[Hit] = []
    calls = list(ctx.live("history.call"))
    plain = 0
    for m in calls:
        loop = ctx.in_loop(m.start())
        if loop:
            n = _loop_count(ctx.code[loop.end() : m.start()])
            times = f" ({n} times)" if n else ""
            hits.append(
                Hit(1.0, loop.start(), m.end(), f"pushes history entries in a loop{times}: Back never leaves the page")
            )
        elif ctx.triggered("interval", m.start()):
            hits.append(Hit(0.95, m.start(), m.end(), "pushes history entries on a timer: Back never leaves the page"))
        else:
            plain += 1
    for m in ctx.live("history.popstate"):
        h = ctx.handler(m.end())
        text = ctx.expand(h.text)
        if ctx.has("history.trap_action", text):
            hits.append(
                Hit(0.8, m.start(), m.end(), "back-button trap: pressing Back pushes the page again or redirects")
            )
    if plain >= 6 and not hits:
        first = calls[0]
        hits.append(Hit(0.5, first.start(), first.end(), f"history.pushState/replaceState called {plain} times"))
    return hits


_KEYCODE_NAMES = {
    "123": "F12", "116": "F5", "27": "Esc", "122": "F11", "9": "Tab", "18": "Alt", "17": "Ctrl", "91": "Meta",
    "92": "Meta", "93": "Meta", "115": "F4", "73": "I", "74": "J", "85": "U", "67": "C", "83": "S", "82": "R",
    "87": "W", "117": "F6", "13": "Enter", "32": "Space", "37": "Left", "38": "Up", "39": "Right", "40": "Down",
    "16": "Shift", "8": "Backspace", "44": "PrintScreen",
}  # fmt: skip
_KEY_NAMES = {
    "escape": "Esc", "esc": "Esc", "f12": "F12", "f5": "F5", "f11": "F11", "tab": "Tab", "alt": "Alt", "meta": "Meta",
    "os": "Meta", "f4": "F4", "control": "Ctrl", "ctrlkey": "Ctrl", "altkey": "AltMod", "metakey": "MetaMod",
    "shiftkey": "Shift", "keyi": "I", "keyj": "J", "keyu": "U", "keyc": "C", "keyw": "W", "keyr": "R", "i": "I",
    "j": "J", "u": "U", "c": "C", "w": "W", "r": "R", "s": "S", "enter": "Enter", " ": "Space", "arrowleft": "Left",
    "arrowright": "Right", "arrowup": "Up", "arrowdown": "Down",
}  # fmt: skip
_LOCK_KEYS = {"Esc", "F11", "F5", "F4", "Tab", "Alt", "Meta"}
_NAV_KEYS = {"Left", "Right", "Up", "Down", "Space", "Enter", "Backspace", "Shift", "AltMod", "MetaMod"}
_UNCONDITIONAL_BREAKERS = re.compile(r"\bif\s*\(|\bswitch\s*\(|&&|\?\s*[^:]{0,80}:")


def _keys(text: str) -> set[str]:
    found: set[str] = set()
    for m in _rx("keys.codes").finditer(text[:6000]):
        raw = next((g for g in m.groups() if g), "")
        name = _KEYCODE_NAMES.get(raw) if raw.isdigit() else _KEY_NAMES.get(raw.lower(), raw if len(raw) > 1 else "")
        if name:
            found.add(name)
    return found


def _devtools_keys(keys: set[str]) -> set[str]:
    out = {k for k in keys if k == "F12"}
    if "Ctrl" in keys and "U" in keys:
        out.add("Ctrl+U")
    if "Ctrl" in keys and "Shift" in keys and keys & {"I", "J", "C"}:
        out.add("Ctrl+Shift+I/J/C")
    return out


def _key_handler_hit(ctx: Ctx, m: re.Match[str]) -> Hit | None:
    h = ctx.handler(m.end())
    text = ctx.expand(h.text)
    stripped = h.text.strip()
    page = ctx.page_scope(m)
    src = _src(ctx, m.start())
    if stripped in ("false", "!1", "null"):
        return Hit(0.6 if page else 0.3, m.start(), m.end() + len(stripped), "keyboard handler set to false", src)
    act = ctx.has("ctx.block_action", text)
    if not act:
        return None
    keys = _keys(text)
    devtools = _devtools_keys(keys)
    lock = keys & _LOCK_KEYS
    if "Ctrl" in keys and keys & {"W", "R"}:
        lock |= {"Ctrl+" + k for k in keys & {"W", "R"}}
    unconditional = not _UNCONDITIONAL_BREAKERS.search(text[: act.start()])
    if unconditional and not (keys - {"Ctrl", "AltMod", "Shift", "MetaMod"}):
        s, detail = 1.0, "keyboard handler swallows every key"
    elif lock or devtools:
        named = sorted(lock | devtools)
        s, detail = (
            (0.85 if lock else 0.8),
            "swallows " + ", ".join(named) + (" (DevTools keys)" if devtools and not lock else ""),
        )
        if lock == {"F11"} and not devtools and ("equestFull" in text or _EXIT_FULLSCREEN.search(text)):
            s, detail = 0.3, "handles F11 itself to toggle full screen"
    elif keys and keys <= _NAV_KEYS | {"Ctrl"} | set("ABCDEFGHIJKLMNOPQRSTUVWXYZ"):
        return None  # arrows/space for a game, Ctrl+S in an editor
    elif unconditional:
        s, detail = 0.9, "keyboard handler swallows every key"
    else:
        s, detail = 0.45, "keyboard handler swallows some keys"
    if not page:
        s, detail = s * 0.4, detail + " (in one element)"
    return Hit(s, m.start(), m.end(), detail, src)


def _key_block(ctx: Ctx) -> list[Hit]:
    hits = []
    for m in ctx.live("keys.handler"):
        hit = _key_handler_hit(ctx, m)
        if hit:
            hits.append(hit)
    return hits


def _contextmenu(ctx: Ctx) -> list[Hit]:
    hits: list[Hit] = []
    for m in ctx.live("contextmenu.handler"):
        h = ctx.handler(m.end())
        text = ctx.expand(h.text)
        if not (ctx.has("ctx.block_action", text) or h.text.strip() in ("false", "!1")):
            continue
        page = ctx.page_scope(m)
        s = 0.9 if page else 0.3
        where = "on the whole page" if page else "on one element"
        hits.append(Hit(s, m.start(), m.end(), f"right-click menu disabled {where}", _src(ctx, m.start())))
    for m in ctx.live("mouse.button_block"):
        fn = ctx.enclosing_function(m.start())
        bound = bool(fn and re.search(r"\bon(?:mousedown|mouseup|auxclick)\s*=\s*" + re.escape(fn) + r"\b", ctx.code))
        hits.append(Hit(0.8 if bound else 0.6, m.start(), m.end(), "right/middle mouse buttons swallowed"))
    return hits


def _cursor_scope(ctx: Ctx, m: re.Match[str]) -> tuple[float, str]:
    code, pos = ctx.code, m.start()
    if ctx.attr_line(pos):
        if _body_cursor_none(ctx):
            return 0.9, "on <body>"
        return 0.6, "on an element (style attribute)"
    matched = m.group(0)
    if "=" in matched or "," in matched:  # JS: x.style.cursor = 'none' / .css('cursor','none')
        before = code[max(0, pos - 80) : pos]
        if _PAGE_TARGET.search(before) or re.search(r"\bbody\s*\.\s*style\s*\.\s*$", before):
            return 0.9, "on the whole page (script)"
        return 0.6, "on an element (script)"
    lo = max(0, pos - 2000)
    ob, cb = code.rfind("{", lo, pos), code.rfind("}", lo, pos)
    if ob > cb:
        sel = code[max(cb + 1, ob - 300) : ob].strip()
        if sel.endswith(("=", "(", ":", ",")) or not sel:
            return 0.6, "on an element (inline style object)"
        if _PAGE_SELECTOR.search(sel.rsplit(";", 1)[-1]):
            return 0.9, f"on '{sel[-40:]}'"
        if _SMALL_SELECTOR.search(sel):
            return 0.3, f"on '{sel[-40:]}' (a media/game element)"
        return 0.6, f"on '{sel[-40:]}'"
    return 0.6, "in a style"


def _body_cursor_none(ctx: Ctx) -> bool:
    html = ctx.markup
    for m in re.finditer(r"<\s*(?:body|html)\b[^<>]{0,2000}>", html[:400000], re.I):
        if re.search(r"cursor\s*:\s*none", m.group(0), re.I):
            return True
    return False


def _cursor_restored(code: str, pos: int) -> bool:
    """Presentation/video players hide the cursor while idle and show it again on movement."""
    near = code[max(0, pos - 800) : pos + 800]
    return "showCursor" in near or _CURSOR_BACK.search(near) is not None


def _cursor_none(ctx: Ctx) -> list[Hit]:
    hits: list[Hit] = []
    for m in ctx.live("cursor.none"):
        s, where = _cursor_scope(ctx, m)
        if ("=" in m.group(0) or "," in m.group(0)) and _cursor_restored(ctx.code, m.start()):
            s, where = 0.3, where + ", restored on movement (idle hiding)"
        hits.append(Hit(s, m.start(), m.end(), f"mouse pointer hidden {where}", _src(ctx, m.start())))
    if len(hits) >= 3:
        top = max(hits, key=lambda h: h.strength)
        hits.append(
            Hit(max(top.strength, 0.8), top.start, top.end, f"mouse pointer hidden on {len(hits)} elements", top.source)
        )
    return hits


def _sound_name(text: str) -> str:
    m = _SOUND_FILE.search(text)
    return m.group(1).rsplit("/", 1)[-1][:40] if m else ""


def _audio_tags(ctx: Ctx) -> list[Hit]:
    hits: list[Hit] = []
    html = ctx.markup
    for m in scan(RULES["audio.tag"], html):
        tag = m.group(0)
        flags = {k: bool(rx.search(tag)) for k, rx in _AUDIO_ATTR.items()}
        if flags["muted"]:
            continue
        if (ctx.is_html and _in_html_comment(html, m.start())) or (not ctx.is_html and _in_js_comment(html, m.start())):
            continue
        is_video = tag[1:].lstrip().lower().startswith("video")
        if not (flags["autoplay"] or flags["loop"]):
            name = _sound_name(html[m.start() : m.end() + 400])
            if name and not is_video and _ALARM_WORDS.search(name):
                hits.append(
                    Hit(
                        0.3,
                        m.start(),
                        m.end(),
                        f"<audio> element with an alarm sound ({name}), started by script",
                        "html",
                        html,
                    )
                )
            continue
        if flags["autoplay"] and flags["loop"]:
            s, what = (0.9 if not is_video else 0.6), "starts by itself and loops"
        elif flags["autoplay"]:
            s, what = (0.65 if not is_video else 0.4), "starts by itself"
        else:
            # a loop alone is background music (games, players); what starts it page-wide is
            # scored by _audio_script ("first click anywhere", timers)
            s, what = 0.35, "loops"
        name = _sound_name(html[m.start() : m.end() + 400])
        if name and _ALARM_WORDS.search(name):
            s += 0.1
        kind = "video" if is_video else "audio"
        hits.append(
            Hit(s, m.start(), m.end(), f"<{kind}> element that {what}" + (f" ({name})" if name else ""), "html", html)
        )
    return hits


def _audio_script(ctx: Ctx) -> list[Hit]:
    hits: list[Hit] = []
    code = ctx.code
    for m in ctx.live("audio.play"):
        pos = m.start()
        how = ctx.repeated(pos)
        receiver = code[max(0, pos - 80) : pos]
        name = _sound_name(code[max(0, pos - 600) : pos])
        if how in ("timer", "loop"):
            ms = _INTERVAL_MS.search(code, m.end(), m.end() + 200)
            every = f" every {ms.group(1)} ms" if ms and how == "timer" else ""
            hits.append(Hit(1.0, pos, m.end(), f"replays audio {how == 'loop' and 'in a loop' or 'on a timer'}{every}"))
        elif how == "mousemove":
            hits.append(Hit(0.8, pos, m.end(), "plays audio whenever the mouse moves"))
        elif ctx.triggered("gesture", pos):
            hits.append(
                Hit(
                    0.7,
                    pos,
                    m.end(),
                    "starts audio on the first click/key anywhere on the page" + (f" ({name})" if name else ""),
                )
            )
        elif (_AUDIOISH.search(receiver[-40:]) or name) and not receiver.rstrip().endswith("Audio()"):
            hits.append(Hit(0.3, pos, m.end(), "plays audio from script" + (f" ({name})" if name else "")))
    started = any(h.strength >= 0.7 for h in hits)
    for m in ctx.live("audio.loop"):
        near = code[max(0, m.start() - 300) : m.end() + 300]
        if "muted" in near:
            continue  # a muted background video loop
        name = _sound_name(code[max(0, m.start() - 600) : m.end() + 200])
        optional = _OPTIONAL_BEFORE.search(code, max(0, m.start() - 30), m.start()) is not None
        s = 0.85 if started else 0.4 if optional else 0.6
        s += 0.1 if name and _ALARM_WORDS.search(name) else 0.0
        hits.append(
            Hit(
                s,
                m.start(),
                m.end(),
                "loops audio from script (loop = true / replay on 'ended')" + (f" ({name})" if name else ""),
            )
        )
    if not hits:
        for m in ctx.live("audio.create", limit=5):
            name = _sound_name(code[m.start() : m.end() + 200])
            if name and _ALARM_WORDS.search(name):
                hits.append(Hit(0.45, m.start(), m.end(), f"creates an audio object ({name})"))
    for m in ctx.live("audio.oscillator"):
        how = ctx.repeated(m.start())
        s = 0.9 if how in ("timer", "loop") else 0.5
        hits.append(
            Hit(
                s,
                m.start(),
                m.end(),
                "Web Audio oscillator (synthesised beep/siren)" + (" on a timer" if s > 0.5 else ""),
            )
        )
    return hits


def _speech(ctx: Ctx) -> list[Hit]:
    hits: list[Hit] = []
    for m in ctx.live("speech.speak"):
        speak = "speak" in m.group(0)
        how = ctx.repeated(m.start())
        if speak and (how or "onend" in ctx.code[m.start() - 400 : m.start()]):
            hits.append(
                Hit(1.0, m.start(), m.end(), "speaks to the victim over and over (speech synthesis on a timer/loop)")
            )
        elif speak:
            hits.append(Hit(0.8, m.start(), m.end(), "speaks to the victim (speech synthesis)"))
        else:
            hits.append(Hit(0.6, m.start(), m.end(), "prepares speech synthesis (SpeechSynthesisUtterance)"))
    return hits


def _dialog_arg(code: str, end: int) -> str:
    return _WS.sub(" ", code[end : _expr_end(code, end, 120)]).strip()


def _recursive(ctx: Ctx, pos: int) -> bool:
    fn = ctx.enclosing_function(pos)
    if not fn:
        return False
    body = ctx.function_body(fn) or ""
    return (
        fn in ctx.trigger("interval").names
        or re.search(r"(?<![\w$.])" + re.escape(fn) + r"\s*\(", body[len(fn) + 10 :]) is not None
    )


def _dialogs(ctx: Ctx) -> list[Hit]:
    hits: list[Hit] = []
    code = ctx.code
    runs: dict[str, int] = {}
    last: dict[str, int] = {}
    for m in ctx.live("dialog.call"):
        kind = m.group(1)
        if _is_definition(code, m.start(), m.end()):
            continue
        if kind == "print" and not code.startswith(")", code.find("(", m.start()) + 1):
            continue
        how = ctx.repeated(m.start())
        if how == "loop":
            hits.append(
                Hit(1.0, m.start(), m.end(), f"{kind}() in a loop: the dialog comes back every time it is closed")
            )
        elif how == "timer" or _recursive(ctx, m.start()):
            hits.append(Hit(0.9, m.start(), m.end(), f"{kind}() on a timer / recursive: the dialog keeps coming back"))
        elif how == "mousemove":
            hits.append(Hit(0.7, m.start(), m.end(), f"{kind}() whenever the mouse moves"))
        arg = _dialog_arg(code, m.end())
        key = f"{kind}:{arg}"
        prev = last.get(key)
        run_len = (
            runs.get(key, 0) + 1 if prev is not None and not _SEPARATE_HANDLERS.search(code, prev, m.start()) else 1
        )
        runs[key], last[key] = run_len, m.end()
        if run_len == 3 and len(arg) > 2:
            hits.append(Hit(0.7, m.start(), m.end(), f"the same {kind}() called 3+ times in a row"))
    for m in ctx.live("dialog.basic_auth"):
        looping = re.search(r"\bRefresh\s*:", code) is not None
        s = 0.9 if looping else RULES["dialog.basic_auth"].strength
        hits.append(
            Hit(
                s,
                m.start(),
                m.end(),
                "HTTP Basic-Auth challenge shows text in the browser's login dialog"
                + (", re-sent in a refresh loop" if looping else ""),
            )
        )
    return hits


def _window(ctx: Ctx) -> list[Hit]:
    hits: list[Hit] = []
    code = ctx.code
    for m in ctx.live("window.geometry"):
        if _is_definition(code, m.start(), m.end() - 1):
            continue  # a definition of a method called moveTo (canvas helpers, games)
        args = m.group(1) or ""
        receiver = code[max(0, m.start() - 16) : m.start()]
        if receiver.rstrip().endswith(".") and not _WINDOW_RECEIVER.search(receiver):
            continue  # ctx.moveTo(x, y) on a canvas, el.moveTo() of a library
        bare = not receiver.rstrip().endswith(".")
        full = "screen." in args or re.match(r"\s*0\s*,\s*0\s*$", args) is not None or "avail" in args
        if full:
            hits.append(Hit(0.9, m.start(), m.end(), "moves/resizes the browser window to cover the screen"))
        elif not bare:
            hits.append(Hit(0.5, m.start(), m.end(), "moves/resizes the browser window"))
    for m in ctx.live("window.open"):
        if _is_definition(code, m.start(), m.end()) or ("window" not in m.group(0) and not ctx.in_loop(m.start())):
            continue
        how = ctx.repeated(m.start())
        args = code[m.end() : _expr_end(code, m.end(), 300)]
        if how in ("loop", "timer"):
            hits.append(
                Hit(0.9, m.start(), m.end(), f"opens pop-up windows {'in a loop' if how == 'loop' else 'on a timer'}")
            )
        elif re.search(r"fullscreen\s*=\s*(?:yes|1)|(?:width|height)\s*=['\"]?\s*\+?\s*screen\.", args, re.I):
            hits.append(Hit(0.7, m.start(), m.end(), "opens a full-screen pop-up window"))
    return hits


def _freeze(ctx: Ctx) -> list[Hit]:
    hits: list[Hit] = []
    code = ctx.code
    for m in ctx.live("freeze.worker"):
        near = code[max(0, m.start() - 1500) : m.end() + 300]
        blob = re.search(r"createObjectURL|new\s+Blob\b|data:(?:application|text)/javascript", near) is not None
        loop = ctx.in_loop(m.start()) is not None
        if loop:
            hits.append(
                Hit(
                    1.0 if blob else 0.9,
                    m.start(),
                    m.end(),
                    "spawns Web Workers in a loop" + (" from a Blob URL" if blob else "") + " (CPU bomb)",
                )
            )
        elif blob:
            hits.append(Hit(0.55, m.start(), m.end(), "starts a Web Worker from a Blob URL"))
    for m in ctx.live("freeze.blob_url"):
        if ctx.in_loop(m.start()):
            hits.append(Hit(0.8, m.start(), m.end(), "creates object URLs in a loop (memory flood)"))
    for m in ctx.live("freeze.busy_loop"):
        after = code[m.end() : m.end() + 40].lstrip()
        body = _block(code, m.end(), 3000) if after.startswith("{") else code[m.end() : _expr_end(code, m.end(), 300)]
        if not _ESCAPE_BREAK.search(body) and not ctx.has("dialog.call", body):  # a dialog loop is lockin.dialog_loop
            hits.append(Hit(0.75, m.start(), m.end(), "endless loop with no way out (hangs the tab)"))
    for m in ctx.live("freeze.huge_loop"):
        body = _block(code, m.end(), 3000)
        if ctx.has("freeze.alloc_action", body):
            hits.append(Hit(0.8, m.start(), m.end(), f"loop of {m.group(1)} iterations that allocates or spawns"))
    for m in ctx.live("freeze.huge_alloc"):
        hits.append(Hit(0.7, m.start(), m.end(), "allocates a huge buffer at once (memory bomb)"))
    return hits


def _ip_lookup(ctx: Ctx) -> list[Hit]:
    hits: list[Hit] = []
    for m in ctx.live("ip.service", limit=20):
        fields = ctx.has("ip.fields", ctx.code[max(0, m.start() - 3000) : m.end() + 3000])
        s = 0.95 if fields else 0.8
        hits.append(
            Hit(
                s,
                m.start(),
                m.end(),
                f"looks up the visitor's IP/ISP/city ({m.group(0).lower()})"
                + (" and writes it into the page" if fields else ""),
            )
        )
        break
    if not hits and ctx.page.links:
        links = "\n".join(ctx.page.links)
        lm = _rx("ip.service").search(links)
        if lm:
            hits.append(
                Hit(0.8, lm.start(), lm.end(), f"loads a geo-IP lookup script ({lm.group(0).lower()})", "html", links)
            )
    return hits


def _exit_popup(ctx: Ctx, phrase: re.Match[str] | None) -> list[Hit]:
    hits: list[Hit] = []
    for m in ctx.live("exit.handler"):
        if not ctx.page_scope(m):
            continue
        text = ctx.expand(ctx.handler(m.end()).text)
        if ctx.has("exit.leaving_check", text) or ctx.has("ctx.show", text):
            s = 1.0 if phrase else 0.6
            hits.append(
                Hit(
                    s,
                    m.start(),
                    m.end(),
                    "exit intent: moving the mouse out of the page shows a 'leave this page?' box",
                )
            )
    for m in ctx.live("exit.visibility"):
        if not ctx.page_scope(m):
            continue
        text = ctx.expand(ctx.handler(m.end()).text)
        if ctx.has("ctx.show", text) or ".play(" in text or ctx.has("dialog.call", text):
            s = 0.9 if phrase else 0.6
            hits.append(Hit(s, m.start(), m.end(), "switching tab/window shows the warning again or replays its sound"))
    for h in ctx.trigger("mousemove").handlers:
        text = ctx.expand(h.text)
        if ctx.has("fullscreen.state", text) and ctx.has("ctx.show", text) and h.name is None:
            hits.append(
                Hit(0.8 if phrase else 0.6, h.start, h.end, "leaving full screen shows a fake 'leave this page?' box")
            )
    if phrase and not hits:
        hits.append(
            Hit(
                RULES["exit.phrase"].strength,
                phrase.start(),
                phrase.end(),
                "page text asks 'do you want to leave/close this page?'",
                "text",
                phrase.string,
            )
        )
    return hits


def _focus_trap(ctx: Ctx) -> list[Hit]:
    hits: list[Hit] = []
    for h in ctx.trigger("interval").handlers:
        if ".focus(" in h.text and h.name is None:
            ms = _INTERVAL_MS.search(ctx.code, h.end - 2, h.end + 40) or _INTERVAL_MS.search(h.text + ")")
            fast = ms is not None and float(ms.group(1)) <= 200
            hits.append(Hit(0.7 if fast else 0.5, h.start, h.end, "grabs the focus back on a timer"))
    for m in ctx.live("exit.visibility"):
        if "blur" in m.group(0) and ctx.page_scope(m):
            text = ctx.expand(ctx.handler(m.end()).text)
            if ctx.has("focus.steal", text):
                hits.append(Hit(0.6, m.start(), m.end(), "takes the focus back whenever the window loses it"))
    return hits


def _notifications(ctx: Ctx) -> list[Hit]:
    return [
        Hit(0.7 if "subscribe" in m.group(0) else 0.6, m.start(), m.end(),
            "subscribes to push messages" if "subscribe" in m.group(0) else "asks for notification permission")
        for m in ctx.live("notify.request", limit=5)
    ]  # fmt: skip


def _tab_flash(ctx: Ctx) -> list[Hit]:
    hits: list[Hit] = []
    for h in ctx.trigger("interval").handlers:
        m = ctx.has("tab.flash", h.text)
        if m:
            favicon = "title" not in m.group(0)
            s = 0.6 if favicon else 0.4
            what = "favicon" if favicon else "tab title"
            hits.append(Hit(s, h.start, h.end, f"flips the {what} on a timer (flashing tab)"))
    return hits


def _devtools(ctx: Ctx) -> list[Hit]:
    hits: list[Hit] = []
    for rule in ("devtools.size", "devtools.named"):
        for m in ctx.live(rule, limit=3):
            hits.append(
                Hit(
                    RULES[rule].strength,
                    m.start(),
                    m.end(),
                    "detects open DevTools" + (" by window size" if rule.endswith("size") else ""),
                )
            )
    silenced = list(ctx.live("devtools.console_silence", limit=20))
    methods = {re.sub(r"\W", "", m.group(0)) for m in silenced}
    cleared_on_timer = [m for m in silenced if "clear" in m.group(0) and ctx.triggered("interval", m.start())]
    if cleared_on_timer:
        m = cleared_on_timer[0]
        hits.append(Hit(0.7, m.start(), m.end(), "clears the console on a timer"))
    elif len(methods) >= 3:
        m = silenced[0]
        hits.append(Hit(0.6, m.start(), m.end(), "silences the console (log/warn/error replaced)"))
    return hits


def _anti_analysis(ctx: Ctx) -> list[Hit]:
    hits: list[Hit] = []
    code = ctx.code
    for m in ctx.live("anti.debugger", limit=20):
        if _BUILT_DEBUGGER.search(code, max(0, m.start() - 40), m.start()):
            hits.append(Hit(0.9, m.start(), m.end(), "builds debugger statements at run time (DevTools trap)"))
        elif ctx.repeated(m.start()) or _recursive(ctx, m.start()):
            hits.append(Hit(0.9, m.start(), m.end(), "debugger statement in a loop/timer/recursion (DevTools trap)"))
    for m in ctx.live("anti.token_gate", limit=5):
        if re.search(r"REMOTE_ADDR|CONNECTING_IP|HTTP_USER_AGENT|X_FORWARDED", code):
            hits.append(
                Hit(
                    0.9,
                    m.start(),
                    m.end(),
                    "token gate: page served only if the URL carries md5(visitor IP + User-Agent)",
                )
            )
    for m in ctx.live("anti.server_cloak", limit=10):
        near = code[max(0, m.start() - 600) : m.end() + 1500]
        if ctx.has("anti.cloak_verdict", near):
            hits.append(Hit(0.8, m.start(), m.end(), "server-side cloaking on referrer / User-Agent"))
            break
    for rule in ("anti.cloak_include", "anti.bot_check"):
        for m in ctx.live(rule, limit=3):
            hits.append(Hit(RULES[rule].strength, m.start(), m.end(), RULES[rule].description.split(":")[0]))
    return hits


def _leave_phrase(page: Page) -> re.Match[str] | None:
    """The fake 'leave this page?' question in the visible page (not in script strings: those are
    usually the beforeunload message, reported by lockin.beforeunload)."""
    text = (page.title + "\n" + page.text)[:300000]
    return next(scan(RULES["exit.phrase"], text, 1), None) if text else None


# --- entry point ------------------------------------------------------------------------------------

Detector = Callable[[Ctx], list[Hit]]

_SIMPLE: list[tuple[str, Detector]] = [
    ("lockin.keyboard_lock", _keyboard_lock),
    ("lockin.pointer_lock", _pointer_lock),
    ("lockin.beforeunload", _beforeunload),
    ("lockin.history_flood", _history),
    ("lockin.key_block", _key_block),
    ("lockin.contextmenu_block", _contextmenu),
    ("lockin.cursor_none", _cursor_none),
    ("lockin.speech", _speech),
    ("lockin.dialog_loop", _dialogs),
    ("lockin.window_resize", _window),
    ("lockin.freeze", _freeze),
    ("lockin.ip_lookup", _ip_lookup),
    ("lockin.focus_trap", _focus_trap),
    ("lockin.notification_request", _notifications),
    ("lockin.tab_flash", _tab_flash),
    ("lockin.devtools_detect", _devtools),
    ("lockin.anti_analysis", _anti_analysis),
]

SIGNALS: tuple[str, ...] = (
    "lockin.fullscreen",
    "lockin.fullscreen_churn",
    "lockin.audio_alarm",
    "lockin.exit_popup",
    *(name for name, _ in _SIMPLE),
)


def run(page: Page) -> Observations:
    """Report lock-in and alarm behaviour visible in the page's code (one evidence per signal)."""
    obs = Observations()
    ctx = Ctx(page)
    if not ctx.code and not (ctx.is_html and page.html):
        e = _best("lockin.exit_popup", _exit_popup(ctx, _leave_phrase(page)), ctx) if page.text else None
        obs.evidence.extend([e] if e else [])
        return obs
    found: list[Evidence | None] = []
    fs_hits, fs_functions = _fullscreen_requests(ctx)
    found.append(_best("lockin.fullscreen", fs_hits, ctx))
    found.append(_best("lockin.fullscreen_churn", _fullscreen_churn(ctx, fs_hits, fs_functions), ctx))
    found.append(_best("lockin.audio_alarm", _audio_tags(ctx) + _audio_script(ctx), ctx))
    found.append(_best("lockin.exit_popup", _exit_popup(ctx, _leave_phrase(page)), ctx))
    for signal, detector in _SIMPLE:
        found.append(_best(signal, detector(ctx), ctx))
    obs.evidence.extend(e for e in found if e is not None and e.strength > 0)
    return obs
