"""Reading back uploaded fragments: ListFragments and GetMediaForFragmentList.

The returned MKV must decode with independent readers: ffprobe (FFmpeg)
and GStreamer's matroskademux, and be readable by mkvinfo.
"""
import json

from kvslocal_fixture import run_checked, split_mkv_chunks
from kvslocal_helpers import create_stream, gst_decoded_frames, now_ms
import mkvbuild
from putmedia_client import PutMediaClient, run

def upload_gops(kvs, stream, h264, count, t0):
    async def go():
        client = PutMediaClient(kvs, stream=stream)
        await client.open()
        await client.send(mkvbuild.session_header([h264.track()]))
        for i, gop in enumerate(h264.gops()[:count]):
            await client.send(mkvbuild.fragment(t0 + i * 1800, gop), [16384])
        await client.end()
        acks = await client.all_acks()
        client.close()
        return acks
    return run(go())


def ffprobe_frames(path):
    out = run_checked(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
                       "-show_entries", "stream=codec_name,width,height,nb_read_frames",
                       "-of", "json", str(path)]).stdout
    return json.loads(out)["streams"][0]


def test_list_fragments_and_get_media_for_fragment_list(kvslocal, h264, tmp_path):
    create_stream(kvslocal, "cam")
    t0 = now_ms() - 600_000
    acks = upload_gops(kvslocal, "cam", h264, 3, t0)
    assert [a["EventType"] for a in acks].count("PERSISTED") == 3

    listed = kvslocal.aws_cli("kinesis-video-archived-media", "list-fragments",
                              "--stream-name", "cam")["Fragments"]
    assert len(listed) == 3
    hook = {f["fragment_number"]: f for f in kvslocal.fragments("cam")}
    for item in listed:
        stored = hook[item["FragmentNumber"]]
        assert item["FragmentSizeInBytes"] == stored["size_bytes"]
        assert item["FragmentLengthInMilliseconds"] == stored["duration_ms"]
    numbers = sorted(f["FragmentNumber"] for f in listed)

    archived = kvslocal.boto_client("kinesis-video-archived-media")
    out = archived.get_media_for_fragment_list(StreamName="cam", Fragments=numbers)
    payload = out["Payload"].read()
    whole = tmp_path / "all.mkv"
    whole.write_bytes(payload)
    gops = h264.gops()[:3]
    probe = ffprobe_frames(whole)
    assert (probe["codec_name"], probe["width"], probe["height"]) == ("h264", 640, 480)
    assert int(probe["nb_read_frames"]) == sum(len(g) for g in gops)

    chunks = split_mkv_chunks(payload)
    assert len(chunks) == 3
    for i, (chunk, gop) in enumerate(zip(chunks, gops)):
        path = tmp_path / f"chunk{i}.mkv"
        path.write_bytes(chunk)
        assert gst_decoded_frames(path) == len(gop)
        info = run_checked(["mkvinfo", str(path)]).stdout
        assert "AWS_KINESISVIDEO_FRAGMENT_NUMBER" in info
        assert numbers[i] in info
        assert "AWS_KINESISVIDEO_SERVER_SIDE_TIMESTAMP" in info
        assert f"{(t0 + i * 1800) / 1000:.3f}" in info   # producer-side timestamp tag


def test_list_fragments_time_range(kvslocal, h264):
    create_stream(kvslocal, "cam")
    # botocore sends timestamps as whole epoch seconds, so use second boundaries.
    t0 = (now_ms() // 1000) * 1000 - 600_000
    upload_gops(kvslocal, "cam", h264, 3, t0)
    archived = kvslocal.boto_client("kinesis-video-archived-media")
    selected = archived.list_fragments(StreamName="cam", FragmentSelector={
        "FragmentSelectorType": "PRODUCER_TIMESTAMP",
        "TimestampRange": {"StartTimestamp": (t0 + 1000) / 1000,
                           "EndTimestamp": (t0 + 4000) / 1000}})["Fragments"]
    assert sorted(f["ProducerTimestamp"].timestamp() for f in selected) == \
        [(t0 + 1800) / 1000, (t0 + 3600) / 1000]


def test_get_media_for_missing_fragment_reports_it_in_a_chunk(kvslocal, h264, tmp_path):
    create_stream(kvslocal, "cam")
    archived = kvslocal.boto_client("kinesis-video-archived-media")
    payload = archived.get_media_for_fragment_list(
        StreamName="cam", Fragments=["12345"])["Payload"].read()
    path = tmp_path / "err.mkv"
    path.write_bytes(payload)
    info = run_checked(["mkvinfo", str(path)]).stdout
    assert "AWS_KINESISVIDEO_EXCEPTION_ERROR_CODE" in info and "12345" in info
