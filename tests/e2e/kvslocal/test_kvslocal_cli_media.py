"""Archived media and GetMedia through the real AWS CLI (/usr/bin/aws), errors included."""
import base64
import json
import time

import pytest

from kvslocal_fixture import AwsCliError, run_checked, split_mkv_chunks
from kvslocal_helpers import chunk_numbers, create_stream, upload_gops


@pytest.fixture
def cam(kvs_factory, h264):
    kvs = kvs_factory("--getmedia-idle", "0.3")
    create_stream(kvs, "cam")
    t0 = (int(time.time()) - 600) * 1000
    upload_gops(kvs, "cam", h264, 2, t0)
    return kvs, t0, [f["fragment_number"] for f in kvs.fragments("cam")]


def probe_frames(path):
    out = run_checked(["ffprobe", "-v", "error", "-count_frames", "-show_entries",
                       "stream=nb_read_frames", "-of", "json", str(path)]).stdout
    return int(json.loads(out)["streams"][0]["nb_read_frames"])


def test_cli_get_media_for_fragment_list_and_get_media(cam, tmp_path):
    kvs, _, numbers = cam
    out = tmp_path / "gffl.mkv"
    meta = kvs.aws_cli("kinesis-video-archived-media", "get-media-for-fragment-list",
                       str(out), "--stream-name", "cam", "--fragments", *numbers)
    assert meta["ContentType"] == "video/webm"
    assert chunk_numbers(out.read_bytes()) == numbers
    assert probe_frames(out) == 90
    live = tmp_path / "getmedia.mkv"
    meta = kvs.aws_cli("kinesis-video-media", "get-media", "--stream-name", "cam",
                       "--start-selector", "StartSelectorType=EARLIEST", str(live))
    assert meta["ContentType"] == "video/webm"
    assert chunk_numbers(live.read_bytes()) == numbers
    with pytest.raises(AwsCliError) as info:
        kvs.aws_cli("kinesis-video-media", "get-media", "--stream-name", "nope",
                    "--start-selector", "StartSelectorType=EARLIEST", str(live))
    assert "ResourceNotFoundException" in info.value.stderr


def test_cli_get_clip_and_get_images(cam, tmp_path):
    kvs, t0, _ = cam
    clip = tmp_path / "clip.mp4"
    start = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t0 / 1000))
    end = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t0 / 1000 + 10))
    selector = (f"FragmentSelectorType=PRODUCER_TIMESTAMP,"
                f"TimestampRange={{StartTimestamp={start},EndTimestamp={end}}}")
    meta = kvs.aws_cli("kinesis-video-archived-media", "get-clip", "--stream-name", "cam",
                       "--clip-fragment-selector", selector, str(clip))
    assert meta["ContentType"] == "video/mp4"
    assert probe_frames(clip) == 90
    images = kvs.aws_cli("kinesis-video-archived-media", "get-images", "--stream-name", "cam",
                         "--image-selector-type", "PRODUCER_TIMESTAMP",
                         "--start-timestamp", start, "--end-timestamp", end,
                         "--sampling-interval", "3000", "--format", "JPEG")["Images"]
    assert len(images) == 4
    assert base64.b64decode(images[0]["ImageContent"])[:2] == b"\xff\xd8"
    assert [i.get("Error") for i in images][2:] == ["NO_MEDIA", "NO_MEDIA"]
    create_stream(kvs, "nodata", retention=0)
    with pytest.raises(AwsCliError) as info:
        kvs.aws_cli("kinesis-video-archived-media", "get-clip", "--stream-name", "nodata",
                    "--clip-fragment-selector", selector, str(clip))
    assert "NoDataRetentionException" in info.value.stderr
    with pytest.raises(AwsCliError) as info:
        kvs.aws_cli("kinesis-video-archived-media", "list-fragments", "--stream-name", "nope")
    assert "ResourceNotFoundException" in info.value.stderr


def test_chunks_are_split_per_fragment(cam, tmp_path):
    kvs, _, numbers = cam
    archived = kvs.boto_client("kinesis-video-archived-media")
    payload = archived.get_media_for_fragment_list(StreamName="cam",
                                                   Fragments=numbers)["Payload"].read()
    assert [len(c) > 0 for c in split_mkv_chunks(payload)] == [True, True]
