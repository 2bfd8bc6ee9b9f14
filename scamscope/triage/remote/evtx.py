"""Reading an EVTX event log chunk by chunk with dissect.eventlog, saying which parts were damaged.

dissect's ``Evtx`` iterator skips a damaged 64 KiB chunk without a word (bad signature, a record it
cannot parse, a record whose sizes disagree), and it stops quietly at a short last chunk. Here each
chunk is read with dissect's own :class:`~dissect.eventlog.evtx.ElfChnk`, so that every record that
can be read is kept (the chunks after a damaged one too), and each damaged chunk becomes a
:class:`Damage`: chunk number, the record ids lost (from the chunk's header, or from its neighbours
when the header itself is overwritten) and the reason. The chunk's CRC32 checksums (header and
records) are checked as Windows writes them.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

CHUNK_SIZE = 0x10000
HEADER_BLOCK = 0x1000  # the file header's block, before the first chunk
CHUNK_HEADER = 512


@dataclass
class Damage:
    """A chunk of an EVTX file whose records could not all be read."""

    chunk: int  # 0-based chunk number
    offset: int  # byte offset of the chunk in the file
    reason: str
    first_id: int | None = None  # record ids lost (None: unknown)
    last_id: int | None = None
    last_chunk: int | None = None  # a run of overwritten chunks ends here

    def describe(self) -> str:
        if self.first_id is not None and self.last_id is not None and self.last_id >= self.first_id:
            ids = f"record ids {self.first_id}-{self.last_id} lost" if self.last_id > self.first_id else f"record id {self.first_id} lost"
        else:
            ids = "its record ids are unknown"
        where = f"chunks {self.chunk}-{self.last_chunk}" if self.last_chunk is not None else f"chunk {self.chunk}"
        return f"{where} (offset {self.offset:#x}): {self.reason}; {ids}"


@dataclass
class EvtxRead:
    """What reading one EVTX file gave besides its records."""

    records: int = 0
    chunks: int = 0  # chunks in use met
    declared_chunks: int | None = None  # the file header's count
    truncated: str | None = None  # why the end of the file could not be read
    damage: list[Damage] = field(default_factory=list)
    error: str | None = None  # why reading stopped early (an I/O error)


def _value(value: Any) -> Any:
    getter = getattr(value, "get", None)
    if callable(getter) and type(value).__name__ == "BxmlSub":
        value = getter()
    return value


def record_id(record: Any) -> int | None:
    try:
        return int(_value(record.get("EventRecordID")))
    except (TypeError, ValueError):
        return None


def _checksums(data: bytes, header: Any) -> str | None:
    """Which CRC32 of the chunk disagrees with its header (None: both match)."""
    head = zlib.crc32(data[:120] + data[128:CHUNK_HEADER]) & 0xFFFFFFFF
    if head != int(header.checksum):
        return "header checksum mismatch (the chunk header is overwritten)"
    end = int(header.free_space_offset)
    if CHUNK_HEADER <= end <= CHUNK_SIZE:
        records = zlib.crc32(data[CHUNK_HEADER:end]) & 0xFFFFFFFF
        if records != int(header.records_checksum):
            return "records checksum mismatch (part of the chunk is overwritten)"
    return None


def read_records(fh: Any, result: EvtxRead) -> Iterator[Any]:
    """Every readable record of the EVTX file open in ``fh`` (positioned at 0), chunk by chunk.

    Fills ``result`` as it goes; the caller checks the ``ElfFile`` signature first.
    """
    from dissect.eventlog.evtx import ElfChnk, c_evtx

    header = c_evtx.EVTX_HEADER(fh)
    result.declared_chunks = int(header.num_chunks)
    block = int(header.header_block_size) or 4096
    fh.seek(block)
    number = 0
    previous_last: int | None = None  # last record id of the latest good chunk
    lost_headers: list[Damage] = []  # damaged chunks whose ids come from their neighbours
    while True:
        offset = block + number * CHUNK_SIZE
        try:
            data = fh.read(CHUNK_SIZE)
        except Exception as exc:
            from scamscope.triage.remote.common import reason

            result.error = f"read error at chunk {number} (offset {offset:#x}): {reason(exc)}"
            return
        if not data:
            break
        if len(data) < CHUNK_SIZE:
            if data.strip(b"\x00"):
                result.truncated = (
                    f"the last chunk ({number}, offset {offset:#x}) holds {len(data):,} of {CHUNK_SIZE:,} bytes: "
                    "its records cannot be read"
                )
            break
        if not data[:8].strip(b"\x00"):  # an unused chunk
            number += 1
            continue
        result.chunks += 1
        if data[:8] != b"ElfChnk\x00":
            if lost_headers and (lost_headers[-1].last_chunk or lost_headers[-1].chunk) == number - 1:
                lost_headers[-1].last_chunk = number  # one run of overwritten chunks, one problem
            else:
                damage = Damage(number, offset, "no chunk signature (the chunk header is overwritten)")
                damage.first_id = previous_last + 1 if previous_last is not None else None
                lost_headers.append(damage)
                result.damage.append(damage)
            number += 1
            continue
        chunk = ElfChnk(data)
        first, last = int(chunk.header.first_record_id), int(chunk.header.last_record_id)
        for damage in lost_headers:  # the ids lost in the overwritten chunks end where this one starts
            damage.last_id = first - 1 if damage.first_id is not None else None
        lost_headers = []
        bad = _checksums(data, chunk.header)
        got = 0
        last_read: int | None = None
        failure = None
        try:
            for record in chunk.read():
                got += 1
                result.records += 1
                last_read = record_id(record) or last_read
                yield record
        except Exception as exc:  # MalformedElfChnkException and anything a damaged record raises
            failure = f"a record could not be parsed ({type(exc).__name__})"
        expected = last - first + 1 if last >= first else None
        if failure or (expected is not None and got < expected):
            lost_from = (last_read + 1) if last_read is not None else first
            why = failure or bad or "records after the last one read are unreadable"
            result.damage.append(Damage(number, offset, why, lost_from, last))
        elif bad and "header" not in bad:
            result.damage.append(Damage(number, offset, bad + " but every record parsed: check them by hand", None, None))
        previous_last = last
        number += 1
    for damage in lost_headers:  # overwritten chunks at the end: ids up to the file header's next id
        damage.last_id = int(header.next_record_id) - 1 if damage.first_id is not None else None
