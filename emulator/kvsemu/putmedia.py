"""PutMedia: a chunked MKV upload answered by a stream of ACKs (full duplex).

Wire contract (guide L8900-9076; upstream-wire-capture.md sections 2-3):
- request headers x-amzn-stream-name | x-amzn-stream-arn (exactly one),
  x-amzn-fragment-timecode-type ABSOLUTE|RELATIVE, x-amzn-producer-start-
  timestamp (seconds, e.g. 1795262660.292), x-amzn-fragment-acknowledgment-
  required 1|0;
- the answer is HTTP 200 at once, chunked application/json, one ACK object
  per line, written while the body is still arriving:
  BUFFERING when a Cluster starts; RECEIVED (and PERSISTED when the stream's
  DataRetentionInHours > 0) when it ends -- at the next level-1 element (next
  Cluster, or Tags such as AWS_KINESISVIDEO_END_OF_FRAGMENT) or at the end of
  the body; IDLE every ``idle_interval_s`` without data; after
  ``idle_timeout_s`` without data the request is closed (guide L8992);
- an ERROR ACK carries ErrorId (guide L9003-9024) and ends the connection,
  as the producer SDK terminates it too (upstream-kvssink.md B.3).

Producer timestamp (guide L8860-8872): RELATIVE -> producer start timestamp
+ fragment timecode; ABSOLUTE -> fragment timecode; both in ms.
"""
from __future__ import annotations

import asyncio
import json
import logging
import re
import socket
import struct
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from aiohttp import web

from . import mkv
from .errors import KvsError
from .faults import Faults
from .store import Fragment, Store, StreamData

log = logging.getLogger("kvslocal.putmedia")

# ErrorIds (guide L9003-9024).
STREAM_READ_ERROR = 4000
MAX_FRAGMENT_SIZE_REACHED = 4001
MAX_FRAGMENT_DURATION_REACHED = 4002
MAX_CONNECTION_DURATION_REACHED = 4003
FRAGMENT_TIMECODE_LESSER_THAN_PREVIOUS = 4004
MORE_THAN_ALLOWED_TRACKS_FOUND = 4005
INVALID_MKV_DATA = 4006
INVALID_PRODUCER_TIMESTAMP = 4007
STREAM_NOT_ACTIVE = 4008
FRAGMENT_METADATA_LIMIT_REACHED = 4009
TRACK_NUMBER_MISMATCH = 4010
FRAMES_MISSING_FOR_TRACK = 4011

MAX_TRACKS = 3                      # guide L8849
MAX_METADATA_TAGS = 10              # kvs-spec.md section 7


@dataclass
class Limits:
    """PutMedia limits.  Defaults are KVS's documented values."""

    max_fragment_bytes: int = 50 * 1024 * 1024       # 4001, guide L9005
    max_fragment_duration_ms: int = 10_000           # 4002, guide L9006
    max_connection_duration_s: float = 45 * 60      # 4003, guide L3019
    max_producer_future_ms: int = 300_000            # 4007 threshold (not documented)
    idle_interval_s: float = 3.0                     # IDLE period (not documented)
    idle_timeout_s: float = 30.0                     # guide L8992


class _Closed(Exception):
    """The session must stop reading; ``mode`` is "clean" or "reset"."""

    def __init__(self, mode: str = "clean"):
        super().__init__(mode)
        self.mode = mode


@dataclass
class _OpenFragment:
    timecode: int
    number: str
    server_ms: int
    producer_ms: int
    tags: Dict[str, str]
    frames: Dict[int, int] = field(default_factory=dict)
    keys: Dict[int, int] = field(default_factory=dict)
    key_offsets_ms: List[int] = field(default_factory=list)
    min_ts: Optional[int] = None
    max_ts: Optional[int] = None
    max_end: Optional[int] = None
    track_last: Dict[int, int] = field(default_factory=dict)
    track_steps: Dict[int, int] = field(default_factory=dict)


class PutMediaSession:
    """One PutMedia connection.  ``run()`` returns the finished response."""

    def __init__(self, request: web.Request, store: Store, faults: Faults,
                 limits: Limits, discard: bool, data: StreamData, request_id: str,
                 timecode_type: str, start_ms: Optional[int], acks_required: bool):
        self.request = request
        self.store = store
        self.faults = faults
        self.limits = limits
        self.discard = discard
        self.data = data
        self.request_id = request_id
        self.relative = timecode_type == "RELATIVE"
        self.start_ms = start_ms or 0
        self.acks_required = acks_required
        self.session = store.new_session(data)
        self.parser = mkv.MkvStreamParser(max_element_bytes=limits.max_fragment_bytes + 1024)
        self.response = web.StreamResponse(status=200)
        self.header: Optional[bytes] = None
        self.tracks: Dict[int, mkv.TrackInfo] = {}
        self.scale_ns = mkv.DEFAULT_TIMECODE_SCALE_NS
        self.open: Optional[_OpenFragment] = None
        self.pending_tags: List[tuple] = []
        self.last_timecode: Optional[int] = None
        self.prev_max_ts: Optional[int] = None
        self.body_bytes = 0
        self.completed = 0
        self.started = time.monotonic()
        self.last_data = time.monotonic()
        self.ack_queue: asyncio.Queue = asyncio.Queue()
        self.terminated = asyncio.Event()
        self.superseded = False
        self.close_fault = None

    # -- entry ----------------------------------------------------------------

    async def run(self) -> web.StreamResponse:
        resp = self.response
        resp.content_type = "application/json"
        resp.headers["x-amzn-RequestId"] = self.request_id
        resp.enable_chunked_encoding()
        resp.force_close()
        await resp.prepare(self.request)
        previous = self.data.active_putmedia
        if isinstance(previous, PutMediaSession):
            log.info("stream %s: session %d replaces session %d (newest wins)",
                     self.data.stream.name, self.session, previous.session)
            previous.terminate()
        self.data.active_putmedia = self
        faults = self.faults.matching("close_connection", self.data.stream.name)
        self.close_fault = faults[0] if faults else None
        if self.close_fault is not None:
            self.close_fault.fire("PutMedia", session=self.session, stream=self.data.stream.name)
        writer = asyncio.ensure_future(self._ack_writer())
        mode = "clean"
        try:
            await self._read_body()
        except _Closed as closed:
            mode = closed.mode
        except (ConnectionResetError, asyncio.CancelledError):
            mode = "gone"
        finally:
            if self.data.active_putmedia is self:
                self.data.active_putmedia = None
        if mode == "gone":
            writer.cancel()
            return resp
        await self.ack_queue.put(None)
        if mode == "reset":
            writer.cancel()
            reset_connection(self.request)
            return resp
        try:
            await writer
            await resp.write_eof()
            await self._drain()
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        return resp

    async def _drain(self, quiet_s: float = 2.0, limit_s: float = 30.0,
                     limit_bytes: int = 256 * 1024 * 1024) -> None:
        """Reads and drops what is left of the body after the response ended.

        Closing with unread data would send an RST, and the client could lose
        the last ACKs (an ERROR ACK above all), so kvslocal reads until the
        client stops: end of body, ``quiet_s`` without data, or the limits
        (seconds, bytes)."""
        deadline = time.monotonic() + limit_s
        content = self.request.content
        drained = 0
        while drained < limit_bytes:
            remaining = min(quiet_s, deadline - time.monotonic())
            if remaining <= 0:
                return
            try:
                chunk = await asyncio.wait_for(content.readany(), remaining)
            except asyncio.TimeoutError:
                return
            if not chunk:
                return
            drained += len(chunk)

    def terminate(self) -> None:
        """A newer connection took over the stream ("the last connection is
        accepted", guide L5399).  This one may finish the fragment it is in the
        middle of (ACKed as usual), then it ends; at a fragment boundary it ends
        at once.  It never starts another fragment."""
        self.superseded = True
        if self.open is None:
            self.terminated.set()

    # -- reading --------------------------------------------------------------

    async def _read_body(self) -> None:
        content = self.request.content
        while True:
            self._check_connection_age()
            read = asyncio.ensure_future(content.readany())
            stop = asyncio.ensure_future(self.terminated.wait())
            done, _ = await asyncio.wait({read, stop}, timeout=self.limits.idle_interval_s,
                                         return_when=asyncio.FIRST_COMPLETED)
            if stop in done:
                read.cancel()
                raise _Closed("clean")
            stop.cancel()
            if read not in done:
                read.cancel()
                self._on_idle()
                continue
            chunk = read.result()
            if not chunk:
                try:
                    events = self.parser.finish()
                except mkv.MkvError as exc:
                    self._error(exc.error_id, str(exc))
                self._on_events(events)
                return
            self.last_data = time.monotonic()
            await self._throttle(len(chunk))
            self._on_bytes(chunk)

    async def _throttle(self, size: int) -> None:
        for fault in self.faults.matching("throttle_upload", self.data.stream.name):
            if not fault.fired:
                fault.fire("PutMedia", session=self.session)
            await asyncio.sleep(size / fault.params["bytes_per_second"])

    def _check_connection_age(self) -> None:
        if time.monotonic() - self.started > self.limits.max_connection_duration_s:
            self._error(MAX_CONNECTION_DURATION_REACHED)

    def _on_idle(self) -> None:
        if time.monotonic() - self.last_data >= self.limits.idle_timeout_s:
            log.info("stream %s session %d: idle for %.0f s, closing",
                     self.data.stream.name, self.session, self.limits.idle_timeout_s)
            raise _Closed("clean")
        self._ack({"EventType": "IDLE"})

    def _on_bytes(self, chunk: bytes) -> None:
        fault = self.close_fault
        limit = None
        if fault is not None and "after_bytes" in fault.params:
            limit = fault.params["after_bytes"] - self.body_bytes
            if limit < len(chunk):
                chunk = chunk[:max(limit, 0)]
        self.body_bytes += len(chunk)
        try:
            events = self.parser.feed(chunk)
        except mkv.MkvError as exc:
            log.info("stream %s session %d: %s", self.data.stream.name, self.session, exc)
            self._on_events(exc.events)
            self._error(exc.error_id, str(exc))
        self._on_events(events)
        if self.parser.pending_cluster_bytes() > self.limits.max_fragment_bytes:
            self._error(MAX_FRAGMENT_SIZE_REACHED, "fragment is larger than the maximum")
        if limit is not None and self.body_bytes >= fault.params["after_bytes"]:
            raise _Closed(fault.params["mode"])

    # -- MKV events -----------------------------------------------------------

    def _on_events(self, events: list) -> None:
        for event in events:
            if isinstance(event, mkv.HeaderDone):
                self.header = None if self.discard else event.header
                self.tracks = event.tracks
                self.scale_ns = event.timecode_scale_ns
            elif isinstance(event, mkv.ClusterTimecode):
                self._start_fragment(event.timecode)
            elif isinstance(event, mkv.Frame):
                self._on_frame(event)
            elif isinstance(event, mkv.ClusterEnd):
                self._end_fragment(event.cluster)
            elif isinstance(event, mkv.TagsElement):
                for name, value in event.tags:
                    if not name.startswith("AWS_"):
                        self.pending_tags.append((name, value))

    def _ms(self, ticks: int) -> int:
        return ticks * self.scale_ns // 1_000_000

    def _start_fragment(self, timecode: int) -> None:
        if self.superseded:
            raise _Closed("clean")
        now_ms = int(time.time() * 1000)
        number = self.store.next_fragment_number(self.data)
        producer_ms = self._ms(timecode) + (self.start_ms if self.relative else 0)
        tags = dict(self.pending_tags)
        count = len(self.pending_tags)
        self.pending_tags = []
        self.open = _OpenFragment(timecode=timecode, number=number, server_ms=now_ms,
                                  producer_ms=producer_ms, tags=tags)
        if not self._stream_active():
            self._error(STREAM_NOT_ACTIVE, "stream is not active")
        if len(self.tracks) > MAX_TRACKS:
            self._error(MORE_THAN_ALLOWED_TRACKS_FOUND, f"{len(self.tracks)} tracks")
        if self.last_timecode is not None and timecode <= self.last_timecode:
            self._error(FRAGMENT_TIMECODE_LESSER_THAN_PREVIOUS,
                        f"timecode {timecode} after {self.last_timecode}")
        if count > MAX_METADATA_TAGS:
            self._error(FRAGMENT_METADATA_LIMIT_REACHED, f"{count} metadata tags")
        if producer_ms > now_ms + self.limits.max_producer_future_ms:
            self._error(INVALID_PRODUCER_TIMESTAMP,
                        f"producer timestamp {producer_ms} is {producer_ms - now_ms} ms ahead")
        self.last_timecode = timecode
        self._ack({"EventType": "BUFFERING", "FragmentTimecode": timecode,
                   "FragmentNumber": number})

    def _stream_active(self) -> bool:
        return self.data.stream.status(self.store.clock()) == "ACTIVE" and \
            self.store.get(self.data.stream.name) is self.data

    def _on_frame(self, frame: mkv.Frame) -> None:
        frag = self.open
        assert frag is not None
        if frame.track not in self.tracks:
            self._error(TRACK_NUMBER_MISMATCH, f"frame for track {frame.track}")
        ts = frag.timecode + frame.timecode
        frag.frames[frame.track] = frag.frames.get(frame.track, 0) + frame.frames
        if frame.keyframe:
            frag.keys[frame.track] = frag.keys.get(frame.track, 0) + 1
            if self.tracks[frame.track].track_type == 1 or len(self.tracks) == 1:
                frag.key_offsets_ms.append(self._ms(frame.timecode))
        frag.min_ts = ts if frag.min_ts is None else min(frag.min_ts, ts)
        frag.max_ts = ts if frag.max_ts is None else max(frag.max_ts, ts)
        last = frag.track_last.get(frame.track)
        if last is not None and ts > last:
            frag.track_steps[frame.track] = ts - last
        frag.track_last[frame.track] = ts
        duration = frame.duration
        if duration is None and self.tracks[frame.track].default_duration_ns:
            duration = self.tracks[frame.track].default_duration_ns // self.scale_ns
        if duration is not None:
            end = ts + duration
            frag.max_end = end if frag.max_end is None else max(frag.max_end, end)
        if self._ms(ts - frag.timecode) > self.limits.max_fragment_duration_ms:
            self._error(MAX_FRAGMENT_DURATION_REACHED,
                        f"fragment spans more than {self.limits.max_fragment_duration_ms} ms")

    def _duration_ms(self, frag: _OpenFragment) -> int:
        end = frag.max_ts if frag.max_ts is not None else frag.timecode
        for track, last in frag.track_last.items():
            end = max(end, last + frag.track_steps.get(track, 0))
        if frag.max_end is not None:
            end = max(end, frag.max_end)
        return max(0, self._ms(end - frag.timecode))

    def _end_fragment(self, cluster: bytes) -> None:
        frag = self.open
        self.open = None
        if frag is None:
            self._error(INVALID_MKV_DATA, "cluster without a Timecode")
            return
        if not self._stream_active():
            self.open = frag
            self._error(STREAM_NOT_ACTIVE, "stream was deleted during the fragment")
        missing = [t for t in self.tracks if frag.frames.get(t, 0) == 0]
        if missing:
            self.open = frag
            self._error(FRAMES_MISSING_FOR_TRACK, f"no frames for track(s) {missing}")
        if self.prev_max_ts is not None and frag.min_ts is not None \
                and frag.min_ts < self.prev_max_ts:
            self.open = frag
            self._error(FRAGMENT_TIMECODE_LESSER_THAN_PREVIOUS,
                        "fragment overlaps the previous fragment")
        self.prev_max_ts = frag.max_ts
        self._fragment_faults(frag)
        persisted = self.data.stream.retention_hours > 0
        fragment = Fragment(
            number=frag.number, fragment_timecode=frag.timecode,
            producer_timestamp_ms=frag.producer_ms, server_timestamp_ms=frag.server_ms,
            size_bytes=len(cluster), duration_ms=self._duration_ms(frag),
            frame_counts={str(k): v for k, v in sorted(frag.frames.items())},
            key_frame_counts={str(k): v for k, v in sorted(frag.keys.items())},
            session=self.session, tags=frag.tags, key_frame_offsets_ms=frag.key_offsets_ms,
            persisted=persisted, header=self.header,
            cluster=None if self.discard else cluster)
        self.store.add_fragment(self.data, fragment)
        self.completed += 1
        ack = {"FragmentTimecode": frag.timecode, "FragmentNumber": frag.number}
        self._ack({"EventType": "RECEIVED", **ack})
        if persisted:
            self._ack({"EventType": "PERSISTED", **ack})
        fault = self.close_fault
        if fault is not None and self.completed >= fault.params.get("after_fragments", 1 << 62):
            raise _Closed(fault.params["mode"])
        if self.superseded:
            raise _Closed("clean")

    def _fragment_faults(self, frag: _OpenFragment) -> None:
        for fault in self.faults.matching("error_ack", self.data.stream.name):
            fault.seen_fragments += 1
            if fault.seen_fragments == fault.params["fragment"]:
                fault.fire("PutMedia", session=self.session, fragment_number=frag.number,
                           error_id=fault.params["error_id"])
                self.open = frag
                self._error(fault.params["error_id"], "injected by an error_ack fault")

    # -- ACKs -----------------------------------------------------------------

    def _error(self, error_id: int, reason: str = "") -> None:
        """Sends an ERROR ACK for the open fragment and ends the session."""
        ack: dict = {"EventType": "ERROR"}
        if self.open is not None:
            ack["FragmentTimecode"] = self.open.timecode
            ack["FragmentNumber"] = self.open.number
        ack["ErrorId"] = error_id
        log.info("stream %s session %d: ERROR %d %s", self.data.stream.name, self.session,
                 error_id, reason)
        self._ack(ack, force=True)
        raise _Closed("clean")

    def _ack(self, ack: dict, force: bool = False) -> None:
        kind = ack["EventType"]
        if not self.acks_required and kind != "ERROR":
            return
        for fault in self.faults.matching("withhold_ack", self.data.stream.name):
            if fault.params["event_type"] == kind:
                fault.fire("PutMedia", session=self.session, ack=ack)
                return
        self.ack_queue.put_nowait(ack)

    async def _ack_writer(self) -> None:
        while True:
            ack = await self.ack_queue.get()
            if ack is None:
                return
            for fault in self.faults.matching("delay_acks", self.data.stream.name):
                kinds = fault.params.get("event_types")
                if not kinds or ack["EventType"] in kinds:
                    fault.fire("PutMedia", session=self.session, ack=ack)
                    await asyncio.sleep(fault.params["delay_ms"] / 1000)
            line = json.dumps(ack, separators=(",", ":")) + "\n"
            self.data.log_ack({"session": self.session, "time_ms": int(time.time() * 1000),
                               "ack": ack})
            await self.response.write(line.encode())


def reset_connection(request: web.Request) -> None:
    """Aborts the request's TCP connection with an RST (SO_LINGER 0, then abort)."""
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    transport.abort()


STREAM_NAME_PATTERN = "[a-zA-Z0-9_.-]+"
STREAM_ARN_PATTERN = "arn:[a-z\\d-]+:kinesisvideo:[a-z0-9-]+:[0-9]+:[a-z]+/[a-zA-Z0-9_.-]+/[0-9]+"


def _check_header(value: str, member: str, low: int, high: int, pattern: str) -> None:
    if len(value) < low:
        problem = f"Member must have length greater than or equal to {low}"
    elif len(value) > high:
        problem = f"Member must have length less than or equal to {high}"
    elif re.fullmatch(pattern, value) is None:
        problem = f"Member must satisfy regular expression pattern: {pattern}"
    else:
        return
    raise KvsError("InvalidArgumentException",
                   f"1 validation error detected: Value '{value}' at '{member}' failed to "
                   f"satisfy constraint: {problem}")


def parse_headers(request: web.Request) -> tuple:
    """Validates the PutMedia headers (guide L8900-8963).

    Returns (stream name or None, stream ARN or None, timecode type,
    producer start in ms or None, acks required).  Raises KvsError 400.
    """
    headers = request.headers
    name = headers.get("x-amzn-stream-name")
    arn = headers.get("x-amzn-stream-arn")
    if (name is None) == (arn is None):
        raise KvsError("InvalidArgumentException",
                       "Specify either x-amzn-stream-name or x-amzn-stream-arn, but not both.")
    # The header constraints of the PutMedia reference (guide L8930-8960),
    # worded like the model validation of the JSON operations (model.py).
    if name is not None:
        _check_header(name, "streamName", 1, 256, STREAM_NAME_PATTERN)
    if arn is not None:
        _check_header(arn, "streamARN", 1, 1024, STREAM_ARN_PATTERN)
    timecode_type = headers.get("x-amzn-fragment-timecode-type")
    if timecode_type not in ("ABSOLUTE", "RELATIVE"):
        raise KvsError("InvalidArgumentException",
                       "x-amzn-fragment-timecode-type must be ABSOLUTE or RELATIVE.")
    start = headers.get("x-amzn-producer-start-timestamp")
    start_ms = None
    if start is not None:
        try:
            start_ms = int(round(float(start) * 1000))
        except (ValueError, OverflowError):  # not a number, nan, inf
            raise KvsError("InvalidArgumentException",
                           f"Invalid x-amzn-producer-start-timestamp '{start}'.")
    if timecode_type == "RELATIVE" and start_ms is None:
        raise KvsError("InvalidArgumentException",
                       "RELATIVE timecodes need x-amzn-producer-start-timestamp.")
    required = headers.get("x-amzn-fragment-acknowledgment-required", "1")
    if required not in ("0", "1"):
        raise KvsError("InvalidArgumentException",
                       "x-amzn-fragment-acknowledgment-required must be 1 or 0.")
    return name, arn, timecode_type, start_ms, required == "1"
