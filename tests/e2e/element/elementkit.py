"""Helpers of the element suite (issue 6): a loopback RTSP server, what
kvslocal stored, what reads back, and the metadata tags of a read-back.

Every wait is on an event (a line on a pipe, a bus message, a process exit)
under a hang guard that fails the test; nothing sleeps.
"""
from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time
from typing import Dict, List, Optional, Sequence

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
E2E = os.path.dirname(HERE)
sys.path.insert(0, E2E)

from kvslocal_fixture import (ROOT, KvsLocal, ebml_vint,  # noqa: E402
                              run_checked, split_mkv_chunks)
from sinkutil import (HANG_GUARD_S, error_acks,  # noqa: E402
                      ffprobe_count, gst, media, read_back)

PYTHON = "/usr/bin/python3"
EXAMPLES = os.path.join(ROOT, "examples")


class RtspServer:
    """rtsp_server.py in a child process: ``with RtspServer(mount=launch)``.

    ``urls`` maps each mount to its rtsp:// URL once the server listens.
    """

    def __init__(self, log_dir: str, **mounts: str):
        self.mounts = mounts
        self.log_path = os.path.join(log_dir, "rtsp_server.log")
        self.proc: Optional[subprocess.Popen] = None
        self.urls: Dict[str, str] = {}

    def __enter__(self) -> "RtspServer":
        args = [PYTHON, os.path.join(HERE, "rtsp_server.py")]
        for mount, launch in self.mounts.items():
            args += [mount, launch]
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE,
                                     stderr=self._log,
                                     stdin=subprocess.DEVNULL)
        lines = read_lines_until_blank(self.proc, HANG_GUARD_S)
        if len(lines) != len(self.mounts):
            self.__exit__()
            with open(self.log_path, errors="replace") as f:
                raise AssertionError(f"rtsp_server did not start: {lines!r}"
                                     f"\n{f.read()}")
        for url in lines:
            self.urls[url.rsplit("/", 1)[1]] = url
        return self

    def __exit__(self, *exc) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()
        self._log.close()


def read_lines_until_blank(proc: subprocess.Popen, timeout: float) -> List[str]:
    """Lines a child prints on stdout up to an empty line (or its exit)."""
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    data = b""
    try:
        while b"\n\n" not in b"\n" + data:
            remaining = deadline - time.monotonic()
            assert remaining > 0 and selector.select(remaining), \
                f"no ready line from {proc.args[1]}: {data!r}"
            piece = os.read(proc.stdout.fileno(), 4096)
            if not piece:
                break
            data += piece
    finally:
        selector.close()
    return [line for line in data.decode().split("\n") if line]


def file_rtsp_launch(path: str, demux: str = "qtdemux",
                     parse: str = "h264parse", pay: str = "rtph264pay") -> str:
    """A media-factory launch line playing one video track of a file."""
    return (f"( filesrc location={path} ! {demux} ! {parse} ! "
            f"{pay} name=pay0 pt=96 )")


@pytest.fixture
def kvs_factory(tmp_path):
    """Starts kvslocal instances with extra arguments; stops them all.
    (A fixture: a test module imports it by name.)"""
    started = []

    def start(*args, **kwargs):
        log_dir = tmp_path / f"kvs{len(started)}"
        log_dir.mkdir()
        kvs = KvsLocal(*args, log_dir=str(log_dir), **kwargs).start()
        started.append(kvs)
        return kvs

    yield start
    for kvs in started:
        kvs.stop()


def all_elements(Gst, pipeline) -> List:
    """Every element of `pipeline`, recursively (Gst.Iterator is not a
    Python iterable without gst-python's overrides)."""
    it = pipeline.iterate_recurse()
    found: List = []
    while True:
        result, element = it.next()
        if result == Gst.IteratorResult.OK:
            found.append(element)
        elif result == Gst.IteratorResult.RESYNC:
            it.resync()
            found.clear()
        else:
            return found


def run_counting(description: str) -> Dict[str, int]:
    """Runs a gst-launch description in this process to EOS (an ERROR
    fails the test); returns the buffers that reached each kvssink pad."""
    Gst = gst()
    pipeline = Gst.parse_launch(description)
    sinks = [e for e in all_elements(Gst, pipeline)
             if e.get_factory().get_name() == "kvssink"]
    assert len(sinks) == 1, description
    counts: Dict[str, int] = {}

    def count(pad, _info):
        counts[pad.get_name()] = counts.get(pad.get_name(), 0) + 1
        return Gst.PadProbeReturn.OK

    def watch(_element, pad):
        counts.setdefault(pad.get_name(), 0)
        pad.add_probe(Gst.PadProbeType.BUFFER, count)

    sinks[0].connect("pad-added", watch)
    for pad in sinks[0].sinkpads:
        watch(None, pad)
    bus = pipeline.get_bus()
    pipeline.set_state(Gst.State.PLAYING)
    try:
        msg = bus.timed_pop_filtered(
            HANG_GUARD_S * Gst.SECOND,
            Gst.MessageType.EOS | Gst.MessageType.ERROR)
        assert msg is not None, "pipeline hung"
        if msg.type == Gst.MessageType.ERROR:
            err, dbg = msg.parse_error()
            raise AssertionError(f"{err.message}\n{dbg}")
    finally:
        pipeline.set_state(Gst.State.NULL)
    return counts


# -- What kvslocal stored -----------------------------------------------------

def persisted(kvs: KvsLocal, stream: str) -> List[dict]:
    """The stream's fragments; asserts there are some and all PERSISTED, with
    strictly increasing timecodes and a key frame starting each one."""
    fragments = kvs.fragments(stream)
    assert fragments, f"no fragment of {stream} reached kvslocal"
    assert all(f["persisted"] for f in fragments), fragments
    timecodes = [f["fragment_timecode"] for f in fragments]
    assert timecodes == sorted(set(timecodes)), timecodes
    assert all(f["key_frame_counts"].get("1", 0) >= 1 for f in fragments), \
        fragments
    return fragments


def stored_frames(fragments: Sequence[dict], track: str = "1") -> int:
    return sum(f["frame_counts"].get(track, 0) for f in fragments)


def read_back_counts(kvs: KvsLocal, stream: str, fragments: Sequence[dict],
                     directory: str, audio: bool = False) -> Dict[str, int]:
    """GetMediaForFragmentList of the fragments, counted by ffprobe:
    decoded video frames, and audio packets when ``audio``."""
    path = read_back(kvs, stream, [f["fragment_number"] for f in fragments],
                     directory)
    counts = {"video": ffprobe_count(path, "v:0", decode=True)}
    if audio:
        counts["audio"] = ffprobe_count(path, "a:0")
    return counts


def assert_round_trip(kvs: KvsLocal, stream: str, directory: str,
                      video_frames: Optional[int] = None,
                      audio_frames: Optional[int] = None) -> List[dict]:
    """Every fragment PERSISTED, no ERROR ACK, and what reads back is what
    was stored (and what was sent, where the test knows it)."""
    fragments = persisted(kvs, stream)
    assert error_acks(kvs, stream) == []
    audio = audio_frames is not None
    counts = read_back_counts(kvs, stream, fragments, directory, audio)
    assert counts["video"] == stored_frames(fragments, "1"), counts
    if video_frames is not None:
        assert counts["video"] == video_frames, counts
    if audio:
        assert counts["audio"] == stored_frames(fragments, "2"), counts
        assert counts["audio"] == audio_frames, counts
    return fragments


def packet_times_ms(path: str) -> Dict[int, List[int]]:
    """Packet PTS (ms, as stored) of each stream of a read-back, by index."""
    out = run_checked(["ffprobe", "-v", "error", "-show_entries",
                       "packet=stream_index,pts_time", "-of", "csv=p=0", path])
    times: Dict[int, List[int]] = {}
    for line in out.stdout.split("\n"):
        if line.strip():
            index, pts = line.split(",")[:2]
            times.setdefault(int(index), []).append(round(float(pts) * 1000))
    return times


def remux_to_mkv(source: str, target: str) -> str:
    """The video and audio of an MP4 remuxed (not re-encoded) into MKV."""
    run_checked(["gst-launch-1.0", "-q", "filesrc", f"location={source}", "!",
                 "qtdemux", "name=d", "d.video_0", "!", "queue", "!",
                 "h264parse", "!", "matroskamux", "name=m", "!", "filesink",
                 f"location={target}", "d.audio_0", "!", "queue", "!",
                 "aacparse", "!", "m."])
    return target


# -- Tags of a read-back ------------------------------------------------------

_MASTERS = {0x18538067, 0x1254C367, 0x7373, 0x67C8}  # Segment Tags Tag SimpleTag


def chunk_tags(chunk: bytes) -> Dict[str, str]:
    """The SimpleTags (TagName -> TagString) of one read-back MKV chunk."""
    tags: Dict[str, str] = {}
    name: Optional[str] = None

    def walk(start: int, end: int) -> None:
        nonlocal name
        pos = start
        while pos < end:
            element, id_len = ebml_vint(chunk, pos, True)
            size, size_len = ebml_vint(chunk, pos + id_len, False)
            body = pos + id_len + size_len
            stop = end if size < 0 else body + size
            if element in _MASTERS:
                walk(body, stop)
            elif element == 0x45A3:
                name = chunk[body:stop].decode()
            elif element == 0x4487 and name is not None:
                tags[name] = chunk[body:stop].decode()
            pos = stop

    walk(0, len(chunk))
    return tags


def read_back_tags(kvs: KvsLocal, stream: str, fragments: Sequence[dict],
                   directory: str) -> List[Dict[str, str]]:
    """The tags of each fragment as GetMediaForFragmentList returns it."""
    path = read_back(kvs, stream, [f["fragment_number"] for f in fragments],
                     directory)
    with open(path, "rb") as f:
        chunks = split_mkv_chunks(f.read())
    assert len(chunks) == len(fragments), (len(chunks), len(fragments))
    return [chunk_tags(c) for c in chunks]


__all__ = ["RtspServer", "kvs_factory", "run_counting", "file_rtsp_launch", "persisted", "stored_frames",
           "error_acks", "read_back_counts", "assert_round_trip",
           "remux_to_mkv", "packet_times_ms", "chunk_tags", "read_back_tags", "media", "EXAMPLES",
           "PYTHON", "HANG_GUARD_S"]
