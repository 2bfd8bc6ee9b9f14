"""The regexes rewritten for issue 9 find what they found before, in linear time.

- Differential properties (hypothesis): each rewritten regex or linear scanner against the regex it
  replaced, on texts where the old one terminates quickly (small inputs over the characters that
  matter).
- Every regex compiled from detection knowledge (scamscope/data/*.toml: phrases, fake software,
  lock-in rules, brands, phone placeholders) stays fast on floods of the characters it names: a
  pattern that reads the text again from every start position fails here.
"""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from scamscope import acquire, phones, rx
from scamscope.signals import brands, forms, lockin, scare_text
from scamscope.triage.remote import screenconnect, splashtop

# --- acquire: linear scanners for the tree-less path and comments ---------------------------------------


def _spans_of(pattern: re.Pattern[str], text: str) -> list[tuple[int, int, int, int]]:
    return [(m.start(), m.start(1), m.end(1), m.end()) for m in pattern.finditer(text)]


_markup = st.text(alphabet="<!->a/ \nTtIiLlEe", max_size=80)


@given(_markup, st.sampled_from([0, 1, 3, 10, 200000]))
def test_comment_spans_equal_the_lazy_regex(text: str, limit: int) -> None:
    old = re.compile(rf"<!--(.{{0,{limit}}}?)-->", re.S)
    new = list(acquire._spans(text, acquire._COMMENT_OPEN, lambda _m: acquire._COMMENT_CLOSE, limit))
    assert new == _spans_of(old, text)


@given(st.text(alphabet="<>a \n", max_size=80), st.sampled_from([0, 2, 5, 5000]))
def test_tag_spans_equal_the_bounded_regex(text: str, limit: int) -> None:
    old = re.compile(rf"<([^>]{{0,{limit}}})>")
    assert list(acquire._spans(text, acquire._TAG_OPEN, lambda _m: acquire._TAG_CLOSE, limit)) == _spans_of(old, text)


@given(st.lists(st.sampled_from(["<title>", "</title>", "<TITLE x>", "</TiTlE", "a", "<", ">", "\n"]), max_size=30).map("".join))
def test_title_equals_the_bounded_regex(text: str) -> None:
    old = re.compile(r"<title[^<>]{0,200}>(.{0,2000}?)</title", re.I | re.S)
    new = next(acquire._spans(text, acquire._TITLE_OPEN, lambda _m: acquire._TITLE_CLOSE, 2000), None)
    m = old.search(text)
    assert new == ((m.start(), m.start(1), m.end(1), m.end()) if m else None)


_blocks_text = st.lists(
    st.sampled_from(["<script>", "</script>", "<style a=1>", "</style >", "<SCRIPT>", "</Script\n>", "<scriptx>", "x", "<", ">", "\n"]),
    max_size=25,
).map("".join)


@given(_blocks_text)
def test_script_blocks_equal_the_backreference_regex(text: str) -> None:
    old = re.compile(r"<(script|style)\b[^<>]{0,2000}>(.*?)</\1\s*>", re.S | re.I)
    assert list(acquire._blocks(text)) == [(m.start(), m.start(2), m.end(2), m.end()) for m in old.finditer(text)]


_OLD_JS_STRING = re.compile(
    r"""'((?:[^'\\\n]|\\.)*+)(?:'|$)|"((?:[^"\\\n]|\\.)*+)(?:"|$)|`((?:[^`\\]|\\.)*+)(?:`|\Z)""", re.M | re.S
)


@given(st.text(alphabet="'\"`\\a \n", max_size=60))
def test_js_string_literals_unchanged_unless_the_input_ends_in_a_backslash(code: str) -> None:
    assume(not code.endswith("\\"))
    old = [(m.span(), m.groups()) for m in _OLD_JS_STRING.finditer(code)]
    assert [(m.span(), m.groups()) for m in acquire._JS_STRING.finditer(code)] == old


def test_js_literal_ending_in_a_backslash_is_one_unterminated_literal() -> None:
    assert acquire.script_strings("x = 'Warning: call now'; y = 'a\\'b") == "Warning: call now"
    assert acquire.script_strings("'a\\" * 20000) == ""


def test_js_start_reads_comments_once() -> None:
    assert acquire._JS_START.match("/* header */\n// note\nconst x = 1")
    assert acquire._JS_START.match("/**//**/ /* a * b */ import x from 'y'")
    assert not acquire._JS_START.match("/* unterminated const x")
    start = time.monotonic()
    assert not acquire._JS_START.match("/**/" * 5000 + "<html>")
    assert time.monotonic() - start < 1.0


# --- signals and phones --------------------------------------------------------------------------------

_attrs = st.text(alphabet="ab:-._=\"' >{}`\n", max_size=60)


@given(_attrs)
def test_brand_attribute_names_unchanged(tag: str) -> None:
    old = re.compile(r"""([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
    assert [(m.span(), m.groups()) for m in brands._ATTR.finditer(tag)] == [(m.span(), m.groups()) for m in old.finditer(tag)]


@given(_attrs)
def test_form_attribute_names_unchanged(tag: str) -> None:
    old = re.compile(r"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|\{\s*["'`]([^"'`]*)["'`]\s*\}|([^\s"'>{}]+))""")
    assert [(m.span(), m.groups()) for m in forms._ATTR.finditer(tag)] == [(m.span(), m.groups()) for m in old.finditer(tag)]


@given(st.lists(st.sampled_from(["http://", "tel:", "a", "?", "&", "#", "=", "_", " ", "\n", "x", "1"]), max_size=30).map("".join))
def test_urls_in_phone_text_unchanged(text: str) -> None:
    old = re.compile(r"(?:https?://|tel:|callto:)\S+|\S*[?#&][A-Za-z0-9_]{1,20}=\S+")
    assert phones._URL_IN_TEXT.findall(text) == old.findall(text)
    assert phones._URL_IN_TEXT.sub(" ", text) == old.sub(" ", text)


# the phrase patterns as they were (before their leading digit runs were bounded)
_OLD_PHRASE_PATTERNS = [
    r"\d[\d,]*\s?個の(?:システムの)?(?:問題|ウイルス|脅威|エラー|感染|マルウェア)",
    r"\d[\d,]*\s?件の(?:深刻な|重大な|危険な)?(?:脅威|問題|ウイルス|エラー|リスク|感染)",
    r"\d[\d,]*\+? (?:dangerous |serious |critical |malicious |harmful |potential )?(?:viruses|threats|infections|infected files|security risks|malware infections|trojans|spyware infections)(?![a-z])",
    r"\d[\d,]* (?:virus|threat|infection|trojan|malware|spyware|adware)(?: was| has been)? (?:found|detected)",
    r"\d[\d,]* (?:problems|issues|errors|items)(?: have been| were| was)? (?:found|detected|identified)",
    r"\d[\d,]* (?:virus|vírus)(?: ?!| (?:ont été|han sido|fueron|sono stati|foram|wurden|zostały))",
    r"\d[\d,]* (?:viren|bedrohungen|probleme|menaces|problèmes|amenazas|problemas|minacce|problemi|wirus\w*|zagrożeń|zagrożenia|ameaças|vírus)(?![a-z])",
    r"\d+ (?:seconds?|minutes?) (?:left|remaining|before)",
    r"(?:0x|ox)(?=[0-9a-z]*[0-9])[0-9a-z]{4,12}(?![0-9a-z])",
]
_phrase_text = st.lists(
    st.sampled_from(["0", "7", "12", "1,234", ",", " ", "a", "x", "個の", "件の", "問題", "viruses", "virus", "threats",
                     "found", "detected", "problems", "were", "seconds", "left", "wurden", "wirusów", "ox", "0x", "8007", "!"]),
    max_size=25,
).map("".join)  # fmt: skip


@given(_phrase_text)
def test_phrase_patterns_find_what_they_found(text: str) -> None:
    """The signal keeps matches that start at a word edge: those are unchanged (numbers up to 16 characters)."""
    assume(all(len(run) <= 16 for run in re.findall(r"[\d,]+", text)))
    # a number glued to a word with a comma in it ("viruses1,234 viruses"): the old search consumed it
    # from its first digit (no edge: nothing kept), the edge-first one finds the part after the comma
    assume(not re.search(r"[^\W\d_][\d,]*,\d", text))
    compiled = {p.regex.pattern: p.regex for p in scare_text.MATCHER.patterns}
    for old_src in _OLD_PHRASE_PATTERNS:
        new_src = (
            old_src.replace(r"\d[\d,]*", r"\d[\d,]{0,15}")
            .replace(r"\d+ (", r"\d{1,16} (")
            .replace("(?=[0-9a-z]*[0-9])", "(?=[0-9a-z]{0,12}[0-9])")
        )
        new = compiled[scare_text._edge_first(scare_text._pattern(new_src))]  # as phrases.toml has it now
        old = re.compile(scare_text._pattern(old_src))
        keep = lambda rx_: [m.span() for m in rx_.finditer(text) if scare_text.edge_ok(text, m.start())]  # noqa: E731
        assert keep(new) == keep(old), (old_src, text)


# --- RE2 (scamscope.rx) for the triage patterns it runs -----------------------------------------------


_log = st.lists(
    st.sampled_from(["Connected", "connected", " ", "\t", "\u3000", "\xa0", "x", "\n", "OnDownloadRequest", "OnUploadRequest", "=>", "{",
                     "}", "\"a\":1", "y"]),
    max_size=30,
).map("".join)  # fmt: skip


@given(_log)
def test_re2_patterns_match_like_python(line: str) -> None:
    old_start = re.compile(r"^(?:(?P<name>[^\n]+?)\s+)?Connected\b", re.IGNORECASE)
    old_ftc = re.compile(r"(?P<method>OnUploadRequest|OnUploadFileCPRequest|OnDownloadRequest)\b.*?=>\s*(?P<json>\{.*\})")
    for old, new in ((old_start, screenconnect.PATTERNS.start), (old_ftc, splashtop.RE_FTC_JSON)):
        a, b = old.search(line), new.search(line)
        assert (a and (a.span(), a.groupdict())) == (b and (b.span(), b.groupdict()))


def test_rx_gives_python_meaning_to_classes() -> None:
    assert rx.compile(r"a\sb").search("a\u3000b")
    assert rx.compile(r"\d+").search("x٣٤").group() == "٣٤"
    assert rx.compile(r"^\w+$").search("wirusów")
    assert rx.compile(r"[^\s,]+").findall("a,b\u3000c") == ["a", "b", "c"]
    assert rx.compile(r"x\Z").search("x\n") is None
    assert rx.compile(r"b").search("a\ud800b").span() == (2, 3)  # a lone surrogate keeps offsets
    with pytest.raises(ValueError):
        rx.compile(r"[\S]")


# --- detection knowledge compiled into regexes --------------------------------------------------------

FLOOD = 20_000
FLOOD_BOUND_S = 0.5  # per pattern and flood; linear patterns take a few ms here, the old quadratic ones 1.5-8 s


def _knowledge_patterns() -> list[tuple[str, re.Pattern[str]]]:
    out = [(f"phrases {p.family}", p.regex) for p in scare_text.MATCHER.patterns]
    out += [(f"lockin {r.id}", r.rx) for r in lockin.RULES.values()]
    out += [(f"brand logo {b.name}", b.logo) for b in brands.BRANDS if b.logo is not None]
    k = phones.knowledge()
    out += [("phone placeholder digits", p) for p in k.placeholder_digits] + [("phone placeholder text", k.placeholder_text)]
    return out


def _floods(pattern: str) -> list[str]:
    chars = sorted({c for c in pattern if not c.isalnum() and c not in "()[]?*+|^$.{}\\"} | set("0 \n-,a<'\"\\"))
    words = sorted(set(re.findall(r"[A-Za-z]{3,}", pattern)))[:8]
    return chars + [a + b for a in "0a ," for b in chars] + [w + s for w in words for s in (" ", "", "(", "=")]


@pytest.mark.parametrize("name,pattern", [pytest.param(n, p, id=n) for n, p in _knowledge_patterns()])
def test_knowledge_pattern_is_linear_on_floods(name: str, pattern: re.Pattern[str]) -> None:
    for unit in _floods(pattern.pattern):
        text = unit * (FLOOD // len(unit))
        start = time.monotonic()
        pattern.findall(text)
        elapsed = time.monotonic() - start
        assert elapsed < FLOOD_BOUND_S, f"{name}: {elapsed:.2f} s on a flood of {unit!r}"
