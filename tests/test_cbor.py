"""The CBOR subset used to read and rewrite Pagefind's metadata files."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.search import cbor

values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.text() | st.binary(),
    lambda children: st.lists(children, max_size=5)
    | st.dictionaries(st.text(max_size=5), children, max_size=5),
    max_leaves=30,
)


@given(values)
def test_anything_encoded_decodes_to_itself(value):
    assert cbor.loads(cbor.encode(value)) == value


@given(values)
def test_encoding_is_canonical_so_a_round_trip_keeps_the_bytes(value):
    data = cbor.encode(value)
    assert cbor.encode(cbor.loads(data)) == data


def test_known_encodings():
    assert cbor.encode(23) == b"\x17"
    assert cbor.encode(24) == b"\x18\x18"
    assert cbor.encode(-1) == b"\x20"
    assert cbor.encode("kind") == b"dkind"
    assert cbor.encode([1, [2]]) == b"\x82\x01\x81\x02"


@pytest.mark.parametrize("data", [b"", b"\x1c", b"\x62a", b"\x82\x01", b"\x01\x02"])
def test_broken_data_is_an_error_not_a_crash(data):
    with pytest.raises(cbor.CBORError):
        cbor.loads(data)
