"""Issue 2: real H.264 files stream through kvssink into kvslocal and read
back frame-exact."""
import pytest

from sinkutil import (assert_fragments_sane, error_acks, ffprobe_count,
                      gst_decoded_frames_by_chunk, media, read_back,
                      run_pipeline, sink_props)

# (test id, media file, source part of the pipeline, input video frames from)
CASES = [
    ("bbb", "bbb_h264_high_nob_aac_1280x720_10s.mp4",
     "filesrc location={path} ! qtdemux name=d d.video_0 ! h264parse"),
    ("camera", "camera_h264_high_nob_aac_1080x720.mp4",
     "filesrc location={path} ! qtdemux name=d d.video_0 ! h264parse"),
    ("annexb", "kvs_h264_high_640x480_25fps_nob.h264",
     "filesrc location={path} ! h264parse"),
]


@pytest.mark.parametrize("name,filename,source", CASES,
                         ids=[c[0] for c in CASES])
def test_file_streams_and_reads_back_frame_exact(kvslocal, tmp_path, name,
                                                 filename, source):
    path = media(filename)
    stream = f"first-light-{name}"
    result = run_pipeline(f"{source.format(path=path)} ! "
                          f"{sink_props(kvslocal, stream)}")
    assert result.returncode == 0, result

    fragments = kvslocal.fragments(stream)
    assert_fragments_sane(fragments)
    assert error_acks(kvslocal, stream) == []
    input_frames = ffprobe_count(path)
    assert sum(f["frame_counts"]["1"] for f in fragments) == input_frames

    mkv = read_back(kvslocal, stream,
                    [f["fragment_number"] for f in fragments], str(tmp_path))
    assert ffprobe_count(mkv, decode=True) == input_frames
    assert gst_decoded_frames_by_chunk(mkv, str(tmp_path)) == input_frames


def test_fragments_start_at_key_frames_with_epoch_timecodes(kvslocal):
    path = media("bbb_h264_high_nob_aac_1280x720_10s.mp4")
    result = run_pipeline(
        f"filesrc location={path} ! qtdemux name=d d.video_0 ! h264parse ! "
        f"{sink_props(kvslocal, 'keyframes')}")
    assert result.returncode == 0, result
    fragments = kvslocal.fragments("keyframes")
    # bbb has an IDR every 60 frames (2.5 s at 24 fps): 240 frames, 4 GOPs.
    assert [f["frame_counts"]["1"] for f in fragments] == [60, 60, 60, 60]
    assert all(f["key_frame_counts"]["1"] == 1 for f in fragments)
    steps = [b["fragment_timecode"] - a["fragment_timecode"]
             for a, b in zip(fragments, fragments[1:])]
    assert steps == [2500, 2500, 2500]
    # ABSOLUTE timecodes are epoch ms: producer time equals the timecode.
    assert all(f["producer_timestamp_ms"] == f["fragment_timecode"]
               for f in fragments)
    assert abs(fragments[0]["fragment_timecode"] -
               fragments[0]["server_timestamp_ms"]) < 60_000


def test_live_source_connects_before_caps_and_streams(kvslocal):
    # A live source: the PutMedia session opens before the first frame and
    # its caps exist (the TLS/TCP handshake is off the first fragment's
    # path), so the body's MKV header must follow the caps that come later.
    result = run_pipeline(
        "videotestsrc is-live=true num-buffers=60 ! "
        "video/x-raw,width=320,height=240,framerate=30/1 ! "
        "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30 ! "
        "h264parse ! " + sink_props(kvslocal, "live"))
    assert result.returncode == 0, result
    fragments = kvslocal.fragments("live")
    assert_fragments_sane(fragments)
    assert [f["frame_counts"]["1"] for f in fragments] == [30, 30]
