"""Reading back uploaded fragments: ListFragments and GetMediaForFragmentList.

The returned MKV must decode with independent readers: ffprobe (FFmpeg)
and GStreamer's matroskademux, and be readable by mkvinfo.
"""
import json

import pytest

from kvslocal_fixture import run_checked, split_mkv_chunks
from kvslocal_helpers import (chunk_tags, create_stream, error_of, gst_decoded_frames, now_ms,
                              raw_request, tag_seconds)
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


@pytest.fixture
def five(kvs_factory, h264):
    """A stream (retention 1 h) with five fragments, the 2nd carrying metadata."""
    kvs = kvs_factory("--getmedia-idle", "0.3")
    create_stream(kvs, "cam", retention=1)
    t0 = (now_ms() // 1000) * 1000 - 600_000

    async def go():
        client = PutMediaClient(kvs, stream="cam")
        await client.open()
        await client.send(mkvbuild.session_header([h264.track()]))
        for i in range(5):
            if i == 1:
                await client.send(mkvbuild.tags([("motion", "yes"), ("zone", "3")]))
            frames = h264.gops()[i][:5]
            await client.send(mkvbuild.fragment(t0 + i * 1000, frames))
        await client.end()
        await client.all_acks()
        client.close()
    run(go())
    records = kvs.fragments("cam")
    assert len(records) == 5
    return kvs, t0, records


def test_list_fragments_pages_with_max_results_and_next_token(five):
    kvs, t0, records = five
    archived = kvs.boto_client("kinesis-video-archived-media")
    pages, token = [], None
    while True:
        args = {"NextToken": token} if token else {}
        page = archived.list_fragments(StreamName="cam", MaxResults=2, **args)
        pages.append([f["FragmentNumber"] for f in page["Fragments"]])
        token = page.get("NextToken")
        if not token:
            break
    assert [len(p) for p in pages] == [2, 2, 1]
    assert sorted(n for p in pages for n in p) == [r["fragment_number"] for r in records]
    # Paging inside a time range: the range is applied on every page.
    selector = {"FragmentSelectorType": "PRODUCER_TIMESTAMP",
                "TimestampRange": {"StartTimestamp": (t0 + 1000) / 1000,
                                   "EndTimestamp": (t0 + 3000) / 1000}}
    first = archived.list_fragments(StreamName="cam", MaxResults=2,
                                    FragmentSelector=selector)
    second = archived.list_fragments(StreamName="cam", MaxResults=2,
                                     FragmentSelector=selector, NextToken=first["NextToken"])
    assert "NextToken" not in second
    got = [f["FragmentNumber"] for f in first["Fragments"] + second["Fragments"]]
    assert sorted(got) == [r["fragment_number"] for r in records[1:4]]
    code, status, _ = error_of(archived.list_fragments, StreamName="cam", NextToken="AAAA")
    assert (code, status) == ("InvalidArgumentException", 400)


def test_list_fragments_by_server_timestamp(five):
    kvs, _, records = five
    servers = [r["server_timestamp_ms"] for r in records]
    start, end = servers[1], servers[3]
    body = json.dumps({"StreamName": "cam", "FragmentSelector": {
        "FragmentSelectorType": "SERVER_TIMESTAMP",
        "TimestampRange": {"StartTimestamp": start / 1000, "EndTimestamp": end / 1000}}})
    status, _, answer = raw_request(kvs, "/listFragments", body.encode())
    assert status == 200
    got = sorted(f["FragmentNumber"] for f in json.loads(answer)["Fragments"])
    assert got == [r["fragment_number"] for r in records if start <= r["server_timestamp_ms"]
                   <= end]
    assert records[1]["fragment_number"] in got and records[3]["fragment_number"] in got
    listed = {f["FragmentNumber"]: f for f in kvs.boto_client(
        "kinesis-video-archived-media").list_fragments(StreamName="cam")["Fragments"]}
    for r in records:
        item = listed[r["fragment_number"]]
        assert round(item["ServerTimestamp"].timestamp() * 1000) == r["server_timestamp_ms"]
        assert round(item["ProducerTimestamp"].timestamp() * 1000) == \
            r["producer_timestamp_ms"]
    empty = archived_range(kvs, "PRODUCER_TIMESTAMP", 1_000_000, 1_000_010)
    assert empty == []


def archived_range(kvs, kind, start, end):
    return kvs.boto_client("kinesis-video-archived-media").list_fragments(
        StreamName="cam", FragmentSelector={"FragmentSelectorType": kind, "TimestampRange": {
            "StartTimestamp": start, "EndTimestamp": end}})["Fragments"]


def test_get_media_for_fragment_list_tags(five):
    """Each chunk: FRAGMENT_NUMBER, SERVER_SIDE_TIMESTAMP, PRODUCER_SIDE_TIMESTAMP
    (guide L10057-10068) and the producer's metadata, before the Cluster."""
    kvs, _, records = five
    numbers = [r["fragment_number"] for r in records]
    archived = kvs.boto_client("kinesis-video-archived-media")
    payload = archived.get_media_for_fragment_list(StreamName="cam",
                                                   Fragments=numbers)["Payload"].read()
    chunks = split_mkv_chunks(payload)
    assert len(chunks) == 5
    for chunk, record in zip(chunks, records):
        before, after = chunk_tags(chunk)
        assert before[:3] == [
            ("AWS_KINESISVIDEO_FRAGMENT_NUMBER", record["fragment_number"]),
            ("AWS_KINESISVIDEO_SERVER_SIDE_TIMESTAMP", tag_seconds(record["server_timestamp_ms"])),
            ("AWS_KINESISVIDEO_PRODUCER_SIDE_TIMESTAMP",
             tag_seconds(record["producer_timestamp_ms"]))]
        assert dict(before[3:]) == record["tags"]
        assert after == []
    assert dict(chunk_tags(chunks[1])[0][3:]) == {"motion": "yes", "zone": "3"}
    # A fragment that is not there: a chunk with the exception tags, in request order.
    payload = archived.get_media_for_fragment_list(
        StreamName="cam", Fragments=[numbers[0], "42", numbers[4]])["Payload"].read()
    chunks = split_mkv_chunks(payload)
    assert len(chunks) == 3
    missing = dict(chunk_tags(chunks[1])[0])
    assert missing["AWS_KINESISVIDEO_FRAGMENT_NUMBER"] == "42"
    assert missing["AWS_KINESISVIDEO_EXCEPTION_ERROR_CODE"].isdigit()
    assert missing["AWS_KINESISVIDEO_EXCEPTION_MESSAGE"]
    assert dict(chunk_tags(chunks[2])[0])["AWS_KINESISVIDEO_FRAGMENT_NUMBER"] == numbers[4]


def test_get_media_tags(five):
    """Each GetMedia chunk: FRAGMENT_NUMBER, SERVER_TIMESTAMP, PRODUCER_TIMESTAMP
    before the Cluster; MILLIS_BEHIND_NOW and CONTINUATION_TOKEN after it
    (guide L8738-8764)."""
    kvs, _, records = five
    media = kvs.boto_client("kinesis-video-media")
    payload = media.get_media(StreamName="cam", StartSelector={
        "StartSelectorType": "EARLIEST"})["Payload"].read()
    chunks = split_mkv_chunks(payload)
    assert len(chunks) == 5
    for chunk, record in zip(chunks, records):
        before, after = chunk_tags(chunk)
        assert before[:3] == [
            ("AWS_KINESISVIDEO_FRAGMENT_NUMBER", record["fragment_number"]),
            ("AWS_KINESISVIDEO_SERVER_TIMESTAMP", tag_seconds(record["server_timestamp_ms"])),
            ("AWS_KINESISVIDEO_PRODUCER_TIMESTAMP", tag_seconds(record["producer_timestamp_ms"]))]
        assert dict(before[3:]) == record["tags"]
        names = [name for name, _ in after]
        assert names == ["AWS_KINESISVIDEO_MILLIS_BEHIND_NOW",
                         "AWS_KINESISVIDEO_CONTINUATION_TOKEN"]
        assert int(after[0][1]) >= 0
        assert after[1][1] == record["fragment_number"]
    # The last chunk's continuation token resumes after it: nothing more yet.
    token = chunk_tags(chunks[2])[1][1][1]
    resumed = media.get_media(StreamName="cam", StartSelector={
        "StartSelectorType": "CONTINUATION_TOKEN", "ContinuationToken": token})["Payload"].read()
    assert [dict(chunk_tags(c)[0])["AWS_KINESISVIDEO_FRAGMENT_NUMBER"]
            for c in split_mkv_chunks(resumed)] == [r["fragment_number"] for r in records[3:]]


def test_fragments_leave_with_the_retention_period(five):
    """Fragments older than DataRetentionInHours are no longer listed or served."""
    kvs, _, records = five
    archived = kvs.boto_client("kinesis-video-archived-media")
    kvs.admin("POST", "/clock", {"advance_s": 3500})
    assert len(archived.list_fragments(StreamName="cam")["Fragments"]) == 5
    kvs.admin("POST", "/clock", {"advance_s": 200})
    assert archived.list_fragments(StreamName="cam")["Fragments"] == []
    payload = archived.get_media_for_fragment_list(
        StreamName="cam", Fragments=[records[0]["fragment_number"]])["Payload"].read()
    assert b"AWS_KINESISVIDEO_EXCEPTION_ERROR_CODE" in payload
