"""One round trip per case (see mediautil.py), made once per test session
and shared by every test that looks at it (conftest.py: the ``trip``
fixture)."""
import os
import time
from dataclasses import dataclass
from typing import Dict, List

from kvslocal_fixture import KvsLocal
from mediautil import (MS, Case, Comparison, Frame, Track, Upload,
                       capture_input, capture_output, compare,
                       kvssink_description, read_back_chunks, report, upload)
from sinkutil import error_acks


@dataclass
class RoundTrip:
    case: Case
    inputs: List[Track]
    expected: List[List[Frame]]   # What must come back, per branch.
    dropped_before_key: int
    upload: Upload
    fragments: List[dict]
    errors: List[dict]
    chunks: List[str]
    outputs: List[List[Frame]]
    per_chunk: List[Dict[str, int]]
    comparisons: List[Comparison]
    readback: str


def case_props(case: Case) -> dict:
    props = {}
    if case.props.get("streaming_type") == "offline":
        # The file's zero lands 400 s ago: its 6 minutes end in the past.
        props["file_start_time"] = int(time.time()) - 400
    return props


def expected_frames(case: Case, inputs: List[Track]):
    """The frames kvssink must deliver, per branch, and how many it drops.

    A fragment starts at a video key frame, so frames before the first one
    are dropped (stats: frames-before-key-frame): leading delta frames of
    the video (qtdemux starts the iPhone file at its edit, after its IDR),
    and audio presented before that key frame (by running time, which is
    what kvssink timestamps with).
    """
    videos = [i for i, b in enumerate(case.branches) if b.video]
    if not videos:
        return [t.frames for t in inputs], 0
    video = inputs[videos[0]].frames
    first_key = next(i for i, f in enumerate(video) if f.key)
    key_rt = video[first_key].rt
    expected, dropped = [], 0
    for b, t in zip(case.branches, inputs):
        if b.video:
            kept = t.frames[first_key:]
        else:
            kept = [f for f in t.frames if f.rt >= key_rt]
            # Dropped audio must be a prefix: nothing is lost later.
            assert t.frames[len(t.frames) - len(kept):] == kept
        dropped += len(t.frames) - len(kept)
        expected.append(kept)
    return expected, dropped


def make_round_trip(case: Case, kvs: KvsLocal, directory: str) -> RoundTrip:
    inputs = capture_input(case)
    for b, t in zip(case.branches, inputs):
        assert t.frames, f"{case.name}: no input frames on {b.source}"
    expected, dropped = expected_frames(case, inputs)
    stream = f"media-{case.name}"
    result = upload(kvssink_description(case, kvs, stream,
                                        **case_props(case)))
    fragments = kvs.fragments(stream)
    errors = error_acks(kvs, stream)
    chunks = read_back_chunks(kvs, stream, fragments, directory) \
        if fragments else []
    outputs, per_chunk = capture_output(chunks, case, inputs)
    comparisons = [compare(e, o) for e, o in zip(expected, outputs)]
    trip = RoundTrip(case, inputs, expected, dropped, result, fragments,
                     errors, chunks, outputs, per_chunk, comparisons,
                     os.path.join(directory, f"{stream}.mkv"))
    row = {
        "case": case.name, "file": case.filename,
        "codecs": [b.codec for b in case.branches],
        "frames_in": [len(t.frames) for t in inputs],
        "frames_expected": [len(e) for e in expected],
        "frames_out": [len(o) for o in outputs],
        "fragments": len(fragments), "error_acks": len(errors),
        "bytes_equal": all(c.bytes_equal for c in comparisons),
        "max_pts_error_ms": max(c.max_pts_error_ns for c in comparisons) / MS,
        "forced_cuts": result.stats.get("forced-cuts"),
        "repairs_nudged": result.stats.get("repairs-nudged"),
        "dropped_before_key": dropped,
        "dropped_frames": result.stats.get("dropped-frames"),
        "dropped_fragments": result.stats.get("dropped-fragments"),
        "sessions": result.stats.get("sessions"),
    }
    report(row)
    print(row)
    return trip


