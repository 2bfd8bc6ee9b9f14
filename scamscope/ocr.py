"""OCR of screenshots with Tesseract (Debian's ``tesseract-ocr`` with ``jpn`` and ``eng`` data).

A photo or screenshot of a fake warning is acquired as text: the recognised text is scored by the
same signals as a page's visible text. The image is passed on standard input and never written
anywhere.

Hostile images are expected (issue 9). Before Tesseract runs:

- the image's header is checked against the pixel limits of :mod:`scamscope.images` and refused
  at once when over them; otherwise it is decoded (first frame only), made grey, downscaled to at
  most 40 MP and re-encoded as PNG: Tesseract never decodes the input itself;
- at most :func:`ocr_slots` Tesseract processes run at once on the machine, across the threads
  and processes of every scamscope run of this user (:mod:`scamscope.slots`); waiting for a slot
  counts against the caller's ``timeout``, and decoding happens inside the slot too;
- Tesseract runs with one OpenMP thread, an address-space limit (:data:`MEMORY_LIMIT`, RLIMIT_AS),
  no core dumps and a CPU-time limit just above the time left. It is killed when the process that
  started it dies (util-linux ``setpriv --pdeathsig KILL``: a scan killed for its time budget
  takes its Tesseract with it), and it holds the slot with its parent (the slot's descriptor is
  passed to it), so no slot is freed while a Tesseract still runs.

In a long-lived analysis process (the workers of :class:`scamscope.bounded.StaticPool`, which call
:func:`enable_engine`) the image goes to a warm Tesseract instead (:mod:`scamscope.ocr_engine`: the
same library with the same settings, loaded once, under the same memory limit, killed with its
parent or at the deadline). Starting the ``tesseract`` program loads its models each time, about
0.25 CPU-seconds per image; the warm one reads a typical page's regions in about 0.03 s. Whatever the
warm engine cannot do (it died, it could not decode the image) is done again by the program, so
errors read the same either way.

Every failure is an :class:`OcrError` with a one-line message, never a traceback.
"""

from __future__ import annotations

import math
import os
import re
import resource
import select
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from scamscope import slots
from scamscope.images import ImageError, load_rgb, open_checked, prepare

LANGUAGES = ("jpn", "eng")
TIMEOUT_S = 60.0
MEMORY_LIMIT = 1 << 30  # bytes of address space for one Tesseract (40 MP dense with text: ~0.5 GB resident)
SLOTS_ENV = "SCAMSCOPE_OCR_SLOTS"  # how many Tesseract processes may run at once on this machine
INSTALL_HINT = "apt-get install tesseract-ocr tesseract-ocr-jpn tesseract-ocr-eng"
_OUT_OF_MEMORY = ("malloc fail", "out of memory", "bad_alloc", "cannot allocate")

# Tesseract separates Japanese characters with spaces ("お 使い の コン ピュー ター"): join them.
_CJK = r"[\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]"
_CJK_GAP = re.compile(rf"(?<={_CJK}) +(?={_CJK})")


class OcrError(Exception):
    """OCR could not run; the message is one line for the user."""


@dataclass(frozen=True)
class OcrResult:
    text: str
    languages: str  # what Tesseract was asked for, e.g. "jpn+eng"
    engine: str  # Tesseract's version line
    notes: tuple[str, ...] = field(default=())  # e.g. the image was downscaled, or animated


def ocr_slots() -> int:
    """Tesseract processes allowed at once: ``$SCAMSCOPE_OCR_SLOTS``, else the cores (at most 4)."""
    try:
        return max(1, int(os.environ.get(SLOTS_ENV, "")))
    except ValueError:
        return max(1, min(4, os.cpu_count() or 1))


@cache
def tesseract() -> tuple[str, str, frozenset[str]]:
    """(executable, version line, installed languages); raises OcrError when Tesseract is missing."""
    exe = shutil.which("tesseract")
    if not exe:
        raise OcrError(f"image input needs Tesseract OCR, which is not installed ({INSTALL_HINT})")
    try:
        version = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=20)
        langs = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise OcrError(f"cannot run Tesseract: {exc}") from None
    line = (version.stdout or version.stderr).splitlines()[0].strip() if (version.stdout or version.stderr) else "tesseract"
    installed = frozenset(x.strip() for x in langs.stdout.splitlines()[1:] if x.strip())
    return exe, line, installed


def clean(text: str) -> str:
    text = _CJK_GAP.sub("", text)
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def merge_passes(first: str, second: str) -> tuple[str, int]:
    """``first`` plus the lines of ``second`` it does not already hold (compared without spaces/case)."""
    have = {"".join(line.split()).lower() for line in first.splitlines()}
    added = [line for line in second.splitlines() if "".join(line.split()).lower() not in have and len(line.strip()) > 1]
    return ("\n".join([first, *added]) if first else "\n".join(added)), len(added)


def ocr_image(data: bytes, *, timeout: float = TIMEOUT_S) -> OcrResult:
    """Recognise the text in an image (PNG, JPEG, WebP, GIF, BMP) within ``timeout`` seconds.

    The time covers waiting for a slot, decoding and Tesseract. Raises :class:`OcrError`.
    """
    deadline = time.monotonic() + timeout
    exe, engine, installed = tesseract()
    langs = [lang for lang in LANGUAGES if lang in installed]
    if not langs:
        raise OcrError(f"Tesseract has neither Japanese nor English data installed ({INSTALL_HINT})")
    try:
        open_checked(data)  # refuse a bomb by its header at once, without waiting for a slot
    except ImageError as exc:
        raise OcrError(str(exc)) from None
    count = ocr_slots()
    try:
        slot = slots.acquire("ocr", count, deadline)
    except slots.SlotTimeout:
        raise OcrError(f"OCR gave up after {timeout:.0f} s: the {count} OCR slots of this machine stayed busy") from None
    except OSError as exc:
        raise OcrError(f"cannot coordinate OCR: {exc.strerror or exc}") from None
    with slot:
        try:
            image = prepare(data, timeout=deadline - time.monotonic())
        except ImageError as exc:
            raise OcrError(str(exc)) from None
        # adaptive (Sauvola) thresholding: the global default loses coloured text such as a blue,
        # link-styled phone number, and other adaptive modes lose it again in lossy JPEG/WebP
        cmd = [exe, "stdin", "stdout", "-l", "+".join(langs), "--psm", "3", "-c", "thresholding_method=2"]
        out, err = _recognise(cmd, "+".join(langs), image.data, deadline, timeout, slot.fd)
        second = b""
        if image.inverted is not None and deadline - time.monotonic() > 1.0:
            # light text on dark regions (white on blue, a dark box) is read from their inverted copy
            try:
                second, err2 = _recognise(cmd, "+".join(langs), image.inverted, deadline, timeout, slot.fd)
                err += err2
            except OcrError:
                second = b""
    text = clean(out.decode("utf-8", "replace"))
    notes = image.notes
    if second:
        text, added = merge_passes(text, clean(second.decode("utf-8", "replace")))
        if added:
            notes += (f"dark regions: {added} more line(s) read from their inverted copy",)
    if _out_of_memory(err):  # some allocations failed, but Tesseract carried on and ended normally
        if not text:
            raise OcrError(_failure(0, err))
        notes += (f"Tesseract ran out of its {MEMORY_LIMIT >> 20} MB memory limit: the text may be incomplete",)
    return OcrResult(text=text, languages="+".join(langs), engine=engine, notes=notes)


def _limit(pid: int, seconds: float) -> None:
    """Memory, core-dump and CPU limits on a started Tesseract.

    Set before its image is written to it, so before it can allocate for the image; the CPU limit
    ends a Tesseract left running by a killed parent (SIGXCPU, then SIGKILL one second later).
    """
    cpu = math.ceil(max(seconds, 0)) + 1
    try:
        resource.prlimit(pid, resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
        resource.prlimit(pid, resource.RLIMIT_CORE, (0, 0))
        resource.prlimit(pid, resource.RLIMIT_CPU, (cpu, cpu + 1))
    except ProcessLookupError:  # already ended: its exit status says why
        pass


def _recognise(cmd: list[str], languages: str, image: bytes, deadline: float, timeout: float, slot_fd: int) -> tuple[bytes, bytes]:
    """Tesseract's text and warnings for ``image``: from the warm engine when this process has one, else the program."""
    if _engine_enabled and threading.current_thread() is threading.main_thread():
        answer = _engine_recognise(languages, image, deadline, timeout)
        if answer is not None:
            return answer
    return _run(cmd, image, deadline, timeout, slot_fd)


# --- the warm engine (scamscope.ocr_engine) -------------------------------------------------------

ENGINE_PY = Path(__file__).with_name("ocr_engine.py")
ENGINE_MEMORY_LIMIT = MEMORY_LIMIT + (256 << 20)  # Tesseract's limit plus the interpreter and the loaded models
ENGINE_IMAGES = 1000  # a fresh engine after this many images
ENGINE_FAILURES = 3  # after this many engines died, this process uses the program only
_engine_enabled = False
_engine: _Engine | None = None
_engine_failures = 0


def enable_engine() -> None:
    """Use a warm Tesseract in this process (its main thread) from now on: for long-lived workers."""
    global _engine_enabled
    _engine_enabled = True


class _EngineDied(Exception):
    pass


class _Engine:
    """One ``ocr_engine.py`` process: same environment and limits as a Tesseract run, plus pdeathsig."""

    def __init__(self, languages: str, deadline: float) -> None:
        self.languages = languages
        self.images = 0
        cmd = [sys.executable, "-I", str(ENGINE_PY), languages, str(ENGINE_MEMORY_LIMIT)]
        setpriv = shutil.which("setpriv")
        if setpriv:
            cmd = [setpriv, "--pdeathsig", "KILL", "--", *cmd]
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, bufsize=0)
        status, message = self._frame(deadline)
        if status != 0:
            self.close()
            raise _EngineDied(message.decode("utf-8", "replace"))

    def _read(self, n: int, deadline: float) -> bytes:
        assert self.proc.stdout is not None
        fd, data = self.proc.stdout.fileno(), b""
        while len(data) < n:
            left = deadline - time.monotonic()
            poll = select.poll()  # not select(): descriptors above 1023 are fine
            poll.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
            if left <= 0 or not poll.poll(left * 1000):
                raise TimeoutError
            chunk = os.read(fd, n - len(data))
            if not chunk:
                raise _EngineDied("the OCR engine ended")
            data += chunk
        return data

    def _frame(self, deadline: float) -> tuple[int, bytes]:
        status, size = struct.unpack(">BI", self._read(5, deadline))
        return status, self._read(size, deadline)

    def recognise(self, image: bytes, deadline: float) -> tuple[int, bytes, bytes]:
        assert self.proc.stdin is not None
        self.images += 1
        try:
            self.proc.stdin.write(struct.pack(">I", len(image)) + image)
        except (BrokenPipeError, OSError):
            raise _EngineDied("the OCR engine ended") from None
        status, body = self._frame(deadline)
        (size,) = struct.unpack(">I", self._read(4, deadline))
        return status, body, self._read(size, deadline)

    def close(self) -> None:
        try:
            self.proc.kill()
        except OSError:
            pass
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                stream.close()


def _engine_recognise(languages: str, image: bytes, deadline: float, timeout: float) -> tuple[bytes, bytes] | None:
    """The warm engine's (text, warnings); None when it cannot answer (then the program is run)."""
    global _engine, _engine_failures
    if _engine_failures >= ENGINE_FAILURES or not image:
        return None
    try:
        if _engine is not None and (_engine.languages != languages or _engine.images >= ENGINE_IMAGES):
            _drop_engine()
        if _engine is None:
            _engine = _Engine(languages, deadline)
        status, body, warnings = _engine.recognise(image, deadline)
    except TimeoutError:
        _drop_engine()
        raise OcrError(f"OCR gave up after {timeout:.0f} s (image too large or too complex)") from None
    except (_EngineDied, OSError, struct.error):
        _drop_engine()
        _engine_failures += 1
        return None
    if status != 0 or _out_of_memory(warnings):  # the program says why, with its own limits
        _drop_engine()
        return None
    return body, warnings


def _drop_engine() -> None:
    """Kill this process's warm engine, if any; the next image starts a new one."""
    global _engine
    if _engine is not None:
        _engine.close()
        _engine = None


def _run(cmd: list[str], image: bytes, deadline: float, timeout: float, slot_fd: int) -> tuple[bytes, bytes]:
    """Tesseract's standard output and error; raises :class:`OcrError` when it fails or overruns."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise OcrError(f"OCR gave up after {timeout:.0f} s (waiting for a slot and decoding took all of it)")
    # one OpenMP thread: Tesseract's own threading is ~4x slower on a 2-core machine, and
    # parallel scans (--jobs) each run their own process anyway
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    setpriv = shutil.which("setpriv")  # util-linux; without it the CPU limit still ends an orphan
    if setpriv:
        cmd = [setpriv, "--pdeathsig", "KILL", "--", *cmd]
    try:
        proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, pass_fds=(slot_fd,)
        )
    except OSError as exc:
        raise OcrError(f"cannot run Tesseract: {exc}") from None
    _limit(proc.pid, left)
    try:
        out, err = proc.communicate(image, timeout=left)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise OcrError(f"OCR gave up after {timeout:.0f} s (image too large or too complex)") from None
    if proc.returncode != 0:
        raise OcrError(_failure(proc.returncode, err))
    return out, err


def _out_of_memory(stderr: bytes) -> bool:
    text = stderr.decode("utf-8", "replace").lower()
    return any(marker in text for marker in _OUT_OF_MEMORY)


def _failure(returncode: int, stderr: bytes) -> str:
    """One line on why Tesseract failed."""
    text = stderr.decode("utf-8", "replace")
    if _out_of_memory(stderr):
        return f"OCR failed: Tesseract ran out of its {MEMORY_LIMIT >> 20} MB memory limit"
    if returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        return "OCR failed: Tesseract ran out of its CPU time"
    if returncode < 0:
        name = signal.Signals(-returncode).name if -returncode in signal.valid_signals() else str(-returncode)
        return f"OCR failed: Tesseract was stopped by signal {name}"
    line = next((x for x in text.splitlines() if x.strip() and not x.startswith("Estimating resolution")), "unknown error")
    return f"OCR failed: {line.strip()[:160]}"


def crop_regions(png: bytes, regions: list[list[int]], *, gap: int = 16) -> bytes | None:
    """The parts of a screenshot inside ``regions`` ([x, y, w, h]), stacked top to bottom on white.

    Live captures OCR only where the pixels are not DOM text (images, canvas, CSS backgrounds):
    the text of the DOM is read exactly, and Tesseract's time grows with the area it reads.
    Overlapping regions are merged first. ``None`` when no region is left. The regions come from
    the page's own JavaScript, so they are not trusted: at most :data:`MAX_REGIONS`, malformed
    ones skipped, and the result is never larger than the screenshot (tall, narrow regions side by
    side would stack into a canvas many times its size: their bounding box is cropped instead).
    Raises :class:`OcrError` for a screenshot over the limits of :mod:`scamscope.images`.
    """
    import io

    from PIL import Image

    try:
        shot = load_rgb(png)
    except ImageError as exc:
        raise OcrError(str(exc)) from None
    boxes = _merge_boxes(_boxes(regions), shot.size)
    if not boxes:
        return None
    x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    x1, y1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
    area = sum((b[2] - b[0]) * (b[3] - b[1]) for b in boxes)
    width = max(b[2] - b[0] for b in boxes)
    height = sum(b[3] - b[1] for b in boxes) + gap * (len(boxes) - 1)
    if area * 1.5 >= (x1 - x0) * (y1 - y0) or width * height >= (x1 - x0) * (y1 - y0):
        crop = shot.crop((x0, y0, x1, y1))  # mostly one block, or stacking would not be smaller
    else:
        crop = Image.new("RGB", (width, height), "white")
        top = 0
        for b in sorted(boxes, key=lambda b: (b[1], b[0])):
            crop.paste(shot.crop(b), (0, top))
            top += b[3] - b[1] + gap
    out = io.BytesIO()
    crop.save(out, format="PNG")
    return out.getvalue()


MAX_REGIONS = 200


def _boxes(regions: list[list[int]]) -> list[tuple[int, int, int, int]]:
    """[x, y, w, h] lists as (x0, y0, x1, y1); entries that are not four numbers are skipped."""
    out: list[tuple[int, int, int, int]] = []
    for region in (regions if isinstance(regions, list) else [])[:MAX_REGIONS]:
        try:
            x, y, w, h = (int(v) for v in region)
        except (TypeError, ValueError, OverflowError):
            continue
        out.append((x, y, x + w, y + h))
    return out


def _merge_boxes(boxes: list[tuple[int, int, int, int]], size: tuple[int, int]) -> list[tuple[int, int, int, int]]:
    """Clip boxes to the image and merge the ones that overlap (or touch), until none do."""
    w, h = size
    todo = [(max(0, a), max(0, b), min(w, c), min(h, d)) for a, b, c, d in boxes]
    todo = [t for t in todo if t[2] - t[0] >= 8 and t[3] - t[1] >= 8]
    merged: list[tuple[int, int, int, int]] = []
    while todo:
        box = todo.pop()
        changed = True
        while changed:
            changed = False
            for other in list(merged):
                if box[0] <= other[2] and other[0] <= box[2] and box[1] <= other[3] and other[1] <= box[3]:
                    merged.remove(other)
                    box = (min(box[0], other[0]), min(box[1], other[1]), max(box[2], other[2]), max(box[3], other[3]))
                    changed = True
        merged.append(box)
    return merged
