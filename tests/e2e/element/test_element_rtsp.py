"""rtspsrc from a local gst-rtsp-server into kvssink, in the shape of the
guide's RTSP camera example (``rtspsrc ... ! rtph264depay ! h264parse !
kvssink ...``), with and without audio.

The server (rtsp_server.py, a subprocess) re-payloads ../shared/media files
without re-encoding at their real pace; the client pipeline runs in this
process so every buffer that reaches kvssink is counted. Over TCP nothing
can be lost on the way, so what kvslocal stores must be the file, frame for
frame; over UDP it must be what reached the element.
"""
import pytest

from elemutil import BBB, InProcess, RtspServer, frames_by_track
from elemutil import rtsp  # noqa: F401 (fixture)
from sinkutil import (assert_fragments_sane, error_acks, ffprobe_count, media,
                      sink_props)

BBB_VIDEO, BBB_AUDIO = 240, 431


def check(kvs, stream, run):
    assert run.error is None, run.error
    fragments = kvs.fragments(stream)
    assert_fragments_sane(fragments)
    assert error_acks(kvs, stream) == []
    assert len({f["session"] for f in fragments}) == 1
    return fragments


def test_rtsp_camera_video_over_tcp_is_stored_frame_exact(kvslocal, rtsp):
    run = InProcess(
        f"rtspsrc location={rtsp['video']} short-header=TRUE protocols=tcp ! "
        "rtph264depay ! h264parse ! "
        + sink_props(kvslocal, "rtsp-video", storage_size=512) + " name=s")
    run.run()
    fragments = check(kvslocal, "rtsp-video", run)
    assert run.buffers == {"video_0": BBB_VIDEO}
    # One fragment per IDR (every 60 frames), each with its key frame.
    assert [f["frame_counts"] for f in fragments] == [{"1": 60}] * 4
    assert all(f["key_frame_counts"] == {"1": 1} for f in fragments)


@pytest.mark.parametrize("protocols", ["tcp", "udp"])
def test_rtsp_camera_audio_and_video(kvslocal, rtsp, protocols):
    stream = f"rtsp-av-{protocols}"
    run = InProcess(
        f"rtspsrc name=src location={rtsp['av']} short-header=TRUE "
        f"protocols={protocols} "
        "src. ! rtph264depay ! h264parse ! "
        + sink_props(kvslocal, stream, storage_size=512) + " name=s "
        "src. ! rtpmp4gdepay ! aacparse ! s.")
    run.run()
    fragments = check(kvslocal, stream, run)
    stored = frames_by_track(fragments)
    # Video is track 1, audio track 2. What reached the pads is stored,
    # but for audio presented before the first key frame.
    expected = run.expected_frames()
    assert stored == {"1": expected["video_0"], "2": expected["audio_0"]}
    assert run.final_stats["frames-before-key-frame"] == (
        sum(run.buffers.values()) - sum(expected.values()))
    if protocols == "tcp":
        assert stored["1"] == BBB_VIDEO
        assert BBB_AUDIO - 2 <= stored["2"] <= BBB_AUDIO
    for f in fragments:
        assert set(f["frame_counts"]) == {"1", "2"}, f


def test_rtsp_ip_camera_with_g711_audio(kvslocal):
    # An IP camera's usual offer: H.264 with PCMA (the GB28181 camera FLV).
    path = media("ipcam_h264_main_1280x720_g711a.flv")
    launch = (f"( filesrc location={path} ! flvdemux name=d "
              "d.video ! queue ! h264parse ! rtph264pay name=pay0 pt=96 "
              "d.audio ! queue ! rtppcmapay name=pay1 )")
    with RtspServer({"ipcam": launch}) as server:
        run = InProcess(
            f"rtspsrc name=src location={server.urls['ipcam']} "
            "protocols=tcp src. ! rtph264depay ! h264parse ! "
            + sink_props(kvslocal, "rtsp-ipcam") + " name=s "
            "src. ! rtppcmadepay ! s.")
        run.run()
    fragments = check(kvslocal, "rtsp-ipcam", run)
    stored = frames_by_track(fragments)
    expected = run.expected_frames()
    assert stored["1"] == expected["video_0"] == 60  # 61st is truncated.
    assert stored["2"] == expected["audio_0"] > 50
    for f in fragments:
        assert set(f["frame_counts"]) == {"1", "2"}, f


def test_served_file_has_the_frames_counted_above():
    assert ffprobe_count(media(BBB), "v:0") == BBB_VIDEO
    assert ffprobe_count(media(BBB), "a:0") == BBB_AUDIO
