"""Streams and fragments, in memory or persisted in a folder.

A stream follows the control-plane state machine of guide L6152-8594:
CREATING -> ACTIVE (after ``create_delay_s``), UPDATING -> ACTIVE (after
``update_delay_s``), DELETING -> gone (after ``delete_delay_s``).  Status
is computed from timestamps when read, so there are no timers to race with.

A fragment is what one Cluster of a PutMedia body became (guide L8855-8874):
its number, producer and server timestamps, size, duration, frame counts per
track, the producer's metadata tags, and the bytes KVS keeps for it -- the
session's MKV header (shared by all fragments of that PutMedia connection)
and the Cluster.

Persistence (``data_dir``): ``streams.json`` holds stream records; each
stream has a folder ``s-<name>/`` with ``fragments.jsonl`` (one JSON record
per fragment), ``headers/<session>.mkv`` and ``clusters/<number>.mkv``.
"""
from __future__ import annotations

import asyncio
import json
import os
import random
import string
import time
from dataclasses import asdict, dataclass, field
from typing import Dict, List, Optional

ACCOUNT_ID = "123456789012"
MAX_ACK_LOG = 200_000
"""ACK log entries kept per stream (the oldest are dropped beyond this)."""
FRAGMENT_NUMBER_PREFIX = "9134385233318143239268206260"
"""47-digit fragment numbers = this prefix + 19 digits (real ones are ~47 digits)."""


def _version() -> str:
    return "".join(random.choices(string.ascii_letters + string.digits, k=20))


@dataclass
class Fragment:
    """One stored fragment.  Timestamps in ms since the epoch, sizes in bytes."""

    number: str
    fragment_timecode: int          # Cluster Timecode as sent, in ticks
    producer_timestamp_ms: int
    server_timestamp_ms: int
    size_bytes: int                 # bytes of the Cluster as received
    duration_ms: int
    frame_counts: Dict[str, int]
    key_frame_counts: Dict[str, int]
    session: int
    tags: Dict[str, str]
    key_frame_offsets_ms: List[int] = field(default_factory=list)
    persisted: bool = True
    header: Optional[bytes] = field(default=None, repr=False)
    cluster: Optional[bytes] = field(default=None, repr=False)

    def record(self) -> dict:
        """The JSON record (persistence and the /_kvslocal test hook)."""
        data = asdict(self)
        data.pop("header")
        data.pop("cluster")
        return {"fragment_number": data.pop("number"), **data}


@dataclass
class Stream:
    """A KVS stream.  Times are epoch seconds (float)."""

    name: str
    arn: str
    version: str
    creation_time: float
    device_name: Optional[str] = None
    media_type: Optional[str] = None
    kms_key_id: str = ""
    retention_hours: int = 0
    tags: Dict[str, str] = field(default_factory=dict)
    ready_at: float = 0.0             # CREATING/UPDATING until this time
    pending_status: str = "ACTIVE"    # status shown before ready_at
    deleted_at: Optional[float] = None
    gone_at: Optional[float] = None
    last_fragment_value: int = 0
    session_count: int = 0

    def status(self, now: float) -> str:
        if self.deleted_at is not None:
            return "DELETING"
        if now < self.ready_at:
            return self.pending_status
        return "ACTIVE"

    def info(self, now: float) -> dict:
        """The StreamInfo shape of botocore's kinesisvideo model."""
        info = {
            "StreamName": self.name,
            "StreamARN": self.arn,
            "KmsKeyId": self.kms_key_id,
            "Version": self.version,
            "Status": self.status(now),
            "CreationTime": self.creation_time,
            "DataRetentionInHours": self.retention_hours,
        }
        if self.device_name is not None:
            info["DeviceName"] = self.device_name
        if self.media_type is not None:
            info["MediaType"] = self.media_type
        return info

    def record(self) -> dict:
        return asdict(self)


class StreamData:
    """Runtime state of one stream: fragments and the signals readers wait on."""

    def __init__(self, stream: Stream):
        self.stream = stream
        self.fragments: List[Fragment] = []
        self.by_number: Dict[str, Fragment] = {}
        self.acks: List[dict] = []
        self.acks_dropped = 0
        self.changed = asyncio.Event()
        self.active_putmedia: Optional[object] = None

    def log_ack(self, entry: dict) -> None:
        """Keeps the last MAX_ACK_LOG ACKs sent on the stream (admin API)."""
        self.acks.append(entry)
        if len(self.acks) > MAX_ACK_LOG:
            drop = len(self.acks) - MAX_ACK_LOG
            del self.acks[:drop]
            self.acks_dropped += drop

    def notify(self) -> None:
        """Wakes GetMedia readers tailing this stream."""
        self.changed.set()
        self.changed = asyncio.Event()


class Store:
    """All streams.  ``data_dir`` None keeps everything in memory."""

    def __init__(self, region: str, data_dir: Optional[str] = None,
                 create_delay_s: float = 0.0, update_delay_s: float = 0.0,
                 delete_delay_s: float = 0.0, clock=time.time):
        self.region = region
        self.data_dir = data_dir
        self.create_delay_s = create_delay_s
        self.update_delay_s = update_delay_s
        self.delete_delay_s = delete_delay_s
        self._wall_clock = clock
        self.clock_offset_s = 0.0
        self._streams: Dict[str, StreamData] = {}
        if data_dir:
            os.makedirs(data_dir, exist_ok=True)
            self._load()

    def clock(self) -> float:
        """The service clock of stream states and retention: epoch seconds,
        ``clock_offset_s`` ahead of the wall clock (see advance_clock)."""
        return self._wall_clock() + self.clock_offset_s

    def advance_clock(self, seconds: float) -> float:
        """Moves the service clock ``seconds`` ahead (test hook, admin API
        ``POST /_kvslocal/clock``): CREATING/UPDATING/DELETING delays and
        retention elapse at once, without a test waiting on the wall clock.
        Fragment server timestamps, SigV4 and PutMedia limits keep the wall
        clock.  Returns the total offset."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self.clock_offset_s += seconds
        for data in self._streams.values():
            data.notify()
        return self.clock_offset_s

    # -- streams --------------------------------------------------------------

    def _purge(self) -> None:
        now = self.clock()
        gone = [n for n, d in self._streams.items()
                if d.stream.gone_at is not None and now >= d.stream.gone_at]
        for name in gone:
            del self._streams[name]
        if gone:
            self._save_streams()

    def get(self, name: str) -> Optional[StreamData]:
        self._purge()
        return self._streams.get(name)

    def by_arn(self, arn: str) -> Optional[StreamData]:
        self._purge()
        for data in self._streams.values():
            if data.stream.arn == arn:
                return data
        return None

    def all(self) -> List[StreamData]:
        self._purge()
        return [self._streams[n] for n in sorted(self._streams)]

    def create(self, name: str, device_name: Optional[str], media_type: Optional[str],
               kms_key_id: Optional[str], retention_hours: int,
               tags: Dict[str, str]) -> StreamData:
        now = self.clock()
        stream = Stream(
            name=name,
            arn=f"arn:aws:kinesisvideo:{self.region}:{ACCOUNT_ID}:stream/{name}/{int(now * 1000)}",
            version=_version(), creation_time=round(now, 3), device_name=device_name,
            media_type=media_type,
            kms_key_id=kms_key_id or
            f"arn:aws:kms:{self.region}:{ACCOUNT_ID}:alias/aws/kinesisvideo",
            retention_hours=retention_hours, tags=dict(tags),
            ready_at=now + self.create_delay_s, pending_status="CREATING")
        data = StreamData(stream)
        self._streams[name] = data
        self._save_streams()
        return data

    def mark_updating(self, data: StreamData) -> None:
        data.stream.version = _version()
        data.stream.ready_at = self.clock() + self.update_delay_s
        data.stream.pending_status = "UPDATING"
        self._save_streams()

    def delete(self, data: StreamData) -> None:
        now = self.clock()
        data.stream.deleted_at = now
        data.stream.gone_at = now + self.delete_delay_s
        data.notify()
        self._save_streams()
        if self.data_dir:
            folder = self._stream_dir(data.stream.name)
            if os.path.isdir(folder):
                for root, dirs, files in os.walk(folder, topdown=False):
                    for f in files:
                        os.unlink(os.path.join(root, f))
                    for d in dirs:
                        os.rmdir(os.path.join(root, d))
                os.rmdir(folder)

    def save_stream(self, data: StreamData) -> None:
        self._save_streams()

    # -- fragments ------------------------------------------------------------

    def next_fragment_number(self, data: StreamData) -> str:
        """A unique, increasing 47-digit decimal fragment number."""
        value = max(data.stream.last_fragment_value + 1, time.time_ns())
        data.stream.last_fragment_value = value
        return f"{FRAGMENT_NUMBER_PREFIX}{value:019d}"

    def new_session(self, data: StreamData) -> int:
        data.stream.session_count += 1
        self._save_streams()
        return data.stream.session_count

    def add_fragment(self, data: StreamData, fragment: Fragment) -> None:
        data.fragments.append(fragment)
        data.by_number[fragment.number] = fragment
        if self.data_dir:
            self._save_fragment(data, fragment)
        data.notify()

    def visible_fragments(self, data: StreamData) -> List[Fragment]:
        """Fragments still within the retention period (all of them when 0)."""
        hours = data.stream.retention_hours
        if hours <= 0:
            return list(data.fragments)
        horizon = (self.clock() - hours * 3600) * 1000
        return [f for f in data.fragments if f.server_timestamp_ms >= horizon]

    # -- persistence ----------------------------------------------------------

    def _stream_dir(self, name: str) -> str:
        assert self.data_dir
        return os.path.join(self.data_dir, f"s-{name}")

    def _save_streams(self) -> None:
        if not self.data_dir:
            return
        path = os.path.join(self.data_dir, "streams.json")
        records = {n: d.stream.record() for n, d in self._streams.items()}
        with open(path + ".tmp", "w") as f:
            json.dump(records, f)
        os.replace(path + ".tmp", path)

    def _save_fragment(self, data: StreamData, fragment: Fragment) -> None:
        folder = self._stream_dir(data.stream.name)
        os.makedirs(os.path.join(folder, "headers"), exist_ok=True)
        os.makedirs(os.path.join(folder, "clusters"), exist_ok=True)
        header_path = os.path.join(folder, "headers", f"{fragment.session}.mkv")
        if fragment.header is not None and not os.path.exists(header_path):
            with open(header_path, "wb") as f:
                f.write(fragment.header)
        if fragment.cluster is not None:
            with open(os.path.join(folder, "clusters", f"{fragment.number}.mkv"), "wb") as f:
                f.write(fragment.cluster)
        with open(os.path.join(folder, "fragments.jsonl"), "a") as f:
            f.write(json.dumps(fragment.record()) + "\n")
        self._save_streams()

    def _load(self) -> None:
        path = os.path.join(self.data_dir, "streams.json")
        if not os.path.exists(path):
            return
        with open(path) as f:
            records = json.load(f)
        for name, record in records.items():
            data = StreamData(Stream(**record))
            self._streams[name] = data
            folder = self._stream_dir(name)
            index = os.path.join(folder, "fragments.jsonl")
            if not os.path.exists(index):
                continue
            headers: Dict[int, bytes] = {}
            with open(index) as f:
                for line in f:
                    rec = json.loads(line)
                    rec["number"] = rec.pop("fragment_number")
                    fragment = Fragment(**rec)
                    session = fragment.session
                    if session not in headers:
                        hp = os.path.join(folder, "headers", f"{session}.mkv")
                        headers[session] = open(hp, "rb").read() if os.path.exists(hp) else b""
                    fragment.header = headers[session] or None
                    cp = os.path.join(folder, "clusters", f"{fragment.number}.mkv")
                    if os.path.exists(cp):
                        with open(cp, "rb") as cf:
                            fragment.cluster = cf.read()
                    data.fragments.append(fragment)
                    data.by_number[fragment.number] = fragment
