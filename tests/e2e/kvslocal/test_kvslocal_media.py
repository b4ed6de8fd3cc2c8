"""GetMedia (every StartSelector, live tail, limits), GetClip and GetImages."""
import asyncio
import base64
import json

import aiohttp
import pytest
from botocore.exceptions import ClientError

from kvslocal_fixture import run_checked, split_mkv_chunks
from kvslocal_helpers import chunk_numbers, create_stream, upload_gops, whole_second_t0
import mkvbuild
from putmedia_client import run, sign_headers


@pytest.fixture
def three(kvs_factory, h264):
    kvs = kvs_factory("--getmedia-idle", "0.3")
    create_stream(kvs, "cam")
    t0 = whole_second_t0()
    upload_gops(kvs, "cam", h264, 3, t0)
    fragments = kvs.fragments("cam")
    assert len(fragments) == 3
    return kvs, t0, [f["fragment_number"] for f in fragments], fragments


def test_get_media_start_selectors(three, tmp_path):
    kvs, t0, numbers, fragments = three
    media = kvs.boto_client("kinesis-video-media")

    def get(selector):
        out = media.get_media(StreamName="cam", StartSelector=selector)
        assert out["ContentType"] == "video/webm"
        return out["Payload"].read()
    everything = get({"StartSelectorType": "EARLIEST"})
    assert chunk_numbers(everything) == numbers
    assert chunk_numbers(get({"StartSelectorType": "NOW"})) == numbers[2:]
    assert chunk_numbers(get({"StartSelectorType": "FRAGMENT_NUMBER",
                              "AfterFragmentNumber": numbers[0]})) == numbers[1:]
    assert chunk_numbers(get({"StartSelectorType": "CONTINUATION_TOKEN",
                              "ContinuationToken": numbers[1]})) == numbers[2:]
    assert chunk_numbers(get({"StartSelectorType": "PRODUCER_TIMESTAMP",
                              "StartTimestamp": (t0 + 2000) / 1000})) == numbers[1:]
    server_third = fragments[2]["server_timestamp_ms"] // 1000
    got = chunk_numbers(get({"StartSelectorType": "SERVER_TIMESTAMP",
                             "StartTimestamp": server_third}))
    assert got and got[-1] == numbers[2]
    path = tmp_path / "getmedia.mkv"
    path.write_bytes(everything)
    first = tmp_path / "chunk0.mkv"
    first.write_bytes(split_mkv_chunks(everything)[0])
    info = run_checked(["mkvinfo", "--all", str(first)]).stdout
    for tag in ("AWS_KINESISVIDEO_FRAGMENT_NUMBER", "AWS_KINESISVIDEO_SERVER_TIMESTAMP",
                "AWS_KINESISVIDEO_PRODUCER_TIMESTAMP", "AWS_KINESISVIDEO_MILLIS_BEHIND_NOW",
                "AWS_KINESISVIDEO_CONTINUATION_TOKEN"):
        assert tag in info
    probe = json.loads(run_checked(["ffprobe", "-v", "error", "-count_frames", "-show_entries",
                                    "stream=nb_read_frames", "-of", "json", str(path)]).stdout)
    assert int(probe["streams"][0]["nb_read_frames"]) == 135


def test_get_media_errors(three):
    kvs, _, _, _ = three
    media = kvs.boto_client("kinesis-video-media")
    with pytest.raises(ClientError) as info:
        media.get_media(StreamName="cam", StartSelector={"StartSelectorType": "FRAGMENT_NUMBER"})
    assert info.value.response["Error"]["Code"] == "InvalidArgumentException"
    with pytest.raises(ClientError) as info:
        media.get_media(StreamName="nope", StartSelector={"StartSelectorType": "EARLIEST"})
    assert info.value.response["Error"]["Code"] == "ResourceNotFoundException"
    payload = media.get_media(StreamName="cam", StartSelector={
        "StartSelectorType": "FRAGMENT_NUMBER", "AfterFragmentNumber": "42"})["Payload"].read()
    assert b"AWS_KINESISVIDEO_ERROR_ID" in payload and b"4000" in payload


async def open_get_media(kvs, selector):
    body = json.dumps({"StreamName": "cam", "StartSelector": selector}).encode()
    url = f"{kvs.url}/getMedia"
    headers = sign_headers("POST", url, {"host": f"127.0.0.1:{kvs.port}"}, body,
                           kvs.access_key, kvs.secret_key, kvs.region)
    session = aiohttp.ClientSession()
    response = await session.post(url, data=body, headers=headers)
    return session, response


async def read_until(response, buffer, needle, count=2, timeout=30):
    """Reads the GetMedia body until ``needle`` occurs ``count`` times."""
    while buffer.count(needle) < count:
        piece = await asyncio.wait_for(response.content.readany(), timeout)
        if not piece:
            raise AssertionError("GetMedia ended early")
        buffer += piece
    return buffer


def test_get_media_live_tail_and_connection_limit(kvslocal, h264):
    create_stream(kvslocal, "cam")
    t0 = whole_second_t0()
    upload_gops(kvslocal, "cam", h264, 1, t0)
    first = kvslocal.fragments("cam")[0]["fragment_number"].encode()

    async def go():
        opened = [await open_get_media(kvslocal, {"StartSelectorType": "NOW"})
                  for _ in range(3)]
        session, response = opened[0]
        assert response.status == 200
        buffer = await read_until(response, b"", first)
        # A fourth concurrent GetMedia on the stream is refused.
        extra_session, extra = await open_get_media(kvslocal, {"StartSelectorType": "NOW"})
        assert extra.status == 400
        assert extra.headers["x-amzn-ErrorType"] == "ConnectionLimitExceededException"
        await extra_session.close()
        # A fragment uploaded now reaches the open GetMedia response.
        await asyncio.get_running_loop().run_in_executor(
            None, upload_gops, kvslocal, "cam", h264, 1, t0, 1)
        second = kvslocal.fragments("cam")[1]["fragment_number"].encode()
        buffer = await read_until(response, buffer, second)
        for s, r in opened:
            r.close()
            await s.close()
        return buffer
    buffer = run(go())
    assert buffer.index(first) < buffer.index(
        kvslocal.fragments("cam")[1]["fragment_number"].encode())


def test_get_clip_is_a_real_mp4(three, tmp_path):
    kvs, t0, _, _ = three
    archived = kvs.boto_client("kinesis-video-archived-media")
    out = archived.get_clip(StreamName="cam", ClipFragmentSelector={
        "FragmentSelectorType": "PRODUCER_TIMESTAMP",
        "TimestampRange": {"StartTimestamp": t0 / 1000, "EndTimestamp": t0 / 1000 + 4}})
    assert out["ContentType"] == "video/mp4"
    path = tmp_path / "clip.mp4"
    path.write_bytes(out["Payload"].read())
    probe = json.loads(run_checked(
        ["ffprobe", "-v", "error", "-count_frames", "-show_entries",
         "stream=codec_name,width,height,nb_read_frames:format=format_name,duration",
         "-of", "json", str(path)]).stdout)
    assert "mp4" in probe["format"]["format_name"]
    stream = probe["streams"][0]
    assert (stream["codec_name"], stream["width"], stream["height"]) == ("h264", 640, 480)
    assert int(stream["nb_read_frames"]) == 135       # all three fragments
    assert abs(float(probe["format"]["duration"]) - 5.4) < 0.1


def clip_error(kvs, stream, start, end):
    archived = kvs.boto_client("kinesis-video-archived-media")
    with pytest.raises(ClientError) as info:
        archived.get_clip(StreamName=stream, ClipFragmentSelector={
            "FragmentSelectorType": "PRODUCER_TIMESTAMP",
            "TimestampRange": {"StartTimestamp": start, "EndTimestamp": end}})
    return info.value.response["Error"]["Code"], \
        info.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_get_clip_errors(kvslocal, h264):
    t0 = whole_second_t0()
    create_stream(kvslocal, "cam")
    upload_gops(kvslocal, "cam", h264, 1, t0)
    assert clip_error(kvslocal, "cam", t0 / 1000 + 100, t0 / 1000 + 200) == \
        ("ResourceNotFoundException", 404)
    assert clip_error(kvslocal, "cam", t0 / 1000 + 5, t0 / 1000) == \
        ("InvalidArgumentException", 400)
    assert clip_error(kvslocal, "nope", t0 / 1000, t0 / 1000 + 5) == \
        ("ResourceNotFoundException", 404)
    create_stream(kvslocal, "live", retention=0)
    upload_gops(kvslocal, "live", h264, 1, t0)
    assert clip_error(kvslocal, "live", t0 / 1000, t0 / 1000 + 5) == \
        ("NoDataRetentionException", 400)
    create_stream(kvslocal, "mpeg2")
    upload_gops(kvslocal, "mpeg2", h264, 1, t0,
           tracks=[mkvbuild.Track(1, codec_id="V_MPEG2", codec_private=b"\x00")])
    assert clip_error(kvslocal, "mpeg2", t0 / 1000, t0 / 1000 + 5) == \
        ("UnsupportedStreamMediaTypeException", 400)
    create_stream(kvslocal, "nocpd")
    upload_gops(kvslocal, "nocpd", h264, 1, t0, cpd=False)
    assert clip_error(kvslocal, "nocpd", t0 / 1000, t0 / 1000 + 5) == \
        ("MissingCodecPrivateDataException", 400)


def test_get_images_jpeg_and_png(three, tmp_path):
    kvs, t0, _, _ = three
    archived = kvs.boto_client("kinesis-video-archived-media")
    out = archived.get_images(StreamName="cam", ImageSelectorType="PRODUCER_TIMESTAMP",
                              StartTimestamp=t0 / 1000, EndTimestamp=t0 / 1000 + 9,
                              SamplingInterval=3000, Format="JPEG",
                              FormatConfig={"JPEGQuality": "60"},
                              WidthPixels=320, HeightPixels=240)
    images = out["Images"]
    assert [i["TimeStamp"].timestamp() for i in images] == \
        [t0 / 1000 + s for s in (0, 3, 6, 9)]
    assert [i.get("Error") for i in images] == [None, None, "NO_MEDIA", "NO_MEDIA"]
    for n, image in enumerate(images[:2]):
        data = base64.b64decode(image["ImageContent"])
        assert data[:2] == b"\xff\xd8"
        path = tmp_path / f"img{n}.jpg"
        path.write_bytes(data)
        probe = json.loads(run_checked(["ffprobe", "-v", "error", "-show_entries",
                                        "stream=codec_name,width,height", "-of", "json",
                                        str(path)]).stdout)["streams"][0]
        assert (probe["codec_name"], probe["width"], probe["height"]) == ("mjpeg", 320, 240)
    out = archived.get_images(StreamName="cam", ImageSelectorType="PRODUCER_TIMESTAMP",
                              StartTimestamp=t0 / 1000, EndTimestamp=t0 / 1000 + 3,
                              SamplingInterval=3000, Format="PNG", MaxResults=1)
    png = base64.b64decode(out["Images"][0]["ImageContent"])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(png[16:20], "big") == 640 and int.from_bytes(png[20:24], "big") == 480
    assert "NextToken" in out
    following = archived.get_images(StreamName="cam", ImageSelectorType="PRODUCER_TIMESTAMP",
                                    StartTimestamp=t0 / 1000, EndTimestamp=t0 / 1000 + 3,
                                    SamplingInterval=3000, Format="PNG", MaxResults=1,
                                    NextToken=out["NextToken"])
    assert [i["TimeStamp"].timestamp() for i in following["Images"]] == [t0 / 1000 + 3]
    with pytest.raises(ClientError) as info:
        archived.get_images(StreamName="cam", ImageSelectorType="PRODUCER_TIMESTAMP",
                            StartTimestamp=t0 / 1000, EndTimestamp=t0 / 1000 + 3,
                            SamplingInterval=3000, Format="PNG", WidthPixels=100)
    assert info.value.response["Error"]["Code"] == "ValidationException"
    unchecked = kvs.boto_client("kinesis-video-archived-media", parameter_validation=False)
    with pytest.raises(ClientError) as info:
        unchecked.get_images(StreamName="cam", ImageSelectorType="PRODUCER_TIMESTAMP",
                             StartTimestamp=t0 / 1000, EndTimestamp=t0 / 1000 + 3,
                             SamplingInterval=1000, Format="PNG")
    assert info.value.response["Error"]["Code"] == "InvalidArgumentException"


def images_error(kvs, stream, start, end, **extra):
    archived = kvs.boto_client("kinesis-video-archived-media")
    with pytest.raises(ClientError) as info:
        archived.get_images(StreamName=stream, ImageSelectorType="PRODUCER_TIMESTAMP",
                            StartTimestamp=start, EndTimestamp=end, SamplingInterval=3000,
                            Format="JPEG", **extra)
    return info.value.response["Error"]["Code"], \
        info.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_get_images_errors(kvslocal, h264):
    """The GetClip error rules apply to GetImages too (same media requirements)."""
    t0 = whole_second_t0()
    s = t0 / 1000
    assert images_error(kvslocal, "nope", s, s + 5) == ("ResourceNotFoundException", 404)
    create_stream(kvslocal, "live", retention=0)
    upload_gops(kvslocal, "live", h264, 1, t0)
    assert images_error(kvslocal, "live", s, s + 5) == ("NoDataRetentionException", 400)
    create_stream(kvslocal, "mpeg2")
    upload_gops(kvslocal, "mpeg2", h264, 1, t0,
                tracks=[mkvbuild.Track(1, codec_id="V_MPEG2", codec_private=b"\x00")])
    assert images_error(kvslocal, "mpeg2", s, s + 5) == \
        ("UnsupportedStreamMediaTypeException", 400)
    create_stream(kvslocal, "nocpd")
    upload_gops(kvslocal, "nocpd", h264, 1, t0, cpd=False)
    assert images_error(kvslocal, "nocpd", s, s + 5) == \
        ("MissingCodecPrivateDataException", 400)
    create_stream(kvslocal, "cam")
    upload_gops(kvslocal, "cam", h264, 1, t0)
    assert images_error(kvslocal, "cam", s + 5, s) == ("InvalidArgumentException", 400)
    assert images_error(kvslocal, "cam", s, s + 5, HeightPixels=100, WidthPixels=100,
                        FormatConfig={"JPEGQuality": "101"}) == \
        ("InvalidArgumentException", 400)
    assert images_error(kvslocal, "cam", s, s + 5, WidthPixels=100) == \
        ("ValidationException", 400)
    # A range with no fragment is not an error: every image is NO_MEDIA.
    archived = kvslocal.boto_client("kinesis-video-archived-media")
    out = archived.get_images(StreamName="cam", ImageSelectorType="PRODUCER_TIMESTAMP",
                              StartTimestamp=s + 100, EndTimestamp=s + 106,
                              SamplingInterval=3000, Format="PNG")
    assert [i["Error"] for i in out["Images"]] == ["NO_MEDIA"] * 3


def test_get_clip_server_timestamp_range_must_be_in_the_past(kvslocal, h264):
    """"If FragmentSelectorType for the request is SERVER_TIMESTAMP, this value
    [EndTimestamp] must be in the past" (botocore GetClip)."""
    create_stream(kvslocal, "cam")
    upload_gops(kvslocal, "cam", h264, 1, whole_second_t0())
    server_s = kvslocal.fragments("cam")[0]["server_timestamp_ms"] // 1000
    archived = kvslocal.boto_client("kinesis-video-archived-media")

    def clip(end):
        return archived.get_clip(StreamName="cam", ClipFragmentSelector={
            "FragmentSelectorType": "SERVER_TIMESTAMP",
            "TimestampRange": {"StartTimestamp": server_s - 1, "EndTimestamp": end}})
    with pytest.raises(ClientError) as info:
        clip(server_s + 3600)
    assert info.value.response["Error"]["Code"] == "InvalidArgumentException"
    kvslocal.admin("POST", "/clock", {"advance_s": 10})   # instead of waiting 2 s
    out = clip(server_s + 2)
    assert out["ContentType"] == "video/mp4" and out["Payload"].read()[4:8] == b"ftyp"
