"""PutMedia: full-duplex ACKs, fragment bookkeeping and the ERROR ACK rules."""
import asyncio

import pytest

from kvslocal_helpers import assert_error_then_end, create_stream, now_ms, upload
import mkvbuild
from putmedia_client import PutMediaClient, run


def ids(acks):
    return [(a["EventType"], a.get("FragmentTimecode")) for a in acks if a["EventType"] != "IDLE"]


def test_acks_stream_while_the_upload_is_in_progress(kvslocal, h264):
    create_stream(kvslocal, "cam")
    gops = h264.gops()
    t0 = now_ms() - 60_000

    async def go():
        client = PutMediaClient(kvslocal, stream="cam")
        await client.open()
        assert await client.status() == 200
        await client.send(mkvbuild.session_header([h264.track()]))
        # Only the start of the first cluster: BUFFERING must come before the rest.
        first = mkvbuild.fragment(t0, gops[0])
        await client.send(first[:5000])
        buffering = await client.ack_of("BUFFERING")
        assert buffering["FragmentTimecode"] == t0
        await client.send(first[5000:])
        await client.send(mkvbuild.fragment(t0 + 1800, gops[1]))
        # The second cluster's start completes the first fragment.
        received = await client.ack_of("RECEIVED")
        persisted = await client.ack_of("PERSISTED")
        assert received["FragmentNumber"] == buffering["FragmentNumber"] == \
            persisted["FragmentNumber"]
        second = await client.ack_of("BUFFERING")
        # The end-of-fragment tag completes the last fragment before the body ends.
        await client.send(mkvbuild.end_of_fragment())
        assert (await client.ack_of("RECEIVED"))["FragmentTimecode"] == t0 + 1800
        assert (await client.ack_of("PERSISTED"))["FragmentNumber"] == second["FragmentNumber"]
        await client.end()
        rest = await client.all_acks()
        client.close()
        return buffering, second, rest
    first_ack, second_ack, rest = run(go())
    assert [a for a in rest if a["EventType"] != "IDLE"] == []
    assert int(second_ack["FragmentNumber"]) > int(first_ack["FragmentNumber"])
    assert len(second_ack["FragmentNumber"]) >= 40

    fragments = kvslocal.fragments("cam")
    assert [f["fragment_number"] for f in fragments] == \
        [first_ack["FragmentNumber"], second_ack["FragmentNumber"]]
    for fragment, gop, tc in zip(fragments, gops, (t0, t0 + 1800)):
        assert fragment["fragment_timecode"] == tc
        assert fragment["producer_timestamp_ms"] == tc
        assert fragment["frame_counts"] == {"1": len(gop)}
        assert fragment["key_frame_counts"] == {"1": 1}
        assert fragment["duration_ms"] == len(gop) * 40
        assert fragment["session"] == 1
        assert fragment["size_bytes"] > sum(len(f.avcc) for f in gop)
    assert fragments[0]["server_timestamp_ms"] <= fragments[1]["server_timestamp_ms"]


def test_body_split_anywhere(kvslocal, h264):
    """Chunks of 1 byte (tiny fragments) and of odd sizes (real frames) parse the same."""
    create_stream(kvslocal, "cam")
    t0 = now_ms() - 60_000
    tiny = [mkvbuild.H264Frame(i, i * 40, i == 0, b"\x00\x00\x00\x02\x09\x10" * (i + 1))
            for i in range(5)]
    header = mkvbuild.session_header([mkvbuild.Track(1, codec_private=h264.codec_private)])
    body = header + mkvbuild.fragment(t0, tiny) + mkvbuild.fragment(t0 + 200, tiny)
    acks = run(upload(kvslocal, "cam", [body], chunk_sizes=[1]))
    assert ids(acks) == [("BUFFERING", t0), ("RECEIVED", t0), ("PERSISTED", t0),
                         ("BUFFERING", t0 + 200), ("RECEIVED", t0 + 200),
                         ("PERSISTED", t0 + 200)]
    gops = h264.gops()[:3]
    body = header + b"".join(mkvbuild.fragment(t0 + 1000 + i * 1800, g)
                             for i, g in enumerate(gops))
    acks = run(upload(kvslocal, "cam", [body], chunk_sizes=[1, 2, 3, 7, 13, 4099, 65536]))
    assert len([a for a in acks if a["EventType"] == "PERSISTED"]) == 3
    assert [f["frame_counts"]["1"] for f in kvslocal.fragments("cam")] == [5, 5, 45, 45, 45]


@pytest.mark.parametrize("expect_continue", [True, False])
def test_with_and_without_expect_continue(kvslocal, h264, expect_continue):
    create_stream(kvslocal, "cam")
    t0 = now_ms() - 60_000
    body = mkvbuild.session_header([h264.track()]) + mkvbuild.fragment(t0, h264.gops()[0])
    acks = run(upload(kvslocal, "cam", [body], expect_continue=expect_continue))
    assert ids(acks) == [("BUFFERING", t0), ("RECEIVED", t0), ("PERSISTED", t0)]


def test_relative_timecodes_and_zero_retention(kvslocal, h264):
    create_stream(kvslocal, "cam", retention=0)
    start = now_ms() - 60_000
    body = mkvbuild.session_header([h264.track()]) + mkvbuild.fragment(0, h264.gops()[0]) + \
        mkvbuild.fragment(1800, h264.gops()[1])
    acks = run(upload(kvslocal, "cam", [body], timecode_type="RELATIVE", start_ms=start))
    # No persistence with retention 0: RECEIVED only (guide L8989).
    assert ids(acks) == [("BUFFERING", 0), ("RECEIVED", 0), ("BUFFERING", 1800),
                         ("RECEIVED", 1800)]
    fragments = kvslocal.fragments("cam")
    assert [f["producer_timestamp_ms"] for f in fragments] == [start, start + 1800]


def test_no_acks_when_not_required(kvslocal, h264):
    create_stream(kvslocal, "cam")
    body = mkvbuild.session_header([h264.track()]) + \
        mkvbuild.fragment(now_ms() - 60_000, h264.gops()[0])
    assert run(upload(kvslocal, "cam", [body], acks="0")) == []
    assert len(kvslocal.fragments("cam")) == 1


def test_metadata_tags_belong_to_the_next_fragment(kvslocal, h264):
    create_stream(kvslocal, "cam")
    t0 = now_ms() - 60_000
    body = mkvbuild.session_header([h264.track()]) + \
        mkvbuild.tags([("motion", "yes"), ("zone", "3")]) + \
        mkvbuild.fragment(t0, h264.gops()[0]) + mkvbuild.fragment(t0 + 1800, h264.gops()[1])
    run(upload(kvslocal, "cam", [body]))
    assert [f["tags"] for f in kvslocal.fragments("cam")] == [{"motion": "yes", "zone": "3"}, {}]


def test_idle_acks_while_no_data_flows(kvs_factory, h264):
    kvs = kvs_factory("--idle-interval", "0.2")
    create_stream(kvs, "cam")

    async def go():
        client = PutMediaClient(kvs, stream="cam")
        await client.open()
        await client.send(mkvbuild.session_header([h264.track()]))
        idle = await client.ack_of("IDLE")
        await client.end()
        await client.all_acks()
        client.close()
        return idle
    assert run(go()) == {"EventType": "IDLE"}


def test_missing_stream_is_404(kvslocal):
    async def go():
        client = PutMediaClient(kvslocal, stream="nope")
        await client.open()
        result = await client.error_body()
        client.close()
        return result
    status, headers, body = run(go())
    assert status == 404 and headers["x-amzn-errortype"] == "ResourceNotFoundException"


def test_stream_arn_header(kvslocal, h264):
    arn = create_stream(kvslocal, "cam")
    t0 = now_ms() - 60_000
    body = mkvbuild.session_header([h264.track()]) + mkvbuild.fragment(t0, h264.gops()[0])
    acks = run(upload(kvslocal, None, [body], arn=arn))
    assert ids(acks)[-1] == ("PERSISTED", t0)


# --- ERROR ACKs --------------------------------------------------------------

def test_4004_fragment_timecode_not_increasing(kvslocal, h264):
    create_stream(kvslocal, "cam")
    t0 = now_ms() - 60_000
    gops = h264.gops()
    body = mkvbuild.session_header([h264.track()]) + mkvbuild.fragment(t0, gops[0]) + \
        mkvbuild.fragment(t0, gops[1]) + mkvbuild.fragment(t0 + 3600, gops[2])
    acks = run(upload(kvslocal, "cam", [body]))
    assert ids(acks)[:3] == [("BUFFERING", t0), ("RECEIVED", t0), ("PERSISTED", t0)]
    assert_error_then_end(acks, 4004, timecode=t0)
    assert len(kvslocal.fragments("cam")) == 1


def test_4006_unparseable_mkv(kvslocal, h264):
    create_stream(kvslocal, "cam")
    acks = run(upload(kvslocal, "cam", [b"this is not matroska at all"]))
    assert_error_then_end(acks, 4006)
    t0 = now_ms() - 60_000
    body = mkvbuild.session_header([h264.track()]) + mkvbuild.fragment(t0, h264.gops()[0]) + \
        b"\x00\x00\x00\x00garbage"
    acks = run(upload(kvslocal, "cam", [body]))
    assert ids(acks)[0] == ("BUFFERING", t0)
    assert_error_then_end(acks, 4006)


def test_4010_track_number_mismatch(kvslocal, h264):
    create_stream(kvslocal, "cam")
    t0 = now_ms() - 60_000
    frames = h264.gops()[0]
    body = mkvbuild.session_header([h264.track()]) + mkvbuild.cluster_start(t0) + \
        mkvbuild.simple_block(1, 0, frames[0].avcc, True) + \
        mkvbuild.simple_block(2, 40, frames[1].avcc, False)
    acks = run(upload(kvslocal, "cam", [body]))
    assert_error_then_end(acks, 4010, timecode=t0)
    assert kvslocal.fragments("cam") == []


def test_4008_stream_not_active(kvs_factory, h264):
    kvs = kvs_factory("--create-delay", "3600")
    create_stream(kvs, "cam")
    assert kvs.boto_client().describe_stream(StreamName="cam")["StreamInfo"]["Status"] == \
        "CREATING"
    t0 = now_ms() - 60_000
    body = mkvbuild.session_header([h264.track()]) + mkvbuild.fragment(t0, h264.gops()[0])
    acks = run(upload(kvs, "cam", [body]))
    assert_error_then_end(acks, 4008, timecode=t0)


def test_4008_stream_deleted_while_streaming(kvslocal, h264):
    arn = create_stream(kvslocal, "cam")
    t0 = now_ms() - 60_000
    gops = h264.gops()

    async def go():
        client = PutMediaClient(kvslocal, stream="cam")
        await client.open()
        await client.send(mkvbuild.session_header([h264.track()]) +
                          mkvbuild.fragment(t0, gops[0]))
        await client.ack_of("BUFFERING")
        await asyncio.get_running_loop().run_in_executor(
            None, lambda: kvslocal.boto_client().delete_stream(StreamARN=arn))
        await client.send(mkvbuild.fragment(t0 + 1800, gops[1]))
        acks = await client.all_acks()
        client.close()
        return acks
    acks = run(go())
    # The fragment in progress when the stream was deleted is not stored either.
    assert_error_then_end(acks, 4008, timecode=t0)


def _second_segment(h264, t0):
    head = mkvbuild.session_header([h264.track()])
    return head + mkvbuild.fragment(t0, h264.gops()[0]) + head


def _tracks_after_cluster(h264, t0):
    tracks = mkvbuild.el(0x1654AE6B, h264.track().entry())
    return mkvbuild.session_header([h264.track()]) + mkvbuild.fragment(t0, h264.gops()[0]) + \
        tracks


def _cluster_before_tracks(h264, t0):
    return mkvbuild.ebml_header() + b"\x18\x53\x80\x67" + mkvbuild.vint_size(None) + \
        mkvbuild.fragment(t0, h264.gops()[0])


def _wrong_doctype(h264, t0):
    return mkvbuild.ebml_header("avi") + mkvbuild.session_header([h264.track()])[
        len(mkvbuild.ebml_header()):] + mkvbuild.fragment(t0, h264.gops()[0])


def _truncated(h264, t0):
    return (mkvbuild.session_header([h264.track()]) + mkvbuild.fragment(t0, h264.gops()[0]))[:-7]


@pytest.mark.parametrize("make", [_second_segment, _tracks_after_cluster,
                                  _cluster_before_tracks, _wrong_doctype, _truncated])
def test_4006_structural_errors(kvslocal, h264, make):
    create_stream(kvslocal, "cam")
    acks = run(upload(kvslocal, "cam", [make(h264, now_ms() - 60_000)]))
    assert_error_then_end(acks, 4006)


@pytest.mark.parametrize("timecode_type", ["ABSOLUTE", "RELATIVE"])
def test_producer_timestamps_follow_the_timecode_scale(kvslocal, h264, timecode_type):
    """producer_timestamp = timecode (ABSOLUTE) or producer start + timecode
    (RELATIVE), in ms through the session's TimecodeScale (guide L8860-8872).
    Here a tick is 100 us; ACKs echo the Cluster Timecode as sent (ticks)."""
    create_stream(kvslocal, "cam")
    start = now_ms() - 60_000
    base = start * 10 if timecode_type == "ABSOLUTE" else 0
    frames = [mkvbuild.H264Frame(i, i * 400, i == 0, b"\x00\x00\x00\x02\x09\x10")
              for i in range(3)]                     # 400 ticks = 40 ms apart
    body = mkvbuild.session_header([h264.track()], timecode_scale=100_000) + \
        mkvbuild.fragment(base, frames) + mkvbuild.fragment(base + 18_000, frames)
    acks = run(upload(kvslocal, "cam", [body], timecode_type=timecode_type, start_ms=start))
    assert ids(acks) == [("BUFFERING", base), ("RECEIVED", base), ("PERSISTED", base),
                         ("BUFFERING", base + 18_000), ("RECEIVED", base + 18_000),
                         ("PERSISTED", base + 18_000)]
    fragments = kvslocal.fragments("cam")
    assert [f["producer_timestamp_ms"] for f in fragments] == [start, start + 1800]
    assert [f["duration_ms"] for f in fragments] == [120, 120]


def test_relative_needs_the_producer_start_timestamp(kvslocal):
    create_stream(kvslocal, "cam")

    async def go():
        client = PutMediaClient(kvslocal, stream="cam", timecode_type="RELATIVE", start_ms=None)
        await client.open()
        result = await client.error_body()
        client.close()
        return result
    status, headers, _ = run(go())
    assert status == 400 and headers["x-amzn-errortype"] == "InvalidArgumentException"


def test_error_acks_are_sent_even_when_acks_are_not_required(kvslocal, h264):
    """x-amzn-fragment-acknowledgment-required: 0 turns off BUFFERING, RECEIVED,
    PERSISTED and IDLE, not the ERROR that ends the request."""
    create_stream(kvslocal, "cam")
    t0 = now_ms() - 60_000
    body = mkvbuild.session_header([h264.track()]) + mkvbuild.fragment(t0, h264.gops()[0]) + \
        mkvbuild.fragment(t0, h264.gops()[1])
    acks = run(upload(kvslocal, "cam", [body], acks="0"))
    assert [(a["EventType"], a["ErrorId"]) for a in acks] == [("ERROR", 4004)]
    assert len(kvslocal.fragments("cam")) == 1


@pytest.mark.parametrize("headers", [
    {"x-amzn-fragment-acknowledgment-required": "yes"},
    {"x-amzn-producer-start-timestamp": "soon"},
    {"x-amzn-producer-start-timestamp": "nan"},
], ids=["acks-required", "start-timestamp", "nan-start"])
def test_bad_putmedia_headers(kvslocal, headers):
    create_stream(kvslocal, "cam")

    async def go():
        client = PutMediaClient(kvslocal, stream="cam", extra_headers=headers)
        await client.open()
        result = await client.error_body()
        client.close()
        return result
    status, response_headers, body = run(go())
    assert status == 400 and response_headers["x-amzn-errortype"] == "InvalidArgumentException"
    assert body["message"]


def test_stream_name_and_arn_together_are_refused(kvslocal):
    arn = create_stream(kvslocal, "cam")

    async def go():
        client = PutMediaClient(kvslocal, stream="cam", arn=arn)
        await client.open()
        result = await client.error_body()
        client.close()
        return result
    status, headers, _ = run(go())
    assert status == 400 and headers["x-amzn-errortype"] == "InvalidArgumentException"
