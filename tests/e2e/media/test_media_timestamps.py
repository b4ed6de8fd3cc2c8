"""Issue 4: where a file's timeline lands in producer time (real-time
mode: running time anchored to the wall clock)."""
import time

import pytest

from mediautil import upload
from sinkutil import HANG_GUARD_S, gst, media, sink_props

AVC = "video/x-h264,stream-format=avc,alignment=au"


def editlist_pipeline(kvs, stream):
    """bbb with an edit list: its first frame has running time 10 s."""
    path = media("bbb_h264_high_2b_editlist_800x640.mp4")
    return gst().parse_launch(
        f"filesrc location={path} ! qtdemux name=d d.video_0 ! "
        f"h264parse name=p ! {AVC} ! "
        + sink_props(kvs, stream).replace("kvssink ", "kvssink name=s ", 1))


def first_timecode_after(kvs, stream, started_ms):
    return kvs.fragments(stream)[0]["fragment_timecode"] - started_ms


def upload_without_a_clock(kvs, stream):
    """As when the first buffer reaches kvssink while the pipeline is still
    PAUSED (no clock yet): here the pipeline never has one."""
    pipeline = editlist_pipeline(kvs, stream)
    pipeline.use_clock(None)
    started_ms = int(time.time() * 1000)
    result = upload(pipeline)
    assert result.error is None, result.error
    return first_timecode_after(kvs, stream, started_ms)


def upload_first_buffer_in_playing(kvs, stream):
    """The first buffer reaches kvssink once the pipeline is PLAYING."""
    Gst = gst()
    pipeline = editlist_pipeline(kvs, stream)
    src = pipeline.get_by_name("p").get_static_pad("src")
    block = src.add_probe(Gst.PadProbeType.BLOCK_DOWNSTREAM,
                          lambda pad, info: Gst.PadProbeReturn.OK)
    started_ms = int(time.time() * 1000)
    pipeline.set_state(Gst.State.PLAYING)
    ret, state, _ = pipeline.get_state(HANG_GUARD_S * Gst.SECOND)
    assert state == Gst.State.PLAYING, ret
    src.remove_probe(block)
    result = upload(pipeline)
    assert result.error is None, result.error
    return first_timecode_after(kvs, stream, started_ms)


def test_first_fragment_timecode_does_not_depend_on_the_state_race(
        media_kvs):
    no_clock = upload_without_a_clock(media_kvs, "anchor-no-clock")
    playing = upload_first_buffer_in_playing(media_kvs, "anchor-playing")
    assert abs(no_clock - playing) < 2_000, (no_clock, playing)
