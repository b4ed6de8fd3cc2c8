"""EBML primitives: variable-length integers, element headers, values.

Pure functions only (no I/O).  The encoding follows RFC 8794 (EBML):
- an Element ID is a vint whose marker bits are kept (1..4 bytes);
- an Element Data Size is a vint whose marker bit is dropped (1..8 bytes);
  a size with all value bits set means "unknown size".

Every reader takes a buffer and an offset and returns ``None`` when the
buffer ends before the item does, so the incremental MKV parser can wait for
more bytes without ever copying a partial element.
"""
from __future__ import annotations

import struct
from typing import Optional, Tuple

UNKNOWN_SIZE = -1
"""Returned as the size of an element whose size field is 'unknown' (all 1s)."""

MAX_ID_LENGTH = 4
MAX_SIZE_LENGTH = 8


class EbmlError(ValueError):
    """The bytes are not valid EBML (an invalid vint, an impossible size)."""


def vint_length(first_byte: int) -> int:
    """Returns the length in bytes (1..8) of a vint from its first byte.

    Raises EbmlError for 0x00, which would need more than 8 bytes.
    """
    if first_byte == 0:
        raise EbmlError("invalid vint: leading byte 0x00")
    length = 1
    mask = 0x80
    while not first_byte & mask:
        mask >>= 1
        length += 1
    return length


def read_element_id(buf: bytes, pos: int) -> Optional[Tuple[int, int]]:
    """Reads an Element ID at ``pos``.  Returns (id, length) or None if short.

    The ID keeps its marker bits (e.g. Segment is 0x18538067).
    """
    if pos >= len(buf):
        return None
    length = vint_length(buf[pos])
    if length > MAX_ID_LENGTH:
        raise EbmlError(f"element ID of {length} bytes exceeds {MAX_ID_LENGTH}")
    if pos + length > len(buf):
        return None
    return int.from_bytes(buf[pos:pos + length], "big"), length


def read_size(buf: bytes, pos: int) -> Optional[Tuple[int, int]]:
    """Reads an Element Data Size at ``pos``.

    Returns (size in bytes or UNKNOWN_SIZE, length of the field) or None if
    the buffer is too short.
    """
    if pos >= len(buf):
        return None
    length = vint_length(buf[pos])
    if pos + length > len(buf):
        return None
    value = buf[pos] & (0xFF >> length)
    for i in range(1, length):
        value = (value << 8) | buf[pos + i]
    if value == (1 << (7 * length)) - 1:
        return UNKNOWN_SIZE, length
    return value, length


def read_header(buf: bytes, pos: int) -> Optional[Tuple[int, int, int]]:
    """Reads an element header.  Returns (id, size, header length) or None."""
    got_id = read_element_id(buf, pos)
    if got_id is None:
        return None
    element_id, id_len = got_id
    got_size = read_size(buf, pos + id_len)
    if got_size is None:
        return None
    size, size_len = got_size
    return element_id, size, id_len + size_len


def read_uint(data: bytes) -> int:
    """Decodes an EBML unsigned integer (0..8 big-endian bytes)."""
    if len(data) > 8:
        raise EbmlError(f"unsigned integer of {len(data)} bytes")
    return int.from_bytes(data, "big") if data else 0


def read_sint(data: bytes) -> int:
    """Decodes an EBML signed integer (two's complement, 0..8 bytes)."""
    if len(data) > 8:
        raise EbmlError(f"signed integer of {len(data)} bytes")
    return int.from_bytes(data, "big", signed=True) if data else 0


def read_float(data: bytes) -> float:
    """Decodes an EBML float (0, 4 or 8 bytes)."""
    if len(data) == 0:
        return 0.0
    if len(data) == 4:
        return struct.unpack(">f", data)[0]
    if len(data) == 8:
        return struct.unpack(">d", data)[0]
    raise EbmlError(f"float of {len(data)} bytes")


def read_string(data: bytes) -> str:
    """Decodes an EBML String/UTF-8 element, dropping trailing NUL padding."""
    return data.rstrip(b"\x00").decode("utf-8", errors="replace")


def iter_children(data: bytes):
    """Yields (id, payload bytes) for each child of a known-size master body.

    Raises EbmlError when a child overruns the body or has unknown size.
    """
    pos = 0
    while pos < len(data):
        header = read_header(data, pos)
        if header is None:
            raise EbmlError("truncated child element header")
        element_id, size, header_len = header
        if size == UNKNOWN_SIZE:
            raise EbmlError(f"unknown-size child 0x{element_id:X} in a sized master")
        start = pos + header_len
        end = start + size
        if end > len(data):
            raise EbmlError(f"child 0x{element_id:X} overruns its parent")
        yield element_id, data[start:end]
        pos = end


# --- writing -----------------------------------------------------------------

def encode_size(size: int, length: Optional[int] = None) -> bytes:
    """Encodes an Element Data Size; ``length`` forces a width (1..8 bytes)."""
    if size == UNKNOWN_SIZE:
        return b"\x01\xff\xff\xff\xff\xff\xff\xff"
    if length is None:
        length = 1
        while size >= (1 << (7 * length)) - 1:
            length += 1
    if length > 8 or size >= (1 << (7 * length)) - 1:
        raise EbmlError(f"size {size} does not fit in {length} bytes")
    return ((1 << (7 * length)) | size).to_bytes(length, "big")


def encode_id(element_id: int) -> bytes:
    """Encodes an Element ID (marker bits already part of the value)."""
    length = (element_id.bit_length() + 7) // 8
    return element_id.to_bytes(max(length, 1), "big")


def element(element_id: int, payload: bytes) -> bytes:
    """Encodes a complete element with a minimal size field."""
    return encode_id(element_id) + encode_size(len(payload)) + payload


def uint_element(element_id: int, value: int, width: Optional[int] = None) -> bytes:
    """Encodes an unsigned integer element (minimal width unless given)."""
    if width is None:
        width = max(1, (value.bit_length() + 7) // 8)
    return element(element_id, value.to_bytes(width, "big"))


def string_element(element_id: int, value: str) -> bytes:
    """Encodes a UTF-8 string element."""
    return element(element_id, value.encode("utf-8"))
