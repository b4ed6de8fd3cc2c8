"""Test-only MKV builder and H.264 frame source (independent of kvscore and kvslocal).

It writes what a KVS producer sends (upstream-wire-capture.md section 2): an
EBML header, an unknown-size Segment, Info, Tracks, then per fragment an
unknown-size Cluster with an 8-byte Timecode and SimpleBlocks, and Tags
(metadata, AWS_KINESISVIDEO_END_OF_FRAGMENT).  Frames come from the real
Annex-B file shared/media/kvs_h264_high_640x480_25fps_nob.h264 split with
its index CSV and converted to 4-byte length-prefixed NAL units with an
avcC CodecPrivate.
"""
from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from typing import Iterable, List, Optional, Sequence, Tuple

UNKNOWN = None


def vint_size(n: Optional[int], width: int = 0) -> bytes:
    """Encodes an element size; None = unknown (8-byte all ones); width forces bytes."""
    if n is None:
        return b"\x01" + b"\xff" * 7
    if width == 0:
        width = 1
        while n >= (1 << (7 * width)) - 1:
            width += 1
    return ((1 << (7 * width)) | n).to_bytes(width, "big")


def el(eid: int, payload: bytes, width: int = 0) -> bytes:
    """One element: ID bytes, size, payload."""
    id_bytes = eid.to_bytes((eid.bit_length() + 7) // 8, "big")
    return id_bytes + vint_size(len(payload), width) + payload


def uint(eid: int, value: int, width: int = 0) -> bytes:
    if width == 0:
        width = max(1, (value.bit_length() + 7) // 8)
    return el(eid, value.to_bytes(width, "big"))


def text(eid: int, value: str) -> bytes:
    return el(eid, value.encode())


def ebml_header(doc_type: str = "matroska") -> bytes:
    return el(0x1A45DFA3, uint(0x4286, 1) + uint(0x42F7, 1) + uint(0x42F2, 4) +
              uint(0x42F3, 8) + text(0x4282, doc_type) + uint(0x4287, 2) + uint(0x4285, 2))


@dataclass
class Track:
    number: int
    codec_id: str = "V_MPEG4/ISO/AVC"
    codec_private: bytes = b""
    track_type: int = 1
    width: int = 640
    height: int = 480
    sampling_frequency: float = 0.0
    channels: int = 0

    def entry(self) -> bytes:
        body = uint(0xD7, self.number) + uint(0x73C5, self.number, 8) + \
            uint(0x83, self.track_type) + text(0x536E, f"track{self.number}") + \
            text(0x86, self.codec_id)
        if self.track_type == 1:
            body += el(0xE0, uint(0xB0, self.width, 2) + uint(0xBA, self.height, 2))
        elif self.track_type == 2:
            import struct
            body += el(0xE1, el(0xB5, struct.pack(">d", self.sampling_frequency)) +
                       uint(0x9F, self.channels))
        if self.codec_private:
            body += el(0x63A2, self.codec_private)
        return el(0xAE, body)


def session_header(tracks: Sequence[Track], timecode_scale: int = 1_000_000,
                   segment_size: Optional[int] = None) -> bytes:
    """EBML header + Segment (unknown size) + Info + Tracks, as the SDK sends them."""
    info = el(0x1549A966, el(0x73A4, b"\x55" * 16) + uint(0x2AD7B1, timecode_scale, 8) +
              text(0x7BA9, "kvslocal test") + text(0x4D80, "mkvbuild") + text(0x5741, "mkvbuild"))
    tracks_el = el(0x1654AE6B, b"".join(t.entry() for t in tracks), width=4)
    segment = b"\x18\x53\x80\x67" + vint_size(segment_size)
    return ebml_header() + segment + info + tracks_el


def simple_block(track: int, rel_timecode: int, payload: bytes, key: bool) -> bytes:
    body = bytes([0x80 | track]) + rel_timecode.to_bytes(2, "big", signed=True) + \
        bytes([0x80 if key else 0x00]) + payload
    return el(0xA3, body, width=8)


def cluster_start(timecode: int, size: Optional[int] = None) -> bytes:
    """An unknown-size Cluster header, its 8-byte Timecode and Position 0."""
    return b"\x1f\x43\xb6\x75" + vint_size(size) + uint(0xE7, timecode, 8) + uint(0xA7, 0)


def tags(pairs: Iterable[Tuple[str, str]]) -> bytes:
    """A level-1 Tags element, one Tag > SimpleTag per pair (8-byte sizes like the SDK)."""
    body = b""
    for name, value in pairs:
        simple = el(0x45A3, name.encode(), 8) + el(0x4487, value.encode(), 8)
        body += el(0x7373, el(0x67C8, simple, 8), 8)
    return el(0x1254C367, body, 8)


def end_of_fragment() -> bytes:
    return tags([("AWS_KINESISVIDEO_END_OF_FRAGMENT", "")])


# --- H.264 frames from shared/media -------------------------------------------

@dataclass
class H264Frame:
    index: int
    pts_ms: int
    key: bool
    avcc: bytes          # 4-byte length-prefixed NAL units


def split_annexb(data: bytes) -> List[bytes]:
    """Splits an Annex-B access unit into NAL units (start codes removed)."""
    nals: List[bytes] = []
    i = 0
    starts = []
    while True:
        j = data.find(b"\x00\x00\x01", i)
        if j < 0:
            break
        starts.append(j + 3)
        i = j + 3
    for n, s in enumerate(starts):
        end = starts[n + 1] - 3 if n + 1 < len(starts) else len(data)
        nal = data[s:end]
        if n + 1 < len(starts) and nal.endswith(b"\x00"):
            nal = nal[:-1]
        nals.append(nal)
    return nals


class H264Source:
    """The 403 frames of kvs_h264_high_640x480_25fps_nob.h264 (25 fps, IDR every 45)."""

    FILE = "kvs_h264_high_640x480_25fps_nob.h264"

    def __init__(self, media_dir: str):
        path = os.path.join(media_dir, self.FILE)
        index = path.replace(".h264", ".index.csv")
        data = open(path, "rb").read()
        self.frames: List[H264Frame] = []
        sps = pps = None
        with open(index) as f:
            for row in csv.DictReader(f):
                raw = data[int(row["byte_offset"]):int(row["byte_offset"]) + int(row["byte_size"])]
                nals = split_annexb(raw)
                for nal in nals:
                    if nal[0] & 0x1F == 7 and sps is None:
                        sps = nal
                    elif nal[0] & 0x1F == 8 and pps is None:
                        pps = nal
                avcc = b"".join(len(n).to_bytes(4, "big") + n for n in nals
                                if n[0] & 0x1F != 9)
                self.frames.append(H264Frame(index=int(row["frame"]),
                                             pts_ms=int(row["pts_dts_ms_at_25fps"]),
                                             key=any(n[0] & 0x1F == 5 for n in nals),
                                             avcc=avcc))
        assert sps is not None and pps is not None
        self.codec_private = bytes([1, sps[1], sps[2], sps[3], 0xFF, 0xE1]) + \
            len(sps).to_bytes(2, "big") + sps + b"\x01" + len(pps).to_bytes(2, "big") + pps

    def track(self, number: int = 1) -> Track:
        return Track(number=number, codec_private=self.codec_private)

    def gops(self) -> List[List[H264Frame]]:
        """Frames grouped from one key frame to the next (one fragment each)."""
        groups: List[List[H264Frame]] = []
        for frame in self.frames:
            if frame.key or not groups:
                groups.append([])
            groups[-1].append(frame)
        return groups


def fragment(start_ms: int, frames: Sequence[H264Frame], track: int = 1,
             eofr: bool = False) -> bytes:
    """One fragment: Cluster at ``start_ms`` (ms ticks) with the frames' SimpleBlocks."""
    base = frames[0].pts_ms
    out = cluster_start(start_ms)
    for frame in frames:
        out += simple_block(track, frame.pts_ms - base, frame.avcc, frame.key)
    if eofr:
        out += end_of_fragment()
    return out
