"""Image bombs and OCR limits (issue 9): real Tesseract, real Pillow, hostile images built here.

Memory is measured, not assumed: runs whose peak matters happen in a fresh interpreter, which
reports its own ``ru_maxrss`` and that of its children (every Tesseract it ran).
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from scamscope import ocr, slots
from scamscope.images import DECODE_MAX_PIXELS, OCR_MAX_PIXELS, WEBP_MAX_PIXELS, ImageError, open_checked, prepare
from scamscope.scan import scan_bytes
from tests import imagebombs

ROOT = Path(__file__).resolve().parent.parent
MB = 1 << 20
WARNING = ["警告 お使いのコンピューターはウイルスに感染しています", "サポートに電話してください 0101-844-555-0142"]


@pytest.fixture(scope="module")
def bombs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bombs")
    made = {
        "png": imagebombs.png_bomb(20000, 20000),
        "jpeg": imagebombs.jpeg_bomb(20000, 20000),
        "frames": imagebombs.gif_frames(2000, 2000, 300),
        "shot": imagebombs.text_screenshot(WARNING),
    }
    paths = {}
    for name, data in made.items():
        paths[name] = folder / name
        paths[name].write_bytes(data)
    return paths


@pytest.fixture
def own_slots(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Slots of this test alone (other test runs on the machine use the default directory)."""
    folder = tmp_path / "slots"
    monkeypatch.setenv("SCAMSCOPE_SLOT_DIR", str(folder))
    monkeypatch.setenv(ocr.SLOTS_ENV, "2")
    return folder


def isolated(code: str, env: dict[str, str] | None = None, timeout: float = 180) -> dict:
    """Run ``code`` in a fresh interpreter; it fills ``result`` (a dict), returned with the peak
    resident sizes of that interpreter (``self_rss``) and of its largest child (``children_rss``).

    The interpreter is started by a shell in the background, not by this process: a process's
    ``ru_maxrss`` starts at the peak of the one that forked it (Linux keeps the high-water mark
    across ``exec``), and pytest's own peak must not count."""
    program = f"import json, resource, sys\nsys.path.insert(0, {str(ROOT)!r})\nresult = {{}}\n"
    program += textwrap.dedent(code)
    program += (
        "\nresult['self_rss'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024"
        "\nresult['children_rss'] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024"
        "\nprint(json.dumps(result))\n"
    )
    cmd = ["sh", "-c", '"$@" & wait $!', "sh", sys.executable, "-c", program]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT, env={**os.environ, **(env or {})})
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.splitlines()[-1])


def one_line(message: str | None) -> bool:
    return bool(message) and "\n" not in message and "Traceback" not in message


# --- refused by the header, never decoded -----------------------------------------------------------


def test_20000x20000_png_is_refused_by_its_header(bombs: dict[str, Path]) -> None:
    out = isolated(
        f"""
        from pathlib import Path
        from scamscope.ocr import OcrError, ocr_image
        try:
            ocr_image(Path({str(bombs["png"])!r}).read_bytes())
        except OcrError as exc:
            result["error"] = str(exc)
        """
    )
    assert out["error"] == "too large for OCR: 20000x20000 pixels (400 MP), over the 64 MP limit; not decoded"
    assert out["self_rss"] < 150 * MB  # decoded, its 1-bit pixels alone would take 400 MB
    assert out["children_rss"] < 100 * MB  # only `tesseract --version` and `--list-langs` ran
    r = scan_bytes(bombs["png"].read_bytes(), input_name="bomb.png")
    assert r.verdict is None and r.error == "a PNG image: " + out["error"]


HEADER_BOMBS = {
    "gif": lambda: imagebombs.gif_bomb(20000, 20000),
    "gif-header": lambda: imagebombs.gif_header_only(20000, 20000),
    "webp": lambda: imagebombs.webp_bomb(16383, 16383),
    "bmp-header": lambda: imagebombs.bmp_header_only(20000, 20000),
    "png-header": lambda: imagebombs.png_header_only(20000, 20000),
    "jpeg-65535": lambda: imagebombs.jpeg_bomb(65535, 65535),  # 8192x8192 even at 1/8 scale
    "jpeg-progressive": lambda: progressive_jpeg(20000, 20000),
}


def progressive_jpeg(width: int, height: int) -> bytes:
    """A small progressive JPEG whose frame header claims ``width`` x ``height``."""
    out = io.BytesIO()
    Image.new("RGB", (64, 64), "white").save(out, format="JPEG", progressive=True)
    data = bytearray(out.getvalue())
    sof = data.index(b"\xff\xc2")
    data[sof + 5 : sof + 9] = height.to_bytes(2, "big") + width.to_bytes(2, "big")
    return bytes(data)


def test_bombs_of_every_format_are_refused_before_decoding(tmp_path: Path) -> None:
    paths = {}
    for name, make in HEADER_BOMBS.items():
        paths[name] = str(tmp_path / name)
        Path(paths[name]).write_bytes(make())
    out = isolated(
        f"""
        from pathlib import Path
        from scamscope.ocr import OcrError, ocr_image
        for name, path in {paths!r}.items():
            try:
                ocr_image(Path(path).read_bytes())
                result[name] = "read"
            except OcrError as exc:
                result[name] = str(exc)
        """
    )
    for name in HEADER_BOMBS:
        assert out[name].startswith("too large for OCR: "), (name, out[name])
        assert out[name].endswith("not decoded") and one_line(out[name])
    assert "over the 34 MP limit for WebP" in out["webp"]
    assert "even decoded at 1/8 scale" in out["jpeg-65535"]
    assert "progressive" in out["jpeg-progressive"]
    assert out["self_rss"] < 200 * MB and out["children_rss"] < 100 * MB


def test_huge_jpeg_is_decoded_reduced_and_read(bombs: dict[str, Path]) -> None:
    out = isolated(
        f"""
        from pathlib import Path
        from scamscope.ocr import ocr_image
        r = ocr_image(Path({str(bombs["jpeg"])!r}).read_bytes())
        result["text"], result["notes"] = r.text, r.notes
        """
    )
    assert out["text"] == ""  # uniform grey
    assert "JPEG of 20000x20000 pixels decoded at 5000x5000" in out["notes"]
    assert out["self_rss"] < 300 * MB  # 400 MP were never held: 25 MP of grey
    assert out["children_rss"] < 400 * MB  # Tesseract read 25 MP (before: 1.5 GB for 400 MP)


def test_gif_with_many_frames_is_read_on_its_first_frame(bombs: dict[str, Path]) -> None:
    out = isolated(
        f"""
        from pathlib import Path
        from scamscope.ocr import ocr_image
        r = ocr_image(Path({str(bombs["frames"])!r}).read_bytes())
        result["text"], result["notes"] = r.text, r.notes
        """
    )
    assert out["text"] == "" and out["notes"] == ["animated GIF: only its first frame was read"]
    assert out["self_rss"] < 200 * MB
    assert out["children_rss"] < 250 * MB  # before: Tesseract decoded all 300 frames, 1.2 GB


# --- lying headers, truncated data ------------------------------------------------------------------


def _truncated_screenshot(fmt: str) -> bytes:
    data = imagebombs.text_screenshot(WARNING, fmt=fmt)
    return data[: len(data) // 2]


@pytest.mark.parametrize(
    ("what", "data"),
    [
        ("a PNG image", imagebombs.png_header_only(100, 100)),  # IHDR says 100x100, the data ends early
        ("a BMP image", imagebombs.bmp_header_only(300, 200)),  # 1 KB of the 180 KB it claims
        ("a GIF image", imagebombs.gif_header_only(300, 200)),  # one pixel of LZW data
        ("a PNG image", _truncated_screenshot("PNG")),
        ("a JPEG image", _truncated_screenshot("JPEG")),
        ("a WebP image", _truncated_screenshot("WEBP")),
        ("a PNG image", b"\x89PNG\r\n\x1a\n" + b"\x00" * 200),
        ("a JPEG image", b"\xff\xd8\xff\xe0" + os.urandom(3000)),
        ("a WebP image", b"RIFF\x10\x00\x00\x00WEBPVP8L\x04\x00\x00\x00\x2f\xff\xff\xff"),  # cut inside its size field
    ],
)
def test_lying_or_truncated_image_is_a_one_line_error(what: str, data: bytes) -> None:
    r = scan_bytes(data, input_name="x")
    assert r.verdict is None and one_line(r.error), r.error
    assert r.error.startswith(f"{what}: OCR failed: unreadable image ("), r.error


# --- sizes at the limits ----------------------------------------------------------------------------


def _png(size: tuple[int, int]) -> bytes:
    return imagebombs.png_bomb(*size)


def test_ocr_limit_is_kept_at_the_limit_and_downscaled_above() -> None:
    at = prepare(_png((8000, 5000)))
    assert at.size == (8000, 5000) and OCR_MAX_PIXELS == 8000 * 5000 and at.notes == ()
    above = prepare(_png((8000, 5001)))
    assert above.size[0] * above.size[1] <= OCR_MAX_PIXELS and above.size[0] < 8000
    assert above.notes == (f"image of 8000x5001 pixels downscaled to {above.size[0]}x{above.size[1]} for OCR (40 MP limit)",)
    with Image.open(io.BytesIO(above.data)) as im:  # what Tesseract gets: a grey PNG of that size
        assert im.format == "PNG" and im.mode == "L" and im.size == above.size


def test_decode_limit_is_read_at_the_limit_and_refused_above() -> None:
    at = prepare(_png((8000, 8000)))
    assert DECODE_MAX_PIXELS == 8000 * 8000 and at.size[0] * at.size[1] <= OCR_MAX_PIXELS and at.source_size == (8000, 8000)
    with pytest.raises(ImageError, match=r"^too large for OCR: 8000x8001 pixels \(64 MP\), over the 64 MP limit; not decoded$"):
        prepare(_png((8000, 8001)))


def test_jpeg_is_decoded_whole_at_the_limit_and_reduced_above() -> None:
    at = prepare(imagebombs.jpeg_bomb(8000, 8000))
    assert not any("decoded at" in n for n in at.notes) and at.size[0] * at.size[1] <= OCR_MAX_PIXELS
    above = prepare(imagebombs.jpeg_bomb(8000, 8001))
    assert "JPEG of 8000x8001 pixels decoded at 4000x4001" in above.notes and above.size == (4000, 4001)


def test_webp_limit_is_checked_on_the_header() -> None:
    im, declared = open_checked(imagebombs.webp_bomb(6800, 5000))
    assert declared == (6800, 5000) and 6800 * 5000 == WEBP_MAX_PIXELS
    with pytest.raises(ImageError, match=r"over the 34 MP limit for WebP"):
        open_checked(imagebombs.webp_bomb(6800, 5001))


def test_no_side_longer_than_tesseract_accepts() -> None:
    wide = prepare(_png((40000, 100)))
    assert wide.size == (32767, 81)


# --- Tesseract's memory limit -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("limit_mb", "image"),
    [
        (150, lambda: imagebombs.jpeg_bomb(20000, 20000)),  # 25 MP after decoding: leptonica's malloc fails
        (110, lambda: imagebombs.text_screenshot(WARNING)),  # too little even for the language data: bad_alloc
    ],
)
def test_tesseract_over_its_memory_limit_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, limit_mb: int, image) -> None:
    monkeypatch.setattr(ocr, "MEMORY_LIMIT", limit_mb * MB)
    r = scan_bytes(image(), input_name="x")
    assert r.verdict is None and r.error is not None
    assert r.error.endswith(f"OCR failed: Tesseract ran out of its {limit_mb} MB memory limit"), r.error


def test_two_bombs_at_once_in_one_process(bombs: dict[str, Path], own_slots: Path) -> None:
    """Four OCRs at once in threads: the PNG bombs refused, the JPEG bombs read reduced."""
    out = isolated(
        f"""
        from concurrent.futures import ThreadPoolExecutor
        from pathlib import Path
        from scamscope.ocr import OcrError, ocr_image
        def run(path):
            try:
                return "text:" + ocr_image(Path(path).read_bytes()).text
            except OcrError as exc:
                return "error:" + str(exc)
        paths = [{str(bombs["png"])!r}, {str(bombs["jpeg"])!r}] * 2
        with ThreadPoolExecutor(4) as pool:
            result["answers"] = list(pool.map(run, paths))
        """,
        env={"SCAMSCOPE_SLOT_DIR": str(own_slots), ocr.SLOTS_ENV: "2"},
    )
    assert [a.split(":")[0] for a in out["answers"]] == ["error", "text", "error", "text"]
    assert out["self_rss"] < 400 * MB  # one 25 MP decode at a time (before: nothing decoded here, 2 x 1.5 GB in Tesseract)
    assert out["children_rss"] < ocr.MEMORY_LIMIT


def test_cli_batch_keeps_every_result(bombs: dict[str, Path], own_slots: Path) -> None:
    """`scamscope scan --jobs 2` over two bombs and a real screenshot: rows in order, no traceback."""
    cmd = [sys.executable, "-m", "scamscope", "scan", "--json", "--jobs", "2", str(bombs["png"]), str(bombs["jpeg"]), str(bombs["shot"])]
    proc = subprocess.run(cmd, capture_output=True, timeout=180, cwd=ROOT)
    assert proc.returncode == 2, proc.stderr.decode()[-2000:]
    rows = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert [Path(r["input"]).name for r in rows] == ["png", "jpeg", "shot"]
    assert rows[0]["error"].startswith("a PNG image: too large for OCR") and rows[1]["error"] is None
    assert rows[2]["verdict"] == "scam" and "ウイルスに感染" in rows[2]["ocr_text"]
    assert b"Traceback" not in proc.stderr


def test_two_cli_processes_at_once_stay_under_1_gb(bombs: dict[str, Path], own_slots: Path) -> None:
    """Two `scamscope scan` processes at once, each on both bombs; the kernel's peak for each CLI
    and everything it ran (the analysis worker, Tesseract) stays under 1 GB."""
    cmd = [sys.executable, "-m", "scamscope", "scan", "--json", str(bombs["png"]), str(bombs["jpeg"])]
    out = isolated(
        f"""
        import os, subprocess
        procs = [subprocess.Popen({cmd!r}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for _ in range(2)]
        result["runs"] = []
        for p in procs:
            _, status, usage = os.wait4(p.pid, 0)
            p.returncode = os.waitstatus_to_exitcode(status)
            result["runs"].append([p.returncode, usage.ru_maxrss * 1024, p.stderr.read().decode()])
        """
    )
    for code, peak, err in out["runs"]:
        assert code == 2 and "Traceback" not in err, err
        assert peak < 1000 * 1000 * 1000, peak


# --- legible after a downscale ----------------------------------------------------------------------


def test_tall_screenshot_is_read_after_a_downscale() -> None:
    """A 1920x30000 full-page screenshot (58 MP): the warning at the top and at the bottom is read."""
    page = Image.new("RGB", (1920, 30000), "white")
    for top in (40, 29800):
        with Image.open(io.BytesIO(imagebombs.text_screenshot(WARNING, (1400, 140), font_px=24))) as block:
            page.paste(block, (200, top))
    data = io.BytesIO()
    page.save(data, format="PNG")
    del page
    r = ocr.ocr_image(data.getvalue())
    assert r.notes == ("image of 1920x30000 pixels downscaled to 1600x25000 for OCR (40 MP limit)",)
    assert r.text.count("ウイルスに感染") == 2 and r.text.count("0101-844-555-0142") == 2, r.text


# --- how many Tesseracts at once --------------------------------------------------------------------


def _parent(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


def tesseracts_under(root: int) -> list[int]:
    """Running OCR Tesseracts (not zombies, not `--version`) descending from ``root``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        pid = int(entry)
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() != "tesseract":
                continue
            if b"stdin" not in Path(f"/proc/{pid}/cmdline").read_bytes() or " Z " in Path(f"/proc/{pid}/stat").read_text():
                continue
            up = pid
            for _ in range(64):
                if up in (root, 0, 1):
                    break
                up = _parent(up)
        except (OSError, ValueError, IndexError):
            continue
        if up == root:
            found.append(pid)
    return found


class Counter:
    """Samples the Tesseracts under this process every 5 ms; keeps the most seen at once."""

    def __init__(self) -> None:
        self.most = 0
        self.limits: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            pids = tesseracts_under(os.getpid())
            self.most = max(self.most, len(pids))
            for pid in pids[:1]:
                try:
                    self.limits.append(Path(f"/proc/{pid}/limits").read_text())
                except OSError:
                    pass
            time.sleep(0.005)

    def __enter__(self) -> Counter:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def test_at_most_n_tesseracts_across_threads(bombs: dict[str, Path], own_slots: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    ocr.tesseract()  # its --version / --list-langs runs are not OCR
    data = bombs["shot"].read_bytes()
    with Counter() as counter, ThreadPoolExecutor(5) as pool:
        texts = [r.text for r in pool.map(lambda _: ocr.ocr_image(data), range(5))]
    assert all("ウイルスに感染" in t for t in texts)
    assert counter.most == 2  # the bound, and proof that two did run at once
    limits = {line[:26].strip(): line[26:].split()[:2] for line in counter.limits[-1].splitlines()[1:]}
    assert limits["Max address space"] == [str(ocr.MEMORY_LIMIT)] * 2
    assert limits["Max core file size"] == ["0", "0"]
    soft, hard = (int(x) for x in limits["Max cpu time"])  # the time left of the 60 s, then 1 s more
    assert 2 <= soft <= 61 and hard == soft + 1


def test_at_most_n_tesseracts_across_processes(bombs: dict[str, Path], own_slots: Path) -> None:
    code = textwrap.dedent(
        f"""
        import sys; sys.path.insert(0, {str(ROOT)!r})
        from concurrent.futures import ThreadPoolExecutor
        from pathlib import Path
        from scamscope.ocr import ocr_image
        data = Path({str(bombs["shot"])!r}).read_bytes()
        with ThreadPoolExecutor(2) as pool:
            assert all("ウイルス" in r.text for r in pool.map(lambda _: ocr_image(data), range(2)))
        """
    )
    with Counter() as counter:
        procs = [subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stderr=subprocess.PIPE) for _ in range(3)]
        for p in procs:
            assert p.wait(timeout=180) == 0, p.stderr.read()  # type: ignore[union-attr]
    assert counter.most == 2


def test_waiting_for_a_slot_respects_the_time_budget(bombs: dict[str, Path], own_slots: Path) -> None:
    held = [slots.acquire("ocr", 2, time.monotonic() + 5) for _ in range(2)]
    try:
        start = time.monotonic()
        with pytest.raises(ocr.OcrError, match=r"^OCR gave up after 1 s: the 2 OCR slots of this machine stayed busy$"):
            ocr.ocr_image(bombs["shot"].read_bytes(), timeout=1.0)
        assert 0.9 < time.monotonic() - start < 10
        with pytest.raises(ocr.OcrError, match="^too large for OCR"):  # a bomb is refused without waiting
            ocr.ocr_image(bombs["png"].read_bytes(), timeout=1000)
    finally:
        for slot in held:
            slot.release()
    assert "ウイルス" in ocr.ocr_image(bombs["shot"].read_bytes(), timeout=60).text


def _running_tesseract(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return "(tesseract)" in stat and stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_tesseract_dies_with_the_process_that_started_it(bombs: dict[str, Path], own_slots: Path) -> None:
    """A scan killed mid-OCR (a worker over its time budget) takes its Tesseract with it, and frees the slot."""
    code = f"import sys; sys.path.insert(0, {str(ROOT)!r})\nfrom pathlib import Path\nfrom scamscope.ocr import ocr_image\n"
    code += f"ocr_image(Path({str(bombs['jpeg'])!r}).read_bytes())\n"
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while not (pids := tesseracts_under(proc.pid)):
            assert proc.poll() is None and time.monotonic() < deadline, "no Tesseract was started"
            time.sleep(0.01)
    finally:
        proc.kill()
        proc.wait()
    end = time.monotonic() + 1  # left alone, it would read 25 MP for seconds more
    while any(_running_tesseract(pid) for pid in pids) and time.monotonic() < end:
        time.sleep(0.02)
    assert not any(_running_tesseract(pid) for pid in pids)
    held = [slots.acquire("ocr", 2, time.monotonic() + 2) for _ in range(2)]  # both slots free again
    for slot in held:
        slot.release()


@pytest.fixture
def holder(own_slots: Path) -> Iterator[subprocess.Popen[str]]:
    """A process that takes the only slot, starts `sleep 30` holding it too, and prints sleep's pid."""
    code = textwrap.dedent(
        f"""
        import subprocess, sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from scamscope import slots
        slot = slots.acquire("ocr", 1, time.monotonic() + 5)
        child = subprocess.Popen(["sleep", "30"], pass_fds=(slot.fd,))
        print(child.pid, flush=True)
        time.sleep(30)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    yield proc
    proc.kill()
    proc.wait()


def test_slot_is_kept_by_a_child_after_its_parent_is_killed(holder: subprocess.Popen[str]) -> None:
    sleeper = int(holder.stdout.readline())  # type: ignore[union-attr]
    with pytest.raises(slots.SlotTimeout):
        slots.acquire("ocr", 1, time.monotonic() + 0.3)
    holder.kill()
    holder.wait()
    with pytest.raises(slots.SlotTimeout):  # its Tesseract (here: sleep) still runs: still taken
        slots.acquire("ocr", 1, time.monotonic() + 0.3)
    os.kill(sleeper, signal.SIGKILL)
    slots.acquire("ocr", 1, time.monotonic() + 5).release()  # both gone: free again


def test_forked_child_does_not_keep_the_parents_slot(own_slots: Path) -> None:
    slot = slots.acquire("ocr", 1, time.monotonic() + 5)
    pid = os.fork()
    if pid == 0:  # the child lingers with whatever it inherited
        time.sleep(3)
        os._exit(0)
    try:
        slot.release()
        slots.acquire("ocr", 1, time.monotonic() + 1).release()  # free although the child lives
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


# --- live screenshots: regions come from the page -------------------------------------------------


def test_hostile_regions_never_make_a_crop_larger_than_the_screenshot() -> None:
    shot = imagebombs.text_screenshot(WARNING, (1366, 768))
    regions = [["a", "b", "c", "d"], None, [float("inf"), 0, 1, 1], [1, 2, 3], [0, 0, 10**12, 10**12]]
    crop = ocr.crop_regions(shot, regions)
    with Image.open(io.BytesIO(crop)) as im:  # type: ignore[arg-type]
        assert im.size == (1366, 768)  # the one sane region, clipped to the screenshot
    columns = [[i * 45, 0, 40, 768] for i in range(30)] + [[0, 0, 1366, 20]]  # tall, narrow, side by side
    with Image.open(io.BytesIO(ocr.crop_regions(shot, columns))) as im:  # type: ignore[arg-type]
        assert im.size[0] * im.size[1] <= 1366 * 768
    assert ocr.crop_regions(shot, 7) is None  # type: ignore[arg-type]
    with pytest.raises(ocr.OcrError, match="^too large for OCR"):
        ocr.crop_regions(imagebombs.png_bomb(20000, 20000), [[0, 0, 100, 100]])


def test_ocr_notes_reach_the_scan_result_of_a_bounded_worker(bombs: dict[str, Path]) -> None:
    """What OCR had to do to an image (first frame only, downscaled) is said in the scan's notes,
    also when the scan runs in a killable worker with a budget (which OCR's own timeout fits into)."""
    from scamscope.bounded import StaticPool

    with StaticPool(1, budget_s=30) as pool:
        result = pool.scan_bytes(bombs["frames"].read_bytes(), input_name="frames.gif")
    assert result.error is None, result.error
    assert "animated GIF: only its first frame was read" in result.notes
