"""Frame-exact round trips of real media through kvssink and kvslocal.

A round trip (issue 4, section 7) is three GStreamer runs, all in-process
through PyGObject:

1. **Input.** The case's source pipeline, exactly as it feeds kvssink (the
   demuxer, the parser and the caps that reach the sink's pad), ends in an
   appsink instead: these are the frames put in. Buffers outside their
   segment are dropped here as kvssink drops them (its default buffer
   clipping).
2. **Upload.** The same source pipeline into ``kvssink name=s`` (one
   request pad per branch, linked with ``! s.``) against a fresh kvslocal,
   to EOS, collecting the element messages.
3. **Output.** GetMediaForFragmentList for every fragment, split into its
   MKV chunks (matroskademux reads only the first EBML document of a
   concatenation); each chunk goes through ``matroskademux`` and the
   codec's parser into the input's format (``h264parse !
   video/x-h264,stream-format=<as input>,alignment=au``, ``h265parse``,
   ``aacparse``; G.711 has no parser) into an appsink.

Both sides are then in the same format, so frames compare byte for byte:
length-prefixed video and audio must come back exactly as they went in;
byte-stream video, which kvssink re-frames with 4-byte lengths, is turned
back into byte-stream by the parser.
Timestamps compare as offsets from the track's first frame, because kvssink
re-anchors the stream to producer time (wall clock or file-start-time).
Every wait is bounded (a hang guard), never a sleep: pipelines end on EOS or
ERROR from their bus.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from kvslocal_fixture import KvsLocal, split_mkv_chunks
from sinkutil import HANG_GUARD_S, gst, media, sink_props, structure_dict

MS = 1_000_000  # ns

# The output side's parser, per codec and input stream-format: it brings
# what matroskademux gives back into the format kvssink's pad received
# (kvssink re-frames byte-stream video as length-prefixed), so frames compare
# byte for byte. For length-prefixed input it converts nothing: the bytes
# must come back exactly as they went in.
PARSER = {
    "h264": "h264parse ! video/x-h264,stream-format={format},alignment=au",
    "h265": "h265parse ! video/x-h265,stream-format={format},alignment=au",
    "aac": "aacparse ! audio/mpeg,mpegversion=4,stream-format=raw",
    "alaw": "identity",
    "mulaw": "identity",
}
DEFAULT_FORMAT = {"h264": "avc", "h265": "hvc1"}
# The caps name of each codec as matroskademux outputs it.
CAPS_NAME = {
    "h264": "video/x-h264",
    "h265": "video/x-h265",
    "aac": "audio/mpeg",
    "alaw": "audio/x-alaw",
    "mulaw": "audio/x-mulaw",
}
CODEC_ID = {
    "h264": "V_MPEG4/ISO/AVC",
    "h265": "V_MPEGH/ISO/HEVC",
    "aac": "A_AAC",
    "alaw": "A_MS/ACM",
    "mulaw": "A_MS/ACM",
}


@dataclass
class Frame:
    """One buffer as an appsink saw it; times in ns (None = not set)."""
    pts: Optional[int]
    dts: Optional[int]
    key: bool
    data: bytes
    duration: Optional[int] = None
    rt: Optional[int] = None  # Running time of `ts` in its segment.

    @property
    def ts(self) -> int:
        """PTS, else DTS (kvssink fills a missing PTS from the DTS)."""
        return self.pts if self.pts is not None else self.dts

    @property
    def time(self) -> Optional[int]:
        """Running time when known (what kvssink stamps), else ts."""
        return self.rt if self.rt is not None else self.ts


@dataclass
class Branch:
    """One track: the pipeline part from the demuxer pad to kvssink's pad."""
    codec: str   # h264, h265, aac, alaw, mulaw
    source: str  # e.g. "d.video_0 ! h264parse ! video/x-h264,..."

    @property
    def video(self) -> bool:
        return self.codec in ("h264", "h265")


@dataclass
class Case:
    """A media file in the pipeline shape that fits it."""
    name: str
    filename: str
    head: str               # "filesrc location={path} ! qtdemux name=d"
    branches: List[Branch]
    props: Dict[str, object] = field(default_factory=dict)

    def head_for(self, path: str) -> str:
        return self.head.format(path=path)


# -- Capture -------------------------------------------------------------


def _ns(value: int) -> Optional[int]:
    Gst = gst()
    return None if value == Gst.CLOCK_TIME_NONE else int(value)


class Capture:
    """Runs a pipeline with named appsinks to EOS; keeps their frames.

    ``clip`` (the input side): drop buffers outside their segment, as
    kvssink does, and note each frame's running time. The output side reads
    chunks whose segments each start at their own Cluster, so only their
    absolute timestamps compare.
    """

    def __init__(self, description, sinks: Sequence[str],
                 clip: bool = True):
        """`description`: a gst-launch description or a Gst.Pipeline."""
        self.Gst = gst()
        self.pipeline = (self.Gst.parse_launch(description)
                         if isinstance(description, str) else description)
        self.frames: Dict[str, List[Frame]] = {}
        self.caps: Dict[str, str] = {}
        # Per sink: (index of the first frame, caps) at every caps change.
        self.caps_changes: Dict[str, List[Tuple[int, str]]] = {}
        self.clipped: Dict[str, int] = {}
        self.clip = clip
        for name in sinks:
            sink = self.pipeline.get_by_name(name)
            assert sink is not None, f"no appsink {name} in {description}"
            self.attach(sink, name)

    def attach(self, sink, name: str) -> None:
        sink.set_property("emit-signals", True)
        sink.set_property("sync", False)
        sink.set_property("async", False)
        self.frames[name] = []
        self.caps_changes[name] = []
        self.clipped[name] = 0
        sink.connect("new-sample", self._on_sample, name)

    def _on_sample(self, sink, name: str):
        Gst = self.Gst
        sample = sink.emit("pull-sample")
        buf = sample.get_buffer()
        if self.clip and _outside_segment(Gst, sample.get_segment(), buf):
            self.clipped[name] += 1
            return Gst.FlowReturn.OK
        caps = sample.get_caps().to_string()
        self.caps.setdefault(name, caps)
        changes = self.caps_changes[name]
        if not changes or changes[-1][1] != caps:
            changes.append((len(self.frames[name]), caps))
        ok, info = buf.map(Gst.MapFlags.READ)
        assert ok
        data = bytes(info.data)
        buf.unmap(info)
        frame = Frame(_ns(buf.pts), _ns(buf.dts),
                      not buf.has_flags(Gst.BufferFlags.DELTA_UNIT), data,
                      _ns(buf.duration))
        segment = sample.get_segment()
        if (self.clip and frame.ts is not None and
                segment.format == Gst.Format.TIME):
            sign, running = segment.to_running_time_full(Gst.Format.TIME,
                                                         frame.ts)
            frame.rt = running if sign >= 0 else -running
        self.frames[name].append(frame)
        return Gst.FlowReturn.OK

    def run(self, timeout_s: float = HANG_GUARD_S) -> "Capture":
        Gst = self.Gst
        self.pipeline.set_state(Gst.State.PLAYING)
        try:
            msg = self.pipeline.get_bus().timed_pop_filtered(
                int(timeout_s * Gst.SECOND),
                Gst.MessageType.EOS | Gst.MessageType.ERROR)
            assert msg is not None, "capture pipeline hung"
            if msg.type == Gst.MessageType.ERROR:
                err, dbg = msg.parse_error()
                raise AssertionError(f"capture failed: {err.message} {dbg}")
        finally:
            self.pipeline.set_state(Gst.State.NULL)
        return self


def _outside_segment(Gst, segment, buf) -> bool:
    """kvssink's buffer clipping (gst/kvssink_pads.cc OutsideSegment)."""
    ts = buf.pts if buf.pts != Gst.CLOCK_TIME_NONE else buf.dts
    if ts == Gst.CLOCK_TIME_NONE or segment.format != Gst.Format.TIME:
        return False
    stop = (ts + buf.duration if buf.duration != Gst.CLOCK_TIME_NONE
            else Gst.CLOCK_TIME_NONE)
    inside, _, _ = segment.clip(Gst.Format.TIME, ts, stop)
    return not inside


@dataclass
class Track:
    """The frames of one branch and the caps they had."""
    frames: List[Frame]
    caps: str

    @property
    def stream_format(self) -> Optional[str]:
        m = re.search(r"stream-format=\(string\)([\w-]+)", self.caps)
        return m.group(1) if m else None


def capture_input(case: Case) -> List[Track]:
    """Frames of each branch exactly as kvssink's pad receives them."""
    path = media(case.filename)
    parts = [case.head_for(path)]
    for i, b in enumerate(case.branches):
        parts.append(f"{b.source} ! appsink name=in{i}")
    names = [f"in{i}" for i in range(len(case.branches))]
    cap = Capture("  ".join(parts), names).run()
    return [Track(cap.frames[n], cap.caps.get(n, "")) for n in names]


def output_parser(codec: str, stream_format: Optional[str]) -> str:
    """The output side's parser into the input's format."""
    fmt = stream_format or DEFAULT_FORMAT.get(codec, "")
    return PARSER[codec].format(format=fmt)


def demux_chunk(path: str, parsers: Dict[str, str]
                ) -> Dict[str, Track]:
    """One MKV chunk through matroskademux and a parser per track.

    `parsers` maps matroskademux pad names (video_0, audio_0, ...) to the
    parser description for that track. Returns a Track per pad.
    """
    Gst = gst()
    pipeline = Gst.parse_launch(
        f"filesrc location={path} ! matroskademux name=m")
    cap = Capture.__new__(Capture)
    cap.Gst, cap.pipeline, cap.clip = Gst, pipeline, False
    cap.frames, cap.caps, cap.clipped, cap.caps_changes = {}, {}, {}, {}
    demuxed_caps: Dict[str, str] = {}

    def on_pad(demux, pad):
        name = pad.get_name()
        if name not in parsers:
            raise AssertionError(f"unexpected track {name} in {path}")
        caps = pad.get_current_caps()
        demuxed_caps[name] = caps.to_string() if caps else ""
        branch = Gst.parse_bin_from_description(
            f"{parsers[name]} ! appsink name=out", True)
        cap.attach(branch.get_by_name("out"), name)
        pipeline.add(branch)
        branch.sync_state_with_parent()
        assert pad.link(branch.get_static_pad("sink")) == Gst.PadLinkReturn.OK

    pipeline.get_by_name("m").connect("pad-added", on_pad)
    cap.run()
    return {n: Track(cap.frames[n], demuxed_caps.get(n, ""))
            for n in cap.frames}


# -- Upload --------------------------------------------------------------


def kvssink_description(case: Case, kvs: KvsLocal, stream: str,
                        **props) -> str:
    path = media(case.filename)
    parts = [case.head_for(path)]
    for b in case.branches:
        # No queue: the demuxer's thread feeds every pad in file order, so
        # the run is deterministic (kvssink never blocks a realtime chain).
        parts.append(f"{b.source} ! s.")
    merged = dict(case.props)
    merged.update(props)
    parts.append(sink_props(kvs, stream, **merged).replace(
        "kvssink ", "kvssink name=s ", 1))
    return "  ".join(parts)


@dataclass
class Upload:
    error: Optional[str]
    messages: List[dict]
    stats: dict

    def named(self, name: str) -> List[dict]:
        return [m for m in self.messages if m["_name"] == name]


def upload(description, timeout_s: float = HANG_GUARD_S) -> Upload:
    """Runs a kvssink pipeline (named ``s``) in-process to EOS or ERROR.

    `description` is a gst-launch description or a built Gst.Pipeline.
    """
    Gst = gst()
    pipeline = (Gst.parse_launch(description)
                if isinstance(description, str) else description)
    sink = pipeline.get_by_name("s")
    messages: List[dict] = []
    error = None
    stats: dict = {}
    bus = pipeline.get_bus()
    pipeline.set_state(Gst.State.PLAYING)
    deadline = Gst.util_get_timestamp() + int(timeout_s * Gst.SECOND)
    try:
        while True:
            remaining = deadline - Gst.util_get_timestamp()
            assert remaining > 0, "kvssink pipeline hung"
            msg = bus.timed_pop(remaining)
            if msg is None:
                continue
            if msg.type == Gst.MessageType.ELEMENT:
                messages.append(structure_dict(msg.get_structure()))
            elif msg.type == Gst.MessageType.ERROR:
                err, dbg = msg.parse_error()
                error = f"{err.message}\n{dbg}"
                break
            elif msg.type == Gst.MessageType.EOS:
                break
        stats = structure_dict(sink.get_property("stats"))
    finally:
        pipeline.set_state(Gst.State.NULL)
    return Upload(error, messages, stats)


# -- Read back -----------------------------------------------------------


def read_back_chunks(kvs: KvsLocal, stream: str, fragments: List[dict],
                     directory: str) -> List[str]:
    """GetMediaForFragmentList of `fragments`; one .mkv file per chunk."""
    client = kvs.boto_client("kinesis-video-archived-media")
    numbers = [f["fragment_number"] for f in fragments]
    payload = b""
    for i in range(0, len(numbers), 1000):  # The API's list limit.
        reply = client.get_media_for_fragment_list(
            StreamName=stream, Fragments=numbers[i:i + 1000])
        payload += reply["Payload"].read()
    with open(os.path.join(directory, f"{stream}.mkv"), "wb") as f:
        f.write(payload)
    chunks = split_mkv_chunks(payload)
    paths = []
    for i, chunk in enumerate(chunks):
        path = os.path.join(directory, f"{stream}-{i:04d}.mkv")
        with open(path, "wb") as f:
            f.write(chunk)
        paths.append(path)
    return paths


def capture_output(chunks: Sequence[str], case: Case,
                   inputs: Sequence[Track]
                   ) -> Tuple[List[List[Frame]], List[Dict[str, int]]]:
    """Frames per branch read back from the chunks, and per-chunk counts.

    MKV tracks are numbered video first, then audio, in branch order; the
    demuxer names its pads video_N / audio_N in that order. Each track goes
    through output_parser() into its input's format.
    """
    pad_names = _pad_names(case)
    parsers = {pad: output_parser(b.codec, t.stream_format)
               for pad, b, t in zip(pad_names, case.branches, inputs)}
    out: List[List[Frame]] = [[] for _ in case.branches]
    per_chunk = []
    for path in chunks:
        tracks = demux_chunk(path, parsers)
        per_chunk.append({k: len(v.frames) for k, v in tracks.items()})
        for i, pad in enumerate(pad_names):
            if pad in tracks:
                out[i].extend(tracks[pad].frames)
    return out, per_chunk


def _pad_names(case: Case) -> List[str]:
    counts = {"video": 0, "audio": 0}
    names = []
    for b in case.branches:
        kind = "video" if b.video else "audio"
        names.append(f"{kind}_{counts[kind]}")
        counts[kind] += 1
    return names


# -- Comparison ----------------------------------------------------------


NO_TIMESTAMP = 10**18  # A read-back frame without a timestamp, as an error.


@dataclass
class Comparison:
    frames_in: int
    frames_out: int
    bytes_equal: bool
    max_pts_error_ns: int
    first_mismatch: Optional[str] = None
    over_1ms: int = 0  # Frames whose offset is more than 1 ms off.


def compare(expected: Sequence[Frame], actual: Sequence[Frame]
            ) -> Comparison:
    """Same count, same bytes, and PTS offsets from the first frame (in
    running time, which is what kvssink stamps)."""
    mismatch = None
    equal = len(expected) == len(actual)
    for i, (e, a) in enumerate(zip(expected, actual)):
        if e.data != a.data:
            equal = False
            mismatch = (f"frame {i}: {len(e.data)} bytes in, "
                        f"{len(a.data)} out")
            break
    if len(expected) != len(actual) and mismatch is None:
        mismatch = f"{len(expected)} frames in, {len(actual)} out"
    err, over = 0, 0
    if expected and actual:
        e0, a0 = expected[0].time, actual[0].time
        for e, a in zip(expected, actual):
            if a.time is None or a0 is None:
                # The parser drops a timestamp that does not advance
                # (several frames on one millisecond): an error.
                err, over = NO_TIMESTAMP, over + 1
                continue
            one = abs((e.time - e0) - (a.time - a0))
            err = max(err, one)
            over += one > MS
    return Comparison(len(expected), len(actual), equal, err, mismatch,
                      over)


def offsets_ms(frames: Sequence[Frame]) -> List[float]:
    t0 = frames[0].ts
    return [(f.ts - t0) / MS for f in frames]


# -- Independent readers -------------------------------------------------


def ffprobe_packets(path: str) -> Dict[str, int]:
    """Packets per stream of a (possibly concatenated) MKV, by ffprobe."""
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-count_packets", "-show_entries",
         "stream=index,codec_name,nb_read_packets", "-of", "json", path],
        capture_output=True, text=True, timeout=HANG_GUARD_S)
    assert out.returncode == 0, out.stderr
    streams = json.loads(out.stdout)["streams"]
    return {s["codec_name"]: int(s["nb_read_packets"]) for s in streams}


MKVINFO_FRAME = re.compile(r"^(\S+) frame, track (\d+), timestamp ")


def mkvinfo_frames(path: str) -> Dict[int, Tuple[int, bool]]:
    """Per track number of one MKV chunk, by mkvinfo's summary: the frame
    count and whether the first frame is a key frame (mkvinfo shows a
    SimpleBlock with the key flag as an "I frame").

    Fails when mkvinfo reports an error.
    """
    out = subprocess.run(["mkvinfo", "--summary", path], capture_output=True,
                         text=True, timeout=HANG_GUARD_S)
    assert out.returncode == 0, f"mkvinfo {path}: {out.stdout}{out.stderr}"
    assert "Error" not in out.stdout, out.stdout
    tracks: Dict[int, Tuple[int, bool]] = {}
    for line in out.stdout.splitlines():
        m = MKVINFO_FRAME.match(line)
        if m:
            n = int(m.group(2))
            count, key = tracks.get(n, (0, m.group(1) == "I"))
            tracks[n] = (count + 1, key)
    return tracks


# -- Report --------------------------------------------------------------


def report(row: dict) -> None:
    """Appends a result row (JSON line) to $KVSSINK_MEDIA_REPORT, if set."""
    path = os.environ.get("KVSSINK_MEDIA_REPORT")
    if path:
        with open(path, "a") as f:
            f.write(json.dumps(row) + "\n")
