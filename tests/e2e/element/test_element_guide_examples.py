"""The seed guide's example gst-launch commands ("Example GStreamer Launch
Commands"), run with gst-launch-1.0 -e as users run them.

Each command is the guide's text (elemutil.GUIDE_*), changed only where a
camera, an RTSP camera or a hardware encoder must become a file or a test
source, and pointed at kvslocal (endpoint-uri and kvslocal's documented
keys in place of the placeholders). Property strings stay as printed:
``storage-size=512``, ``frame-timestamp=dts-only``, quoted values, the
``video/x-h264, format=avc,alignment=au`` caps with its space, the
``profile=baseline`` caps after the encoder.

Every upload must be stored in full with zero ERROR ACKs.
"""
import os

import pytest

from elemutil import (BBB, GUIDE_RASPBERRY_PI, GUIDE_RTSP, GUIDE_USB_ENCODE,
                      GUIDE_USB_PREENCODED, UPSTREAM_AV_CAMERA,
                      UPSTREAM_AV_MKV, UPSTREAM_AV_MP4, V4L2_CAMERA, adapt,
                      frames_by_track)
from elemutil import rtsp  # noqa: F401 (fixture)
from kvslocal_fixture import KvsLocal
from sinkutil import (assert_fragments_sane, error_acks, ffprobe_count, media,
                      run_pipeline, sink_env)

# A live camera for 3 s: the guide's v4l2src settings, a test pattern.
LIVE_CAMERA = "videotestsrc is-live=true do-timestamp=TRUE num-buffers=90"
# omxh264enc is the Raspberry Pi's OpenMAX encoder: x264enc at the same
# bit rate (5120 kbit/s), IDR period (45) and no B-frames; like the Pi's
# encoder it sends SPS/PPS once, and h264parse makes the avc caps.
PI_ENCODER = ("omxh264enc control-rate=1 target-bitrate=5120000 "
              "periodicity-idr=45 inline-header=FALSE")
PI_ENCODER_STAND_IN = "x264enc bitrate=5120 key-int-max=45 bframes=0"
BBB_FRAMES = {"1": 240, "2": 431}  # Video, AAC (ffprobe-checked below).


def upload(command: str, kvs: KvsLocal, stream: str) -> list:
    """Runs the command with gst-launch-1.0 -e; returns the fragments,
    checked: exit 0, all persisted, increasing timecodes, no ERROR ACK,
    one PutMedia session."""
    result = run_pipeline(command, env=sink_env())
    assert result.returncode == 0, result
    fragments = kvs.fragments(stream)
    assert_fragments_sane(fragments)
    assert error_acks(kvs, stream) == []
    assert {f["session"] for f in fragments} == {fragments[0]["session"]}
    for f in fragments:  # Every fragment starts at a video key frame.
        assert f["key_frame_counts"].get("1", 0) >= 1, f
    return fragments


def test_bbb_frame_counts_are_what_the_tests_expect():
    path = media(BBB)
    assert ffprobe_count(path, "v:0") == BBB_FRAMES["1"]
    assert ffprobe_count(path, "a:0") == BBB_FRAMES["2"]


def test_example_1_4_5_rtsp_camera(kvslocal, rtsp):
    # Examples 1 (Ubuntu), 4 (macOS) and 5 (Windows) are the same command.
    command = adapt(GUIDE_RTSP, kvslocal, "guide-rtsp",
                    {"rtsp://YourCameraRtspUrl": rtsp["video"]})
    assert "video/x-h264, format=avc,alignment=au" in command
    fragments = upload(command, kvslocal, "guide-rtsp")
    # RTP over UDP (rtspsrc's default) may lose a packet on a loaded
    # machine; test_element_rtsp.py counts exactly over TCP.
    frames = frames_by_track(fragments)
    assert set(frames) == {"1"}
    assert 0.9 * BBB_FRAMES["1"] <= frames["1"] <= BBB_FRAMES["1"], frames


def test_example_2_usb_camera_encoded(kvslocal):
    command = adapt(GUIDE_USB_ENCODE, kvslocal, "guide-usb",
                    {V4L2_CAMERA: LIVE_CAMERA})
    fragments = upload(command, kvslocal, "guide-usb")
    assert frames_by_track(fragments) == {"1": 90}


def test_example_3_usb_camera_pre_encoded(kvslocal):
    # A camera that encodes H.264 itself: its Annex-B output, from a file.
    path = media("kvs_h264_high_640x480_25fps_nob.h264")
    command = adapt(GUIDE_USB_PREENCODED, kvslocal, "unused",
                    {V4L2_CAMERA: f"filesrc location={path}"})
    assert 'stream-name="plugin"' in command  # The guide's own name.
    fragments = upload(command, kvslocal, "plugin")
    assert frames_by_track(fragments) == {"1": ffprobe_count(path)}
    # Its 9 IDRs start 9 fragments (the shortest GOP is 1.7 s).
    assert len(fragments) == 9


@pytest.mark.parametrize("region", ["us-west-2", "us-east-1"],
                         ids=["example-6", "example-7-us-east-1"])
def test_example_6_7_raspberry_pi(tmp_path, region):
    # Example 7 is example 6 "in the US East (N. Virginia) region": a
    # kvslocal for that region checks the signatures' scope.
    with KvsLocal(region=region, log_dir=str(tmp_path)) as kvs:
        command = adapt(GUIDE_RASPBERRY_PI, kvs, "guide-pi",
                        {V4L2_CAMERA: LIVE_CAMERA,
                         PI_ENCODER: PI_ENCODER_STAND_IN})
        assert f'aws-region="{region}"' in command
        assert "frame-timestamp=dts-only" in command
        fragments = upload(command, kvs, "guide-pi")
        assert frames_by_track(fragments) == {"1": 90}
        assert kvs.aws_cli("kinesisvideo", "describe-stream", "--stream-name",
                           "guide-pi")["StreamInfo"]["StreamARN"].startswith(
                               f"arn:aws:kinesisvideo:{region}:")


def test_example_8_camera_with_microphone(kvslocal):
    # 3 s of both: 90 frames at 30/s; 130 x 1024 samples at 44.1 kHz.
    command = adapt(UPSTREAM_AV_CAMERA, kvslocal, "guide-av-camera",
                    {"v4l2src device=/dev/video0":
                     "videotestsrc is-live=true num-buffers=90",
                     "alsasrc device=hw:1,0":
                     "audiotestsrc is-live=true num-buffers=130"})
    fragments = upload(command, kvslocal, "guide-av-camera")
    frames = frames_by_track(fragments)
    assert frames["1"] == 90
    # avenc_aac: one AAC frame per 1024 samples, give or take its delay.
    assert 128 <= frames["2"] <= 131, frames
    for f in fragments:
        assert set(f["frame_counts"]) == {"1", "2"}, f


@pytest.fixture
def bbb_mkv(tmp_path):
    """bbb remuxed into Matroska (no re-encoding), in tmp_path."""
    out = os.path.join(str(tmp_path), "bbb.mkv")
    result = run_pipeline(
        f"filesrc location={media(BBB)} ! qtdemux name=d matroskamux name=m "
        f"! filesink location={out} d.video_0 ! queue ! h264parse ! m. "
        "d.audio_0 ! queue ! aacparse ! m.", env=sink_env())
    assert result.returncode == 0, result
    return out


@pytest.mark.parametrize("container", ["mkv", "mp4"])
def test_example_10_upload_audio_video_file(kvslocal, bbb_mkv, container):
    if container == "mkv":
        command = adapt(UPSTREAM_AV_MKV, kvslocal, "guide-file-mkv",
                        {'"YourAudioVideo.mkv"': f'"{bbb_mkv}"'})
    else:
        command = adapt(UPSTREAM_AV_MP4, kvslocal, "guide-file-mp4",
                        {'"YourAudioVideo.mp4"': f'"{media(BBB)}"'})
    assert "streaming-type=offline" in command
    fragments = upload(command, kvslocal, f"guide-file-{container}")
    assert frames_by_track(fragments) == BBB_FRAMES
    assert [f["frame_counts"]["1"] for f in fragments] == [60, 60, 60, 60]
    for f in fragments:
        assert set(f["frame_counts"]) == {"1", "2"}, f
