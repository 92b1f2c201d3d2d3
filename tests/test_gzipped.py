"""zsa_sim.gzipped: standard gzip members, stable bytes, readable by every gzip reader."""

import gzip
import io
import zlib

from zsa_sim import gzipped

TEXT = "".join(f"case-{i},Task_{i % 3},2026-01-05T08:{i % 60:02d}:00\n" for i in range(20_000))


def test_a_member_is_standard_gzip_with_no_name_and_mtime_zero():
    data = TEXT.encode("utf-8")
    member = gzipped.member(data)
    assert gzip.decompress(member) == data
    assert zlib.decompress(member, 31) == data
    # RFC 1952 header: magic, deflate, no flags (no file name), mtime 0
    assert member[:4] == b"\x1f\x8b\x08\x00" and member[4:8] == b"\x00\x00\x00\x00"
    assert gzipped.member(data) == member  # same text, same bytes
    assert len(member) < len(data) / 4  # it compresses (the text repeats a lot)


def test_streamed_pieces_and_joined_members_read_as_one_text():
    data = TEXT.encode("utf-8")
    packer = gzipped.packer()
    streamed = b"".join(packer.compress(data[i : i + 4096]) for i in range(0, len(data), 4096))
    streamed += packer.flush()
    assert gzip.decompress(streamed) == data
    # an event log is a header member followed by the parts' members, copied
    joined = gzipped.member(b"header\n") + streamed + gzipped.member(b"tail\n")
    assert gzip.decompress(joined) == b"header\n" + data + b"tail\n"


def test_the_writer_stream_has_stable_bytes():
    def written() -> bytes:
        raw = io.BytesIO()
        with gzipped.gzip_writer(raw) as stream:
            stream.write(TEXT.encode("utf-8"))
        return raw.getvalue()

    first = written()
    assert first == written()
    assert first[4:8] == b"\x00\x00\x00\x00" and first[3] == 0  # mtime 0, no name
    assert gzip.decompress(first).decode("utf-8") == TEXT
