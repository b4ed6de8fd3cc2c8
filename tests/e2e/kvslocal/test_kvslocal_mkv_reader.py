"""kvslocal's own MKV reader, fed directly (no server): split points, element forms."""
import os
import sys

import pytest

import mkvbuild

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "..", "emulator"))
from kvsemu import mkv  # noqa: E402


def events_of(data, split):
    parser = mkv.MkvStreamParser()
    events = []
    for i in range(0, len(data), split):
        events += parser.feed(data[i:i + split])
    return events + parser.finish()


def summary(events):
    out = []
    for e in events:
        if isinstance(e, mkv.HeaderDone):
            out.append(("header", sorted(e.tracks)))
        elif isinstance(e, mkv.ClusterTimecode):
            out.append(("cluster", e.timecode))
        elif isinstance(e, mkv.Frame):
            out.append(("frame", e.track, e.timecode, e.keyframe, e.frames))
        elif isinstance(e, mkv.TagsElement):
            out.append(("tags", tuple(e.tags)))
        elif isinstance(e, mkv.ClusterEnd):
            out.append(("end",))
    return out


def sample(h264):
    frames = [mkvbuild.H264Frame(i, i * 40, i == 0, bytes([i]) * (10 + i)) for i in range(4)]
    return mkvbuild.session_header([h264.track()]) + mkvbuild.tags([("a", "1")]) + \
        mkvbuild.fragment(1000, frames) + mkvbuild.end_of_fragment() + \
        mkvbuild.fragment(2000, frames)


def test_every_split_size_gives_the_same_events(h264):
    data = sample(h264)
    expected = summary(events_of(data, len(data)))
    assert expected[:2] == [("tags", (("a", "1"),)), ("header", [1])]
    assert [e for e in expected if e[0] == "cluster"] == [("cluster", 1000), ("cluster", 2000)]
    assert len([e for e in expected if e[0] == "frame"]) == 8
    for split in (1, 2, 3, 5, 7, 64, 1000):
        assert summary(events_of(data, split)) == expected, split


def test_known_size_segment_and_cluster_and_block_groups(h264):
    block = mkvbuild.el(0xA1, b"\x81\x00\x05\x00" + b"x" * 10)
    group_key = mkvbuild.el(0xA0, block + mkvbuild.uint(0x9B, 40))
    group_ref = mkvbuild.el(0xA0, mkvbuild.el(0xA1, b"\x81\x00\x2d\x00" + b"y" * 5) +
                            mkvbuild.el(0xFB, b"\xd8"))
    laced = mkvbuild.el(0xA3, b"\x81\x00\x50\x82\x02" + b"z" * 30)     # Xiph lacing, 3 frames
    cluster_body = mkvbuild.uint(0xE7, 7, 8) + group_key + group_ref + laced
    cluster = mkvbuild.el(0x1F43B675, cluster_body)
    head = mkvbuild.session_header([h264.track()])
    segment_body = head[len(mkvbuild.ebml_header()) + 12:] + cluster
    data = mkvbuild.ebml_header() + b"\x18\x53\x80\x67" + mkvbuild.vint_size(len(segment_body), 8) \
        + segment_body
    got = summary(events_of(data, 3))
    assert got == [("header", [1]), ("cluster", 7), ("frame", 1, 5, True, 1),
                   ("frame", 1, 45, False, 1), ("frame", 1, 80, True, 3), ("end",)]


@pytest.mark.parametrize("bad", [b"\x00\x00\x00\x00", b"\x1a\x45\xdf\xa3\x80" + b"junk"])
def test_garbage_is_invalid_mkv(bad):
    with pytest.raises(mkv.MkvError) as info:
        events_of(bad, 1)
    assert info.value.error_id == 4006


def test_stored_cluster_round_trip(h264):
    events = events_of(sample(h264), 9)
    clusters = [e.cluster for e in events if isinstance(e, mkv.ClusterEnd)]
    timecode, _ = mkv.split_cluster(clusters[1])
    assert timecode == 2000
    assert mkv.split_cluster(mkv.rebase_cluster(clusters[1], 1500))[0] == 500
    frames = [f for f, _ in mkv.iter_cluster_blocks(clusters[0])]
    assert [(f.timecode, f.keyframe) for f in frames] == [(0, True), (40, False), (80, False),
                                                          (120, False)]
