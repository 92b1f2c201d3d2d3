"""The gzip compression of every ``.gz`` file zsa-sim writes: ISA-L (python-isal).

A run's compressed files (``cases.csv.gz``, ``eventlog.csv.gz``, ``.xes.gz``) are
written as streams of gzip members. Issue 19 measured the compression as ~10 % of the
CPU of a 50,000-case run with the standard library's zlib (level 4 for the event log,
6 for the cases). Intel's ISA-L, through python-isal (PSF-2.0; ISA-L itself BSD-3),
writes the same standard gzip format about eight times faster at its level 1, with
files of about the size zlib gives at level 4-6 (three-task run, 50,000 cases: event
log 34.9 MB of text -> 3.57 MB in 0.05 s, zlib level 4 3.21 MB in 0.36 s; cases
5.8 MB -> 1.47 MB in 0.013 s, zlib level 6 1.45 MB in 0.18 s). Every gzip reader
(Python's gzip, pandas, zcat, pm4py) reads them.

Same input, same bytes: ISA-L's output is fixed for a version and a CPU family (it
picks its code by the CPU's instruction set, so a machine of another family may write
other bytes for the same text, as zlib builds may). What a file says, its text, is the
same everywhere; the digests of :mod:`benchmarks.digest` compare that text.
"""

from __future__ import annotations

from typing import IO, Any

#: ISA-L's level 1 of 0-3: its fastest with a full hash (level 0 writes ~30 % more bytes;
#: 2 and 3 cost more CPU for no smaller files on event logs and cases)
LEVEL = 1
#: gzip framing for the zlib-style interface (16 + a 32 KB window)
_GZIP_WBITS = 31


def packer() -> Any:
    """A compressor of one gzip member (``compress()`` the pieces, then ``flush()``);
    no file name and mtime 0 in its header, so equal text gives equal bytes."""
    from isal import isal_zlib

    return isal_zlib.compressobj(LEVEL, isal_zlib.DEFLATED, _GZIP_WBITS)


def member(data: bytes) -> bytes:
    """``data`` as one whole gzip member."""
    one = packer()
    return one.compress(data) + one.flush()


def gzip_writer(raw: IO[bytes]) -> Any:
    """A binary gzip stream over ``raw`` (a file-like object for text wrappers), with
    mtime 0 and no file name in its header."""
    from isal import igzip

    return igzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=LEVEL, mtime=0)
