"""Issue 4: the documented quirks of shared/media (README.md) and what
kvssink does with each.

The round trips themselves (conftest.py ``trip``) are shared with
test_media_roundtrip.py; these tests add assertions that match each file's
documented behaviour: no IDR for 89 s, open GOP, two video tracks, a
truncated FLV, an edit list, 2-byte NAL lengths, and the frame indexes of
the kvs_* files.
"""
import csv
import re
import subprocess
from typing import List

import pytest

from mediautil import (MS, Capture, Frame, compare, demux_chunk,
                       mkvinfo_frames, read_back_chunks, upload)
from sinkutil import error_acks, ffprobe_count, media, sink_props

HEVC_CRA, HEVC_RASL = 21, (8, 9)


def nal_units(frame: bytes, length_size: int = 4) -> List[bytes]:
    """The NAL units of a length-prefixed access unit."""
    out, pos = [], 0
    while pos + length_size <= len(frame):
        n = int.from_bytes(frame[pos:pos + length_size], "big")
        out.append(frame[pos + length_size:pos + length_size + n])
        pos += length_size + n
    assert pos == len(frame), "bad length prefixes"
    return out


def annexb_nals(data: bytes) -> List[bytes]:
    """The NAL units of an Annex-B access unit (start codes removed)."""
    units = re.split(b"\x00\x00\x01", data)
    assert units[0].strip(b"\x00") == b"", "data before the first start code"
    # A 4-byte start code leaves a zero at the end of the unit before it.
    return [u[:-1] if u.endswith(b"\x00") and i < len(units) - 2 else u
            for i, u in enumerate(units[1:])]


def hevc_types(frame: bytes) -> List[int]:
    return [(n[0] >> 1) & 0x3F for n in nal_units(frame)]


def ffprobe_decoded(path: str) -> int:
    out = subprocess.run(
        ["ffprobe", "-v", "quiet", "-count_frames", "-select_streams", "v:0",
         "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path],
        capture_output=True, text=True, timeout=120)
    return int(out.stdout.strip())


# -- rtp_webcam: no IDR for 89 s ------------------------------------------


@pytest.mark.parametrize("trip", ["rtp-webcam-idr-only"], indirect=True)
def test_webcam_without_key_frames_is_cut_within_10s(trip):
    """Only 2 IDRs in 89 s (rtph264depay marks only IDRs as key frames):
    kvssink cuts each fragment at the frame that would end it past 10 s,
    counts each forced cut and warns."""
    fragments = trip.fragments
    assert len(fragments) >= 9
    assert trip.upload.stats["forced-cuts"] == len(fragments) - 1
    durations = [f["duration_ms"] for f in fragments]
    assert all(9_000 < d <= 10_000 for d in durations[:-1]), durations
    warnings = trip.upload.named("kvssink-warning")
    assert any("no key frame within 10 s" in w["message"] for w in warnings)
    assert warnings[-1]["forced-cuts"] >= 1
    # Only the first fragment starts at a key frame (the first IDR).
    firsts = [mkvinfo_frames(c)[1][1] for c in trip.chunks]
    assert firsts == [True] + [False] * (len(fragments) - 1)


@pytest.mark.parametrize("trip", ["rtp-webcam-vfr"], indirect=True)
def test_webcam_fragments_start_at_recovery_points(trip):
    """h264parse marks the recovery-point SEI frames as key frames: every
    fragment after the first starts at one (a P-frame with SEI payload 6,
    not an IDR), 150 frames apart, and nothing is forced."""
    assert trip.upload.stats["forced-cuts"] == 0
    counts = [f["frame_counts"]["1"] for f in trip.fragments]
    assert counts[:-1] == [150] * (len(counts) - 1)
    frames = trip.outputs[0]
    start = 0
    for count in counts:
        units = nal_units(frames[start].data)
        types = [u[0] & 0x1F for u in units]
        if start > 0:
            assert 5 not in types and 1 in types, types
            sei = next(u for u in units if u[0] & 0x1F == 6)
            assert sei[1] == 6, "first SEI payload is not a recovery point"
        start += count


# -- iPhone: open GOP ------------------------------------------------------


@pytest.mark.parametrize("trip", ["iphone-hevc-opengop-video"],
                         indirect=True)
def test_open_gop_rasl_pictures_are_kept(trip):
    """Open GOP (CRA + RASL). qtdemux starts at the edit list's start, after
    the IDR: the 16 leading frames can't be decoded and are dropped until
    the first CRA. Each fragment starts at a CRA and keeps, byte and PTS
    exact, the 3 RASL pictures that follow it in decode order. They
    reference the GOP before, so a fragment is not self-contained: decoding
    one chunk on its own skips its 3 RASL pictures (FFmpeg), while the
    whole stream decodes all but the first CRA's (their GOP was never
    uploaded)."""
    assert trip.dropped_before_key == 16
    frames = trip.outputs[0]
    counts = [f["frame_counts"]["1"] for f in trip.fragments]
    assert counts == [32, 29]
    start = 0
    for count in counts:
        types = [hevc_types(f.data) for f in frames[start:start + count]]
        assert HEVC_CRA in types[0]
        rasl = [i for i, t in enumerate(types) if set(t) & set(HEVC_RASL)]
        assert rasl == [1, 2, 3], rasl
        start += count
    assert [ffprobe_decoded(c) for c in trip.chunks] == [c - 3 for c in counts]
    assert ffprobe_decoded(trip.readback) == sum(counts) - 3


@pytest.mark.parametrize("trip", ["iphone-hevc-opengop"], indirect=True)
def test_open_gop_with_audio_drops_only_what_precedes_the_first_cra(trip):
    """With audio: the 16 leading video frames and the 28 audio frames
    presented before the first CRA are dropped, and counted."""
    assert [len(t.frames) for t in trip.inputs] == [77, 109]
    assert [len(e) for e in trip.expected] == [61, 81]
    assert trip.upload.stats["frames-before-key-frame"] == 16 + 28


# -- Pixel motion photo: two video tracks ------------------------------------


def test_motion_photo_still_goes_to_a_second_stream(media_kvs, tmp_path):
    """A KVS stream carries one video track (kvssink: one video plus up to
    two audio), so the main track (video_0, the 57-frame motion video) goes
    to one stream and the 2048x1536 still (video_1) to its own stream, each
    read back exact."""
    path = media("phone_pixel_h265_2tracks_motionphoto.mp4")
    caps = "video/x-h265,stream-format=hvc1,alignment=au"
    source = Capture(
        f"filesrc location={path} ! qtdemux name=d "
        f"d.video_0 ! h265parse ! {caps} ! appsink name=main "
        f"d.video_1 ! h265parse ! {caps} ! appsink name=still",
        ["main", "still"]).run()
    assert [len(source.frames[n]) for n in ("main", "still")] == [57, 1]
    main_sink = sink_props(media_kvs, "motion-main").replace(
        "kvssink ", "kvssink name=s ", 1)
    still_sink = sink_props(media_kvs, "motion-still").replace(
        "kvssink ", "kvssink name=s2 ", 1)
    result = upload(
        f"filesrc location={path} ! qtdemux name=d "
        f"d.video_0 ! h265parse ! {caps} ! {main_sink} "
        f"d.video_1 ! h265parse ! {caps} ! {still_sink}")
    assert result.error is None, result.error
    for stream, name in (("motion-main", "main"), ("motion-still", "still")):
        fragments = media_kvs.fragments(stream)
        assert error_acks(media_kvs, stream) == []
        assert all(f["persisted"] for f in fragments)
        chunks = read_back_chunks(media_kvs, stream, fragments,
                                  str(tmp_path))
        out: List[Frame] = []
        for chunk in chunks:
            tracks = demux_chunk(chunk, {"video_0": "h265parse ! " + caps})
            assert list(tracks) == ["video_0"]
            out += tracks["video_0"].frames
        c = compare(source.frames[name], out)
        assert (c.frames_out, c.bytes_equal) == (c.frames_in, True), c
        assert c.max_pts_error_ns <= MS
    assert len(media_kvs.fragments("motion-still")) == 1


def test_second_video_pad_is_refused():
    from sinkutil import gst
    Gst = gst()
    sink = Gst.ElementFactory.make("kvssink", None)
    template = sink.get_pad_template("video_%u")
    first = sink.request_pad(template, None, None)
    assert first is not None
    second = sink.request_pad(template, None, None)
    assert second is None


# -- ipcam FLV: truncated inside its last tag ----------------------------------


@pytest.mark.parametrize("trip", ["ipcam-flv-alaw"], indirect=True)
def test_truncated_flv_sends_every_complete_frame(trip):
    """FFmpeg counts 61 video packets (the last one cut short); flvdemux
    drops the partial tag, so 60 frames go in and 60 come back, with all
    60 A-law tags."""
    assert ffprobe_count(media(trip.case.filename)) == 61
    assert [len(t.frames) for t in trip.inputs] == [60, 60]
    assert [len(o) for o in trip.outputs] == [60, 60]


# -- Edit list: first PTS at 10 s ---------------------------------------------


@pytest.mark.parametrize("trip", ["bbb-editlist"], indirect=True)
def test_edit_list_file_round_trips(trip):
    """The edit list starts the presentation at 10 s (an empty edit before
    the media): qtdemux gives the first frame running time 10 s. All 120
    frames (1 IDR, then a non-IDR I frame and P/B frames) go in one 4 s
    fragment. Where the 10 s lands in producer time:
    test_media_timestamps.py."""
    assert trip.inputs[0].frames[0].rt == 10_000 * MS
    assert [f["frame_counts"]["1"] for f in trip.fragments] == [120]


# -- 2-byte NAL lengths ----------------------------------------------------------


@pytest.mark.parametrize("trip", ["camera-2byte-nal"], indirect=True)
def test_two_byte_nal_lengths_are_kept(trip):
    """avcC lengthSizeMinusOne = 1: the MKV CodecPrivate keeps it and the
    frames keep their 2-byte length prefixes (compared byte for byte)."""
    tracks = demux_chunk(trip.chunks[0], {
        "video_0": "identity", "audio_0": "identity"})
    caps = tracks["video_0"].caps
    codec_data = bytes.fromhex(caps.split("codec_data=(buffer)")[1]
                               .split(",")[0].split(" ")[0])
    assert codec_data[4] & 0x03 == 1
    for frame in trip.outputs[0]:
        assert nal_units(frame.data, length_size=2)


# -- The kvs_* frame indexes --------------------------------------------------


def read_index(name: str) -> List[dict]:
    with open(media(name)) as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("trip,index", [
    ("annexb-h264-bytestream", "kvs_h264_high_640x480_25fps_nob.index.csv"),
    ("annexb-h265-bytestream", "kvs_h265_main_640x360_25fps_nob.index.csv"),
], indirect=["trip"])
def test_annexb_frames_match_their_index(trip, index):
    """Each frame read back is exactly the frame file of the index: bytes,
    key flag and 40 ms timing (the parser gives DTS only; kvssink takes it
    as PTS)."""
    rows = read_index(index)
    with open(media(trip.case.filename), "rb") as f:
        data = f.read()
    out = trip.outputs[0]
    assert len(out) == len(rows) == 403
    for frame, row in zip(out, rows):
        start, size = int(row["byte_offset"]), int(row["byte_size"])
        # h264parse/h265parse write 4-byte start codes; the NAL units are
        # the file's, byte for byte.
        assert annexb_nals(frame.data) == \
            annexb_nals(data[start:start + size]), row["frame"]
        assert frame.key == (row["kvs_sample_key_flag"] == "1")
        assert frame.ts - out[0].ts == int(row["pts_dts_ms_at_25fps"]) * MS


@pytest.mark.parametrize("trip", ["adts-aac"], indirect=True)
def test_adts_frames_match_their_index(trip):
    """The raw AAC frames read back are the SDK's samples (ADTS header
    removed), at 1024 samples / 48 kHz."""
    rows = read_index("kvs_aac_lc_48k_stereo.index.csv")
    with open(media(trip.case.filename), "rb") as f:
        data = f.read()
    out = trip.outputs[0]
    assert len(out) == len(rows) == 582
    for frame, row in zip(out, rows):
        start, size = int(row["adts_offset"]), int(row["adts_size"])
        assert frame.data == data[start + 7:start + size], row["frame"]
        expected_ms = float(row["pts_ms_1024_per_48k"])
        assert abs((frame.ts - out[0].ts) / MS - expected_ms) <= 1.0


@pytest.mark.parametrize("trip", ["wav-alaw-20ms", "wav-alaw"],
                         indirect=True)
def test_alaw_frames_are_the_wav_samples(trip):
    """The A-law bytes read back, concatenated, are the WAV's data chunk
    (1000 SDK frames of 160 bytes from byte 58)."""
    with open(media(trip.case.filename), "rb") as f:
        data = f.read()
    assert b"".join(f.data for f in trip.outputs[0]) == data[58:58 + 160_000]
