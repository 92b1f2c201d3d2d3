"""Reading compressed result files with bounded memory (gzip bombs, endless lines).

An event log or a case table may come from elsewhere and be hostile: a gzip bomb
expands about 1,000-fold (issue 14: a ``cases.csv.gz`` took 5.9 GB before it was
refused), and one line of a gigabyte is held whole before a CSV reader sees it. Here a
``.gz`` file may expand to :data:`MAX_GZIP_RATIO` times its size (at least
:data:`MIN_GZIP_ALLOWANCE`), and a line may be :data:`MAX_LINE_CHARS` long; beyond, a
one-line :class:`~zsa_sim.errors.ResultsError`.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from zsa_sim.errors import ResultsError

#: A gzip file may expand to at most this many times its size (CSV of a run: 3-20
#: times; a gzip bomb: up to 1,000 times) ...
MAX_GZIP_RATIO = 100
#: ... or to this many bytes, whichever is more.
MIN_GZIP_ALLOWANCE = 64 * 2**20
#: Longest line of a results CSV (a case row is about 100 characters).
MAX_LINE_CHARS = 2**20


class _BoundedRaw(io.RawIOBase):
    """The decompressed bytes of a gzip file, refused beyond ``limit`` (a gzip bomb)."""

    def __init__(self, path: Path, limit: int) -> None:
        self._gz = gzip.open(path, "rb")  # noqa: SIM115 - closed in close()
        self._path = path
        self._limit = limit
        self._read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self._gz.readinto(buffer)
        self._read += count
        if self._read > self._limit:
            raise ResultsError(
                f"expands to more than {self._limit:,} bytes ({MAX_GZIP_RATIO} times its "
                "size): not a file zsa-sim wrote (a gzip bomb?)",
                source=self._path,
            )
        return count

    def close(self) -> None:
        self._gz.close()
        super().close()


def open_results_text(path: Path) -> IO[str]:
    """A results file as text; ``.gz`` decompressed with a bound on the expansion."""
    path = Path(path)
    if path.suffix != ".gz":
        return open(path, encoding="utf-8", newline="")
    limit = max(MIN_GZIP_ALLOWANCE, MAX_GZIP_RATIO * path.stat().st_size)
    raw = io.BufferedReader(_BoundedRaw(path, limit))
    return io.TextIOWrapper(raw, encoding="utf-8", newline="")


def bounded_lines(handle: IO[str], path: Path) -> Iterator[str]:
    """The lines of a text file, each at most :data:`MAX_LINE_CHARS` long (else an error:
    reading one line of a gigabyte would first hold all of it in memory)."""
    while True:
        line = handle.readline(MAX_LINE_CHARS + 1)
        if not line:
            return
        if len(line) > MAX_LINE_CHARS:
            raise ResultsError(
                f"a line longer than {MAX_LINE_CHARS:,} characters: not a file zsa-sim wrote",
                source=path,
            )
        yield line
