"""Fault tests: a kvssink pipeline in this process, and its fragment ledger.

A ``Producer`` runs a real pipeline (PyGObject) whose last element is
kvssink. A pad probe on kvssink's sink pad records every buffer the element
receives: its running time and whether it is a key frame. kvssink starts a
fragment at a key frame at least 1 s (KVS's minimum) after the previous
start (key-frame-fragmentation, the default), so the probe's record gives
the fragments the producer made, with their frame counts, independent of
anything kvssink reports.

``reconcile()`` compares that list with what kvslocal persisted
(``/_kvslocal/streams/{name}/fragments``), matching each stored fragment to
a made one by producer timestamp (kvssink stamps a fragment with the
element's anchor + the running time of its key frame):

    lost        made, never persisted
    duplicated  persisted more than once
    partial     persisted with fewer or more frames than were made
    unmatched   persisted but never made (a corrupt timestamp)

Synchronisation is on events only: bus messages (ACKs, state, EOS) and
kvslocal's admin state. Every wait has a hang guard that fails the test; no
test sleeps and no assertion measures time.
"""
from __future__ import annotations

import json
import os
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from sinkutil import gst, sink_props, structure_dict  # noqa: E402

HANG_GUARD_S = 90
MIN_FRAGMENT_NS = 1_000_000_000  # kvssink's (and KVS's) minimum.
# When set, each test appends its ledger (one JSON line) to this file.
LEDGER_LOG = os.environ.get("KVS_FAULT_LEDGER")

# 25 fps, a key frame every `gop` frames: 1 s fragments by default. Small
# and cheap to encode (two shared CI cores).
FPS = 25


def live_source(gop: int = FPS, bitrate_kbps: int = 300, width: int = 320,
                height: int = 240) -> str:
    """A live H.264 source (gst-launch syntax) ending in h264parse."""
    return (f"videotestsrc is-live=true pattern=ball ! "
            f"video/x-raw,width={width},height={height},framerate={FPS}/1 ! "
            f"x264enc tune=zerolatency speed-preset=ultrafast "
            f"key-int-max={gop} bitrate={bitrate_kbps} ! h264parse")


@dataclass
class MadeFragment:
    running_ns: int          # Running time of its key frame.
    frames: int = 0


@dataclass
class Ledger:
    made: List[MadeFragment]
    persisted: List[dict]
    lost: List[int] = field(default_factory=list)        # Made indexes.
    duplicated: List[int] = field(default_factory=list)  # Made indexes.
    partial: List[int] = field(default_factory=list)     # Made indexes.
    unmatched: List[dict] = field(default_factory=list)  # Stored records.
    # Made index -> stored records, in fragment-number order.
    copies: Dict[int, List[dict]] = field(default_factory=dict)
    anchor_ms: int = 0

    def producer_ms(self, index: int) -> int:
        return self.anchor_ms + self.made[index].running_ns // 1_000_000

    def counts(self) -> dict:
        return {"made": len(self.made), "persisted": len(self.persisted),
                "lost": len(self.lost), "duplicated": len(self.duplicated),
                "partial": len(self.partial),
                "unmatched": len(self.unmatched)}

    def summary(self) -> str:
        return (f"made={len(self.made)} persisted={len(self.persisted)} "
                f"lost={len(self.lost)} duplicated={len(self.duplicated)} "
                f"partial={len(self.partial)} unmatched={len(self.unmatched)}")


def reconcile(made: List[MadeFragment], persisted: List[dict],
              anchor_ns: int, tolerance_ms: int = 200) -> Ledger:
    """Matches stored fragments to made ones by producer timestamp.

    `anchor_ns` is the producer time of running time 0 as the test estimated
    it; it is refined from the matches (kvssink computed its own a moment
    apart), then every fragment must match within 2 ms.
    """
    ledger = Ledger(made=made, persisted=persisted)
    expected = [(anchor_ns + m.running_ns) // 1_000_000 for m in made]

    def nearest(ms: int) -> int:
        return min(range(len(expected)), key=lambda i: abs(expected[i] - ms))

    if made and persisted:
        diffs = sorted(f["producer_timestamp_ms"] - expected[nearest(
            f["producer_timestamp_ms"])] for f in persisted)
        median = diffs[len(diffs) // 2]
        if abs(median) <= tolerance_ms:
            expected = [e + median for e in expected]
    ledger.anchor_ms = (expected[0] - made[0].running_ns // 1_000_000
                        if made else 0)
    for record in persisted:
        ms = record["producer_timestamp_ms"]
        i = nearest(ms) if made else -1
        if i < 0 or abs(expected[i] - ms) > 2:
            ledger.unmatched.append(record)
            continue
        ledger.copies.setdefault(i, []).append(record)
    for i, m in enumerate(made):
        copies = ledger.copies.get(i, [])
        if not copies:
            ledger.lost.append(i)
            continue
        if len(copies) > 1:
            ledger.duplicated.append(i)
        if any(c.get("frame_counts") is not None
               and sum(c["frame_counts"].values()) != m.frames
               for c in copies):
            ledger.partial.append(i)
    return ledger


class Producer:
    """A pipeline `<source> ! kvssink` run in this process."""

    def __init__(self, kvs, stream: str, source: Optional[str] = None,
                 static_credentials: bool = True, **props):
        """`static_credentials`: kvslocal's key pair as access-key and
        secret-key (properties beat every other credential source); False
        leaves the credentials to the props (e.g. iot_certificate)."""
        self.Gst = gst()
        self.kvs = kvs
        self.stream = stream
        sink = sink_props(kvs, stream, **props)
        if not static_credentials:
            sink = re.sub(r" (access|secret)-key=\S+", "", sink)
        description = f"{source or live_source()} ! {sink} name=sink"
        self.pipeline = self.Gst.parse_launch(description)
        self.sink = self.pipeline.get_by_name("sink")
        self.bus = self.pipeline.get_bus()
        offline = str(props.get("streaming_type", "")) in ("offline", "2")
        self.lock = threading.Lock()
        self.made: List[MadeFragment] = []
        self.frames = 0
        self.anchor_ns: Optional[int] = None
        # Offline: producer time = file-start-time (s) + running time.
        self.offline_anchor_ns: Optional[int] = (
            self.sink.get_property("file-start-time") * 1_000_000_000
            if offline else None)
        self.segment = None
        self.messages: List[dict] = []
        self.warnings: List[str] = []
        self.error: Optional[str] = None
        self.eos = False
        self.final_stats: Optional[dict] = None
        self.dropped_logged: List[int] = []  # Timecodes kvssink logged.
        pad = self.sink.sinkpads[0]
        pad.add_probe(self.Gst.PadProbeType.BUFFER
                      | self.Gst.PadProbeType.EVENT_DOWNSTREAM, self._probe)
        _watch_drop_logs(self.Gst)
        _DROP_WATCHERS.append(self)

    # -- the producer's own record --------------------------------------------

    def _probe(self, pad, info):
        Gst = self.Gst
        if info.type & Gst.PadProbeType.EVENT_DOWNSTREAM:
            event = info.get_event()
            if event.type == Gst.EventType.SEGMENT:
                self.segment = event.parse_segment()
            return Gst.PadProbeReturn.OK
        buffer = info.get_buffer()
        ts = buffer.pts if buffer.pts != Gst.CLOCK_TIME_NONE else buffer.dts
        running = self.segment.to_running_time(Gst.Format.TIME, ts)
        key = not buffer.has_flags(Gst.BufferFlags.DELTA_UNIT)
        with self.lock:
            if self.anchor_ns is None:
                self.anchor_ns = self._anchor_now()
            starts = key and (not self.made or running - self.made[-1]
                              .running_ns >= MIN_FRAGMENT_NS)
            if starts:
                self.made.append(MadeFragment(running_ns=running))
            if self.made:
                self.made[-1].frames += 1
            self.frames += 1
        return Gst.PadProbeReturn.OK

    def _anchor_now(self) -> int:
        """Producer time of running time 0, as kvssink computes it."""
        if self.offline_anchor_ns is not None:
            return self.offline_anchor_ns
        clock = self.sink.get_clock()
        now = time.time_ns()
        return now - (clock.get_time() - self.sink.get_base_time())

    def made_fragments(self) -> List[MadeFragment]:
        with self.lock:
            return [MadeFragment(m.running_ns, m.frames) for m in self.made]

    # -- running ---------------------------------------------------------------

    def start(self) -> "Producer":
        result = self.pipeline.set_state(self.Gst.State.PLAYING)
        assert result != self.Gst.StateChangeReturn.FAILURE, \
            "pipeline did not start"
        return self

    def _handle(self, msg) -> None:
        Gst = self.Gst
        if msg.type == Gst.MessageType.ELEMENT:
            self.messages.append(structure_dict(msg.get_structure()))
        elif msg.type == Gst.MessageType.WARNING:
            err, _ = msg.parse_warning()
            self.warnings.append(err.message)
        elif msg.type == Gst.MessageType.ERROR:
            err, dbg = msg.parse_error()
            self.error = f"{err.message}\n{dbg}"
        elif msg.type == Gst.MessageType.EOS:
            self.eos = True

    def wait_for(self, predicate: Callable[[], bool], what: str,
                 guard_s: float = HANG_GUARD_S) -> None:
        """Handles bus messages until `predicate()` holds.

        Fails on a pipeline error, or when the hang guard expires.
        """
        Gst = self.Gst
        deadline = time.monotonic() + guard_s
        while not predicate():
            assert self.error is None, f"waiting for {what}: {self.error}"
            remaining = deadline - time.monotonic()
            assert remaining > 0, (f"hang guard: no {what} within {guard_s} s; "
                                   f"{self.diagnosis()}")
            msg = self.bus.timed_pop(int(min(remaining, 0.2) * Gst.SECOND))
            if msg is not None:
                self._handle(msg)

    def diagnosis(self) -> str:
        """What kvssink says about itself, for failure messages."""
        stats = self.stats()
        keys = ("state", "sessions", "reconnects", "retries", "last-error",
                "fragments-created", "acks-persisted", "storage-used-bytes",
                "dropped-fragments")
        return (f"states {self.states()[-4:]}; "
                + ", ".join(f"{k}={stats.get(k)}" for k in keys))

    def acks(self, kind: str) -> List[dict]:
        return [m for m in self.messages
                if m["_name"] == "kvssink-fragment-ack" and m["type"] == kind]

    def states(self) -> List[str]:
        return [m["state"] for m in self.messages
                if m["_name"] == "kvssink-stream-state"]

    def wait_acks(self, kind: str, count: int, guard_s: float = HANG_GUARD_S):
        self.wait_for(lambda: len(self.acks(kind)) >= count,
                      f"{count} {kind} ACKs", guard_s)

    def stats(self) -> dict:
        return structure_dict(self.sink.get_property("stats"))

    def finish(self, guard_s: float = 150) -> dict:
        """Sends EOS, waits for kvssink's EOS (everything acknowledged or
        stop-stream-timeout, 120 s by default: the guard is longer, so a
        stuck drain shows up in the ledger), stops, and returns the final
        stats."""
        self.pipeline.send_event(self.Gst.Event.new_eos())
        self.wait_for(lambda: self.eos, "EOS", guard_s)
        self.final_stats = self.stats()
        self.stop()
        return self.final_stats

    def stop(self) -> None:
        self.pipeline.set_state(self.Gst.State.NULL)
        if self in _DROP_WATCHERS:
            _DROP_WATCHERS.remove(self)

    def ledger(self) -> Ledger:
        """Made vs what kvslocal holds for the stream now."""
        return self.ledger_of(self.kvs.fragments(self.stream))

    def ledger_of(self, persisted: List[dict]) -> Ledger:
        """Made vs `persisted` (kvslocal fragment records; a record whose
        "frame_counts" is None is not checked for completeness)."""
        assert self.anchor_ns is not None, "no buffer reached kvssink"
        return reconcile(self.made_fragments(), persisted, self.anchor_ns)

    def skipped_timecodes(self) -> List[int]:
        """Timecodes (ms) of fragments kvssink reported as rejected."""
        out = []
        for text in self.warnings:
            m = re.search(r"Fragment at (\d+) ms was rejected", text)
            if m:
                out.append(int(m.group(1)))
        return out


# kvscore logs each dropped fragment ("stream S: dropped fragment at T ms
# ... : reason") as a kvssink WARNING; the element has no per-fragment
# message for it yet, so the tests read the log.
_DROP_WATCHERS: List["Producer"] = []
_DROP_LOG = re.compile(r"stream (\S+): dropped fragment at (\d+) ms")
_hooked = False


def _watch_drop_logs(Gst) -> None:
    global _hooked
    if _hooked:
        return
    _hooked = True
    if "kvssink" not in os.environ.get("GST_DEBUG", ""):
        Gst.debug_set_threshold_for_name("kvssink", Gst.DebugLevel.WARNING)
    Gst.debug_set_active(True)

    def hook(category, level, file, function, line, obj, message, *_):
        if category.get_name() != "kvssink" or level != Gst.DebugLevel.WARNING:
            return
        m = _DROP_LOG.search(message.get() or "")
        if m:
            for producer in list(_DROP_WATCHERS):
                if producer.stream == m.group(1):
                    producer.dropped_logged.append(int(m.group(2)))

    Gst.debug_add_log_function(hook, None)


def record(name: str, ledger: Ledger, **extra) -> None:
    """Appends the test's ledger to $KVS_FAULT_LEDGER (for reports)."""
    if not LEDGER_LOG:
        return
    with open(LEDGER_LOG, "a") as f:
        f.write(json.dumps({"test": name, **ledger.counts(), **extra}) + "\n")


def acked_fragment_numbers(kvs, stream: str) -> set:
    """Fragment numbers kvslocal sent RECEIVED or PERSISTED for."""
    return {a["ack"]["FragmentNumber"] for a in kvs.acks(stream)
            if a["ack"].get("EventType") in ("RECEIVED", "PERSISTED")}


def unexplained_duplicates(ledger: Ledger, acked: set) -> List[int]:
    """Duplicated made fragments whose first stored copy was acknowledged.

    A producer must resend a fragment whose RECEIVED/PERSISTED never reached
    it (at-least-once: a reset connection loses ACKs in flight); resending
    one that kvslocal did acknowledge is a producer bug.
    """
    return [i for i in ledger.duplicated
            if ledger.copies[i][0]["fragment_number"] in acked]


def assert_ledger(ledger: Ledger, reported_lost: int = 0,
                  acked: Optional[set] = None) -> None:
    """Nothing lost but what was reported, nothing partial or corrupt, and
    no duplicate (or, given `acked`, none the producer could have avoided)."""
    assert ledger.made, "the producer made no fragment"
    assert not ledger.unmatched, ledger.unmatched
    assert not ledger.partial, [ledger.made[i] for i in ledger.partial]
    assert len(ledger.lost) == reported_lost, \
        (ledger.summary(), [ledger.producer_ms(i) for i in ledger.lost])
    if acked is None:
        assert not ledger.duplicated, ledger.summary()
    else:
        assert not unexplained_duplicates(ledger, acked), ledger.summary()
