"""Helpers for the element's end-to-end tests (issue 6) against kvslocal.

- The seed guide's example gst-launch commands, verbatim, and ``adapt()``,
  which swaps only the camera for a file or test source and points kvssink
  at kvslocal (endpoint-uri plus kvslocal's documented keys), failing if a
  piece it should replace is not in the command.
- ``RtspServer``: a gst-rtsp-server subprocess (rtsp_server.py) on a free
  loopback port serving ../shared/media files.
- ``InProcess``: a pipeline run in this process (PyGObject) to EOS or ERROR,
  counting the buffers that reach each kvssink pad and collecting every
  message, with hooks on bus messages. Every wait is bounded; none sleeps.
- Per-track frame totals of kvslocal's fragment records, /proc counters.
"""
from __future__ import annotations

import os
import selectors
import subprocess
import sys
import time
from typing import Callable, Dict, List, Optional

import pytest

from kvslocal_fixture import PYTHON
from sinkutil import HANG_GUARD_S, gst, media, structure_dict

HERE = os.path.dirname(os.path.abspath(__file__))
# Big Buck Bunny, 10 s: H.264 (240 frames, an IDR every 60) and AAC (431).
BBB = "bbb_h264_high_nob_aac_1280x720_10s.mp4"

# --- RTSP server. -----------------------------------------------------

class RtspServer:
    """rtsp_server.py in a subprocess: ``with RtspServer({"av": launch})``.

    ``urls[mount]`` is the rtsp:// URL of each mount. Every client gets its
    own media from the start of the file.
    """

    def __init__(self, mounts: Dict[str, str], start_timeout: float = 30):
        self.mounts = mounts
        self.start_timeout = start_timeout
        self.urls: Dict[str, str] = {}
        self.proc: Optional[subprocess.Popen] = None

    def __enter__(self) -> "RtspServer":
        args = [PYTHON, os.path.join(HERE, "rtsp_server.py")]
        for mount, launch in self.mounts.items():
            args += [mount, launch]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE,
                                     stdin=subprocess.DEVNULL)
        lines = self._read_lines(len(self.mounts) + 1)
        for mount, line in zip(self.mounts, lines):
            assert line.startswith("rtsp://127.0.0.1:"), lines
            self.urls[mount] = line
        return self

    def _read_lines(self, count: int) -> List[str]:
        assert self.proc is not None and self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        selector = selectors.DefaultSelector()
        selector.register(fd, selectors.EVENT_READ)
        deadline = time.monotonic() + self.start_timeout
        data = b""
        try:
            while data.count(b"\n") < count:
                remaining = deadline - time.monotonic()
                assert remaining > 0 and selector.select(remaining), \
                    f"rtsp_server.py did not start: {data!r}"
                piece = os.read(fd, 4096)
                assert piece, f"rtsp_server.py exited: {data!r}"
                data += piece
        finally:
            selector.close()
        return data.decode().split("\n")[:count]

    def __exit__(self, *exc) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc.stdout.close()


def bbb_mounts() -> Dict[str, str]:
    """Big Buck Bunny re-payloaded without re-encoding: ``video`` (H.264
    only, pay0) and ``av`` (H.264 pay0 + AAC pay1)."""
    demux = f"filesrc location={media(BBB)} ! qtdemux name=d"
    video = "d.video_0 ! queue ! h264parse ! rtph264pay name=pay0 pt=96"
    audio = "d.audio_0 ! queue ! aacparse ! rtpmp4gpay name=pay1 pt=97"
    return {"video": f"( {demux} {video} )",
            "av": f"( {demux} {video} {audio} )"}


@pytest.fixture(scope="module")
def rtsp():
    """rtsp://127.0.0.1:PORT/{video,av}: bbb at its real pace, from the
    start for every client. A test module imports this fixture."""
    with RtspServer(bbb_mounts()) as server:
        yield server.urls


# --- In-process pipelines. ----------------------------------------------

class InProcess:
    """A pipeline in this process, run to EOS or ERROR.

    Counts buffers and events reaching every pad of the kvssink named
    ``sink_name`` (request pads are counted from when they are added), and
    keeps every element message as a dict (``messages(name)``).
    """

    def __init__(self, description: str, sink_name: str = "s"):
        self.Gst = gst()
        self.pipeline = self.Gst.parse_launch(description)
        self.sink = self.pipeline.get_by_name(sink_name)
        assert self.sink is not None, f"no element named {sink_name}"
        self.buffers: Dict[str, int] = {}
        self.running_times: Dict[str, list] = {}  # (running time, key)
        self.final_stats: Optional[dict] = None  # The stats at EOS.
        self.elements: List[dict] = []
        self.error: Optional[str] = None
        self.error_details: Optional[dict] = None
        self.warnings: List[str] = []
        self.sink.connect("pad-added", lambda _e, pad: self._watch(pad))
        for pad in self.sink.sinkpads:
            self._watch(pad)

    def _watch(self, pad) -> None:
        Gst = self.Gst
        name = pad.get_name()
        self.buffers.setdefault(name, 0)
        self.running_times.setdefault(name, [])
        segment = [None]

        def on_data(_pad, info):
            if info.type & Gst.PadProbeType.BUFFER:
                self.buffers[name] += 1
                buf = info.get_buffer()
                ts = buf.pts if buf.pts != Gst.CLOCK_TIME_NONE else buf.dts
                rt = (segment[0].to_running_time(Gst.Format.TIME, ts)
                      if segment[0] is not None else ts)
                key = not buf.has_flags(Gst.BufferFlags.DELTA_UNIT)
                self.running_times[name].append((rt, key))
            else:
                event = info.get_event()
                if event.type == Gst.EventType.SEGMENT:
                    segment[0] = event.parse_segment()
            return Gst.PadProbeReturn.OK
        pad.add_probe(Gst.PadProbeType.BUFFER
                      | Gst.PadProbeType.EVENT_DOWNSTREAM, on_data)

    def expected_frames(self) -> Dict[str, int]:
        """Buffers each pad received that kvssink must store: a fragment
        starts at a video key frame, so video before the first one and
        audio presented before it (by running time) are dropped."""
        video = [p for p in self.running_times if p.startswith("video")]
        if not video:
            return dict(self.buffers)
        keys = [rt for rt, key in self.running_times[video[0]] if key]
        assert keys, "no video key frame reached kvssink"
        first_key = keys[0]
        return {pad: sum(1 for rt, _ in times if rt >= first_key)
                for pad, times in self.running_times.items()}

    def messages(self, name: str) -> List[dict]:
        return [m for m in self.elements if m["_name"] == name]

    def run(self, on_message: Optional[Callable] = None,
            timeout_s: float = HANG_GUARD_S,
            stop_state=None) -> "InProcess":
        """Plays to EOS or ERROR (or until ``on_message`` returns True),
        then sets ``stop_state`` (default NULL)."""
        Gst = self.Gst
        bus = self.pipeline.get_bus()
        ret = self.pipeline.set_state(Gst.State.PLAYING)
        assert ret != Gst.StateChangeReturn.FAILURE, "cannot play"
        deadline = time.monotonic() + timeout_s
        try:
            while True:
                remaining = deadline - time.monotonic()
                assert remaining > 0, "pipeline hung"
                msg = bus.timed_pop(int(remaining * Gst.SECOND))
                if msg is None:
                    continue
                if self._record(msg):
                    break
                if on_message is not None and on_message(msg):
                    break
        finally:
            self.pipeline.set_state(
                stop_state if stop_state is not None else Gst.State.NULL)
        return self

    def _record(self, msg) -> bool:
        """Keeps what the message says; True at EOS or ERROR."""
        Gst = self.Gst
        if msg.type == Gst.MessageType.ELEMENT:
            self.elements.append(structure_dict(msg.get_structure()))
        elif msg.type == Gst.MessageType.WARNING:
            err, dbg = msg.parse_warning()
            self.warnings.append(f"{err.message} ({dbg})")
        elif msg.type == Gst.MessageType.ERROR:
            err, dbg = msg.parse_error()
            self.error = f"{err.message}\n{dbg}"
            details = msg.parse_error_details()
            self.error_details = (structure_dict(details)
                                  if details is not None else None)
            return True
        elif msg.type == Gst.MessageType.EOS:
            self.final_stats = self.stats()
            return True
        return False

    def stats(self) -> dict:
        return structure_dict(self.sink.get_property("stats"))


# --- kvslocal records, /proc. -----------------------------------------

def frames_by_track(fragments: List[dict]) -> Dict[str, int]:
    """Frames kvslocal stored per MKV track number ("1", "2")."""
    totals: Dict[str, int] = {}
    for f in fragments:
        for track, n in f["frame_counts"].items():
            totals[track] = totals.get(track, 0) + n
    return totals


def thread_count() -> int:
    return len(os.listdir("/proc/self/task"))


def fd_count() -> int:
    return len(os.listdir("/proc/self/fd"))


def python() -> str:
    """The interpreter examples run with (the one with PyGObject)."""
    return PYTHON if os.path.exists(PYTHON) else sys.executable
