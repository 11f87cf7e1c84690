"""The small part of CBOR (RFC 8949) that Pagefind's index metadata uses.

Integers, byte and text strings, arrays, maps and the simple values
false/true/null, in the shortest encoding. Pagefind writes its ``.pf_meta``
and ``.pf_filter`` files this way (after a ``pagefind_dcd`` signature,
gzip-compressed); ``search.stabilise`` decodes them to put their contents in
a stable order. ``encode(decode(b)) == b`` for everything Pagefind writes.
"""

from __future__ import annotations

from typing import Any

_SIMPLE = {20: False, 21: True, 22: None}


class CBORError(ValueError):
    """Bytes this decoder does not understand."""


def _head(major: int, value: int) -> bytes:
    if value < 24:
        return bytes([major << 5 | value])
    for extra, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if value < 1 << (8 * size):
            return bytes([major << 5 | extra]) + value.to_bytes(size, "big")
    raise CBORError(f"integer too large: {value}")


def encode(value: Any) -> bytes:
    """The shortest CBOR encoding of ``value``."""
    if value is False or value is True or value is None:
        return bytes([0xE0 | {False: 20, True: 21, None: 22}[value]])
    if isinstance(value, int):
        return _head(0, value) if value >= 0 else _head(1, -1 - value)
    if isinstance(value, bytes):
        return _head(2, len(value)) + value
    if isinstance(value, str):
        data = value.encode("utf-8")
        return _head(3, len(data)) + data
    if isinstance(value, list):
        return _head(4, len(value)) + b"".join(encode(v) for v in value)
    if isinstance(value, dict):
        return _head(5, len(value)) + b"".join(encode(k) + encode(v) for k, v in value.items())
    raise CBORError(f"cannot encode {type(value).__name__}")


def decode(data: bytes, start: int = 0) -> tuple[Any, int]:
    """``(value, end)``: the item that starts at ``start`` and where it ends."""
    if start >= len(data):
        raise CBORError("unexpected end of data")
    initial = data[start]
    major, extra = initial >> 5, initial & 31
    position = start + 1
    if extra < 24:
        argument = extra
    elif extra <= 27:
        size = 1 << (extra - 24)
        argument = int.from_bytes(data[position:position + size], "big")
        position += size
    else:
        raise CBORError(f"unsupported CBOR item 0x{initial:02x} at byte {start}")
    if major == 0:
        return argument, position
    if major == 1:
        return -1 - argument, position
    if major in (2, 3):
        raw = data[position:position + argument]
        if len(raw) != argument:
            raise CBORError("string runs past the end of the data")
        return (raw.decode("utf-8") if major == 3 else bytes(raw)), position + argument
    if major == 4:
        items = []
        for _ in range(argument):
            item, position = decode(data, position)
            items.append(item)
        return items, position
    if major == 5:
        mapping = {}
        for _ in range(argument):
            key, position = decode(data, position)
            mapping[key], position = decode(data, position)
        return mapping, position
    if major == 7 and extra in _SIMPLE:
        return _SIMPLE[extra], position
    raise CBORError(f"unsupported CBOR item 0x{initial:02x} at byte {start}")


def loads(data: bytes) -> Any:
    """Decode exactly one item that fills ``data``."""
    value, end = decode(data)
    if end != len(data):
        raise CBORError(f"{len(data) - end} bytes left after the item")
    return value
