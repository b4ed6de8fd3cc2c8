"""Incremental Matroska reader for PutMedia bodies, and the chunk writer.

The reader is a push parser: ``feed()`` takes bytes split anywhere (even in
the middle of a vint) and returns the events completed so far.  It knows the
subset of Matroska that a KVS producer sends (kvs-spec.md section 1 and
Appendix A.1; upstream-wire-capture.md section 2):

    EBML header, one Segment (known or unknown size)
      Info (TimecodeScale), Tracks (TrackEntry...), Tags (fragment metadata,
      AWS_KINESISVIDEO_END_OF_FRAGMENT), Cluster (known or unknown size)
        Timecode, Position, SimpleBlock, BlockGroup{Block, BlockDuration,
        ReferenceBlock}

An unknown-size Cluster ends at the first element that cannot be its child
(RFC 8794 section 6.2), i.e. at the next level-1 element.  Every element the
reader needs is buffered whole; nothing is copied twice.

Units: timecodes are in TimecodeScale ticks as sent (ns per tick, default
1,000,000 = 1 ms); sizes are bytes.  The writer half builds the "chunks" KVS
returns from GetMedia / GetMediaForFragmentList: the session's MKV header, a
Tags element and the fragment's Cluster (guide L8855-8874, L10057-10068).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from . import ebml
from .ebml import UNKNOWN_SIZE, EbmlError

# Element IDs (Matroska spec; kvs-spec.md Appendix A.1).
EBML_HEADER = 0x1A45DFA3
DOC_TYPE = 0x4282
SEGMENT = 0x18538067
SEEK_HEAD = 0x114D9B74
INFO = 0x1549A966
TIMECODE_SCALE = 0x2AD7B1
TRACKS = 0x1654AE6B
TRACK_ENTRY = 0xAE
TRACK_NUMBER = 0xD7
TRACK_UID = 0x73C5
TRACK_TYPE = 0x83
CODEC_ID = 0x86
CODEC_PRIVATE = 0x63A2
TRACK_NAME = 0x536E
DEFAULT_DURATION = 0x23E383
VIDEO = 0xE0
PIXEL_WIDTH = 0xB0
PIXEL_HEIGHT = 0xBA
AUDIO = 0xE1
SAMPLING_FREQUENCY = 0xB5
CHANNELS = 0x9F
CLUSTER = 0x1F43B675
TIMECODE = 0xE7
POSITION = 0xA7
PREV_SIZE = 0xAB
SIMPLE_BLOCK = 0xA3
BLOCK_GROUP = 0xA0
BLOCK = 0xA1
BLOCK_DURATION = 0x9B
REFERENCE_BLOCK = 0xFB
CUES = 0x1C53BB6B
CHAPTERS = 0x1043A770
ATTACHMENTS = 0x1941A469
TAGS = 0x1254C367
TAG = 0x7373
TARGETS = 0x63C0
SIMPLE_TAG = 0x67C8
TAG_NAME = 0x45A3
TAG_STRING = 0x4487
TAG_BINARY = 0x4485
VOID = 0xEC
CRC32 = 0xBF

LEVEL1_IDS = {SEEK_HEAD, INFO, TRACKS, CLUSTER, CUES, CHAPTERS, ATTACHMENTS, TAGS}
"""Children of Segment; any of them (or a new EBML/Segment) ends an unknown-size Cluster."""

END_OF_FRAGMENT_TAG = "AWS_KINESISVIDEO_END_OF_FRAGMENT"
DEFAULT_TIMECODE_SCALE_NS = 1_000_000


class MkvError(ValueError):
    """The body is not MKV that KVS accepts.  ``error_id`` is the ACK ErrorId."""

    def __init__(self, message: str, error_id: int = 4006):
        super().__init__(message)
        self.error_id = error_id
        self.events: list = []


@dataclass
class TrackInfo:
    """One TrackEntry of the session header."""

    number: int
    track_type: int = 0
    codec_id: str = ""
    codec_private: bytes = b""
    name: str = ""
    default_duration_ns: int = 0
    width: int = 0
    height: int = 0
    sampling_frequency: float = 0.0
    channels: int = 0


@dataclass
class HeaderDone:
    """The session header (EBML..Tracks) is complete; emitted before the 1st Cluster."""

    header: bytes
    timecode_scale_ns: int
    tracks: Dict[int, TrackInfo]


@dataclass
class ClusterStart:
    """A Cluster header was read.  ``offset`` is the body offset in bytes."""

    offset: int


@dataclass
class ClusterTimecode:
    """The Cluster's Timecode, in ticks, as sent."""

    timecode: int


@dataclass
class Frame:
    """One SimpleBlock or Block.  ``timecode`` is relative to the Cluster (ticks)."""

    track: int
    timecode: int
    keyframe: bool
    frames: int
    payload_size: int
    duration: Optional[int] = None


@dataclass
class TagsElement:
    """A level-1 Tags element: (name, value) pairs of its SimpleTags."""

    tags: List[Tuple[str, str]]

    @property
    def end_of_fragment(self) -> bool:
        return any(name == END_OF_FRAGMENT_TAG for name, _ in self.tags)


@dataclass
class ClusterEnd:
    """The current Cluster ended.  ``cluster`` is its bytes with a known 8-byte size."""

    cluster: bytes


def parse_tracks(body: bytes) -> Dict[int, TrackInfo]:
    """Parses a Tracks body into {track number: TrackInfo}."""
    tracks: Dict[int, TrackInfo] = {}
    for element_id, data in ebml.iter_children(body):
        if element_id != TRACK_ENTRY:
            continue
        track = TrackInfo(number=0)
        for child_id, value in ebml.iter_children(data):
            if child_id == TRACK_NUMBER:
                track.number = ebml.read_uint(value)
            elif child_id == TRACK_TYPE:
                track.track_type = ebml.read_uint(value)
            elif child_id == CODEC_ID:
                track.codec_id = ebml.read_string(value)
            elif child_id == CODEC_PRIVATE:
                track.codec_private = bytes(value)
            elif child_id == TRACK_NAME:
                track.name = ebml.read_string(value)
            elif child_id == DEFAULT_DURATION:
                track.default_duration_ns = ebml.read_uint(value)
            elif child_id == VIDEO:
                for vid, vval in ebml.iter_children(value):
                    if vid == PIXEL_WIDTH:
                        track.width = ebml.read_uint(vval)
                    elif vid == PIXEL_HEIGHT:
                        track.height = ebml.read_uint(vval)
            elif child_id == AUDIO:
                for aid, aval in ebml.iter_children(value):
                    if aid == SAMPLING_FREQUENCY:
                        track.sampling_frequency = ebml.read_float(aval)
                    elif aid == CHANNELS:
                        track.channels = ebml.read_uint(aval)
        if track.number == 0:
            raise MkvError("TrackEntry without a TrackNumber")
        if track.number in tracks:
            raise MkvError(f"duplicate TrackNumber {track.number}")
        tracks[track.number] = track
    return tracks


def parse_tags(body: bytes) -> List[Tuple[str, str]]:
    """Parses a Tags body into (TagName, TagString) pairs, nested SimpleTags included."""
    pairs: List[Tuple[str, str]] = []

    def simple_tag(data: bytes) -> None:
        name, value = "", ""
        for child_id, child in ebml.iter_children(data):
            if child_id == TAG_NAME:
                name = ebml.read_string(child)
            elif child_id == TAG_STRING:
                value = ebml.read_string(child)
            elif child_id == TAG_BINARY:
                value = child.hex()
            elif child_id == SIMPLE_TAG:
                simple_tag(child)
        pairs.append((name, value))

    for tag_id, tag in ebml.iter_children(body):
        if tag_id != TAG:
            continue
        for child_id, child in ebml.iter_children(tag):
            if child_id == SIMPLE_TAG:
                simple_tag(child)
    return pairs


def parse_block(payload: bytes, simple: bool) -> Frame:
    """Parses a (Simple)Block payload: track vint, int16 timecode, flags, lacing."""
    got = ebml.read_size(payload, 0)
    if got is None or got[0] == UNKNOWN_SIZE:
        raise MkvError("block too short for its track number")
    track, length = got
    if len(payload) < length + 3:
        raise MkvError("block too short for its timecode and flags")
    timecode = int.from_bytes(payload[length:length + 2], "big", signed=True)
    flags = payload[length + 2]
    frames = 1
    if flags & 0x06:
        if len(payload) < length + 4:
            raise MkvError("laced block without a frame count")
        frames = payload[length + 3] + 1
    keyframe = bool(flags & 0x80) if simple else False
    return Frame(track=track, timecode=timecode, keyframe=keyframe, frames=frames,
                 payload_size=len(payload) - length - 3)


def parse_block_group(body: bytes) -> Frame:
    """Parses a BlockGroup: a Block is a key frame when it has no ReferenceBlock."""
    frame: Optional[Frame] = None
    has_reference = False
    duration: Optional[int] = None
    for child_id, child in ebml.iter_children(body):
        if child_id == BLOCK:
            frame = parse_block(child, simple=False)
        elif child_id == REFERENCE_BLOCK:
            has_reference = True
        elif child_id == BLOCK_DURATION:
            duration = ebml.read_uint(child)
    if frame is None:
        raise MkvError("BlockGroup without a Block")
    frame.keyframe = not has_reference
    frame.duration = duration
    return frame


class MkvStreamParser:
    """Push parser for one PutMedia body.

    Call ``feed(data)`` with each piece of the body and ``finish()`` at the end
    of the body; both return a list of events (HeaderDone, ClusterStart,
    ClusterTimecode, Frame, TagsElement, ClusterEnd).  Raises MkvError
    (ErrorId 4006) for bytes that are not acceptable MKV.

    ``max_element_bytes`` bounds any buffered element (bytes).
    """

    _EXPECT_EBML, _EXPECT_SEGMENT, _IN_SEGMENT, _IN_CLUSTER, _DONE = range(5)

    def __init__(self, max_element_bytes: int = 64 * 1024 * 1024):
        self._buf = bytearray()
        self._pos = 0                 # parse position in _buf
        self._consumed = 0            # body bytes dropped from the front of _buf
        self._state = self._EXPECT_EBML
        self._max_element = max_element_bytes
        self._header = bytearray()
        self._segment_end: Optional[int] = None   # absolute offset, None = unknown
        self._cluster_end: Optional[int] = None
        self._cluster = bytearray()
        self._cluster_has_timecode = False
        self._header_done = False
        self._seen_cluster = False
        self._info_seen = False
        self._tracks: Optional[Dict[int, TrackInfo]] = None
        self.timecode_scale_ns = DEFAULT_TIMECODE_SCALE_NS

    # -- public ---------------------------------------------------------------

    @property
    def in_cluster(self) -> bool:
        return self._state == self._IN_CLUSTER

    def pending_cluster_bytes(self) -> int:
        """Bytes of the open Cluster so far, including a partly received child."""
        if self._state != self._IN_CLUSTER:
            return 0
        return len(self._cluster) + (len(self._buf) - self._pos)

    def feed(self, data: bytes) -> list:
        """Adds body bytes and returns the events they complete."""
        self._buf += data
        events: list = []
        try:
            while self._step(events):
                pass
        except EbmlError as exc:
            error = MkvError(str(exc))
            error.events = events
            raise error from exc
        except MkvError as exc:
            exc.events = events     # what was complete before the bad bytes
            raise
        self._compact()
        return events

    def finish(self) -> list:
        """Ends the body: closes an open Cluster; leftover bytes are an error."""
        events: list = []
        if self._state == self._IN_CLUSTER:
            if self._pos < len(self._buf):
                raise MkvError("body ended inside a cluster element")
            self._end_cluster(events)
        elif self._pos < len(self._buf):
            raise MkvError("body ended inside an element")
        self._state = self._DONE
        return events

    # -- internals ------------------------------------------------------------

    def _abs(self, pos: int) -> int:
        return self._consumed + pos

    def _compact(self) -> None:
        if self._pos > 65536 or self._pos == len(self._buf):
            del self._buf[:self._pos]
            self._consumed += self._pos
            self._pos = 0

    def _whole(self, size: int, header_len: int) -> Optional[bytes]:
        """Returns the element payload if all of it is buffered, else None."""
        if size == UNKNOWN_SIZE:
            raise MkvError("unknown size is only allowed for Segment and Cluster")
        if size > self._max_element:
            raise MkvError(f"element of {size} bytes is too large", error_id=4001)
        start = self._pos + header_len
        if start + size > len(self._buf):
            return None
        return bytes(self._buf[start:start + size])

    def _step(self, events: list) -> bool:
        if self._state == self._IN_CLUSTER and self._cluster_end is not None \
                and self._abs(self._pos) >= self._cluster_end:
            if self._abs(self._pos) > self._cluster_end:
                raise MkvError("cluster child overruns the cluster")
            self._end_cluster(events)
            return True
        if self._state in (self._IN_SEGMENT, self._IN_CLUSTER) and \
                self._segment_end is not None and self._abs(self._pos) >= self._segment_end:
            if self._state == self._IN_CLUSTER:
                self._end_cluster(events)
            self._state = self._DONE
            return True
        header = ebml.read_header(self._buf, self._pos)
        if header is None:
            return False
        element_id, size, header_len = header
        if self._state == self._EXPECT_EBML:
            return self._on_ebml(element_id, size, header_len)
        if self._state == self._EXPECT_SEGMENT:
            return self._on_top_level(element_id, size, header_len)
        if self._state == self._IN_SEGMENT:
            return self._on_segment_child(element_id, size, header_len, events)
        if self._state == self._IN_CLUSTER:
            return self._on_cluster_child(element_id, size, header_len, events)
        raise MkvError("data after the end of the Segment (more than one segment)")

    def _on_ebml(self, element_id: int, size: int, header_len: int) -> bool:
        if element_id != EBML_HEADER:
            raise MkvError(f"body does not start with an EBML header (0x{element_id:X})")
        body = self._whole(size, header_len)
        if body is None:
            return False
        doc_type = "matroska"
        for child_id, value in ebml.iter_children(body):
            if child_id == DOC_TYPE:
                doc_type = ebml.read_string(value)
        if doc_type not in ("matroska", "webm"):
            raise MkvError(f"DocType '{doc_type}' is not matroska")
        self._header += self._buf[self._pos:self._pos + header_len + size]
        self._pos += header_len + size
        self._state = self._EXPECT_SEGMENT
        return True

    def _on_top_level(self, element_id: int, size: int, header_len: int) -> bool:
        if element_id == VOID:
            body = self._whole(size, header_len)
            if body is None:
                return False
            self._pos += header_len + size
            return True
        if element_id != SEGMENT:
            raise MkvError(f"expected a Segment, got 0x{element_id:X}")
        # The stored header always uses an unknown-size Segment.
        self._header += ebml.encode_id(SEGMENT) + ebml.encode_size(UNKNOWN_SIZE)
        self._pos += header_len
        if size != UNKNOWN_SIZE:
            self._segment_end = self._abs(self._pos) + size
        self._state = self._IN_SEGMENT
        return True

    def _on_segment_child(self, element_id: int, size: int, header_len: int,
                          events: list) -> bool:
        if element_id in (EBML_HEADER, SEGMENT):
            raise MkvError("more than one MKV segment in one PutMedia body")
        if element_id == CLUSTER:
            return self._start_cluster(size, header_len, events)
        body = self._whole(size, header_len)
        if body is None:
            return False
        raw = self._buf[self._pos:self._pos + header_len + size]
        self._pos += header_len + size
        if element_id == INFO:
            if self._seen_cluster or self._info_seen:
                raise MkvError("Info after the header (disallowed element)")
            self._info_seen = True
            for child_id, value in ebml.iter_children(body):
                if child_id == TIMECODE_SCALE:
                    self.timecode_scale_ns = ebml.read_uint(value)
            if self.timecode_scale_ns <= 0:
                raise MkvError("TimecodeScale must be positive")
            self._header += raw
        elif element_id == TRACKS:
            if self._seen_cluster or self._tracks is not None:
                raise MkvError("Tracks after the first cluster (disallowed element)")
            self._tracks = parse_tracks(body)
            if not self._tracks:
                raise MkvError("Tracks without a TrackEntry")
            self._header += raw
        elif element_id == TAGS:
            events.append(TagsElement(parse_tags(body)))
        elif element_id in (SEEK_HEAD, CUES, CHAPTERS, ATTACHMENTS, VOID, CRC32):
            if not self._seen_cluster and element_id != CUES:
                self._header += raw
        # Other known-size elements are skipped (RFC 8794 section 11.2).
        return True

    def _start_cluster(self, size: int, header_len: int, events: list) -> bool:
        if self._tracks is None:
            raise MkvError("Cluster before Tracks")
        if not self._header_done:
            self._header_done = True
            events.append(HeaderDone(bytes(self._header), self.timecode_scale_ns,
                                     dict(self._tracks)))
        self._seen_cluster = True
        self._pos += header_len
        self._cluster_end = None if size == UNKNOWN_SIZE else self._abs(self._pos) + size
        self._cluster = bytearray()
        self._cluster_has_timecode = False
        self._state = self._IN_CLUSTER
        events.append(ClusterStart(offset=self._abs(self._pos - header_len)))
        return True

    def _end_cluster(self, events: list) -> None:
        cluster = ebml.encode_id(CLUSTER) + ebml.encode_size(len(self._cluster), 8) \
            + bytes(self._cluster)
        self._cluster = bytearray()
        self._cluster_end = None
        self._state = self._IN_SEGMENT
        events.append(ClusterEnd(cluster=cluster))

    def _on_cluster_child(self, element_id: int, size: int, header_len: int,
                          events: list) -> bool:
        if self._cluster_end is None and (element_id in LEVEL1_IDS or
                                          element_id in (EBML_HEADER, SEGMENT)):
            self._end_cluster(events)
            return True
        body = self._whole(size, header_len)
        if body is None:
            return False
        raw = self._buf[self._pos:self._pos + header_len + size]
        self._pos += header_len + size
        if element_id == TIMECODE:
            if self._cluster_has_timecode:
                raise MkvError("Cluster with two Timecodes")
            self._cluster_has_timecode = True
            events.append(ClusterTimecode(ebml.read_uint(body)))
        elif element_id in (SIMPLE_BLOCK, BLOCK_GROUP):
            if not self._cluster_has_timecode:
                raise MkvError("block before the Cluster Timecode")
            if element_id == SIMPLE_BLOCK:
                events.append(parse_block(body, simple=True))
            else:
                events.append(parse_block_group(body))
        elif element_id in LEVEL1_IDS or element_id in (EBML_HEADER, SEGMENT):
            raise MkvError(f"level-1 element 0x{element_id:X} inside a sized Cluster")
        self._cluster += raw
        return True


# --- writer ------------------------------------------------------------------

def build_tags(pairs: List[Tuple[str, str]]) -> bytes:
    """Builds a Tags element with one Tag > SimpleTag{TagName, TagString} per pair."""
    tags = b""
    for name, value in pairs:
        simple = ebml.string_element(TAG_NAME, name) + ebml.string_element(TAG_STRING, value)
        tags += ebml.element(TAG, ebml.element(SIMPLE_TAG, simple))
    return ebml.element(TAGS, tags)


def split_cluster(cluster: bytes) -> Tuple[int, bytes]:
    """Returns (Timecode, body without the Timecode) of a stored known-size Cluster."""
    header = ebml.read_header(cluster, 0)
    if header is None or header[0] != CLUSTER:
        raise MkvError("not a cluster")
    _, size, header_len = header
    body = cluster[header_len:header_len + size]
    timecode = 0
    rest = bytearray()
    pos = 0
    for child_id, value in ebml.iter_children(body):
        child_header = ebml.read_header(body, pos)
        assert child_header is not None
        full = body[pos:pos + child_header[2] + len(value)]
        pos += len(full)
        if child_id == TIMECODE:
            timecode = ebml.read_uint(value)
        else:
            rest += full
    return timecode, bytes(rest)


def make_cluster(timecode: int, body: bytes) -> bytes:
    """Builds a known-size Cluster with an 8-byte Timecode followed by ``body``."""
    payload = ebml.uint_element(TIMECODE, timecode, 8) + body
    return ebml.encode_id(CLUSTER) + ebml.encode_size(len(payload), 8) + payload


def rebase_cluster(cluster: bytes, delta: int) -> bytes:
    """Returns the Cluster with ``delta`` ticks subtracted from its Timecode."""
    timecode, body = split_cluster(cluster)
    return make_cluster(max(0, timecode - delta), body)


def iter_cluster_blocks(cluster: bytes):
    """Yields (Frame, raw element bytes) for each block of a stored Cluster."""
    header = ebml.read_header(cluster, 0)
    if header is None:
        return
    _, size, header_len = header
    body = cluster[header_len:header_len + size]
    pos = 0
    for child_id, value in ebml.iter_children(body):
        child_header = ebml.read_header(body, pos)
        assert child_header is not None
        full = body[pos:pos + child_header[2] + len(value)]
        pos += len(full)
        if child_id == SIMPLE_BLOCK:
            yield parse_block(value, simple=True), full
        elif child_id == BLOCK_GROUP:
            yield parse_block_group(value), full


def parse_session_header(header: bytes) -> Tuple[int, Dict[int, TrackInfo]]:
    """(TimecodeScale ns, tracks) of a stored session header (EBML..Tracks)."""
    parser = MkvStreamParser()
    events = parser.feed(header + make_cluster(0, b""))
    for event in events:
        if isinstance(event, HeaderDone):
            return event.timecode_scale_ns, event.tracks
    raise MkvError("incomplete session header")


def header_tracks_bytes(header: bytes) -> bytes:
    """The raw Tracks element of a session header (to compare sessions' tracks)."""
    pos = 0
    while pos < len(header):
        got = ebml.read_header(header, pos)
        if got is None:
            break
        element_id, size, header_len = got
        if element_id == SEGMENT:
            pos += header_len
            continue
        if size == UNKNOWN_SIZE:
            break
        if element_id == TRACKS:
            return header[pos:pos + header_len + size]
        pos += header_len + size
    return b""


VIDEO_CODECS = {"V_MPEG4/ISO/AVC": "h264", "V_MPEG/ISO/AVC": "h264",
                "V_MPEGH/ISO/HEVC": "h265", "V_MPEG/ISO/HEVC": "h265"}
"""KVS accepts both AVC and HEVC spellings (kvs-spec.md section 1)."""
STANDARD_VIDEO_IDS = {"h264": "V_MPEG4/ISO/AVC", "h265": "V_MPEGH/ISO/HEVC"}


def build_header(timecode_scale_ns: int, tracks: List[TrackInfo]) -> bytes:
    """A clean session header (standard CodecIDs) for remuxing with GStreamer."""
    import struct
    ebml_header = ebml.element(EBML_HEADER,
                               ebml.uint_element(0x4286, 1) + ebml.uint_element(0x42F7, 1) +
                               ebml.uint_element(0x42F2, 4) + ebml.uint_element(0x42F3, 8) +
                               ebml.string_element(DOC_TYPE, "matroska") +
                               ebml.uint_element(0x4287, 2) + ebml.uint_element(0x4285, 2))
    info = ebml.element(INFO, ebml.uint_element(TIMECODE_SCALE, timecode_scale_ns))
    entries = b""
    for track in tracks:
        codec_id = track.codec_id
        if codec_id in VIDEO_CODECS:
            codec_id = STANDARD_VIDEO_IDS[VIDEO_CODECS[codec_id]]
        body = ebml.uint_element(TRACK_NUMBER, track.number) + \
            ebml.uint_element(TRACK_UID, track.number) + \
            ebml.uint_element(TRACK_TYPE, track.track_type) + \
            ebml.string_element(CODEC_ID, codec_id)
        if track.track_type == 1 and track.width and track.height:
            body += ebml.element(VIDEO, ebml.uint_element(PIXEL_WIDTH, track.width) +
                                 ebml.uint_element(PIXEL_HEIGHT, track.height))
        if track.track_type == 2:
            body += ebml.element(AUDIO, ebml.element(SAMPLING_FREQUENCY,
                                                     struct.pack(">d", track.sampling_frequency))
                                 + ebml.uint_element(CHANNELS, track.channels or 1))
        if track.codec_private:
            body += ebml.element(CODEC_PRIVATE, track.codec_private)
        entries += ebml.element(TRACK_ENTRY, body)
    segment = ebml.encode_id(SEGMENT) + ebml.encode_size(UNKNOWN_SIZE)
    return ebml_header + segment + info + ebml.element(TRACKS, entries)
