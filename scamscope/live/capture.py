"""Live capture of a URL in real headless Chromium (Debian's ``chromium``, driven by Playwright).

Scam pages attack the browser: they hang the renderer, flood history, loop dialogs and spawn
worker bombs. A hung renderer blocks Playwright calls such as ``evaluate`` for ever, so the time
budget is enforced one level up: a *worker process* owns the browser (shared by all pages, a fresh
context per page) and streams what it observes to the parent as soon as it has it - behaviour
events, redirects, screenshots, the DOM. When a page overruns its budget, the parent kills the
worker's whole process group (Playwright driver and Chromium included), starts a new one for the
next page, and still returns everything that arrived.

Every request the page makes goes through :mod:`scamscope.netguard` (no loopback, private or
metadata addresses unless ``allow_private``); downloads are cancelled and recorded, never opened.
"""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import os
import signal
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scamscope.live.profiles import DEFAULT_PROFILE, PROFILES

CHROMIUM = os.environ.get("SCAMSCOPE_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--mute-audio",
    "--autoplay-policy=no-user-gesture-required",
    "--disable-features=Translate,MediaRouter,OptimizationHints",
]
INSTRUMENT_JS = Path(__file__).with_name("instrument.js")
FLUSH_GLOBAL = "__ssq_k7m2x"  # instrument.js: flush() sends the final counts
GATE_KEYS = ("Enter", "Escape", "F12", "Control+Shift+I")
MAX_MESSAGES = 5000  # per page, from the worker
MAX_TEXT = 2_000_000
MAX_DOWNLOAD_HASH = 20 * 1024 * 1024
LAUNCH_TIMEOUT_S = 60.0
GRACE_S = 3.0  # after the budget, before the worker is killed
SETTLE_MS = 400  # after "load", for timers that draw the warning
AFTER_CLICK_MS = 800  # after the click gate, for the lock-in it arms


@dataclass
class CaptureOptions:
    profile: str = DEFAULT_PROFILE
    referrer: str | None = None
    budget_s: float = 15.0
    allow_private: bool = False
    click_gate: bool = True


@dataclass
class Capture:
    """What a live capture observed (possibly partial: see ``timed_out`` and ``errors``)."""

    url: str
    final_url: str | None = None
    title: str = ""
    html: str = ""
    text: str = ""
    redirects: list[dict[str, Any]] = field(default_factory=list)
    navigations: list[str] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    dialogs: list[dict[str, Any]] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    downloads: list[dict[str, Any]] = field(default_factory=list)
    blocked: list[dict[str, Any]] = field(default_factory=list)
    popups: list[str] = field(default_factory=list)
    auth_prompts: list[dict[str, Any]] = field(default_factory=list)
    screenshots: dict[str, bytes] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    load_error: str | None = None  # the page itself could not be loaded (net::ERR_..., HTTP-level failure)
    timed_out: bool = False
    killed: bool = False
    seconds: float = 0.0

    def apply(self, kind: str, payload: Any) -> None:
        """Fold one message from the worker into the capture."""
        if kind == "event":
            self.events.append(payload)
        elif kind == "screenshot":
            name, data = payload
            self.screenshots[name] = data
        elif kind in ("html", "text", "title", "final_url", "load_error"):
            setattr(self, kind, payload)
        elif kind in ("redirects",):
            self.redirects = payload
        elif kind == "navigation":
            # same-document navigations (pushState) fire too: keep changes only, bounded
            if (not self.navigations or self.navigations[-1] != payload) and len(self.navigations) < 50:
                self.navigations.append(payload)
        elif kind == "dialog":
            self.dialogs.append(payload)
        elif kind == "console":
            self.console.append(payload)
        elif kind == "download":
            self.downloads.append(payload)
        elif kind == "blocked":
            self.blocked.append(payload)
        elif kind == "popup":
            self.popups.append(payload)
        elif kind == "auth_prompt" and len(self.auth_prompts) < 20:
            self.auth_prompts.append(payload)
        elif kind == "error":
            self.errors.append(payload)


# --- the worker process -------------------------------------------------------------------------


def _worker_main(conn: Connection) -> None:
    """Own a browser; capture each requested URL, streaming observations back on ``conn``."""
    os.setsid()  # own process group: the parent can kill us with the driver and Chromium
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
            conn.send(("ready", browser.version))
            while True:
                try:
                    request = conn.recv()
                except EOFError:
                    break
                if request is None:
                    break
                _capture_one(browser, conn, request)
                conn.send(("done", None))
            browser.close()
    except Exception as exc:  # report, then let the parent restart us
        try:
            conn.send(("fatal", f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"))
        except OSError:
            pass


def _capture_one(browser: Any, conn: Connection, request: dict[str, Any]) -> None:  # noqa: C901 - one linear script
    from playwright.sync_api import Error as PlaywrightError

    from scamscope.netguard import RefusedURL, check_url

    url: str = request["url"]
    opts = CaptureOptions(**request["options"])
    profile = PROFILES.get(opts.profile, PROFILES[DEFAULT_PROFILE])
    start = time.monotonic()
    sent = 0

    def send(kind: str, payload: Any) -> None:
        nonlocal sent
        if sent < MAX_MESSAGES or kind in ("screenshot", "html", "text", "title", "final_url", "redirects"):
            sent += 1
            try:
                conn.send((kind, payload))
            except (OSError, ValueError):
                pass

    verdicts: dict[tuple[str, int | None], str | None] = {}

    def refusal(target: str) -> str | None:
        parts = urlsplit(target)
        if parts.scheme in ("data", "blob", "about"):
            return None
        if parts.scheme not in ("http", "https"):
            return f"scheme {parts.scheme or '?'} not fetched"
        key = (parts.hostname or "", parts.port)
        if key not in verdicts:
            try:
                check_url(target, allow_private=opts.allow_private)
                verdicts[key] = None
            except RefusedURL as exc:
                verdicts[key] = str(exc)
        return verdicts[key]

    headers = {"Accept-Language": profile.accept_language} if profile.accept_language else {}
    context = browser.new_context(
        user_agent=profile.user_agent,
        locale=profile.locale,
        timezone_id=profile.timezone,
        viewport={"width": profile.width, "height": profile.height},
        screen={"width": profile.width, "height": profile.height},
        accept_downloads=True,
        ignore_https_errors=True,
        service_workers="block",
        extra_http_headers=headers,
    )
    try:
        # Events travel as tagged console messages: a Playwright binding would hand the page a user
        # gesture on every call, letting it go fullscreen or lock keys without any click.
        context.add_init_script(script="window.__scamscope_transport = 'console';")
        context.add_init_script(path=str(INSTRUMENT_JS))

        def on_route(route: Any) -> None:
            target = route.request.url
            why = refusal(target)
            if why:
                send("blocked", {"url": target[:500], "reason": why})
                route.abort("blockedbyclient")
            else:
                route.continue_()

        context.route("**/*", on_route)
        page = context.new_page()
        context.on("page", lambda p: _on_popup(p, send))
        page.on("dialog", lambda d: _on_dialog(d, send))
        page.on("console", lambda m: _on_console(m.text, send))
        page.on("response", lambda r: _on_response(r, send))
        page.on("download", lambda d: _on_download(d, context, refusal, send))
        page.on(
            "framenavigated",
            lambda f: send("navigation", f.url[:2000]) if f == page.main_frame else None,
        )

        budget_ms = opts.budget_s * 1000
        nav_ms = max(2000.0, budget_ms * 0.5)
        response = None
        last_error = ""
        try:
            response = page.goto(url, wait_until="load", timeout=nav_ms, referer=opts.referrer)
        except PlaywrightError as exc:
            last_error = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
            send("error", f"navigation: {last_error}")
        if response is not None:
            send("redirects", _redirect_chain(response))
        if (response is None and _net_error(last_error)) or page.url.startswith("chrome-error://"):
            # Chromium's own error page (it even has a game with Web Audio): nothing of the site
            send("load_error", _net_error(last_error) or "the page could not be loaded")
            return

        def left_ms() -> float:
            return budget_ms - (time.monotonic() - start) * 1000

        page.wait_for_timeout(min(SETTLE_MS, max(0, left_ms() - 4000)))
        _screenshot(page, "before", send)
        if opts.click_gate and left_ms() > 3000:
            try:  # click and press keys like a person would: many kits arm their lock-in then,
                # and a victim tries Escape, DevTools and the context menu to get out
                page.mouse.click(profile.width // 2, profile.height // 2)
                for key in GATE_KEYS:
                    page.keyboard.press(key)
                page.mouse.click(profile.width // 2, profile.height // 2, button="right")
            except PlaywrightError as exc:
                send("error", f"click gate: {str(exc).splitlines()[0][:200]}")
            page.wait_for_timeout(min(AFTER_CLICK_MS, max(0, left_ms() - 2500)))
            _screenshot(page, "after", send)
        send("final_url", page.url)
        try:
            send("title", page.title()[:1000])
            send("html", page.content()[:MAX_TEXT])
            texts = []
            for frame in page.frames[:20]:
                try:
                    texts.append(frame.evaluate("() => document.body ? document.body.innerText : ''") or "")
                except PlaywrightError:
                    continue
            send("text", "\n".join(texts)[:MAX_TEXT])
            page.evaluate(f"() => {{ const k = window.{FLUSH_GLOBAL}; if (k && k.flush) k.flush(); }}")
            page.wait_for_timeout(100)
            # leaving the page, as a victim would: an unload trap shows its "leave site?" prompt
            page.close(run_before_unload=True)
            page.wait_for_timeout(300)
        except PlaywrightError as exc:
            send("error", f"reading the page: {str(exc).splitlines()[0][:200]}")
    finally:
        try:
            context.close()
        except Exception:  # the parent restarts the worker if the browser is broken
            pass


def _net_error(message: str) -> str:
    """The net::ERR_... code of a Playwright navigation error, if any."""
    for word in message.split():
        if word.startswith("net::ERR_"):
            return word
    return ""


def _redirect_chain(response: Any) -> list[dict[str, Any]]:
    chain = []
    req = response.request
    hops = []
    while req is not None:
        hops.append(req)
        req = req.redirected_from
    for r in reversed(hops):
        resp = r.response() if r.redirected_to is not None else response
        chain.append({"url": r.url[:2000], "status": resp.status if resp else None, "kind": "http"})
    return chain


def _screenshot(page: Any, name: str, send: Any) -> None:
    try:
        send("screenshot", (name, page.screenshot(type="png", timeout=3000, animations="disabled")))
    except Exception as exc:  # a hung renderer cannot be photographed
        send("error", f"screenshot {name}: {str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__}")


def _on_response(response: Any, send: Any) -> None:
    """HTTP basic-auth traps: the login prompt's realm carries the scam text and number."""
    if response.status == 401:
        realm = response.headers.get("www-authenticate", "")
        if realm:
            send("auth_prompt", {"url": response.url[:500], "realm": realm[:1000]})


def _on_console(text: str, send: Any) -> None:
    from scamscope.live.behaviour import parse_console

    event = parse_console(text)
    if event is not None:
        send("event", event)
    else:
        send("console", text[:300])


def _on_dialog(dialog: Any, send: Any) -> None:
    send("dialog", {"kind": dialog.type, "message": dialog.message[:500]})
    if dialog.type == "beforeunload":  # the page held up its own closing
        send("event", {"type": "beforeunload", "detail": {"via": "prompted", "message": dialog.message[:200], "count": 1}, "t": 0, "top": True})
    try:
        dialog.dismiss()
    except Exception:
        pass


def _on_popup(popup: Any, send: Any) -> None:
    send("popup", popup.url[:2000])
    try:
        popup.close()
    except Exception:
        pass


def _on_download(download: Any, context: Any, refusal: Any, send: Any) -> None:
    """Record a download without keeping or opening it: name, type, size and SHA-256 of the bytes."""
    info: dict[str, Any] = {"url": download.url[:2000], "name": download.suggested_filename[:300]}
    try:
        download.cancel()
    except Exception:
        pass
    if download.url.startswith(("http://", "https://")) and not refusal(download.url):
        try:
            resp = context.request.get(download.url, timeout=5000, max_redirects=3)
            body = resp.body()
            if len(body) <= MAX_DOWNLOAD_HASH:
                info.update(
                    size=len(body),
                    sha256=hashlib.sha256(body).hexdigest(),
                    type=resp.headers.get("content-type", ""),
                )
        except Exception as exc:
            info["error"] = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
    send("download", info)


# --- the parent side ----------------------------------------------------------------------------


def group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes of a process group, read from /proc."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 2 and fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(entry.name))
    return members


def wait_group_gone(pgid: int, timeout: float = 5.0) -> bool:
    """Wait until no live process of the group is left (killing stragglers again)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if not group_members(pgid):
            return True
        try:
            os.killpg(pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        time.sleep(0.05)
    return not group_members(pgid)



class LiveCapturer:
    """Captures URLs one at a time with a shared browser in a killable worker process.

    Use as a context manager; one instance per thread of work (``--jobs N`` runs N of them).
    """

    def __init__(self) -> None:
        self._ctx = mp.get_context("spawn")
        self._proc: Any = None
        self._conn: Connection | None = None
        self.browser_version = ""

    def __enter__(self) -> LiveCapturer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self) -> None:
        parent, child = self._ctx.Pipe()
        self._proc = self._ctx.Process(target=_worker_main, args=(child,), daemon=True)
        self._proc.start()
        child.close()
        self._conn = parent
        if not parent.poll(LAUNCH_TIMEOUT_S):
            self._kill()
            raise RuntimeError("the browser did not start within 60 s")
        try:
            kind, payload = parent.recv()
        except (EOFError, OSError):
            kind, payload = "fatal", "the worker process exited"
        if kind != "ready":
            self._kill()
            raise RuntimeError(f"the browser did not start: {payload}")
        self.browser_version = str(payload)

    def _kill(self) -> None:
        """Kill the worker with its driver and Chromium; reap it and wait for the group to be gone."""
        if self._proc is not None:
            pgid = self._proc.pid
            try:
                os.killpg(pgid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self._proc.join(10)
            wait_group_gone(pgid)
        if self._conn is not None:
            self._conn.close()
        self._proc = None
        self._conn = None

    def close(self) -> None:
        if self._conn is not None and self._proc is not None and self._proc.is_alive():
            try:
                self._conn.send(None)
                self._proc.join(10)
            except (OSError, ValueError):
                pass
        self._kill()

    def capture(self, url: str, options: CaptureOptions | None = None) -> Capture:
        """Capture ``url`` within ``options.budget_s`` (plus a short grace), whatever the page does."""
        opts = options or CaptureOptions()
        result = Capture(url=url)
        started = time.monotonic()
        try:
            if self._proc is None or not self._proc.is_alive():
                self._start()
        except (RuntimeError, OSError) as exc:
            result.errors.append(str(exc))
            return result
        assert self._conn is not None
        self._conn.send({"url": url, "options": opts.__dict__})
        deadline = started + opts.budget_s + GRACE_S
        while True:
            left = deadline - time.monotonic()
            try:
                ready = left > 0 and self._conn.poll(left)
            except (OSError, EOFError):
                ready = True  # the pipe broke: recv() below reports the dead worker
            if not ready:  # poll waited until the deadline: the page overran its budget
                result.timed_out = result.killed = True
                result.errors.append(f"page overran its {opts.budget_s:.0f} s budget: browser killed and restarted")
                self._kill()
                break
            try:
                kind, payload = self._conn.recv()
            except (EOFError, OSError):
                result.errors.append("the browser process died: restarted")
                result.killed = True
                self._kill()
                break
            if kind == "done":
                break
            if kind == "fatal":
                result.errors.append(f"browser failure: {payload}")
                self._kill()
                break
            result.apply(kind, payload)
        result.seconds = round(time.monotonic() - started, 3)
        return result
