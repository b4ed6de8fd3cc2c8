"""Issue 4, deliverable 2: a resolution change mid-stream.

Two x264enc segments (320x240, then 640x480, 3 s each at 30 fps with a key
frame every second) are joined with ``concat``: at the join the caps bring
new codec_data. kvssink must end the fragment, start a new MKV header with
the new CodecPrivate at the next key frame (the second segment's first
IDR), and lose no frame. A ``tee`` in the same pipeline captures exactly
the frames that went into kvssink.
"""
import re

from mediautil import (MS, Capture, compare, demux_chunk, mkvinfo_frames,
                       read_back_chunks, upload)
from sinkutil import error_acks, sink_props

AVC = "video/x-h264,stream-format=avc,alignment=au"
SEGMENT = ("videotestsrc num-buffers=90 pattern=ball ! "
           "video/x-raw,width={w},height={h},framerate=30/1 ! "
           "x264enc key-int-max=30 speed-preset=ultrafast threads=1 ! c.")


def codec_data(caps: str) -> bytes:
    return bytes.fromhex(re.search(r"codec_data=\(buffer\)([0-9a-f]+)",
                                   caps).group(1))


def size(caps: str):
    return tuple(int(re.search(rf"{k}=\(int\)(\d+)", caps).group(1))
                 for k in ("width", "height"))


def test_resolution_change_starts_a_new_header_and_loses_nothing(
        media_kvs, tmp_path):
    Gst_pipeline = (
        f"concat name=c ! h264parse ! {AVC} ! tee name=t "
        "t. ! queue ! appsink name=in "
        "t. ! queue ! "
        + sink_props(media_kvs, "resolution-change").replace(
            "kvssink ", "kvssink name=s ", 1)
        + " " + SEGMENT.format(w=320, h=240)
        + " " + SEGMENT.format(w=640, h=480))
    from sinkutil import gst
    pipeline = gst().parse_launch(Gst_pipeline)
    source = Capture(pipeline, ["in"])
    result = upload(pipeline)
    assert result.error is None, result.error
    frames = source.frames["in"]
    changes = source.caps_changes["in"]
    assert len(frames) == 180
    assert [i for i, _ in changes] == [0, 90]
    assert [size(c) for _, c in changes] == [(320, 240), (640, 480)]
    assert frames[90].key

    fragments = media_kvs.fragments("resolution-change")
    assert error_acks(media_kvs, "resolution-change") == []
    assert all(f["persisted"] for f in fragments)
    # A fragment per 1 s GOP; the change starts one at frame 90.
    assert [f["frame_counts"]["1"] for f in fragments] == [30] * 6
    assert result.stats["header-changes"] == 1
    assert result.stats["dropped-frames"] == 0
    # The new header opens a new PutMedia body (a new MKV Segment).
    sessions = [f["session"] for f in fragments]
    assert sessions[:3] == [sessions[0]] * 3
    assert sessions[3:] == [sessions[3]] * 3 and sessions[3] != sessions[0]

    chunks = read_back_chunks(media_kvs, "resolution-change", fragments,
                              str(tmp_path))
    out = []
    for i, chunk in enumerate(chunks):
        track = demux_chunk(chunk, {"video_0": "h264parse ! " + AVC})
        caps = track["video_0"].caps
        before = i < 3
        assert size(caps) == ((320, 240) if before else (640, 480))
        assert codec_data(caps) == codec_data(changes[0 if before else 1][1])
        info = mkvinfo_frames(chunk)
        assert info == {1: (30, True)}
        out += track["video_0"].frames
    c = compare(frames, out)
    assert (c.frames_out, c.bytes_equal) == (180, True), c
    assert c.max_pts_error_ns <= MS
