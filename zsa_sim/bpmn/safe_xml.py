"""Read untrusted XML files safely.

BPMN files come from other people's modelling tools and mailboxes, so the parser must
not be turned against the machine it runs on: no DTDs and no entities (the
"billion laughs" entity-expansion bomb, XXE reads of local files such as
``/etc/passwd``), no network access, a size limit checked before a single byte is
parsed, and a limit on element nesting checked while parsing (deep nesting would
otherwise exhaust the recursion of later stages). Everything that goes wrong becomes a
one-line :class:`~zsa_sim.errors.BpmnError` naming the file.

The parser is defusedxml's ElementTree parser with DTDs, entities and external
references forbidden; expat itself never fetches anything from the network.
"""

from __future__ import annotations

import errno
import re
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from zsa_sim.errors import BpmnError

#: Files larger than this (bytes) are refused before parsing.
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
#: Elements nested deeper than this are refused while parsing.
DEFAULT_MAX_DEPTH = 200

_DTD_MESSAGE = "DTDs and entities are not allowed (possible entity-expansion or XXE attack)"


class _TooDeep(Exception):
    """Raised from inside the parser callback when nesting exceeds the limit."""


class _DepthLimitedBuilder:
    """An ElementTree target that counts open elements instead of recursing."""

    def __init__(self, max_depth: int) -> None:
        self._builder = TreeBuilder()
        self._depth = 0
        self._max_depth = max_depth

    def start(self, tag: str, attrib: dict[str, str]) -> Element:
        self._depth += 1
        if self._depth > self._max_depth:
            raise _TooDeep
        return self._builder.start(tag, attrib)

    def end(self, tag: str) -> Element:
        self._depth -= 1
        return self._builder.end(tag)

    def data(self, data: str) -> None:
        self._builder.data(data)

    def close(self) -> Element:
        return self._builder.close()


def _missing(file: Path) -> str:
    """Why a path that does not exist cannot be read: missing, a loop or a broken link."""
    if not file.is_symlink():
        return "file not found"
    try:
        file.stat()
    except OSError as err:
        if err.errno == errno.ELOOP:
            return "a loop of symbolic links"
    return "a symbolic link to a file that does not exist"


def read_limited(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """Return the bytes of a file, refusing missing, non-regular or oversized files."""
    file = Path(path)
    try:
        if not file.exists():
            raise BpmnError(_missing(file), source=path)
        if file.is_dir():
            raise BpmnError("is a directory, not a BPMN file", source=path)
        if not file.is_file():  # a pipe would block for ever, /dev/zero never end
            raise BpmnError("not a regular file (a pipe or a device?)", source=path)
        size = file.stat().st_size
        if size > max_bytes:
            raise BpmnError(
                f"file is {size:,} bytes, more than the limit of {max_bytes:,} bytes; "
                "refusing to parse it",
                source=path,
            )
        with file.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as err:
        raise BpmnError(f"cannot read file: {err.strerror or err}", source=path) from err
    if len(data) > max_bytes:  # the file grew after stat()
        raise BpmnError(
            f"file is more than the limit of {max_bytes:,} bytes; refusing to parse it",
            source=path,
        )
    return data


def parse_xml_bytes(
    data: bytes, *, source: str | Path, max_depth: int = DEFAULT_MAX_DEPTH
) -> Element:
    """Parse XML bytes into an element tree; ``source`` names the file in errors."""
    target = _DepthLimitedBuilder(max_depth)
    parser = DefusedXMLParser(
        target=target, forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    try:
        parser.feed(data)
        return parser.close()
    except DefusedXmlException as err:
        raise BpmnError(_DTD_MESSAGE, source=source) from err
    except _TooDeep as err:
        line = parser.parser.CurrentLineNumber
        raise BpmnError(
            f"elements are nested more than {max_depth} levels deep (line {line}); "
            "refusing to parse it",
            source=source,
        ) from err
    except (LookupError, ValueError) as err:  # an unknown or multi-byte declared encoding
        raise BpmnError(f"cannot decode the file: {err}", source=source) from err
    except ParseError as err:
        line, column = err.position
        reason = re.sub(r":\s*line \d+, column \d+\s*$", "", str(err))
        raise BpmnError(
            f"not well-formed XML at line {line}, column {column + 1}: {reason}", source=source
        ) from err


def parse_xml_file(
    path: str | Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> Element:
    """Read and safely parse an XML file; every failure is a one-line BpmnError."""
    return parse_xml_bytes(read_limited(path, max_bytes), source=path, max_depth=max_depth)
