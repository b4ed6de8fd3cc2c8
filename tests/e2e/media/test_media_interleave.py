"""Issue 4: A/V files whose pads reach kvssink in awkward orders lose
nothing.

The round trips (test_media_roundtrip.py) feed every pad from the
demuxer's one thread, in file order. Real pipelines put a queue on each
branch, so each pad has its own thread and they race. These tests force
the orders deterministically, with pad probes (no sleeps): a blocking probe
holds one branch until an event on the other has been handled.
"""
import pytest

from mediautil import upload
from sinkutil import error_acks, gst, media, sink_props

AVC = "video/x-h264,stream-format=avc,alignment=au"
AAC = "audio/mpeg,mpegversion=4,stream-format=raw"


def counts(kvs, stream):
    frames = {}
    for f in kvs.fragments(stream):
        for track, n in f["frame_counts"].items():
            frames[track] = frames.get(track, 0) + n
    return frames


def test_audio_that_ends_before_the_video_starts_is_kept(media_kvs):
    Gst = gst()
    path = media("camera_h264_high_bframes_aac_1080x720.mp4")
    pipeline = Gst.parse_launch(
        f"filesrc location={path} ! qtdemux name=d "
        f"d.video_0 ! queue name=vq ! h264parse ! {AVC} ! s. "
        f"d.audio_0 ! queue ! aacparse ! capsfilter name=ac caps={AAC} ! s. "
        + sink_props(media_kvs, "audio-ends-first").replace(
            "kvssink ", "kvssink name=s ", 1))
    held = pipeline.get_by_name("vq").get_static_pad("src")
    block = held.add_probe(Gst.PadProbeType.BLOCK_DOWNSTREAM,
                           lambda pad, info: Gst.PadProbeReturn.OK)

    def on_event(pad, info):
        if info.get_event().type != Gst.EventType.EOS:
            return Gst.PadProbeReturn.OK
        # kvssink handles the audio EOS (synchronously, on this thread)
        # before the video is let go.
        assert pad.get_peer().send_event(Gst.Event.new_eos())
        held.remove_probe(block)
        return Gst.PadProbeReturn.DROP

    pipeline.get_by_name("ac").get_static_pad("src").add_probe(
        Gst.PadProbeType.EVENT_DOWNSTREAM, on_event)
    result = upload(pipeline)
    assert result.error is None, result.error
    assert error_acks(media_kvs, "audio-ends-first") == []
    assert counts(media_kvs, "audio-ends-first") == {"1": 30, "2": 45}
    assert result.stats["dropped-frames"] == 0
