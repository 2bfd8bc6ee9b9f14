"""Script that reads the phone number from the page URL (the number is not in the page yet)."""

from __future__ import annotations

import re

from scamscope.phones.knowledge import MAX_CODE, knowledge
from scamscope.types import Evidence

_URL_READ = re.compile(
    r"location\s*(?:\]|\))?\s*\.\s*(?:search|href|hash)|location\[\s*['\"](?:search|href|hash)|URLSearchParams"
    r"|searchParams|document\.URL|\[\\\\?\?&\]"
)
_FUNC_DEF = re.compile(
    r"function\s+([A-Za-z_$][\w$]*)\s*\(|([A-Za-z_$][\w$]*)\s*[=:]\s*(?:function\b|\([^()]{0,40}\)\s*=>|[A-Za-z_$][\w$]*\s*=>)"
)
_CALL_STR = re.compile(r"\(\s*['\"]([A-Za-z_$][\w$-]{0,30})['\"]\s*\)")  # f('phone')
_ASSIGNED_TO = re.compile(r"([A-Za-z_$][\w$]*)\s*\]?\s*=\s*(?:new\s+)?$")
_NOT_URL_READERS = frozenset(
    {"getElementById", "querySelector", "querySelectorAll", "getItem", "setItem", "require", "import", "getAttribute",
     "setAttribute", "attr", "data", "prop", "css", "addClass", "removeClass", "find", "on", "off", "createElement",
     "getElementsByClassName", "getElementsByTagName", "getElementsByName", "$", "jQuery", "log", "warn", "error"}
)  # fmt: skip


def phones_in_code(code: str) -> list[Evidence]:
    """Evidence that script reads the phone number from the page URL (there is no number yet).

    Recognises ``var ph0ne = getVariableFromURl('ph0ne')`` where the function reads
    ``location.search``/``location.href``, ``new URLSearchParams(location.search).get('phone')``
    and the like. Returns at most one :class:`Evidence` named ``phone.from_url``.
    """
    code = code[:MAX_CODE]
    if not _URL_READ.search(code):
        return []
    k = knowledge()
    readers: set[str] | None = None
    best: tuple[float, str, str] | None = None
    for n, m in enumerate(_CALL_STR.finditer(code)):
        if n >= 2000:
            break
        param = m.group(1)
        start, func = _callee(code, m.start())
        if not func or func in _NOT_URL_READERS:
            continue
        if not k.code_name.match(param):
            assigned = _ASSIGNED_TO.search(code[max(0, start - 50) : start])
            var = assigned.group(1) if assigned else ""
            if not (var and (k.code_name.match(var) or k.code_name_strong.search(var))):
                continue
        if readers is None:
            readers = _reader_functions(code)
        searchparams = func == "get" and ("URLSearchParams" in code or "searchParams" in code)
        strength = 1.0 if func in readers or searchparams else 0.6
        if best is None or strength > best[0]:
            best = (strength, f"URL parameter '{param}'", " ".join(code[max(0, start - 40) : m.end()].split())[-80:])
        if strength >= 1.0:
            break
    if best is None or best[0] < 1.0:
        best = _assigned_from_location(code) or best
    if best is None:
        return []
    strength, what, excerpt = best
    return [
        Evidence(
            signal="phone.from_url",
            detail=f"script reads the phone number from the page URL ({what}), so the page can show any operator's number",
            excerpt=excerpt,
            strength=strength,
            source="script",
        )
    ]


_LOCATION_PART = re.compile(r"location\s*\.\s*(hash|search)\b")
_ASSIGN_TAIL = re.compile(r"([A-Za-z_$][\w$]*)\s*=\s*[^;\n=]*$")


def _assigned_from_location(code: str) -> tuple[float, str, str] | None:
    """``var phone = atob(location.hash.slice(1))``: a phone variable taken straight from the URL."""
    k = knowledge()
    for n, m in enumerate(_LOCATION_PART.finditer(code)):
        if n >= 50:
            break
        head = code[max(0, m.start() - 80) : m.start()]
        cut = max(head.rfind(";"), head.rfind("\n"), head.rfind("{"))
        assigned = _ASSIGN_TAIL.search(head[cut + 1 :])
        if assigned and (k.code_name.match(assigned.group(1)) or k.code_name_strong.search(assigned.group(1))):
            excerpt = " ".join((head[cut + 1 :] + m.group()).split())[-80:]
            return 1.0, f"location.{m.group(1)}", excerpt
    return None


def _callee(code: str, paren: int) -> tuple[int, str]:
    """(start, last name) of the callee written just before the '(' at ``paren``: ``a.b.get``."""
    i = paren
    while i > 0 and code[i - 1] in " \t":
        i -= 1
    j = i
    while j > 0 and i - j < 80 and (code[j - 1].isalnum() or code[j - 1] in "_$."):
        j -= 1
    return j, code[j:i].rsplit(".", 1)[-1]


def _reader_functions(code: str) -> set[str]:
    """Names of functions that read the page URL: the nearest definition before each URL read."""
    names: set[str] = set()
    for n, m in enumerate(_URL_READ.finditer(code)):
        if n >= 40:
            break
        window = code[max(0, m.start() - 600) : m.start()]
        defs = list(_FUNC_DEF.finditer(window))
        if defs:
            names.add(defs[-1].group(1) or defs[-1].group(2))
    return names
