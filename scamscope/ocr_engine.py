"""A warm Tesseract: Debian's ``libtesseract`` loaded once, answering one image after another.

Starting the ``tesseract`` program costs about 0.25 CPU-seconds before it reads a pixel: it loads
the Japanese and English models every time. A scan that reads a few screenshot regions per page
paid that on every page. This process loads them once and then costs only the recognition itself
(about 0.03 s for the region crops of a typical page). It is the same library the ``tesseract``
program uses (``libtesseract.so.5`` through its C API), called with the same settings, so the text
is the same (checked by ``tests/test_ocr_engine.py``).

It runs as a separate process started by :mod:`scamscope.ocr` (``python -I`` on this file: it
imports nothing of scamscope), with an address-space limit, and is killed when its parent dies or
overruns a deadline. The protocol on standard input/output is framed:

* request: 4-byte big-endian length, then that many bytes of image (PNG); length 0 ends the process;
* answer: 1 status byte (``0`` text, ``1`` error), a 4-byte big-endian length, then UTF-8 bytes
  (the text, or one line on the error), then another 4-byte length and what Tesseract wrote on its
  standard error for this image (memory-allocation failures are reported there).
"""

from __future__ import annotations

import ctypes
import os
import resource
import struct
import sys
import tempfile

MAX_REQUEST = 256 * 1024 * 1024  # bytes: the caller sends a prepared (bounded) PNG


class _Tesseract:
    def __init__(self, languages: str) -> None:
        self.t = t = ctypes.CDLL("libtesseract.so.5")
        self.lept = lept = ctypes.CDLL("liblept.so.5")
        t.TessBaseAPICreate.restype = ctypes.c_void_p
        t.TessBaseAPIInit3.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]
        t.TessBaseAPISetPageSegMode.argtypes = [ctypes.c_void_p, ctypes.c_int]
        t.TessBaseAPISetVariable.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]
        t.TessBaseAPISetImage2.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        t.TessBaseAPIRecognize.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        t.TessBaseAPIGetUTF8Text.restype = ctypes.c_void_p
        t.TessBaseAPIGetUTF8Text.argtypes = [ctypes.c_void_p]
        t.TessDeleteText.argtypes = [ctypes.c_void_p]
        t.TessBaseAPIClear.argtypes = [ctypes.c_void_p]
        lept.pixReadMem.restype = ctypes.c_void_p
        lept.pixReadMem.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
        lept.pixDestroy.argtypes = [ctypes.POINTER(ctypes.c_void_p)]
        self.api = t.TessBaseAPICreate()
        if not self.api or t.TessBaseAPIInit3(self.api, None, languages.encode()) != 0:
            raise RuntimeError(f"Tesseract could not load the languages {languages}")
        t.TessBaseAPISetPageSegMode(self.api, 3)  # PSM_AUTO, as ``--psm 3``
        # adaptive (Sauvola) thresholding, as ``-c thresholding_method=2`` (see scamscope.ocr)
        t.TessBaseAPISetVariable(self.api, b"thresholding_method", b"2")

    def read(self, image: bytes) -> str:
        pix = ctypes.c_void_p(self.lept.pixReadMem(image, len(image)))
        if not pix.value:
            raise ValueError("the image could not be decoded")
        try:
            self.t.TessBaseAPISetImage2(self.api, pix)
            if self.t.TessBaseAPIRecognize(self.api, None) != 0:
                raise ValueError("recognition failed")
            text = self.t.TessBaseAPIGetUTF8Text(self.api)
            try:
                return ctypes.string_at(text).decode("utf-8", "replace") if text else ""
            finally:
                if text:
                    self.t.TessDeleteText(text)
        finally:
            self.t.TessBaseAPIClear(self.api)
            self.lept.pixDestroy(ctypes.byref(pix))


def _read_exact(stream: object, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = stream.read(n - len(data))  # type: ignore[attr-defined]
        if not chunk:
            raise EOFError
        data += chunk
    return data


def main() -> None:
    languages, memory_limit = sys.argv[1], int(sys.argv[2])
    resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # Tesseract writes its warnings to file descriptor 2: collect them per image in a file
    err = tempfile.TemporaryFile()
    os.dup2(err.fileno(), 2)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    try:
        engine = _Tesseract(languages)
        ready = b""
    except (OSError, RuntimeError) as exc:
        engine, ready = None, str(exc).encode()
    stdout.write(struct.pack(">BI", 1 if engine is None else 0, len(ready)) + ready)
    stdout.flush()
    while engine is not None:
        try:
            (size,) = struct.unpack(">I", _read_exact(stdin, 4))
            if size == 0 or size > MAX_REQUEST:
                return
            image = _read_exact(stdin, size)
        except EOFError:
            return
        err.seek(0)
        err.truncate()
        try:
            status, body = 0, engine.read(image).encode()
        except (ValueError, MemoryError) as exc:
            status, body = 1, str(exc).encode()
        err.seek(0)
        warnings = err.read(64 * 1024)
        stdout.write(struct.pack(">BI", status, len(body)) + body + struct.pack(">I", len(warnings)) + warnings)
        stdout.flush()


if __name__ == "__main__":
    main()
