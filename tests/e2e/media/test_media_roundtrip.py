"""Issue 4: every file in shared/media goes through kvssink into kvslocal
and reads back frame-exact.

Each case (cases.py) is uploaded once per module run; the tests below check
different properties of that one round trip, so a failure names what broke:

- the upload: no pipeline error, zero ERROR ACKs, every fragment persisted
  with increasing timecodes and <= 10 s, A/V files with every track in
  every fragment;
- the frames: same count and same bytes per track, after the documented
  drops (frames before the first video key frame);
- the timestamps: offsets from the first frame within 1 ms;
- the independent readers: ffprobe over the concatenated read-back and
  mkvinfo per chunk count the same frames;
- the fragment boundaries: at video key frames at least 1 s apart, cut
  without one only after 10 s (counted as forced cuts); audio-only streams
  every fragment-duration.

Results go to $KVSSINK_MEDIA_REPORT (JSON lines) when set, for the table in
the report.
"""
import os
from typing import List

import pytest

from cases import CASES
from kvslocal_fixture import MEDIA_DIR
from mediautil import MS, Frame, ffprobe_packets, mkvinfo_frames

SECOND = 1000 * MS
MIN_FRAGMENT = 1 * SECOND        # KVS minimum (packager.h).
MAX_FRAGMENT = 10 * SECOND       # KVS maximum, ERROR 4002.
FRAGMENT_DURATION = 2 * SECOND   # kvssink's default fragment-duration.
DEFAULT_FRAME_DURATION = 40 * MS  # kvssink's default (25 fps framerate).

FFPROBE_CODEC = {"h264": "h264", "h265": "hevc", "aac": "aac",
                 "alaw": "pcm_alaw", "mulaw": "pcm_mulaw"}


def params(names=None, marks=None):
    """pytest params over cases (all by default), with per-case marks."""
    marks = marks or {}
    return [pytest.param(c.name, id=c.name, marks=marks.get(c.name, ()))
            for c in CASES if names is None or c.name in names]


# -- Coverage ------------------------------------------------------------


def test_every_media_file_has_a_case():
    files = sorted(f for f in os.listdir(MEDIA_DIR)
                   if not f.endswith((".md", ".csv")))
    covered = {c.filename for c in CASES}
    assert len(files) == 20, files
    assert [f for f in files if f not in covered] == []


# -- The upload ----------------------------------------------------------


@pytest.mark.parametrize("trip", params(), indirect=True)
def test_upload_accepted_without_error_acks(trip):
    assert trip.upload.error is None, trip.upload.error
    assert trip.errors == []
    assert trip.fragments, "no fragments arrived"
    timecodes = [f["fragment_timecode"] for f in trip.fragments]
    assert timecodes == sorted(set(timecodes))
    assert all(f["persisted"] for f in trip.fragments)
    assert all(f["duration_ms"] <= 10_000 for f in trip.fragments)
    assert trip.upload.stats["acks-error"] == 0
    assert trip.upload.stats["acks-persisted"] == len(trip.fragments)


AV_CASES = [c.name for c in CASES if len(c.branches) > 1]


@pytest.mark.parametrize("trip", params(AV_CASES), indirect=True)
def test_av_every_fragment_holds_every_track(trip):
    n = len(trip.case.branches)
    tracks = [sorted(f["frame_counts"]) for f in trip.fragments]
    assert all(t == [str(i + 1) for i in range(n)] for t in tracks), tracks
    assert all(c > 0 for f in trip.fragments
               for c in f["frame_counts"].values())


# -- The frames ----------------------------------------------------------


@pytest.mark.parametrize("trip", params(), indirect=True)
def test_frames_read_back_byte_exact(trip):
    for b, c in zip(trip.case.branches, trip.comparisons):
        assert (c.frames_in, c.bytes_equal) == (c.frames_out, True), \
            (b.codec, c)
    assert trip.upload.stats["frames-before-key-frame"] == \
        trip.dropped_before_key
    assert trip.upload.stats["dropped-frames"] == trip.dropped_before_key


@pytest.mark.parametrize("trip", params(), indirect=True)
def test_pts_within_1ms(trip):
    """Offsets from the first frame within 1 ms, except frames kvssink had
    to move (counted as repairs-nudged): at a fragment boundary KVS needs
    the new fragment's frames after the old one's, in whole ms, so a frame
    less than 1 ms after the previous one moves to the next ms (within
    2 ms of its time)."""
    nudged = trip.upload.stats["repairs-nudged"]
    over = 0
    for b, c in zip(trip.case.branches, trip.comparisons):
        assert c.frames_out > 0, b.codec
        assert c.max_pts_error_ns <= 2 * MS, (b.codec, c)
        over += c.over_1ms
    assert over <= nudged


# -- Independent readers -------------------------------------------------


@pytest.mark.parametrize("trip", params(), indirect=True)
def test_ffprobe_and_mkvinfo_read_every_frame(trip):
    probed = ffprobe_packets(trip.readback)
    for b, out in zip(trip.case.branches, trip.outputs):
        assert probed.get(FFPROBE_CODEC[b.codec]) == len(out), (b.codec,
                                                               probed)
    # mkvinfo numbers tracks video first (as kvssink does); the demuxer's
    # pads in each chunk say which tracks that chunk's header has.
    for path, counts in zip(trip.chunks, trip.per_chunk):
        info = mkvinfo_frames(path)
        ordered = sorted(counts, key=lambda p: (not p.startswith("video"),
                                                p))
        assert [info.get(i + 1, (0,))[0] for i in range(len(ordered))] == \
            [counts[p] for p in ordered], (path, info, counts)


# -- Fragment boundaries -------------------------------------------------


def model_fragments(frames: List[Frame]) -> List[int]:
    """Video frames per fragment under kvssink's rules (packager.h): a key
    frame starts one when it is >= 1 s after the current start and presents
    after everything already in it; without a key frame in time, the frame
    that would end past 10 s starts one (a forced cut)."""
    counts: List[int] = []
    start = None
    max_pts = None
    duration = DEFAULT_FRAME_DURATION
    for f in frames:
        if f.duration:
            duration = f.duration
        if start is None:
            start, max_pts = f.ts, f.ts
            counts.append(0)
        elif (f.ts - start + duration > MAX_FRAGMENT or
              (f.key and f.ts - start >= MIN_FRAGMENT and f.ts > max_pts)):
            start, max_pts = f.ts, f.ts
            counts.append(0)
        counts[-1] += 1
        max_pts = max(max_pts, f.ts)
    return counts


VIDEO_CASES = [c.name for c in CASES if any(b.video for b in c.branches)]
AUDIO_ONLY = [c.name for c in CASES if not any(b.video for b in c.branches)]


@pytest.mark.parametrize("trip", params(VIDEO_CASES), indirect=True)
def test_fragments_start_at_key_frames(trip):
    i = next(i for i, b in enumerate(trip.case.branches) if b.video)
    expected = model_fragments(trip.expected[i])
    actual = [f["frame_counts"].get("1", 0) for f in trip.fragments]
    assert actual == expected
    # Only forced cuts start a fragment without a key frame (the
    # SimpleBlock key flag, as mkvinfo reads it).
    unkeyed = sum(1 for path in trip.chunks if not mkvinfo_frames(path)[1][1])
    assert unkeyed == trip.upload.stats["forced-cuts"]


@pytest.mark.parametrize("trip", params(AUDIO_ONLY), indirect=True)
def test_audio_only_fragments_by_duration(trip):
    frames = trip.expected[0]
    expected: List[int] = []
    start = None
    for f in frames:
        if start is None or f.ts - start >= FRAGMENT_DURATION:
            start = f.ts
            expected.append(0)
        expected[-1] += 1
    assert [f["frame_counts"]["1"] for f in trip.fragments] == expected
