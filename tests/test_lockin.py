"""Lock-in and alarm code in page source: scamscope.signals.lockin.

Small pages written here pin each behaviour (hostile use, obfuscated forms, benign look-alikes
that must stay silent or weak); real samples from ../shared/corpus check it on kits and on the
benign pages that use the same APIs legitimately.
"""

from __future__ import annotations

import re
import statistics
import time

import pytest

from scamscope.acquire import build_page, page_from_file
from scamscope.data import load
from scamscope.signals import lockin
from scamscope.types import Evidence, Page
from tests.conftest import CORPUS, corpus_file, from_earlier_holdout, require_shared

STRONG = 0.8  # "this is lock-in"
WEAK = 0.45  # at most this for benign look-alikes


def page(js: str = "", body: str = "<p>hello</p>", head: str = "") -> Page:
    script = f"<script>{js}</script>" if js else ""
    return build_page(f"<!doctype html><html><head><title>t</title>{head}{script}</head><body>{body}</body></html>")


def signals(p: Page) -> dict[str, Evidence]:
    evidence = lockin.run(p).evidence
    names = [e.signal for e in evidence]
    assert len(names) == len(set(names)), f"a signal was emitted twice: {names}"
    return {e.signal: e for e in evidence}


def ev(p: Page, name: str) -> Evidence:
    found = signals(p)
    assert f"lockin.{name}" in found, f"lockin.{name} not emitted; got {sorted(found)}"
    return found[f"lockin.{name}"]


def absent_or_weak(p: Page, name: str, limit: float = WEAK) -> None:
    e = signals(p).get(f"lockin.{name}")
    assert e is None or e.strength <= limit, f"lockin.{name} too strong: {e}"


def absent(p: Page, name: str) -> None:
    e = signals(p).get(f"lockin.{name}")
    assert e is None, f"lockin.{name} should not fire: {e}"


# --- module contract ---------------------------------------------------------------------------


def test_name_and_signal_names_are_coarse_and_stable() -> None:
    assert lockin.NAME == "lockin"
    for name in lockin.SIGNALS:
        assert re.fullmatch(r"lockin\.[a-z_]+", name)
    for rule in lockin.RULES.values():
        assert rule.signal == "" or rule.signal in lockin.SIGNALS, rule.id


def test_data_file_rules_have_description_and_provenance() -> None:
    data = load("lockin")
    sources = data["sources"]
    for key in (
        "ipa-2018",
        "ddf",
        "whatwg-fullscreen",
        "wicg-keyboard-lock",
        "w3c-pointer-lock",
        "html-beforeunload",
        "html-history",
        "web-speech",
        "kits",
    ):
        assert key in sources
    for entry in data["rule"]:
        assert entry["description"].strip(), entry["id"]
        assert entry["provenance"] and all(p in sources for p in entry["provenance"]), entry["id"]
        assert entry["patterns"], entry["id"]


def test_evidence_shape() -> None:
    p = page(
        "document.addEventListener('click', function(){ document.documentElement.requestFullscreen(); "
        "navigator.keyboard.lock(); document.body.requestPointerLock(); });" + "x = 1; " * 100
    )
    found = signals(p)
    assert found
    for e in found.values():
        assert 0 < e.strength <= 1
        assert len(e.excerpt) <= 120
        assert e.source in ("script", "html", "text")
        assert e.detail and e.detail[0].islower()


def test_empty_and_plain_pages_are_silent() -> None:
    assert signals(page()) == {}
    # plain text is prose, not code: API names in it are not lock-in
    assert signals(build_page("Just some text about requestFullscreen and keyboard lock.", kind="text")) == {}
    e = ev(build_page("Do you want to leave this page? Call 1-800-000-0000 now.", kind="text"), "exit_popup")
    assert e.source == "text" and e.strength <= 0.5


# --- fullscreen ----------------------------------------------------------------------------------------


def test_fullscreen_on_any_click_is_strong() -> None:
    p = page(
        'addEventListener("click", function() { var el = document.documentElement, '
        "rfs = el.requestFullScreen || el.webkitRequestFullScreen || el.mozRequestFullScreen; rfs.call(el); });"
    )
    e = ev(p, "fullscreen")
    assert e.strength >= STRONG
    assert e.source == "script"
    assert "requestFullScreen" in e.excerpt


def test_fullscreen_from_a_named_function_bound_to_document_click() -> None:
    p = page(
        "var elem = document.documentElement; function openFullscreen() { if (elem.requestFullscreen) "
        "{ elem.requestFullscreen(); } else if (elem.msRequestFullscreen) { elem.msRequestFullscreen(); } }"
        "document.addEventListener('click', openFullscreen);"
    )
    assert ev(p, "fullscreen").strength >= STRONG


@pytest.mark.parametrize(
    "js",
    [
        "document.onclick = function(){ document['documentElement']['requestFullscreen'](); };",
        "document.onclick = function(){ document.documentElement['\\x72equestFullscreen'](); };",
        "document.onclick = function(){ document.documentElement['\\u0072equestFullscreen'](); };",
        "document.onclick = function(){ document.body['request' + 'Fullscreen'](); };",
    ],
)
def test_fullscreen_obfuscated_forms(js: str) -> None:
    assert ev(page(js), "fullscreen").strength >= STRONG


def test_fullscreen_user_toggle_on_f11_is_weak() -> None:
    p = page(
        "document.addEventListener('keydown', function(event) { if (event.key === 'F11') { event.preventDefault(); "
        "if (!document.fullscreenElement) { document.documentElement.requestFullscreen(); } else { document.exitFullscreen(); } } });"
    )
    absent_or_weak(p, "fullscreen", 0.35)
    absent_or_weak(p, "key_block", 0.35)


def test_fullscreen_of_a_video_from_its_button_is_weak() -> None:
    p = page("playerButton.addEventListener('click', function(){ video.requestFullscreen(); });")
    absent_or_weak(p, "fullscreen")


def test_fullscreen_api_in_comments_is_ignored() -> None:
    p = page(
        "// document.documentElement.requestFullscreen();\n/* navigator.keyboard.lock();\n el.requestPointerLock(); */ var x = 1;"
    )
    assert signals(p) == {}
    p = page("<!-- document.documentElement.requestFullscreen();-->\nvar y = 2;")
    absent(p, "fullscreen")


def test_fullscreen_churn_reenters_on_fullscreenchange() -> None:
    p = page(
        "function go(){ document.documentElement.requestFullscreen(); } document.addEventListener('click', go);"
        "document.addEventListener('fullscreenchange', function(){ if (!document.fullscreenElement) go(); });"
    )
    assert ev(p, "fullscreen_churn").strength >= STRONG


def test_fullscreen_churn_by_synthetic_clicks_on_a_timer() -> None:
    p = page(
        "addEventListener('click', function(){ document.documentElement.requestFullscreen(); });"
        "setInterval(function(){ document.body.click(); }, 500);"
    )
    assert ev(p, "fullscreen_churn").strength >= STRONG


def test_fullscreenchange_that_only_logs_is_not_churn() -> None:
    p = page(
        "btn.onclick = function(){ document.documentElement.requestFullscreen(); };"
        "document.addEventListener('fullscreenchange', function(){ console.log('changed'); });"
    )
    absent(p, "fullscreen_churn")


# --- keyboard / pointer lock ----------------------------------------------------------------------------


def test_keyboard_lock_all_keys() -> None:
    e = ev(page("navigator.keyboard.lock();"), "keyboard_lock")
    assert e.strength >= STRONG
    assert "keyboard.lock" in e.excerpt


def test_keyboard_lock_lists_the_keys() -> None:
    e = ev(page("navigator.keyboard.lock(['Escape', 'F11']);"), "keyboard_lock")
    assert e.strength >= STRONG and "Escape" in e.detail
    game = ev(page("navigator.keyboard.lock(['KeyW', 'KeyA', 'KeyS', 'KeyD']);"), "keyboard_lock")
    assert game.strength < e.strength


def test_keyboard_lock_bracket_and_escaped_forms() -> None:
    assert ev(page("navigator['keyboard']['lock']();"), "keyboard_lock").strength >= STRONG
    assert ev(page("navigator['keyboard']['\\x6cock']();"), "keyboard_lock").strength >= STRONG


def test_pointer_lock_on_mouse_movement_is_strong() -> None:
    p = page(
        "$(document).mousemove(function(){ var c = document.getElementById('mycanvas'); c.requestPointerLock(); });"
    )
    assert ev(p, "pointer_lock").strength >= STRONG


def test_pointer_lock_of_a_game_canvas_on_click_is_weak() -> None:
    p = page(
        "canvas.addEventListener('click', function(){ canvas.requestPointerLock = canvas.requestPointerLock || "
        "canvas.mozRequestPointerLock; canvas.requestPointerLock(); });"
    )
    absent_or_weak(p, "pointer_lock")


# --- beforeunload ------------------------------------------------------------------------------------------


def test_beforeunload_that_reopens_the_page_is_strongest() -> None:
    p = page("window.addEventListener('beforeunload', function (e) { window.open(window.location.href, '_blank'); });")
    assert ev(p, "beforeunload").strength == 1.0


def test_beforeunload_with_message_is_strong_and_dirty_form_guard_is_weak() -> None:
    hostile = ev(
        page("window.onbeforeunload = function(){ return 'Call Windows Defender Helpline Now'; };"), "beforeunload"
    )
    guard = ev(
        page(
            "var dirty = false; form.addEventListener('input', function(){ dirty = true; });"
            "window.addEventListener('beforeunload', function(e){ if (dirty) { e.preventDefault(); e.returnValue = ''; } });"
        ),
        "beforeunload",
    )
    assert hostile.strength >= 0.7
    assert guard.strength <= 0.3


def test_beforeunload_check_of_an_undefined_function_is_not_a_real_condition() -> None:
    # kits copy MDN's example without defining data_needs_saving(): the prompt is unconditional
    p = page(
        "window.onbeforeunload = function() { if (data_needs_saving()) { return 'Call Windows Defender Helpline Now'; } else { return; } };"
    )
    assert ev(p, "beforeunload").strength >= 0.7


def test_beforeunload_body_attribute() -> None:
    e = ev(build_page('<html><body onbeforeunload="return myFunction()"><p>x</p></body></html>'), "beforeunload")
    assert e.source == "html"
    assert 0.5 <= e.strength < 0.8


def test_plain_unload_cleanup_is_silent() -> None:
    absent(
        page("window.addEventListener('unload', function(){ navigator.sendBeacon('/log', data); });"), "beforeunload"
    )


# --- history ----------------------------------------------------------------------------------------------------


def test_history_pushstate_in_a_loop_is_a_flood() -> None:
    p = page("!(function(){ var t; try { for (t = 0; 10 > t; ++t) history.pushState({}, '', '#'); } catch (o) {} })();")
    e = ev(p, "history_flood")
    assert e.strength >= STRONG and "10" in e.detail


def test_history_pushstate_on_a_timer_is_a_flood() -> None:
    assert (
        ev(page("setInterval(function(){ history.pushState(0, 0, Math.random()); }, 200);"), "history_flood").strength
        >= STRONG
    )


def test_back_button_trap() -> None:
    p = page(
        "window.onload = function() { window.history.pushState(null, '', window.location.href); "
        "window.onpopstate = function() { window.history.pushState(null, '', window.location.href); }; };"
    )
    assert ev(p, "history_flood").strength >= STRONG


def test_spa_routing_pushstate_is_not_a_flood() -> None:
    p = page(
        "link.onclick = function(e){ e.preventDefault(); history.pushState({page: 2}, '', '/p2'); render(2); };"
        "window.addEventListener('popstate', function(e){ render(e.state && e.state.page); });"
    )
    absent(p, "history_flood")
    absent(page("window.history.replaceState({}, '', '/');"), "history_flood")


# --- keys, mouse, cursor --------------------------------------------------------------------------------------


def test_key_block_swallowing_every_key() -> None:
    e = ev(page("document.onkeydown = function (a) { return !1; };"), "key_block")
    assert e.strength == 1.0


def test_key_block_ie_attach_event_f5_esc() -> None:
    p = page(
        'document.attachEvent("onkeydown", win_onkeydown_handler); function win_onkeydown_handler() { switch (event.keyCode) { '
        "case 116: event.returnValue = !1; event.keyCode = 0; break; case 27: event.returnValue = !1, event.keyCode = 0 } }"
    )
    e = ev(p, "key_block")
    assert e.strength >= STRONG and "Esc" in e.detail and "F5" in e.detail


def test_key_block_devtools_shortcuts() -> None:
    p = page(
        "document.addEventListener('keydown', function(e){ if (e.keyCode == 123 || (e.ctrlKey && e.shiftKey && e.keyCode == 73) "
        "|| (e.ctrlKey && e.keyCode == 85)) { e.preventDefault(); return false; } });"
    )
    e = ev(p, "key_block")
    assert e.strength >= 0.75 and "F12" in e.detail


def test_key_handlers_of_games_and_editors_are_silent() -> None:
    absent(
        page(
            "document.addEventListener('keydown', function(e){ if (e.key === 'ArrowLeft' || e.key === ' ') { e.preventDefault(); move(e.key); } });"
        ),
        "key_block",
    )
    absent(
        page(
            "document.addEventListener('keydown', function(e){ if ((e.ctrlKey || e.metaKey) && e.key === 's') { e.preventDefault(); save(); } });"
        ),
        "key_block",
    )


def test_escape_closing_a_panel_is_weak() -> None:
    p = page(
        "panel.addEventListener('keydown', (event) => { if (event.keyCode == 27) { hidePanel(); event.preventDefault(); } });"
    )
    absent_or_weak(p, "key_block", 0.4)


def test_contextmenu_block_page_wide_and_mouse_buttons() -> None:
    e = ev(build_page('<html><body oncontextmenu="return false"><p>x</p></body></html>'), "contextmenu_block")
    assert e.strength >= STRONG and e.source == "html"
    p = page(
        "function mousehandler(a) { a = isNS ? a : event; a = isNS ? a.which : a.button; if (2 == a || 3 == a) return !1 }"
        "document.onmousedown = mousehandler;"
    )
    assert ev(p, "contextmenu_block").strength >= STRONG
    assert (
        ev(page("$(document).bind('contextmenu', function(e){ return false; });"), "contextmenu_block").strength
        >= STRONG
    )


def test_contextmenu_block_on_one_canvas_is_weak() -> None:
    absent_or_weak(
        build_page('<html><body><canvas oncontextmenu="event.preventDefault()"></canvas></body></html>'),
        "contextmenu_block",
        0.3,
    )


def test_cursor_none_on_body_is_strong_on_a_game_element_weak() -> None:
    assert ev(page(head="<style>body { cursor: none; }</style>"), "cursor_none").strength >= STRONG
    assert ev(page(head="<style>html, body{cursor:none}</style>"), "cursor_none").strength >= STRONG
    assert ev(page("document.body.style.cursor = 'none';"), "cursor_none").strength >= STRONG
    absent_or_weak(page(head="<style>#game-canvas { cursor: none }</style>"), "cursor_none", 0.3)


def test_cursor_hidden_while_idle_and_restored_is_weak() -> None:
    p = page(
        "function hideCursor(){ deck.style.cursor = 'none'; } function showCursor(){ deck.style.cursor = ''; }"
        "document.addEventListener('mousemove', showCursor);"
    )
    absent_or_weak(p, "cursor_none", 0.3)


def test_cursor_none_in_style_attributes_of_many_elements() -> None:
    body = "".join(f'<div style="cursor:none">{i}</div>' for i in range(4))
    e = ev(page(body=body), "cursor_none")
    assert e.source == "html" and e.strength >= STRONG


# --- sound and voice --------------------------------------------------------------------------------------------


def test_audio_element_autoplay_loop() -> None:
    e = ev(build_page("<html><body><audio src='siren.mp3' autoplay loop></audio></body></html>"), "audio_alarm")
    assert e.strength >= 0.9 and e.source == "html" and "siren.mp3" in e.detail


def test_muted_background_video_is_silent() -> None:
    absent(
        build_page("<html><body><video src='bg.mp4' autoplay muted loop playsinline></video></body></html>"),
        "audio_alarm",
    )
    p = page("var v = document.createElement('video'); v.muted = true; v.setAttribute('loop', ''); v.play();")
    absent_or_weak(p, "audio_alarm", 0.3)


def test_audio_replayed_on_a_timer() -> None:
    e = ev(page("setInterval(function() { document.getElementById('pridez').play(); }, 500);"), "audio_alarm")
    assert e.strength == 1.0 and "500" in e.detail


def test_audio_looping_and_started_on_first_click() -> None:
    p = page(
        "var e = document.createElement('audio'); e.setAttribute('src', 'ai2.mp3');"
        "e.addEventListener('ended', function(){ this.play(); }, !1); $(document).click(function(){ e.play(); });"
    )
    assert ev(p, "audio_alarm").strength >= STRONG


def test_audio_in_comment_is_ignored() -> None:
    absent(
        build_page("<html><body><!-- <audio src='a.mp3' autoplay loop></audio> --><p>x</p></body></html>"),
        "audio_alarm",
    )


def test_speech_synthesis_voice() -> None:
    p = page(
        "var u = new SpeechSynthesisUtterance('Your computer is infected. Call now.'); window.speechSynthesis.speak(u);"
    )
    assert ev(p, "speech").strength >= STRONG
    p = page(
        "var u = new SpeechSynthesisUtterance('Warning'); u.lang = 'ja-JP'; setInterval(function(){ speechSynthesis.speak(u); }, 5000);"
    )
    assert ev(p, "speech").strength == 1.0


# --- dialogs and windows ----------------------------------------------------------------------------------------


def test_alert_loop_and_timer() -> None:
    assert (
        ev(page("for (var i = 0; i < 500; i++) { alert('Your computer is blocked'); }"), "dialog_loop").strength == 1.0
    )
    assert ev(page("setInterval(function(){ confirm('Call support now?'); }, 1000);"), "dialog_loop").strength >= STRONG
    assert ev(page("function nag(){ alert('Virus!'); nag(); } nag();"), "dialog_loop").strength >= STRONG


def test_alert_repeated_in_a_row() -> None:
    assert ev(page("alert('Warning!'); alert('Warning!'); alert('Warning!');"), "dialog_loop").strength >= 0.6


def test_form_validation_alerts_are_not_a_loop() -> None:
    js = (
        "function send(){ if (!name) { alert('お名前を入力してください'); return; } if (!email) { alert('メールアドレスを入力してください'); return; }"
        " if (!msg) { alert('メッセージを入力してください'); return; } }"
        "document.addEventListener('fullscreenchange', function(){ alert('fullscreenchange'); });"
        "document.addEventListener('webkitfullscreenchange', function(){ alert('fullscreenchange'); });"
        "document.addEventListener('mozfullscreenchange', function(){ alert('fullscreenchange'); });"
    )
    absent(page(js), "dialog_loop")


def test_basic_auth_dialog_loop_in_server_code() -> None:
    p = build_page(
        "<?php header('WWW-Authenticate: Basic realm=\"Windows Defender Helpline 0120\"'); header('HTTP/1.0 401 Unauthorized');"
        ' header("Refresh: 0; url=index.php"); ?>'
    )
    assert ev(p, "dialog_loop").strength >= STRONG


def test_window_resized_to_cover_the_screen() -> None:
    p = page(
        "window.onload = function() { window.moveTo(0, 0); window.resizeTo(screen.availWidth, screen.availHeight) };"
    )
    assert ev(p, "window_resize").strength >= STRONG


def test_canvas_moveto_is_not_a_window() -> None:
    absent(page("ctx.beginPath(); ctx.moveTo(0, 0); ctx.lineTo(10, 10); path.moveTo(3, 4);"), "window_resize")
    absent(page("class Pen { moveTo(x, y) { this.x = x; } } function resizeTo(w, h) { box.w = w; }"), "window_resize")


def test_popup_flood() -> None:
    assert (
        ev(
            page("for (var i = 0; i < 50; i++) { window.open('https://x.example/', '_blank'); }"), "window_resize"
        ).strength
        >= STRONG
    )
    absent(
        page("document.getElementById('share').onclick = function(){ window.open(url, '_blank'); };"), "window_resize"
    )


# --- freezing --------------------------------------------------------------------------------------------------


def test_worker_bomb_from_blob_urls() -> None:
    p = page(
        "const blob = new Blob([`while (true) {}`], { type: 'application/javascript' }); const u = URL.createObjectURL(blob);"
        "for (let i = 0; i < 1000000000000; i++) { const worker = new Worker(u); workers.push(worker); }"
    )
    e = ev(p, "freeze")
    assert e.strength == 1.0 and "Worker" in e.detail


def test_endless_loop_without_exit() -> None:
    assert (
        ev(
            page("function warning() { while (true) { console.log('warning'); } } setTimeout(warning, 13000);"),
            "freeze",
        ).strength
        >= 0.7
    )
    absent(page("while (true) { var n = queue.shift(); if (!n) break; handle(n); }"), "freeze")
    absent(page("const worker = new Worker('/static/worker.js');"), "freeze")


# --- IP lookup, exit popups, notifications, tab flashing ----------------------------------------------------------------------


def test_ip_lookup_services() -> None:
    p = page(
        "var t = new XMLHttpRequest; t.onreadystatechange = function() { if (4 == this.readyState) { var a = JSON.parse(this.responseText);"
        " document.getElementById('ip_add').textContent = 'Address IP: ' + a.ip; document.getElementById('city').textContent = a.city; } };"
        ' t.open("GET", "https://ipwho.is/?lang=en", !0); t.send();'
    )
    e = ev(p, "ip_lookup")
    assert e.strength >= 0.9 and "ipwho.is" in e.detail
    assert ev(page("fetch('https://api.ipify.org?format=json').then(r => r.json());"), "ip_lookup").strength >= 0.7
    assert ev(page("$.getJSON('//extreme-ip-lookup.com/json/', cb);"), "ip_lookup")


def test_ip_service_named_in_prose_or_other_hosts_is_silent() -> None:
    absent(build_page("<html><body><p>Services such as ipinfo.io tell your IP address.</p></body></html>"), "ip_lookup")
    absent(page("fetch('https://ipwho.is.example.org/x');"), "ip_lookup")


def test_exit_intent_popup_with_leave_question() -> None:
    p = page(
        "addEvent(document, 'mouseout', function(evt) { if (evt.toElement == null && evt.relatedTarget == null) { $('.lightbox').slideDown(); } });",
        body="<div class='lightbox'>Do you want to leave this page?</div>",
    )
    assert ev(p, "exit_popup").strength >= 0.9


def test_exit_intent_without_the_question_is_moderate_and_rollovers_are_silent() -> None:
    p = page(
        "document.addEventListener('mouseleave', function(e){ if (e.clientY < 0) { modal.style.display = 'block'; } });"
    )
    assert 0.5 <= ev(p, "exit_popup").strength < 0.9
    rollover = build_page(
        "<html><body><img src='a.png' onmouseover=\"swap('b.png')\" onmouseout=\"swap('a.png')\"></body></html>"
    )
    absent(rollover, "exit_popup")


def test_leave_question_in_japanese_page_text() -> None:
    e = ev(page(body="<div id='gate'>このサイトを閉じますか？</div>"), "exit_popup")
    assert e.source == "text" and e.strength <= 0.5


def test_notification_permission_and_push() -> None:
    assert ev(page("Notification.requestPermission().then(function(p){});"), "notification_request")
    e = ev(page("reg.pushManager.subscribe({ userVisibleOnly: true });"), "notification_request")
    assert "push" in e.detail


def test_favicon_flip_on_a_timer() -> None:
    p = page(
        "var e = 1; setInterval(function() { document.getElementById('favicon').href = e ? 'a.png' : 'b.png'; e = !e; }, 1000);"
    )
    assert ev(p, "tab_flash")


def test_focus_stolen_back_on_a_tight_timer() -> None:
    assert ev(page("setInterval(function () { $('#name').focus(); }, 10);"), "focus_trap").strength >= 0.6


# --- anti-analysis ----------------------------------------------------------------------------------------------------------------------------


def test_debugger_trap() -> None:
    p = page(
        "(function a() { try { (function b(i) { if (('' + (i / i)).length !== 1 || i % 20 === 0) { (function () {}).constructor('debugger')(); }"
        " else { debugger; } b(++i); })(0); } catch (e) { setTimeout(a, 5); } })();"
    )
    assert ev(p, "anti_analysis").strength >= STRONG
    absent(page("function f(){ debugger; return 1; }"), "anti_analysis")


def test_md5_ip_user_agent_token_gate() -> None:
    p = build_page(
        '<?php $ip = $_SERVER["REMOTE_ADDR"]; $ua = $_SERVER["HTTP_USER_AGENT"]; $hash = md5($ip.$ua);'
        ' if ($hash !== $_GET["chq"]) { header("Location: https://decoy.example/"); exit; } ?><html><body>x</body></html>'
    )
    assert ev(p, "anti_analysis").strength >= STRONG


def test_referrer_allow_list_cloak() -> None:
    p = build_page(
        "<?php $referrer = $_SERVER['HTTP_REFERER'] ?? ''; $ref_host = parse_url($referrer, PHP_URL_HOST);"
        " if (!in_array($ref_host, $allowed_hosts)) { http_response_code(404); exit('404 Not Found'); } ?><html><body>x</body></html>"
    )
    assert ev(p, "anti_analysis").strength >= 0.7


def test_devtools_detection() -> None:
    p = page(
        "setInterval(function(){ if (window.outerWidth - window.innerWidth > 160) { document.body.innerHTML = ''; } }, 500);"
    )
    assert ev(p, "devtools_detect").strength >= 0.7


# --- robustness -------------------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "unit",
    [
        "a",
        "あ",
        "{",
        "/*",
        "'",
        "$(",
        "addEventListener(",
        "function a(){",
        "x=>{",
        "for (",
        "while(true){",
        "//ipwho.",
        "<audio ",
        "requestFullscreen(",
        "onkeydown=function(e){",
        "setInterval(function(){",
        "\\x41",
        "'a'+'b'",
        "2==a",
        "cursor:",
    ],
)
def test_adversarial_two_megabytes_is_linear(unit: str) -> None:
    text = (unit * (2_000_000 // len(unit) + 1))[:2_000_000]
    p = build_page(text, kind="script")
    start = time.perf_counter()
    lockin.run(p)
    assert time.perf_counter() - start < 3.0


# --- real samples (../shared/corpus) ----------------------------------------------------------------------------------------------------------


def run_file(name: str) -> dict[str, Evidence]:
    return signals(page_from_file(corpus_file(name)))


def test_corpus_tokyo_beforeunload_worker_bomb() -> None:
    found = run_file("324_jp-tokyo-beforeunload-worker-bomb.js")
    assert found["lockin.beforeunload"].strength == 1.0
    assert found["lockin.freeze"].strength == 1.0


def test_corpus_rahul_fullscreen_audio_loop() -> None:
    found = run_file("302_jp-rahul-nvidia-fullscreen-audio-loop.js")
    assert found["lockin.fullscreen"].strength >= STRONG
    assert found["lockin.audio_alarm"].strength >= 0.5
    assert "ai2.mp3" in found["lockin.audio_alarm"].detail


def test_corpus_keyblock_and_resize() -> None:
    found = run_file("305_jp-interesting-customone-keyblock-resize.js")
    assert found["lockin.key_block"].strength == 1.0
    assert found["lockin.window_resize"].strength >= STRONG
    assert found["lockin.contextmenu_block"].strength >= STRONG


def test_corpus_fullscreenchange_reclick_kit() -> None:
    found = run_file("124_kit-js-fullscreenchange-reclick-pointerlock-cursor-esc-message.js")
    for name in (
        "fullscreen",
        "fullscreen_churn",
        "keyboard_lock",
        "key_block",
        "contextmenu_block",
        "window_resize",
        "audio_alarm",
    ):
        assert found[f"lockin.{name}"].strength >= STRONG, name
    # the requestPointerLock call is commented out; only the pointer-lock state check remains
    assert found["lockin.pointer_lock"].strength <= 0.35


def test_corpus_bsod_pushstate_flood() -> None:
    found = run_file("397_en-bsod-2v7hg0tvb-136kb-pushstate.html")
    assert found["lockin.history_flood"].strength == 1.0
    assert "100000" in found["lockin.history_flood"].detail
    for name in ("fullscreen", "keyboard_lock", "beforeunload", "key_block", "ip_lookup", "cursor_none"):
        assert found[f"lockin.{name}"].strength >= 0.7, name


def test_corpus_benign_mdn_pointer_lock_demo_is_quiet() -> None:
    found = run_file("102_en-mdn-pointer-lock-demo.html")
    assert all(e.strength <= WEAK for e in found.values()), found


def test_corpus_benign_revealjs_is_quiet() -> None:
    found = run_file("104_en-revealjs-index.html")
    assert "lockin.history_flood" not in found
    assert all(e.strength <= WEAK for e in found.values()), found


def test_corpus_benign_minimal_beforeunload_is_weak() -> None:
    found = run_file("118_en-hiikezoe-beforeunload-minimal.html")
    assert found["lockin.beforeunload"].strength <= 0.4
    assert set(found) == {"lockin.beforeunload"}


def test_corpus_benign_keyboard_lock_spec_text_is_silent() -> None:
    found = run_file("331_en-wicg-keyboard-lock-spec.html")
    assert "lockin.keyboard_lock" not in found
    assert "lockin.fullscreen" not in found


def test_corpus_benign_games_stay_weak() -> None:
    for name in (
        "121_en-zetamaze-threejs-pointerlock-fullscreen.html",
        "330_en-bananabread-fps-game.html",
        "419_en-cannonjs-threejs-fps-demo.html",
    ):
        found = run_file(name)
        assert all(e.strength <= WEAK for e in found.values()), (name, found)


def _corpus_pages(label: str, *, holdout: bool = True) -> list[Page]:
    """The corpus pages of one label; ``holdout=False`` leaves out the earlier hold-out's (kit fragments)."""
    folder = require_shared(CORPUS / label)
    return [page_from_file(p) for p in sorted(folder.iterdir()) if p.is_file() and (holdout or not from_earlier_holdout(p.name))]


def test_corpus_recall_on_kits_and_quiet_on_benign_pages() -> None:
    """Recall on the kits the bars were set on (the earlier hold-out adds kit JavaScript without its
    page, where a lock-in may live in another file); quiet on every benign page, hold-out included."""
    scam = _corpus_pages("scam", holdout=False)
    benign = _corpus_pages("benign")

    def share(pages: list[Page], signal: str, at_least: float) -> float:
        hits = sum(
            1 for p in pages if any(e.signal == signal and e.strength >= at_least for e in lockin.run(p).evidence)
        )
        return hits / len(pages)

    for signal in (
        "lockin.fullscreen",
        "lockin.audio_alarm",
        "lockin.cursor_none",
        "lockin.contextmenu_block",
        "lockin.beforeunload",
    ):
        assert share(scam, signal, 0.5) > 0.5, signal
        assert share(benign, signal, 0.75) < 0.02, signal


def test_corpus_speed() -> None:
    pages = _corpus_pages("scam") + _corpus_pages("benign")
    for p in pages:
        lockin.run(p)
    times = []
    for p in pages:
        start = time.perf_counter()
        lockin.run(p)
        times.append(time.perf_counter() - start)
    assert statistics.median(times) < 0.005  # the whole page scan must stay < 5 ms p50; this signal is ~0.5 ms


def test_windowed_scan_finds_the_same_matches_as_a_full_regex_pass() -> None:
    texts = [
        "if(   2   ==   a   ||   3   ==   a   )   return   !1;  a.which ==3) return false; x.button===2&&e.preventDefault()",
        "document.addEventListener('click', f); $(document).on('click', g); body.onclick = h; onkeydown = function(){};",
        "history.pushState({}, '', '#'); el.webkitRequestFullScreen(); navigator.keyboard.lock(['Escape']);",
        "https://ipwho.is/?lang=en //api.ipify.org //ipwho.is.example.org <audio autoplay loop src='a.mp3'>",
    ]
    for text in texts:
        for rule in lockin.RULES.values():
            if rule.needles:
                windowed = [m.span() for m in lockin.scan(rule, text, 10**6)]
                assert windowed == [m.span() for m in rule.rx.finditer(text)], rule.id


def test_corpus_kit_with_junk_spacing() -> None:
    found = run_file("128_kit-js-keyblock-multilingual-junk-comments-obfuscation.js")
    assert found["lockin.key_block"].strength == 1.0
    assert found["lockin.contextmenu_block"].strength >= STRONG
    assert found["lockin.window_resize"].strength >= STRONG
