"""Issue 6: the upstream gst-launch recipes work unchanged apart from source
and endpoint.

Each recipe is kept as the KVS developer guide prints it (seed guide,
"Example GStreamer Launch Commands", and the IoT recipe of "Controlling
Access to Kinesis Video Streams Resources Using AWS IoT"), with the PDF's
line breaks joined. ``adapt()`` then makes the only changes allowed, and
checks that each one replaced text that is really in the recipe:
- the camera becomes a test source or a file of ../shared/media, and an RTSP
  camera a loopback gst-rtsp-server playing such a file; a Raspberry Pi's
  hardware encoder (omxh264enc) becomes x264enc with the same rate and IDR
  period;
- the placeholders (keys, region, RTSP URL, IoT endpoint and files) become
  kvslocal's, and ``endpoint-uri=`` points kvssink at kvslocal.
Every kvssink property string is otherwise untouched. Each recipe runs in
gst-launch-1.0 as a user runs it, then every fragment must be PERSISTED in
kvslocal and every frame must read back (GetMediaForFragmentList, decoded
by FFmpeg).

Examples 8-10 of the guide are only links ("See how to run ..."); 8 and 10
are the commands of the page they point to (upstream's docs). 9 (macOS
audio and video) is 8 with macOS sources, so after adaptation it is 8.
"""
from typing import List, Tuple

import pytest

from elementkit import (RtspServer, assert_round_trip, file_rtsp_launch,
                        kvs_factory, media, packet_times_ms, remux_to_mkv,
                        run_counting, stored_frames)
from sinkutil import read_back, run_pipeline, sink_env

RTSP_CAMERA = (
    'gst-launch-1.0 rtspsrc location="rtsp://YourCameraRtspUrl" '
    'short-header=TRUE ! rtph264depay ! video/x-h264, format=avc,alignment=au '
    '! kvssink stream-name="YourStreamName" storage-size=512 '
    'access-key="YourAccessKey" secret-key="YourSecretKey" '
    'aws-region="YourAWSRegion"')

EXAMPLES = {
    # Examples 1, 4 and 5 (Ubuntu, macOS, Windows) are the same command.
    "1-4-5-rtsp-camera": RTSP_CAMERA,
    "2-usb-camera-x264enc": (
        'gst-launch-1.0 v4l2src do-timestamp=TRUE device=/dev/video0 ! '
        'videoconvert ! video/x-raw,format=I420,width=640,height=480,'
        'framerate=30/1 ! x264enc bframes=0 key-int-max=45 bitrate=500 ! '
        'video/x-h264,stream-format=avc,alignment=au,profile=baseline ! '
        'kvssink stream-name="YourStreamName" storage-size=512 '
        'access-key="YourAccessKey" secret-key="YourSecretKey" '
        'aws-region="YourAWSRegion"'),
    "3-usb-camera-pre-encoded": (
        'gst-launch-1.0 v4l2src do-timestamp=TRUE device=/dev/video0 ! '
        'h264parse ! video/x-h264,stream-format=avc,alignment=au ! kvssink '
        'stream-name="plugin" storage-size=512 access-key="YourAccessKey" '
        'secret-key="YourSecretKey" aws-region="YourAWSRegion"'),
    # Examples 6 and 7 are the same command; 7's text names us-east-1.
    "6-7-raspberry-pi": (
        'gst-launch-1.0 v4l2src do-timestamp=TRUE device=/dev/video0 ! '
        'videoconvert ! video/x-raw,format=I420,width=640,height=480,'
        'framerate=30/1 ! omxh264enc control-rate=1 target-bitrate=5120000 '
        'periodicity-idr=45 inline-header=FALSE ! h264parse ! '
        'video/x-h264,stream-format=avc,alignment=au,width=640,height=480,'
        'framerate=30/1,profile=baseline ! kvssink '
        'stream-name="YourStreamName" frame-timestamp=dts-only '
        'access-key="YourAccessKey" secret-key="YourSecretKey" '
        'aws-region="YourAWSRegion"'),
    "8-9-audio-and-video": (
        'gst-launch-1.0 -v v4l2src device="/dev/video0" num-buffers=2000 ! '
        'videoconvert ! "video/x-raw,format=I420,width=640,height=480,'
        'framerate=30/1" ! x264enc bframes=0 key-int-max=45 bitrate=500 '
        'tune=zerolatency ! video/x-h264,stream-format=avc,alignment=au ! '
        'kvssink name=sink stream-name="my-stream-name" '
        'access-key="YourAccessKeyId" secret-key="YourSecretAccessKey" '
        'alsasrc device=hw:1,0 ! audioconvert ! avenc_aac ! queue ! sink.'),
    "10-mkv-file-offline": (
        'gst-launch-1.0 -v filesrc location="YourAudioVideo.mkv" ! '
        'matroskademux name=demux ! queue ! h264parse ! kvssink name=sink '
        'stream-name="my-stream-name" access-key="YourAccessKeyId" '
        'secret-key="YourSecretAccessKey" streaming-type=offline demux. ! '
        'queue ! aacparse ! sink.'),
}

IOT_EXAMPLE = (
    'gst-launch-1.0 rtspsrc location=rtsp://YourCameraRtspUrl '
    'short-header=TRUE ! rtph264depay ! video/x-h264, format=avc,alignment=au '
    '! h264parse ! kvssink stream-name="kvs_example_camera_stream" '
    'iot-certificate="iot-certificate,endpoint=iot-credential-endpoint-host-'
    'name,cert-path=/path/to/certificate.pem,key-path=/path/to/private.pem.'
    'key,ca-path=/path/to/cacert.pem,role-aliases=KvsCameraIoTRoleAlias"')

assert kvs_factory  # A fixture, imported for pytest.

CAMERA = "v4l2src do-timestamp=TRUE device=/dev/video0"
LIVE_VIDEO = "videotestsrc is-live=TRUE do-timestamp=TRUE num-buffers=90"
BBB = "bbb_h264_high_nob_aac_1280x720_10s.mp4"  # 240 frames, 4 GOPs, AAC.
BBB_AAC_FRAMES = 431
CAMERA_FILE = "kvs_h264_high_640x480_25fps_nob.h264"  # 403 frames.


def adapt(recipe: str, kvs, changes: List[Tuple[str, str]]) -> str:
    """The recipe with `changes` and kvslocal's placeholders substituted;
    each replaced text must occur in the recipe exactly once."""
    changes = changes + [
        ('"YourAccessKey"', kvs.access_key),
        ('"YourAccessKeyId"', kvs.access_key),
        ('"YourSecretKey"', kvs.secret_key),
        ('"YourSecretAccessKey"', kvs.secret_key),
        ('"YourAWSRegion"', kvs.region),
        ("kvssink ", f"kvssink endpoint-uri={kvs.url} "),
    ]
    for old, new in changes:
        count = recipe.count(old)
        if old.startswith('"Your') and count == 0:
            continue  # Not every recipe has every placeholder.
        assert count == 1, f"{old!r} occurs {count} times in {recipe!r}"
        recipe = recipe.replace(old, new)
    assert recipe.startswith("gst-launch-1.0 ")
    return recipe[len("gst-launch-1.0 "):]


def launch(description: str):
    result = run_pipeline(description, env=sink_env(), eos_on_shutdown=False)
    assert result.returncode == 0, result
    return result


def test_rtsp_camera_examples_1_4_5(kvslocal, tmp_path):
    with RtspServer(str(tmp_path), cam=file_rtsp_launch(media(BBB))) as rtsp:
        counts = run_counting(adapt(
            EXAMPLES["1-4-5-rtsp-camera"], kvslocal,
            [("rtsp://YourCameraRtspUrl", rtsp.urls["cam"])]))
    assert list(counts) == ["video_0"] and 230 <= counts["video_0"] <= 240
    fragments = assert_round_trip(kvslocal, "YourStreamName", str(tmp_path),
                                  video_frames=counts["video_0"])
    # A fragment per IDR of the file (every 60 frames).
    assert len(fragments) == 4


def test_usb_camera_example_2(kvslocal, tmp_path):
    launch(adapt(EXAMPLES["2-usb-camera-x264enc"], kvslocal,
                 [(CAMERA, LIVE_VIDEO)]))
    assert_round_trip(kvslocal, "YourStreamName", str(tmp_path),
                      video_frames=90)


def test_pre_encoded_camera_example_3(kvslocal, tmp_path):
    # A camera's own H.264 (Annex-B with AUD, in-band SPS/PPS), from a file.
    launch(adapt(EXAMPLES["3-usb-camera-pre-encoded"], kvslocal,
                 [(CAMERA, f"filesrc location={media(CAMERA_FILE)}")]))
    fragments = assert_round_trip(kvslocal, "plugin", str(tmp_path),
                                  video_frames=403)
    assert len(fragments) == 9


@pytest.mark.parametrize("region", ["us-west-2", "us-east-1"],
                         ids=["example-6", "example-7-us-east-1"])
def test_raspberry_pi_examples_6_7(kvs_factory, tmp_path, region):
    kvs = kvs_factory(region=region)
    pi_encoder = ("omxh264enc control-rate=1 target-bitrate=5120000 "
                  "periodicity-idr=45 inline-header=FALSE")
    x264 = "x264enc bitrate=5120 key-int-max=45 speed-preset=ultrafast"
    launch(adapt(EXAMPLES["6-7-raspberry-pi"], kvs,
                 [(CAMERA, LIVE_VIDEO), (pi_encoder, x264)]))
    fragments = assert_round_trip(kvs, "YourStreamName", str(tmp_path),
                                  video_frames=90)
    assert [f["frame_counts"]["1"] for f in fragments] == [45, 45]


def test_audio_and_video_example_8_9(kvslocal, tmp_path):
    # 3 s of each: 90 video frames at 30/s, 130 buffers of 1024 samples.
    launch(adapt(EXAMPLES["8-9-audio-and-video"], kvslocal, [
        ('v4l2src device="/dev/video0" num-buffers=2000',
         "videotestsrc is-live=TRUE num-buffers=90"),
        ("alsasrc device=hw:1,0", "audiotestsrc is-live=TRUE num-buffers=130"),
    ]))
    fragments = assert_round_trip(kvslocal, "my-stream-name", str(tmp_path),
                                  video_frames=90)
    assert all(f["frame_counts"].get("2", 0) > 0 for f in fragments)
    # avenc_aac (FFmpeg's encoder) makes 131 AAC frames of 1024 samples at
    # 44.1 kHz (23.2 ms). A fragment starts at a video key frame, so those
    # captured before the first video frame (videotestsrc's first frame
    # comes some ms late) are dropped and reported in a kvssink-warning;
    # every later one reads back, without a gap.
    path = read_back(kvslocal, "my-stream-name",
                     [f["fragment_number"] for f in fragments], str(tmp_path))
    times = packet_times_ms(path)
    video, audio = times[0], times[1]
    assert len(audio) == stored_frames(fragments, "2") > 100, len(audio)
    assert 0 <= audio[0] - video[0] <= 24, (video[0], audio[0])
    steps = {b - a for a, b in zip(audio, audio[1:])}
    assert steps <= {23, 24}, steps


def test_mkv_file_offline_example_10(kvslocal, tmp_path):
    mkv = remux_to_mkv(media(BBB), str(tmp_path / "av.mkv"))
    launch(adapt(EXAMPLES["10-mkv-file-offline"], kvslocal,
                 [('"YourAudioVideo.mkv"', mkv)]))
    fragments = assert_round_trip(kvslocal, "my-stream-name", str(tmp_path),
                                  video_frames=240,
                                  audio_frames=BBB_AAC_FRAMES)
    assert [f["frame_counts"]["1"] for f in fragments] == [60] * 4


def test_iot_certificate_example(kvs_factory, tmp_path):
    # The thing name is the stream name (the guide's note on IoT).
    kvs = kvs_factory("--iot", "--iot-thing-name", "kvs_example_camera_stream",
                      "--iot-role-alias", "KvsCameraIoTRoleAlias")
    iot = kvs.iot()
    camera = file_rtsp_launch(media("camera_h264_high_nob_aac_1080x720.mp4"))
    with RtspServer(str(tmp_path), cam=camera) as rtsp:
        counts = run_counting(adapt(IOT_EXAMPLE, kvs, [
            ("rtsp://YourCameraRtspUrl", rtsp.urls["cam"]),
            ("iot-credential-endpoint-host-name", iot["endpoint"]),
            ("/path/to/certificate.pem", iot["device_cert"]),
            ("/path/to/private.pem.key", iot["device_key"]),
            ("/path/to/cacert.pem", iot["ca_file"]),
        ]))
    # Signed with credentials the IoT endpoint issued, never a static key
    # (checked before the read-back, which signs with kvslocal's).
    used = [c for c in kvs.credentials()["credentials"] if c["requests"]]
    assert used and all(c["source"] == "iot" for c in used), used
    assert list(counts) == ["video_0"] and 25 <= counts["video_0"] <= 30
    assert_round_trip(kvs, "kvs_example_camera_stream", str(tmp_path),
                      video_frames=counts["video_0"])
