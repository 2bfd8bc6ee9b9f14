"""Containers a scam page arrives in (gzip, zip, tar, MHTML, e-mail, WARC): every member gets a verdict,
the container the worst one; bombs, depth and damage are bounded and said, never silent."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import time
import zipfile
import zlib
from email import encoders
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scamscope.cli import app
from scamscope.containers import Limits, container_kind, unpack
from scamscope.scan import scan_bytes, scan_path

PAGES = Path(__file__).parent / "pages"
SCAM = (PAGES / "scam" / "fake-defender-en.html").read_bytes()
SCAM_JA = (PAGES / "scam" / "fake-update-ja.html").read_bytes()
BENIGN = (PAGES / "benign" / "defender-howto-en.html").read_bytes()
BENIGN_JA = (PAGES / "benign" / "antivirus-vendor-ja.html").read_bytes()


def _zip(files: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _members(r) -> dict[str, dict]:  # noqa: ANN001 - a ScanResult
    return {m["name"]: m for m in r.extra["container"]["members"]}


def test_html_gz_is_a_page_not_an_error() -> None:
    r = scan_bytes(gzip.compress(SCAM), input_name="warning.html.gz")
    assert r.error is None and r.verdict == "scam" and r.input == "warning.html.gz"
    assert r.extra["container"]["kind"] == "gzip" and _members(r)["warning.html"]["verdict"] == "scam"
    b = scan_bytes(gzip.compress(BENIGN), input_name="howto.html.gz")
    assert b.verdict == "benign" and b.extra["container"]["members"][0]["verdict"] == "benign"


def test_kit_zip_every_member_gets_a_verdict_and_the_worst_wins() -> None:
    inner = _zip({"deep/index.html": SCAM_JA})
    data = _zip({"README.txt": b"Theme files. See LICENSE.", "kit/index.html": SCAM, "kit/inner.zip": inner, "blog.html": BENIGN_JA})
    r = scan_bytes(data, input_name="kit.zip")
    assert r.verdict == "scam" and r.phones, r.notes
    members = _members(r)
    assert set(members) == {"README.txt", "kit/index.html", "kit/inner.zip!deep/index.html", "blog.html"}
    assert members["kit/index.html"]["verdict"] == "scam" and members["kit/inner.zip!deep/index.html"]["verdict"] == "scam"
    assert members["blog.html"]["verdict"] == "benign"
    assert any("zip container" in n and "4 of 4" in n for n in r.notes)


def test_zip_of_only_benign_pages_is_benign() -> None:
    r = scan_bytes(_zip({"a.html": BENIGN, "b.html": BENIGN_JA}), input_name="site.zip")
    assert r.verdict == "benign" and len(r.extra["container"]["members"]) == 2


def test_zip_bomb_member_is_refused_quickly_and_said() -> None:
    bomb = _zip({"index.html": SCAM, "huge.html": b"\0" * 60_000_000})
    t = time.monotonic()
    r = scan_bytes(bomb, input_name="bomb.zip")
    assert time.monotonic() - t < 20
    assert r.verdict == "scam" and set(_members(r)) == {"index.html"}
    assert any("huge.html" in n and "decompression bomb" in n for n in r.notes)


def test_gzip_bomb_is_read_only_up_to_the_limit() -> None:
    data = gzip.compress(b"<html><body>" + b" " * 80_000_000)
    assert len(data) < 200_000
    t = time.monotonic()
    r = scan_bytes(data, input_name="bomb.html.gz")
    assert time.monotonic() - t < 20
    assert r.verdict is not None and any("decompression bomb" in n or "cut" in n for n in r.notes), r.notes


def test_total_unpacked_bytes_and_member_count_are_bounded() -> None:
    files = {f"p{i:03}.html": BENIGN + b" " * 1000 for i in range(30)}
    got = unpack(_zip(files), "many.zip", Limits(members=10))
    assert len(got.members) == 10 and any("30 files" in n or "stopped after 10 members" in n for n in got.notes)
    got = unpack(_zip(files), "many.zip", Limits(total_bytes=3 * len(BENIGN)))
    assert len(got.members) <= 4 and any("unpacked bytes" in n for n in got.notes)


def test_nesting_deeper_than_the_limit_is_not_opened_and_said() -> None:
    data = SCAM
    for level in range(5):
        data = _zip({f"level{level}.zip" if level else "index.html": data})
    got = unpack(data, "russian-doll.zip")
    assert not got.members and any("nested deeper than 3" in n for n in got.notes)
    r = scan_bytes(data, input_name="russian-doll.zip")
    assert r.verdict is None and r.error and "nothing could be read" in r.error


def test_damaged_containers_keep_what_was_read() -> None:
    cut = gzip.compress(SCAM * 3)[:-200]
    r = scan_bytes(cut, input_name="cut.html.gz")
    assert r.verdict == "scam" and any("ends early" in n for n in r.notes)
    r = scan_bytes(b"PK\x03\x04" + b"\x00" * 100, input_name="broken.zip")
    assert r.verdict is None and r.error.startswith("not a web page") and "damaged zip" in r.error


def test_encrypted_zip_member_is_said(tmp_path: Path) -> None:
    data = bytearray(_zip({"index.html": SCAM, "secret.html": SCAM}, zipfile.ZIP_STORED))
    # set the "encrypted" flag of the second entry (local header and central directory)
    second = data.find(b"PK\x03\x04", 4)
    data[second + 6] |= 1
    central = data.rfind(b"PK\x01\x02")
    data[central + 8] |= 1
    got = unpack(bytes(data), "locked.zip")
    assert [m.name for m in got.members] == ["index.html"] and any("secret.html: encrypted" in n for n in got.notes)


def test_tar_gz_kit() -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, data in {"kit/index.html": SCAM_JA, "kit/notes.txt": b"todo"}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    r = scan_bytes(buf.getvalue(), input_name="kit.tgz")
    assert r.verdict == "scam" and "kit.tar!kit/index.html" in _members(r)


def _mhtml(html: bytes, url: str) -> bytes:
    msg = MIMEMultipart("related", type="text/html")
    msg["From"] = "<Saved by Blink>"
    msg["Snapshot-Content-Location"] = url
    msg["Subject"] = "Windows Defender"
    part = MIMEText(html.decode("utf-8"), "html", "utf-8")
    part["Content-Location"] = url
    msg.attach(part)
    img = MIMEBase("image", "png")
    img.set_payload(b"\x89PNG\r\n\x1a\n" + b"\0" * 20)
    encoders.encode_base64(img)
    img["Content-Location"] = url + "logo.png"
    msg.attach(img)
    return msg.as_bytes()


def test_mhtml_single_file_page() -> None:
    data = _mhtml(SCAM, "https://defender-alert.example/")
    assert container_kind(data, "page.mhtml") == "mhtml"
    r = scan_bytes(data, input_name="page.mhtml")
    assert r.verdict == "scam"
    scanned = [m for m in r.extra["container"]["members"] if m["verdict"]]
    assert scanned and scanned[0]["url"] == "https://defender-alert.example/"
    assert r.url == "https://defender-alert.example/"


def test_scam_mail_body_links_and_attachment() -> None:
    msg = MIMEMultipart("mixed")
    msg["From"] = "Microsoft Support <support@micros0ft-help.example>"
    msg["To"] = "victim@example.jp"
    msg["Subject"] = "Your PC is infected"
    body = MIMEText("<html><body><p>Dear customer, see the attached notice.</p><a href='https://fix-now.example/scan'>open</a>"
                    "<a href='tel:+18885550100'>call</a></body></html>", "html", "utf-8")
    msg.attach(body)
    att = MIMEBase("text", "html")
    att.set_payload(SCAM)
    encoders.encode_base64(att)
    att.add_header("Content-Disposition", "attachment", filename="notice.html")
    msg.attach(att)
    data = msg.as_bytes()
    assert container_kind(data, "mail.eml") == "eml"
    r = scan_bytes(data, input_name="mail.eml")
    assert r.verdict == "scam" and _members(r)["notice.html"]["verdict"] == "scam"
    assert "https://fix-now.example/scan" in r.extra["container"]["links"] and "tel:+18885550100" in r.extra["container"]["links"]
    assert any("mail subject: Your PC is infected" in n for n in r.notes)


def test_benign_newsletter_mail_is_benign() -> None:
    msg = MIMEText(BENIGN.decode("utf-8"), "html", "utf-8")
    msg["From"] = "news@vendor.example"
    msg["Subject"] = "How to use Windows Security"
    r = scan_bytes(msg.as_bytes(), input_name="news.eml")
    assert r.verdict == "benign" and r.extra["container"]["kind"] == "eml"


def test_header_lines_in_front_of_a_page_cannot_hide_it() -> None:
    """Text that merely looks like mail or MHTML headers, then a scam page: still scanned."""
    for head in (b"Content-Type: multipart/related; boundary=nothing\r\nSubject: x\r\n\r\n",
                 b"From: a\nSubject: b\n\n"):
        r = scan_bytes(head + SCAM, input_name="page.html")
        assert r.verdict == "scam", (head, r.error, r.notes)


def test_not_a_container() -> None:
    assert container_kind(SCAM) is None and container_kind(b"From the desk of the editor:\nhello") is None
    assert container_kind(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600) == "msg"
    r = scan_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, input_name="x.msg")
    assert r.verdict is None and r.error and "extract-msg cannot read" in r.error


def test_warc_capture() -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True)
    for uri, ctype, body in (("https://alert.example/", "text/html; charset=utf-8", SCAM),
                             ("https://alert.example/siren.mp3", "audio/mpeg", b"ID3" + b"\0" * 100),
                             ("https://alert.example/404", "text/html", b"<html>not found</html>")):
        status = "404 Not Found" if uri.endswith("404") else "200 OK"
        headers = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(uri, "response", payload=io.BytesIO(body), http_headers=headers))
    data = buf.getvalue()
    assert container_kind(data) == "gzip"  # a .warc.gz: gzip around WARC
    r = scan_bytes(data, input_name="crawl.warc.gz")
    assert r.verdict == "scam" and r.url == "https://alert.example/"
    assert [m["url"] for m in r.extra["container"]["members"]] == ["https://alert.example/"]


def test_cli_scans_a_container_file(tmp_path: Path) -> None:
    f = tmp_path / "kit.zip"
    f.write_bytes(_zip({"index.html": SCAM, "about.html": BENIGN}))
    res = CliRunner().invoke(app, ["scan", "--json", str(f)])
    doc = json.loads(res.stdout.strip().splitlines()[0])
    assert res.exit_code == 1 and doc["verdict"] == "scam" and doc["input"] == str(f)
    assert {m["name"]: m["verdict"] for m in doc["container"]["members"]} == {"index.html": "scam", "about.html": "benign"}
    # a container larger than one page's read limit is read whole (the page is at its end)
    big = tmp_path / "big.zip"
    big.write_bytes(_zip({"noise.bin.txt": zlib.compress(b"x") * 1 + bytes(range(256)) * 12_000, "z/index.html": SCAM}, zipfile.ZIP_STORED))
    assert big.stat().st_size > 2_000_001
    r = scan_path(big)
    assert r.verdict == "scam" and "z/index.html" in _members(r)


@pytest.mark.parametrize("junk", [b"PK\x05\x06" + b"\0" * 18, b"\x1f\x8b", b"\x1f\x8b\x08\x00" + b"\xff" * 50])
def test_junk_containers_give_one_line_errors(junk: bytes) -> None:
    r = scan_bytes(junk, input_name="junk")
    assert r.verdict is None and r.error and "\n" not in r.error
