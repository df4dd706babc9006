"""Which process owns an AOR: the hint read from the raw bytes never disagrees with the parser,
and the hash is the same in every process."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autoprov.registrar.sharding import Shard, aor_hint, aor_of, shard_of
from autoprov.sip import Request, SIPError, parse_message
from tests.sip.corpus import torture_dir, torture_names


def register(to: str, *, name: str = "To", line_end: str = "\r\n") -> bytes:
    lines = [
        "REGISTER sip:pbx.example.com SIP/2.0",
        "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-1;rport",
        "Max-Forwards: 70",
        "From: <sip:1001@pbx.example.com>;tag=a1",
        f"{name}: {to}",
        "Call-ID: c1@192.0.2.10",
        "CSeq: 1 REGISTER",
        "Contact: <sip:1001@192.0.2.10:5060>",
        "Content-Length: 0",
    ]
    return (line_end.join(lines) + line_end + line_end).encode()


def parsed_aor(data: bytes) -> str | None:
    try:
        message = parse_message(data)
    except SIPError:
        return None
    return aor_of(message) if isinstance(message, Request) else None


@pytest.mark.parametrize(
    ("to", "name", "aor"),
    [
        ("<sip:1001@pbx.example.com>", "To", "1001"),  # SIPp's
        ('"1001" <sip:1001@pbx.example.com>', "To", "1001"),  # Polycom UC Software's
        ("Front Desk <sip:frontdesk@pbx.example.com>;tag=x", "To", "frontdesk"),
        ("sip:~~id~autoprovision@pbx.example.com", "t", "~~id~autoprovision"),
        ("<SIPS:1001@pbx.example.com:5061;transport=tls>", "TO", "1001"),
    ],
)
def test_the_everyday_forms_are_read_without_parsing(to: str, name: str, aor: str) -> None:
    data = register(to, name=name)
    assert aor_hint(data) == aor
    assert parsed_aor(data) == aor


@pytest.mark.parametrize(
    ("data", "aor"),
    [
        (register("<sip:%31001@pbx.example.com>"), "1001"),  # an escape ("%31" is "1")
        (register("<sip:1001;x=1@pbx.example.com>"), "1001;x=1"),  # user parameters
        (register('"a \\" <sip:evil@h>" <sip:1001@pbx.example.com>'), "1001"),  # quoted-pair
        (register("<sip:1001@pbx.example.com>", line_end="\n"), "1001"),  # bare LF
        (register("<sip:1001@pbx.example.com>").replace(b"To: ", b"To:\r\n "), "1001"),
        (register("<tel:+15551001>;x=sip:evil@h"), None),
    ],
)
def test_anything_unusual_is_left_to_the_parser(data: bytes, aor: str | None) -> None:
    assert aor_hint(data) is None
    assert parsed_aor(data) == aor


def test_only_a_register_gets_a_hint() -> None:
    options = register("<sip:1001@pbx.example.com>").replace(b"REGISTER", b"OPTIONS")
    assert aor_hint(options) is None
    assert parsed_aor(options) is None


def test_a_to_in_the_body_is_not_read() -> None:
    data = register("<sip:1001@pbx.example.com>").replace(b"\r\nTo: ", b"\r\nX-To: ")
    data = (
        data.replace(b"Content-Length: 0", b"Content-Length: 31")
        + b"\r\nTo: <sip:evil@h>\r\n\r\n  "
    )
    assert aor_hint(data) is None
    # the header section ends where the parser ends it: here, bare LF line ends and an empty
    # line, then a To in CRLF form that is already body
    bare = register("<sip:1001@pbx.example.com>").replace(b"\r\n", b"\n")
    bare = bare.replace(b"Content-Length: 0\n", b"") + b"\r\nTo: <sip:evil@h>\r\n"
    assert parsed_aor(bare) == "1001"
    assert aor_hint(bare) in ("1001", None)


DISPLAY = st.sampled_from(["", '"1001" ', '"a\\"b" ', "Bob ", '"<sip:x@y>" ', "sip ", '""'])
USER = st.text(alphabet="abc1%;:@~.-_!*'()+&=$,?/\"<> \t", min_size=0, max_size=8)
SCHEME = st.sampled_from(["sip", "sips", "SIP", "tel", "sip:"])
SUFFIX = st.sampled_from(["", ";tag=x", ">", ">;tag=y", ":5060>", ";transport=tcp>"])
NAME = st.sampled_from(["To", "t", "T", "TO", "to", "To ", "X-To"])
LINE_END = st.sampled_from(["\r\n", "\n"])


@settings(max_examples=600, deadline=None, database=None)
@given(DISPLAY, st.booleans(), SCHEME, USER, SUFFIX, NAME, LINE_END)
def test_the_hint_never_disagrees_with_the_parser(
    display: str,
    bracket: bool,
    scheme: str,
    user: str,
    suffix: str,
    name: str,
    line_end: str,
) -> None:
    to = f"{display}{'<' if bracket else ''}{scheme}:{user}@pbx.example.com{suffix}"
    data = register(to, name=name, line_end=line_end)
    hint = aor_hint(data)
    if hint is not None:
        assert parsed_aor(data) in (hint, None), to


def _corpus() -> list[bytes]:
    try:
        directory = torture_dir()
    except pytest.skip.Exception:
        return []
    return [(directory / name).read_bytes() for name in torture_names(directory)]


CORPUS = _corpus()


@pytest.mark.skipif(not CORPUS, reason="torture messages not found")
@settings(
    max_examples=400,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.data())
def test_mutated_torture_messages_as_registers(data: st.DataObject) -> None:
    message = data.draw(st.sampled_from(CORPUS))
    start = message.find(b" ")
    message = b"REGISTER" + message[start:] if start > 0 else message
    position = data.draw(st.integers(0, len(message)))
    insert = data.draw(st.sampled_from([b"", b"\r\nTo: <sip:x@y>", b'"', b"%", b"\r\n", b" "]))
    mutated = message[:position] + insert + message[position:]
    hint = aor_hint(mutated)
    if hint is not None:
        assert parsed_aor(mutated) in (hint, None)


def test_ownership_is_the_same_in_every_process() -> None:
    aors = ["1001", "1002", "~~id~autoprovision", "frontdesk", "ü-user"]
    code = (
        "from autoprov.registrar.sharding import shard_of; "
        f"print([shard_of(a, 4) for a in {aors!r}])"
    )
    others = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={"PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for seed in ("1", "2")
    }
    assert others == {str([shard_of(a, 4) for a in aors])}


def test_every_aor_has_exactly_one_owner() -> None:
    aors = [f"user{i:06d}" for i in range(2000)]
    for count in (1, 2, 3):
        shards = [Shard(index, count) for index in range(count)]
        owners = [sum(shard.owns(aor) for shard in shards) for aor in aors]
        assert owners == [1] * len(aors)
        if count > 1:  # and the AORs are spread out, not all on one process
            per_shard = [sum(shard.owns(aor) for aor in aors) for shard in shards]
            assert min(per_shard) > len(aors) / count * 0.8
