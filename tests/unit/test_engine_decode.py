"""The engine class's JSON decoding (domainlayer._engine._decode, #11): orjson, read as json."""

from __future__ import annotations

import json
import math

import pytest

from domainlayer._engine import _decode

#: Texts as the host writes them (Node's JSON.stringify of each value, copied from Node 20).
HOST_TEXTS = [
    "0",
    "1",
    "-1",
    "0.1",
    "0.3333333333333333",
    "0.36363636363636365",
    "9007199254740992",
    "9007199254740994",
    "18446744073709551615",
    "1e+21",
    "1e-7",
    "5e-324",
    "1.7976931348623157e+308",
    "-2.2250738585072014e-308",
    '"a\\u0000b"',
    '"\u2028\u2029"',
    '"é😀"',
    '"quote\\"back\\\\slash"',
    "[]",
    "{}",
    '{"a":[1,{"b":null}]}',
    "true",
    "false",
    "null",
    '{"data":{"result":{"id":"1","n":0.30000000000000004,"at":"2026-01-02T03:04:05.678Z"}}}',
    # lone surrogate escapes: orjson refuses them, json reads them (the fallback)
    '"\\ud800"',
    '{"errors":[{"error":"\\udfff x"}]}',
]


@pytest.mark.parametrize("text", HOST_TEXTS)
def test_reads_what_json_reads(text: str) -> None:
    decoded, expected = _decode(text.encode()), json.loads(text)
    assert decoded == expected
    assert type(decoded) is type(expected)
    if isinstance(expected, float):
        assert math.copysign(1, decoded) == math.copysign(1, expected)
        assert decoded.hex() == expected.hex()


def test_a_double_written_with_integer_digits_stays_a_double() -> None:
    # JSON.stringify(1.2345678901234568e20) has no exponent; a JS number is a double, and the
    # native engine wrote it as one (1.2345678901234568e20), so it is read as a float
    value = _decode(b"123456789012345680000")
    assert isinstance(value, float)
    assert value == 1.2345678901234568e20


def test_text_that_is_not_json_still_raises() -> None:
    with pytest.raises(ValueError):
        _decode(b"{not json")
