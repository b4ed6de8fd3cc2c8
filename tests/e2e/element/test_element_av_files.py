"""Audio and video from files through ``kvssink name=s ... ! s.``: one
video_%u and one audio_%u request pad, both tracks in every fragment.

(tests/e2e/media covers every file of ../shared/media; these are the
element's own terms: request pads by link, one MKV track per pad, video
track 1 and audio track 2, one end of stream after both pads' EOS.)
"""
import threading

from elemutil import BBB, InProcess, frames_by_track
from sinkutil import assert_fragments_sane, error_acks, media, sink_props

IPCAM = "ipcam_h264_main_1280x720_g711a.flv"


def check_av(kvs, stream, run):
    """Exactly what reached each pad stored, both tracks in every fragment,
    exactly one EOS after both pads' EOS."""
    assert run.error is None, run.error
    fragments = kvs.fragments(stream)
    assert_fragments_sane(fragments)
    assert error_acks(kvs, stream) == []
    expected = run.expected_frames()
    assert frames_by_track(fragments) == {"1": expected["video_0"],
                                          "2": expected["audio_0"]}
    for f in fragments:
        assert set(f["frame_counts"]) == {"1", "2"}, f
        assert f["key_frame_counts"]["1"] >= 1, f
    assert run.final_stats["dropped-frames"] == 0
    return fragments


def test_mp4_h264_aac(kvslocal):
    run = InProcess(
        sink_props(kvslocal, "av-mp4") + " name=s "
        f"filesrc location={media(BBB)} ! qtdemux name=d "
        "d.video_0 ! queue ! h264parse ! s. "
        "d.audio_0 ! queue ! aacparse ! s.")
    run.run()
    fragments = check_av(kvslocal, "av-mp4", run)
    assert run.buffers == {"video_0": 240, "audio_0": 431}
    assert [f["frame_counts"]["1"] for f in fragments] == [60] * 4
    # The element added exactly the two request pads the links asked for.
    assert sorted(p.get_name() for p in run.sink.sinkpads) == \
        ["audio_0", "video_0"]


def test_flv_h264_g711_alaw_paced(kvslocal):
    # The IP camera recording (A-law), at its real pace (sync=true): both
    # branches end together, as from the camera itself.
    run = InProcess(
        sink_props(kvslocal, "av-flv", sync="true") + " name=s "
        f"filesrc location={media(IPCAM)} ! flvdemux name=d "
        "d.video ! queue ! h264parse ! s. "
        "d.audio ! queue ! audio/x-alaw ! s.")
    run.run()
    check_av(kvslocal, "av-flv", run)
    # flvdemux drops the truncated last video tag: 60 of 61.
    assert run.buffers == {"video_0": 60, "audio_0": 60}


def test_audio_that_ends_before_the_last_video_fragment_is_kept(kvslocal):
    """Deterministic: the video's last key frame (2.0 s) is held back until
    the audio pad has seen EOS, the order a fast file read can give. (Before
    commit 12a659d the last 10 A-law frames were dropped with a new MKV
    header without the ended audio track, in about 1 unpaced run of 5.)"""
    run = InProcess(
        sink_props(kvslocal, "av-audio-ends-first") + " name=s "
        f"filesrc location={media(IPCAM)} ! flvdemux name=d "
        "d.video ! queue ! h264parse name=vp ! s. "
        "d.audio ! queue ! audio/x-alaw ! s.")
    Gst = run.Gst
    audio_eos = threading.Event()
    held = []

    def watch_audio(pad):
        if not pad.get_name().startswith("audio"):
            return

        def on_event(_pad, info):
            if info.get_event().type == Gst.EventType.EOS:
                audio_eos.set()
            return Gst.PadProbeReturn.OK
        pad.add_probe(Gst.PadProbeType.EVENT_DOWNSTREAM, on_event)

    run.sink.connect("pad-added", lambda _e, pad: watch_audio(pad))
    for pad in run.sink.sinkpads:
        watch_audio(pad)

    def hold_second_key_frame(_pad, info):
        if not info.get_buffer().has_flags(Gst.BufferFlags.DELTA_UNIT):
            held.append(info.get_buffer().pts)
            if len(held) == 2:  # Bounded: the audio branch is independent.
                assert audio_eos.wait(30), "audio never reached EOS"
        return Gst.PadProbeReturn.OK
    run.pipeline.get_by_name("vp").get_static_pad("src").add_probe(
        Gst.PadProbeType.BUFFER, hold_second_key_frame)
    run.run()
    assert len(held) == 2 and held[1] == 2 * Gst.SECOND, held
    assert audio_eos.is_set()
    check_av(kvslocal, "av-audio-ends-first", run)
    assert run.buffers == {"video_0": 60, "audio_0": 60}
