"""Live capture of a URL in real headless Chromium (Debian's ``chromium``, driven by Playwright).

Scam pages attack the browser: they hang the renderer, flood history, loop dialogs and spawn
worker bombs. The browser therefore lives in a *worker process* (its own process group) that
captures many pages at once, each in a fresh browser context, with Playwright's asyncio API:

* every page has its own time budget inside the worker; when it runs out, the page's context is
  closed, which kills its renderer process, and whatever was observed so far is kept;
* the worker streams what it observes (behaviour events, redirects, screenshots, the DOM) to the
  parent as soon as it has it, tagged with the capture's id;
* if the worker itself stops answering (a wedged driver or browser), the parent kills its whole
  process tree (driver and Chromium, which lives in a session of its own), starts a new worker and
  retries the other pages that were in flight once.

Every connection the browser makes goes through one egress guard (:mod:`scamscope.proxy`, a
mitmproxy addon running in the worker as Chromium's proxy): navigations, each redirect hop,
subresources, WebSockets, beacons, prefetches and the re-fetch of downloads. It applies
:mod:`scamscope.netguard`'s rules (no loopback, private or metadata addresses unless
``allow_private`` or ``allow_hosts``), connects only to addresses it vetted, and reports each
refusal to the page that asked (each context has its own proxy credentials). Downloads are
cancelled and recorded, never opened.

With ``CaptureOptions(record=True)`` the same proxy also keeps the page's HTTP exchanges
(:mod:`scamscope.proxy.recorder`, bodies capped) and streams them to the parent with the rest
(``Capture.exchanges``), for :func:`scamscope.live.warc.save_warc`. Off by default, and then
nothing is copied.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import multiprocessing as mp
import os
import queue
import re
import shutil
import signal
import tempfile
import threading
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
    "--disable-breakpad",  # no crashpad handler: it would outlive a killed browser, outside its process tree
    "--disable-crash-reporter",
    "--no-first-run",
    "--mute-audio",
    "--autoplay-policy=no-user-gesture-required",
    # no spare renderer: each page gets a fresh context, so a renderer started ahead for "the next
    # navigation" is rarely used and costs a process start per page
    "--disable-features=Translate,MediaRouter,OptimizationHints,SpareRendererForSitePerProcess",
    # WebRTC may not open UDP (or TCP) sockets of its own: only through the proxy, i.e. the guard
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--webrtc-ip-handling-policy=disable_non_proxied_udp",
]
LAUNCH_ARGS += os.environ.get("SCAMSCOPE_CHROMIUM_ARGS", "").split()  # extra switches, for experiments
INSTRUMENT_JS = Path(__file__).with_name("instrument.js")
FLUSH_GLOBAL = "__ssq_k7m2x"  # instrument.js: flush() sends the final counts
GATE_KEYS = ("Enter", "Escape", "F12", "Control+Shift+I")
# URLs that are neither fetched over the network (the egress proxy sees those) nor local (data:,
# blob:, about:): recorded as refused by a route in the page's context, never fetched
NON_NETWORK_URL = re.compile(r"^(?!(?:https?|wss?|data|blob|about):)", re.IGNORECASE)
MAX_MESSAGES = 5000  # per page, from the worker
MAX_TEXT = 2_000_000
MAX_DOWNLOAD_HASH = 20 * 1024 * 1024
LAUNCH_TIMEOUT_S = 60.0
GRACE_S = 6.0  # after the budget, before the parent decides the worker is wedged and kills it
CLOSE_TIMEOUT_S = 4.0  # closing a page's context (kills its renderer)
SCREENSHOT_TIMEOUT_S = 3.0

# Waits are adaptive: at least MIN, then until the page has been quiet (no behaviour event, no
# new request) for QUIET, at most MAX milliseconds.
SETTLE_MS = (150, 150, 500)  # after "load": timers that draw the warning, start the siren
AFTER_CLICK_MS = (200, 200, 800)  # after the click gate: the lock-in it arms
UNLOAD_MS = 300  # after asking the page to close: an unload trap shows its prompt

# Elements whose pixels are not DOM text: only these regions of the screenshot need OCR.
REGIONS_JS = """() => {
  const out = [], W = innerWidth, H = innerHeight;
  const pick = el => {
    const r = el.getBoundingClientRect();
    const x = Math.max(0, r.left), y = Math.max(0, r.top);
    const w = Math.min(W, r.right) - x, h = Math.min(H, r.bottom) - y;
    if (w < 40 || h < 12) return;
    const s = getComputedStyle(el);
    if (s.visibility === 'hidden' || s.display === 'none' || +s.opacity === 0) return;
    out.push([Math.round(x), Math.round(y), Math.round(w), Math.round(h)]);
  };
  const els = document.querySelectorAll('img,canvas,svg,video,object,embed,input[type=image],*');
  let n = 0;
  for (const el of els) {
    if (++n > 5000 || out.length > 60) break;
    const tag = el.tagName.toLowerCase();
    if (['img', 'canvas', 'svg', 'video', 'object', 'embed', 'input'].includes(tag)) { pick(el); continue; }
    const bg = getComputedStyle(el).backgroundImage;
    if (bg && bg.includes('url(')) pick(el);
  }
  return out;
}"""


@dataclass
class CaptureOptions:
    profile: str = DEFAULT_PROFILE
    referrer: str | None = None
    budget_s: float = 15.0
    allow_private: bool = False
    allow_hosts: tuple[str, ...] = ()  # HOST or HOST:PORT origins admitted whatever they resolve to (local test servers)
    click_gate: bool = True
    ocr: str = "auto"  # screenshot OCR: auto (image regions only), full, off (see scamscope.live.page)
    record: bool = False  # keep every HTTP exchange of the page (Capture.exchanges), for a WARC (scamscope.live.warc)
    rendered_script: bool = False  # the page is scamscope's wrapper around a kit script (scamscope.live.render)


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
    image_regions: list[list[int]] = field(default_factory=list)  # [x, y, w, h] of images/canvas/backgrounds
    errors: list[str] = field(default_factory=list)
    load_error: str | None = None  # the page itself could not be loaded (net::ERR_..., HTTP-level failure)
    timed_out: bool = False
    killed: bool = False  # the whole browser had to be killed (the worker stopped answering)
    seconds: float = 0.0
    started_at: float = 0.0  # when the capture began (seconds since the epoch)
    options: dict[str, Any] = field(default_factory=dict)  # the CaptureOptions it was made with
    # with ``CaptureOptions(record=True)``: the exchanges the egress proxy forwarded for this page,
    # in the order they ended (see scamscope.proxy.recorder.Exchange), and what the recording cut
    exchanges: list[dict[str, Any]] = field(default_factory=list, repr=False)
    recording: dict[str, Any] | None = None
    # with $SCAMSCOPE_STAGE_CPU set: CPU seconds of the capture worker's process tree spent in each
    # stage of the capture (meaningful with one page at a time: benchmarks/live_cpu_stages.py)
    stages: dict[str, float] = field(default_factory=dict, repr=False)

    def apply(self, kind: str, payload: Any) -> None:
        """Fold one message from the worker into the capture."""
        if kind == "event":
            self.events.append(payload)
        elif kind == "screenshot":
            name, data = payload
            self.screenshots[name] = data
        elif kind in ("html", "text", "title", "final_url", "load_error"):
            setattr(self, kind, payload)
        elif kind == "redirects":
            self.redirects = payload
        elif kind == "regions":
            self.image_regions = payload
        elif kind == "timed_out":
            self.timed_out = True
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
        elif kind == "exchange":
            self.exchanges.append(payload)
        elif kind == "recording":
            self.recording = payload
        elif kind == "stages":
            self.stages = payload


def _first_line(exc: BaseException, limit: int = 200) -> str:
    text = str(exc)
    return text.splitlines()[0][:limit] if text else type(exc).__name__


# --- the worker process -------------------------------------------------------------------------


def _worker_main(conn: Connection, confdir: str) -> None:
    """Own a browser; capture requested URLs concurrently, streaming observations back on ``conn``.

    ``confdir``: a private folder for the egress proxy's CA (the parent removes it)."""
    os.setsid()  # own process group: the parent can kill us with the driver and Chromium
    try:
        asyncio.run(_worker(conn, confdir))
    except Exception as exc:  # report, then let the parent restart us
        try:
            conn.send((None, "fatal", _first_line(exc)))
        except OSError:
            pass


class _Egress:
    """The worker's egress proxy and the pages it reports refusals (and, when asked, exchanges) to."""

    def __init__(self, loop: asyncio.AbstractEventLoop, confdir: str) -> None:
        from scamscope.proxy import EgressGuard, ProxyRunner, Recorder

        self.loop = loop
        self.pages: dict[str, _PageState] = {}
        self.guard = EgressGuard(on_refusal=self._on_refusal, on_upstream_error=self._on_upstream_error)
        self.recorder = Recorder(self.guard.tag_of)  # idle (one dict lookup per hook) unless a page records
        self.runner = ProxyRunner([self.guard, self.recorder], confdir)
        self.server = ""

    def start(self) -> None:
        self.server = f"http://127.0.0.1:{self.runner.start()}"

    def _on_refusal(self, tag: str | None, record: dict[str, Any]) -> None:  # on the proxy's thread
        self.loop.call_soon_threadsafe(self._deliver, tag, record)

    def _deliver(self, tag: str | None, record: dict[str, Any]) -> None:
        state = self.pages.get(tag or "")
        if state is not None:
            state.touch()
            state.send("blocked", record)

    def record(self, tag: str) -> None:
        """Send each exchange of ``tag`` to its page as it ends (see :meth:`finish_recording`)."""
        self.recorder.watch(tag, lambda exchange: self.loop.call_soon_threadsafe(self._deliver_exchange, tag, exchange))

    def _deliver_exchange(self, tag: str, exchange: dict[str, Any]) -> None:
        state = self.pages.get(tag)
        if state is not None:
            state.send("exchange", exchange)

    async def finish_recording(self, tag: str) -> None:
        """Stop recording ``tag``; its exchanges still on their way, then the summary, reach its page."""
        summary = self.recorder.finish(tag)
        await asyncio.sleep(0)  # the exchanges handed over before finish() are delivered now
        state = self.pages.get(tag)
        if state is not None and summary is not None:
            state.send("recording", summary)

    def _on_upstream_error(self, tag: str | None, failure: dict[str, str]) -> None:  # on the proxy's thread
        self.loop.call_soon_threadsafe(self._note_failure, tag, failure)

    def _note_failure(self, tag: str | None, failure: dict[str, str]) -> None:
        state = self.pages.get(tag or "")
        if state is not None and len(state.upstream_errors) < 200:
            state.upstream_errors[failure["url"]] = failure["error"]


async def _worker(conn: Connection, confdir: str) -> None:
    from playwright.async_api import async_playwright

    loop = asyncio.get_running_loop()
    inbox: asyncio.Queue[Any] = asyncio.Queue()
    egress = _Egress(loop, confdir)
    await asyncio.to_thread(egress.start)

    def reader() -> None:  # blocking pipe reads stay off the event loop
        while True:
            try:
                msg = conn.recv()
            except (EOFError, OSError):
                msg = None
            loop.call_soon_threadsafe(inbox.put_nowait, msg)
            if msg is None:
                return

    threading.Thread(target=reader, daemon=True).start()
    async with async_playwright() as pw:
        # the browser-wide proxy is a fallback with no credentials: whatever does not come from a
        # capture's context gets 407 and reaches nothing
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS, proxy={"server": egress.server})
        closing = False

        def on_disconnected(_browser: Any) -> None:
            if not closing:  # Chromium crashed: let the parent restart us and retry the pages in flight
                try:
                    conn.send((None, "fatal", "the browser crashed"))
                finally:
                    os._exit(1)

        browser.on("disconnected", on_disconnected)
        conn.send((None, "ready", browser.version))
        tasks: set[asyncio.Task[None]] = set()
        while True:
            msg = await inbox.get()
            if msg is None:
                break
            cid, request = msg
            task = asyncio.create_task(_run_one(browser, egress, conn, cid, request))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        closing = True
        for task in list(tasks):
            task.cancel()
        await browser.close()
    egress.runner.stop()


class _PageState:
    """What a capture task shares with its event handlers."""

    def __init__(self, conn: Connection, cid: int) -> None:
        self.conn = conn
        self.cid = cid
        self.sent = 0
        self.context: Any = None
        self.upstream_errors: dict[str, str] = {}  # url -> net::ERR_... the egress proxy met (the browser sees none)
        self.last_activity = time.monotonic()
        self.closed = asyncio.Event()
        self.stages: dict[str, float] | None = {} if os.environ.get("SCAMSCOPE_STAGE_CPU") else None
        self._stage_cpu = tree_cpu_seconds(os.getpid()) if self.stages is not None else 0.0

    def stage(self, name: str) -> None:
        """Charge the CPU the worker's tree used since the previous mark to ``name`` (profiling only)."""
        if self.stages is not None:
            now = tree_cpu_seconds(os.getpid())
            self.stages[name] = round(self.stages.get(name, 0.0) + now - self._stage_cpu, 4)
            self._stage_cpu = now

    def send(self, kind: str, payload: Any) -> None:
        # exchanges have a bound of their own (scamscope.proxy.recorder.MAX_EXCHANGES)
        if self.sent < MAX_MESSAGES or kind in ("screenshot", "html", "text", "title", "final_url", "redirects", "regions", "timed_out", "done", "exchange", "recording", "stages"):
            self.sent += 1
            try:
                self.conn.send((self.cid, kind, payload))
            except (OSError, ValueError):
                pass

    def touch(self) -> None:
        self.last_activity = time.monotonic()

    async def quiet(self, timing: tuple[int, int, int], left_ms: float) -> None:
        """Wait at least ``min``, then until ``quiet`` ms passed without activity, at most ``max`` (and the budget)."""
        lo, quiet, hi = timing
        hi = max(0.0, min(hi, left_ms))
        start = time.monotonic()
        await asyncio.sleep(min(lo, hi) / 1000)
        while (time.monotonic() - start) * 1000 < hi:
            idle = (time.monotonic() - self.last_activity) * 1000
            if idle >= quiet:
                return
            await asyncio.sleep(min(quiet - idle, hi - (time.monotonic() - start) * 1000) / 1000 + 0.005)


async def _run_one(browser: Any, egress: _Egress, conn: Connection, cid: int, request: dict[str, Any]) -> None:
    """Capture one page within its budget; close its context whatever happened; then say ``done``."""
    from scamscope.netguard import Policy

    opts = CaptureOptions(**request["options"])
    state = _PageState(conn, cid)
    tag = f"c{cid}"
    try:
        egress.pages[tag] = state
        if opts.record:
            egress.record(tag)
        egress.guard.allow(tag, Policy.of(opts.allow_private, opts.allow_hosts))
        proxy = {"server": egress.server, "username": tag, "password": egress.guard.secret}
        await asyncio.wait_for(_capture(browser, state, request["url"], opts, proxy), timeout=opts.budget_s)
    except TimeoutError:
        state.send("timed_out", True)
        state.send("error", f"page overran its {opts.budget_s:g} s budget: its renderer was closed")
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        state.send("error", f"capture: {_first_line(exc)}")
    finally:
        if state.context is not None:
            try:  # closing the context kills the page's renderer, hung or not
                await asyncio.wait_for(state.context.close(), timeout=CLOSE_TIMEOUT_S)
            except Exception as exc:
                state.send("error", f"closing the page: {_first_line(exc)}")
        state.stage("close")
        if state.stages is not None:
            state.send("stages", state.stages)
        egress.guard.forget(tag)
        if opts.record:
            await egress.finish_recording(tag)
        egress.pages.pop(tag, None)
        state.send("done", None)


async def _capture(browser: Any, state: _PageState, url: str, opts: CaptureOptions, proxy: dict[str, str]) -> None:  # noqa: C901 - one linear script
    from playwright.async_api import Error as PlaywrightError

    profile = PROFILES.get(opts.profile, PROFILES[DEFAULT_PROFILE])
    start = time.monotonic()
    send = state.send

    headers = {"Accept-Language": profile.accept_language} if profile.accept_language else {}
    context = state.context = await browser.new_context(
        user_agent=profile.user_agent,
        locale=profile.locale,
        timezone_id=profile.timezone,
        viewport={"width": profile.width, "height": profile.height},
        screen={"width": profile.width, "height": profile.height},
        accept_downloads=True,
        ignore_https_errors=True,
        service_workers="block",
        extra_http_headers=headers,
        proxy=proxy,  # the egress guard; the credentials name this capture
    )
    # Events travel as tagged console messages: a Playwright binding would hand the page a user
    # gesture on every call, letting it go fullscreen or lock keys without any click.
    await context.add_init_script(script="window.__scamscope_transport = 'console';")
    await context.add_init_script(path=str(INSTRUMENT_JS))

    async def on_other_scheme(route: Any) -> None:
        target = route.request.url
        scheme = urlsplit(target).scheme or "?"
        try:
            if route.request.is_navigation_request():  # 204 cancels it: no error page
                send("blocked", {"url": target[:500], "reason": f"scheme {scheme} not fetched", "kind": "navigation", "navigation": True})
                await route.fulfill(status=204, body=b"")
            else:
                send("blocked", {"url": target[:500], "reason": f"scheme {scheme} not fetched", "kind": route.request.resource_type})
                await route.abort("blockedbyclient")
        except PlaywrightError:
            pass  # the page or context went away meanwhile

    await context.route(NON_NETWORK_URL, on_other_scheme)
    context.on("request", lambda _r: state.touch())
    page = await context.new_page()
    state.stage("context")
    context.on("page", lambda p: asyncio.ensure_future(_on_popup(p, send)))
    page.on("dialog", lambda d: asyncio.ensure_future(_on_dialog(d, state)))
    page.on("console", lambda m: _on_console(m.text, state))
    page.on("response", lambda r: _on_response(r, send))
    page.on("download", lambda d: asyncio.ensure_future(_on_download(d, context, send)))
    page.on("close", lambda _p: state.closed.set())
    page.on("framenavigated", lambda f: send("navigation", f.url[:2000]) if f == page.main_frame else None)

    budget_ms = opts.budget_s * 1000

    def left_ms() -> float:
        return budget_ms - (time.monotonic() - start) * 1000

    response = None
    last_error = ""
    try:
        response = await page.goto(url, wait_until="load", timeout=max(2000.0, budget_ms * 0.5), referer=opts.referrer)
    except PlaywrightError as exc:
        last_error = _upstream_cause(_first_line(exc), state.upstream_errors)
        send("error", f"navigation: {last_error}")
    state.stage("load")
    if response is not None:
        send("redirects", await _redirect_chain(response))
    if (response is None and _net_error(last_error)) or page.url.startswith("chrome-error://"):
        # Chromium's own error page (it even has a game with Web Audio): nothing of the site
        send("load_error", _net_error(last_error) or "the page could not be loaded")
        return

    await state.quiet(SETTLE_MS, left_ms() - 4000)
    state.stage("settle")
    shots = _Screenshots(context, page)
    await shots.take("before", send)
    state.stage("screenshot")
    if opts.click_gate and left_ms() > 3000:
        try:  # click and press keys like a person would: many kits arm their lock-in then,
            # and a victim tries Escape, DevTools and the context menu to get out
            await page.mouse.click(profile.width // 2, profile.height // 2)
            for key in GATE_KEYS:
                await page.keyboard.press(key)
            await page.mouse.click(profile.width // 2, profile.height // 2, button="right")
        except PlaywrightError as exc:
            send("error", f"click gate: {_first_line(exc)}")
        state.touch()
        await state.quiet(AFTER_CLICK_MS, left_ms() - 2500)
        state.stage("click_gate")
        await shots.take("after", send)
        state.stage("screenshot")
    send("final_url", page.url)
    if page.url.startswith("chrome-error://"):  # the page navigated to an address that failed to load
        send("error", "the page navigated to an address that could not be loaded: only what was seen before is scored")
        return
    try:
        send("title", (await page.title())[:1000])
        send("html", (await page.content())[:MAX_TEXT])
        texts = []
        for frame in page.frames[:20]:
            try:
                texts.append(await frame.evaluate("() => document.body ? document.body.innerText : ''") or "")
            except PlaywrightError:
                continue
        send("text", "\n".join(texts)[:MAX_TEXT])
        try:
            send("regions", await page.evaluate(REGIONS_JS))
        except PlaywrightError as exc:
            send("error", f"image regions: {_first_line(exc)}")
        # final counts; console events reach us before the evaluation's answer
        await page.evaluate(f"() => {{ const k = window.{FLUSH_GLOBAL}; if (k && k.flush) k.flush(); }}")
        state.stage("read")
        # leaving the page, as a victim would: an unload trap shows its "leave site?" prompt
        await page.close(run_before_unload=True)
        try:
            await asyncio.wait_for(state.closed.wait(), timeout=min(UNLOAD_MS, max(0, left_ms())) / 1000)
        except TimeoutError:
            pass
        state.stage("unload")
    except PlaywrightError as exc:
        send("error", f"reading the page: {_first_line(exc)}")


def _upstream_cause(message: str, upstream_errors: dict[str, str]) -> str:
    """Put back the network error the egress proxy met in a navigation error: the browser itself
    only saw the proxy close the connection (``net::ERR_EMPTY_RESPONSE`` or similar)."""
    seen = _net_error(message)
    _, _, where = message.partition(" at ")
    cause = upstream_errors.get(where.strip())
    return message.replace(seen, cause) if seen and cause else message


def _net_error(message: str) -> str:
    """The net::ERR_... code of a Playwright navigation error, if any."""
    for word in message.split():
        if word.startswith("net::ERR_"):
            return word
    return ""


async def _redirect_chain(response: Any) -> list[dict[str, Any]]:
    chain = []
    req = response.request
    hops = []
    while req is not None:
        hops.append(req)
        req = req.redirected_from
    for r in reversed(hops):
        resp = await r.response() if r.redirected_to is not None else response
        chain.append({"url": r.url[:2000], "status": resp.status if resp else None, "kind": "http"})
    return chain


class _Screenshots:
    """The viewport as PNG, straight from DevTools with fast encoding, through one session per page
    (opened on the first shot; it ends with the page's context).

    Playwright's ``page.screenshot`` compresses the PNG hard in the browser process and adds its own
    steps (fonts, caret, animations): twice per page that was about 0.2 CPU-seconds
    (benchmarks/live_cpu_stages.py). The pixels are the same; the file is larger.
    """

    def __init__(self, context: Any, page: Any) -> None:
        self.context, self.page, self.session = context, page, None

    async def take(self, name: str, send: Any) -> None:
        try:
            if self.session is None:
                self.session = await asyncio.wait_for(self.context.new_cdp_session(self.page), timeout=SCREENSHOT_TIMEOUT_S)
            shot = await asyncio.wait_for(
                self.session.send("Page.captureScreenshot", {"format": "png", "optimizeForSpeed": True}), timeout=SCREENSHOT_TIMEOUT_S
            )
            send("screenshot", (name, base64.b64decode(shot["data"])))
        except Exception as exc:  # a hung renderer cannot be photographed
            reason = "timed out" if isinstance(exc, TimeoutError) else _first_line(exc, 160)
            send("error", f"screenshot {name}: {reason}")


def _on_response(response: Any, send: Any) -> None:
    """HTTP basic-auth traps: the login prompt's realm carries the scam text and number."""
    if response.status == 401:
        realm = response.headers.get("www-authenticate", "")
        if realm:
            send("auth_prompt", {"url": response.url[:500], "realm": realm[:1000]})


def _on_console(text: str, state: _PageState) -> None:
    from scamscope.live.behaviour import parse_console

    event = parse_console(text)
    if event is not None:
        state.touch()
        state.send("event", event)
    else:
        state.send("console", text[:300])


async def _on_dialog(dialog: Any, state: _PageState) -> None:
    state.touch()
    state.send("dialog", {"kind": dialog.type, "message": dialog.message[:500]})
    if dialog.type == "beforeunload":  # the page held up its own closing
        state.send("event", {"type": "beforeunload", "detail": {"via": "prompted", "message": dialog.message[:200], "count": 1}, "t": 0, "top": True})
    try:  # "leave" an unload prompt: a page held open by a dismissed prompt can crash Chromium when its context closes
        await (dialog.accept() if dialog.type == "beforeunload" else dialog.dismiss())
    except Exception:
        pass


async def _on_popup(popup: Any, send: Any) -> None:
    send("popup", popup.url[:2000])
    try:
        await popup.close()
    except Exception:
        pass


async def _on_download(download: Any, context: Any, send: Any) -> None:
    """Record a download without keeping or opening it: name, type, size and SHA-256 of the bytes.

    The bytes are fetched again with the context's request client, through the context's proxy:
    the egress guard vets the URL and each redirect hop, as for the page."""
    from scamscope.proxy import REFUSED_HEADER

    info: dict[str, Any] = {"url": download.url[:2000], "name": download.suggested_filename[:300]}
    try:
        await download.cancel()
    except Exception:
        pass
    if download.url.startswith(("http://", "https://")):
        try:
            resp = await context.request.get(download.url, timeout=5000, max_redirects=3)
            body = await resp.body()
            if REFUSED_HEADER in resp.headers:
                info["error"] = f"refused by the egress guard: {resp.url[:300]} (see the blocked requests)"
            elif len(body) <= MAX_DOWNLOAD_HASH:
                info.update(size=len(body), sha256=hashlib.sha256(body).hexdigest(), type=resp.headers.get("content-type", ""))
        except Exception as exc:
            info["error"] = _first_line(exc, 160)
    send("download", info)


# --- the parent side ----------------------------------------------------------------------------


def _proc_table() -> dict[int, tuple[int, int, str]]:
    """pid -> (parent pid, process group, state) of every process, from /proc."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 2:
            table[int(entry.name)] = (int(fields[1]), int(fields[2]), fields[0])
    return table


def tree_members(root: int) -> list[int]:
    """Live (not zombie) processes descending from ``root``, ``root`` included.

    Playwright starts Chromium in a session of its own, so the worker's process group does not
    hold the browser: killing must follow the process tree.
    """
    table = _proc_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _pg, _st) in table.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        if pid in table and table[pid][2] != "Z":
            found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def tree_cpu_seconds(root: int) -> float:
    """CPU seconds (user + system, reaped children included) of ``root`` and its live descendants."""
    ticks = 0
    for pid in tree_members(root):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        ticks += sum(int(x) for x in stat[stat.rfind(")") + 2 :].split()[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


def kill_tree(root: int, timeout: float = 5.0) -> bool:
    """SIGKILL ``root``, everything below it and their process groups; wait until none is left."""
    table = _proc_table()
    pids = set(tree_members(root))
    groups = {table[p][1] for p in pids if p in table} | {root}
    end = time.monotonic() + timeout
    while True:
        for pg in groups:
            try:
                os.killpg(pg, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        live = {p for p, (_pp, pg, st) in _proc_table().items() if st != "Z" and (p in pids or pg in groups)}
        if not live or time.monotonic() >= end:
            return not live
        pids |= live
        time.sleep(0.05)


class _Worker:
    """One worker process and the thread that hands its messages to the captures waiting for them."""

    def __init__(self, ctx: Any, confdir: str) -> None:
        parent, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, confdir), daemon=True)
        self.proc.start()
        child.close()
        self.conn = parent
        self.version = ""
        self.send_lock = threading.Lock()
        self.inboxes: dict[int, queue.Queue[tuple[str, Any]]] = {}
        self.dead = False
        if not parent.poll(LAUNCH_TIMEOUT_S):
            self.kill()
            raise RuntimeError("the browser did not start within 60 s")
        try:
            _cid, kind, payload = parent.recv()
        except (EOFError, OSError, ValueError, TypeError):
            kind, payload = "fatal", "the worker process exited"
        if kind != "ready":
            self.kill()
            raise RuntimeError(f"the browser did not start: {payload}")
        self.version = str(payload)
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        while True:
            try:
                cid, kind, payload = self.conn.recv()
            except (EOFError, OSError, ValueError, TypeError):
                break
            if cid is None:  # a worker-wide message: "fatal"
                if kind == "fatal":
                    break
                continue
            box = self.inboxes.get(cid)
            if box is not None:
                box.put((kind, payload))
        self.dead = True
        for box in list(self.inboxes.values()):
            box.put(("worker_gone", None))

    def submit(self, cid: int, url: str, options: CaptureOptions) -> queue.Queue[tuple[str, Any]]:
        box: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.inboxes[cid] = box
        with self.send_lock:
            self.conn.send((cid, {"url": url, "options": options.__dict__}))
        return box

    def alive(self) -> bool:
        return not self.dead and self.proc.is_alive()

    def kill(self) -> None:
        """Kill the worker with its driver and Chromium; reap it and wait for the group to be gone."""
        self.dead = True
        kill_tree(self.proc.pid)
        self.proc.join(10)
        try:
            self.conn.close()
        except OSError:
            pass
        for box in list(self.inboxes.values()):
            box.put(("worker_gone", None))

    def close(self) -> None:
        if self.alive():
            try:
                with self.send_lock:
                    self.conn.send(None)
                self.proc.join(10)
            except (OSError, ValueError):
                pass
        self.kill()


class LiveCapturer:
    """Captures URLs with one shared browser in a killable worker process.

    Thread-safe: ``--jobs N`` runs N threads that share one capturer, so up to N pages are open at
    once, each in its own browser context. Use as a context manager.
    """

    def __init__(self) -> None:
        self._ctx = mp.get_context("spawn")
        self._lock = threading.Lock()
        self._worker: _Worker | None = None
        self._ids = itertools.count(1)
        self._confdir: str | None = None  # the egress proxy's CA, private to this capturer
        self.browser_version = ""

    def __enter__(self) -> LiveCapturer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def worker_pid(self) -> int | None:
        """Process (and process group) id of the current worker, if one runs."""
        w = self._worker
        return w.proc.pid if w is not None and w.alive() else None

    def _current(self) -> _Worker:
        with self._lock:
            if self._worker is None or not self._worker.alive():
                if self._worker is not None:
                    self._worker.kill()
                if self._confdir is None:
                    self._confdir = tempfile.mkdtemp(prefix="scamscope-egress-")
                self._worker = _Worker(self._ctx, self._confdir)
                self.browser_version = self._worker.version
            return self._worker

    def _kill(self, worker: _Worker) -> None:
        with self._lock:
            worker.kill()
            if self._worker is worker:
                self._worker = None

    def close(self) -> None:
        with self._lock:
            if self._worker is not None:
                self._worker.close()
                self._worker = None
            if self._confdir is not None:
                shutil.rmtree(self._confdir, ignore_errors=True)
                self._confdir = None

    def capture(self, url: str, options: CaptureOptions | None = None) -> Capture:
        """Capture ``url`` within ``options.budget_s`` (plus a short grace), whatever the page does."""
        opts = options or CaptureOptions()
        started, wall = time.monotonic(), time.time()
        result = self._attempt(url, opts, started)
        if result is None:  # the browser died under another page: start over once on a new one
            result = self._attempt(url, opts, time.monotonic()) or Capture(url=url, errors=["the browser died twice"], killed=True)
            result.errors.insert(0, "the browser was restarted while this page loaded: captured again")
        result.seconds = round(time.monotonic() - started, 3)
        result.options = dict(opts.__dict__)
        result.started_at = wall
        return result

    def _attempt(self, url: str, opts: CaptureOptions, started: float) -> Capture | None:
        """One try. ``None`` when the worker died for a reason other than this page overrunning."""
        result = Capture(url=url)
        try:
            worker = self._current()
        except (RuntimeError, OSError) as exc:
            result.errors.append(str(exc))
            return result
        cid = next(self._ids)
        try:
            box = worker.submit(cid, url, opts)
        except (OSError, ValueError):
            self._kill(worker)
            return None
        deadline = started + opts.budget_s + GRACE_S
        try:
            while True:
                try:
                    kind, payload = box.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:  # the worker did not finish this page in time: it is wedged
                    result.timed_out = result.killed = True
                    result.errors.append(f"page overran its {opts.budget_s:g} s budget and the browser stopped answering: browser killed and restarted")
                    self._kill(worker)
                    return result
                if kind == "done":
                    return result
                if kind == "worker_gone":
                    if result.timed_out or time.monotonic() >= deadline - GRACE_S:
                        result.killed = True
                        result.errors.append("the browser process died: restarted")
                        return result
                    return None
                result.apply(kind, payload)
        finally:
            worker.inboxes.pop(cid, None)
