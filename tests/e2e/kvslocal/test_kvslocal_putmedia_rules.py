"""The rest of the PutMedia ERROR rules (4001-4011), idle close, newest connection wins."""

from kvslocal_helpers import assert_error_then_end, create_stream, now_ms, upload
import mkvbuild
from putmedia_client import PutMediaClient, run


def tiny(n, step_ms=40, size=64):
    """``n`` small fake frames ``step_ms`` apart (key frame first)."""
    return [mkvbuild.H264Frame(i, i * step_ms, i == 0, b"\x00\x00\x00\x02\x09\x10" * size)
            for i in range(n)]


def header(h264, *extra_tracks):
    return mkvbuild.session_header([h264.track(), *extra_tracks])


def test_4001_fragment_too_large(kvs_factory, h264):
    kvs = kvs_factory("--max-fragment-bytes", "100000")
    create_stream(kvs, "cam")
    t0 = now_ms() - 60_000
    acks = run(upload(kvs, "cam", [header(h264) + mkvbuild.fragment(t0, h264.gops()[0])]))
    assert_error_then_end(acks, 4001, timecode=t0)
    assert kvs.fragments("cam") == []


def test_4001_at_the_default_50_mib_limit(kvslocal, h264):
    """A 51 MiB SimpleBlock is refused from its size field, before its bytes arrive."""
    create_stream(kvslocal, "cam")
    t0 = now_ms() - 60_000
    big = 51 * 1024 * 1024
    block_head = b"\xa3" + mkvbuild.vint_size(big, 8) + b"\x81\x00\x00\x80"
    acks = run(upload(kvslocal, "cam", [header(h264) + mkvbuild.cluster_start(t0) + block_head +
                                         b"\x00" * 4096]))
    assert_error_then_end(acks, 4001, timecode=t0)


def test_4002_fragment_too_long(kvslocal, h264):
    create_stream(kvslocal, "cam")
    t0 = now_ms() - 60_000
    frames = tiny(3, step_ms=5001)        # spans 10.002 s > 10 s
    acks = run(upload(kvslocal, "cam", [header(h264) + mkvbuild.fragment(t0, frames)]))
    assert_error_then_end(acks, 4002, timecode=t0)


def test_4003_connection_too_old(kvs_factory, h264):
    kvs = kvs_factory("--max-connection-duration", "1", "--idle-interval", "0.2")
    create_stream(kvs, "cam")
    t0 = now_ms() - 60_000

    async def go():
        client = PutMediaClient(kvs, stream="cam")
        await client.open()
        await client.send(header(h264) + mkvbuild.fragment(t0, h264.gops()[0]))
        acks = await client.all_acks()     # the server ends the response itself
        client.close()
        return acks
    acks = run(go())
    assert acks[0]["EventType"] == "BUFFERING"
    assert_error_then_end(acks, 4003, timecode=t0)


def test_4005_more_than_three_tracks(kvslocal, h264):
    create_stream(kvslocal, "cam")
    t0 = now_ms() - 60_000
    extra = [mkvbuild.Track(n, codec_id="A_AAC", track_type=2, codec_private=b"\x11\x90",
                            sampling_frequency=48000.0, channels=2) for n in (2, 3, 4)]
    acks = run(upload(kvslocal, "cam", [header(h264, *extra) +
                                        mkvbuild.fragment(t0, h264.gops()[0])]))
    assert_error_then_end(acks, 4005, timecode=t0)


def test_4007_producer_timestamp_in_the_future(kvslocal, h264):
    create_stream(kvslocal, "cam")
    future = now_ms() + 10 * 60_000
    acks = run(upload(kvslocal, "cam", [header(h264) + mkvbuild.fragment(future,
                                                                          h264.gops()[0])]))
    assert_error_then_end(acks, 4007, timecode=future)


def test_4009_too_many_metadata_tags(kvslocal, h264):
    create_stream(kvslocal, "cam")
    t0 = now_ms() - 60_000
    ten = mkvbuild.tags([(f"k{i}", "v") for i in range(10)])
    eleven = mkvbuild.tags([(f"k{i}", "v") for i in range(11)])
    gops = h264.gops()
    acks = run(upload(kvslocal, "cam", [header(h264) + ten + mkvbuild.fragment(t0, gops[0]) +
                                        eleven + mkvbuild.fragment(t0 + 1800, gops[1])]))
    assert [a["EventType"] for a in acks[:3]] == ["BUFFERING", "RECEIVED", "PERSISTED"]
    assert_error_then_end(acks, 4009, timecode=t0 + 1800)
    assert len(kvslocal.fragments("cam")[0]["tags"]) == 10


def test_4011_frames_missing_for_a_track(kvslocal, h264):
    create_stream(kvslocal, "cam")
    t0 = now_ms() - 60_000
    audio = mkvbuild.Track(2, codec_id="A_AAC", track_type=2, codec_private=b"\x11\x90",
                           sampling_frequency=48000.0, channels=2)
    acks = run(upload(kvslocal, "cam", [header(h264, audio) +
                                        mkvbuild.fragment(t0, h264.gops()[0])]))
    assert acks[0]["EventType"] == "BUFFERING"
    assert_error_then_end(acks, 4011, timecode=t0)


def test_4004_fragment_overlapping_the_previous_one(kvslocal, h264):
    create_stream(kvslocal, "cam")
    t0 = now_ms() - 60_000
    frames = tiny(10)                      # t0 .. t0+360
    overlap = [mkvbuild.H264Frame(0, 0, True, b"\x00\x00\x00\x01\x65"),
               mkvbuild.H264Frame(1, -200, False, b"\x00\x00\x00\x01\x41")]
    acks = run(upload(kvslocal, "cam", [header(h264) + mkvbuild.fragment(t0, frames) +
                                        mkvbuild.fragment(t0 + 300, overlap)]))
    assert_error_then_end(acks, 4004, timecode=t0 + 300)


def test_idle_connection_is_closed(kvs_factory, h264):
    kvs = kvs_factory("--idle-interval", "0.2", "--idle-timeout", "1")
    create_stream(kvs, "cam")

    async def go():
        client = PutMediaClient(kvs, stream="cam")
        await client.open()
        await client.send(header(h264))
        acks = await client.all_acks()     # ends when kvslocal closes the request
        client.close()
        return acks
    acks = run(go())
    assert acks and all(a == {"EventType": "IDLE"} for a in acks)


def test_newest_connection_wins(kvslocal, h264):
    """A new PutMedia takes the stream over: the old one may finish the fragment it
    is sending (and gets its ACKs), then its response ends; it starts no other."""
    create_stream(kvslocal, "cam")
    t0 = now_ms() - 60_000
    gops = h264.gops()

    async def go():
        old = PutMediaClient(kvslocal, stream="cam")
        await old.open()
        await old.send(header(h264) + mkvbuild.fragment(t0, gops[0]))
        await old.ack_of("BUFFERING")
        new = PutMediaClient(kvslocal, stream="cam")
        await new.open()
        await new.send(header(h264) + mkvbuild.fragment(t0 + 1800, gops[1]))
        await new.ack_of("BUFFERING")
        # The old connection ends its fragment; a further cluster is not accepted.
        await old.send(mkvbuild.end_of_fragment() + mkvbuild.fragment(t0 + 3600, gops[2]))
        old_rest = await old.all_acks()
        await new.send(mkvbuild.end_of_fragment())
        await new.ack_of("PERSISTED")
        # A third connection while the second is between fragments ends it at once.
        third = PutMediaClient(kvslocal, stream="cam")
        await third.open()
        await third.send(header(h264))
        new_rest = await new.all_acks()
        await third.end()
        await third.all_acks()
        for client in (old, new, third):
            client.close()
        return old_rest, new_rest
    old_rest, new_rest = run(go())
    assert [a["EventType"] for a in old_rest if a["EventType"] != "IDLE"] == \
        ["RECEIVED", "PERSISTED"]
    assert [a for a in new_rest if a["EventType"] != "IDLE"] == []
    fragments = kvslocal.fragments("cam")
    assert sorted((f["session"], f["fragment_timecode"]) for f in fragments) == \
        [(1, t0), (2, t0 + 1800)]
    summary = kvslocal.admin("GET", "/streams")["streams"][0]
    assert summary["sessions"] == 3 and summary["fragment_count"] == 2


def test_acks_introspection(kvslocal, h264):
    create_stream(kvslocal, "cam")
    t0 = now_ms() - 60_000
    sent = run(upload(kvslocal, "cam", [header(h264) + mkvbuild.fragment(t0, h264.gops()[0])]))
    logged = kvslocal.acks("cam")
    assert [entry["ack"] for entry in logged] == sent
    assert {entry["session"] for entry in logged} == {1}
    streams = kvslocal.admin("GET", "/streams")["streams"]
    assert [(s["name"], s["fragment_count"], s["ack_count"]) for s in streams] == \
        [("cam", 1, 3)]
