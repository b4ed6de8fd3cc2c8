"""Restarting kvssink, and seeking a pipeline that ends in it (issue 6:
"Restart (PLAYING->NULL->PLAYING, and READY<->PLAYING) works every time,
with no leaks").

One pipeline in this process streams a real file (Big Buck Bunny with
B-frames, 4 s, an IDR every 30 frames: 4 fragments) to kvslocal 50 times.
Cycles alternate PLAYING->NULL->PLAYING and PLAYING->READY->PLAYING; every
cycle runs to EOS, which kvssink posts only once its last fragment is
acknowledged. After each cycle, the fragments kvslocal stored for it are
exactly the file's 4 fragments, all PERSISTED, on a PutMedia connection of
their own, and the PERSISTED ACKs kvssink posted on the bus are those
fragments. Open file descriptors and threads after cycle 50 are those after
cycle 5, with a little slack for GLib's thread pools.

The seek test proves that gst_element_seek() on a pipeline whose only sink
is kvssink reaches the demuxer (kvssink forwards upstream events through
its sink pads).

Every wait is on a bus message under a hang guard; nothing sleeps.
"""
import time

from elemutil import fd_count, thread_count
from sinkutil import HANG_GUARD_S, error_acks, gst, media, sink_props

CLIP = "bbb_h264_high_bpyramid_800x640.mp4"  # 120 frames, IDR every 30.
FRAGMENTS_PER_CYCLE = 4
FRAMES_PER_FRAGMENT = 30
CYCLES = 50
FD_SLACK = 4
THREAD_SLACK = 3


def clip_pipeline(kvs, stream: str):
    """filesrc ! qtdemux ! h264parse name=vp ! kvssink. The demuxer's pad
    is linked by our own pad-added handler: gst_parse_launch links a
    dynamic pad only once, and qtdemux makes a new one after each restart."""
    Gst = gst()
    pipeline = Gst.parse_launch(
        f"filesrc location={media(CLIP)} ! qtdemux name=d "
        "h264parse name=vp ! " + sink_props(kvs, stream) + " name=s")
    parser_sink = pipeline.get_by_name("vp").get_static_pad("sink")

    def link(_demux, pad):
        if pad.get_name().startswith("video"):
            assert pad.link(parser_sink) == Gst.PadLinkReturn.OK

    pipeline.get_by_name("d").connect("pad-added", link)
    return Gst, pipeline


def play_to_eos(Gst, pipeline) -> list:
    """Sets PLAYING and waits for EOS; returns the fragment numbers of the
    PERSISTED ACKs kvssink posted. An ERROR fails the test."""
    assert pipeline.set_state(Gst.State.PLAYING) != \
        Gst.StateChangeReturn.FAILURE
    bus = pipeline.get_bus()
    persisted = []
    deadline = time.monotonic() + HANG_GUARD_S
    while True:
        remaining = deadline - time.monotonic()
        assert remaining > 0, "no EOS: pipeline hung"
        msg = bus.timed_pop_filtered(
            int(remaining * Gst.SECOND), Gst.MessageType.EOS
            | Gst.MessageType.ERROR | Gst.MessageType.ELEMENT)
        if msg is None:
            continue
        if msg.type == Gst.MessageType.ERROR:
            err, dbg = msg.parse_error()
            raise AssertionError(f"{err.message}\n{dbg}")
        if msg.type == Gst.MessageType.EOS:
            return persisted
        s = msg.get_structure()
        if (s.get_name() == "kvssink-fragment-ack"
                and s.get_string("type") == "PERSISTED"):
            persisted.append(s.get_string("fragment-number"))


def stop(Gst, pipeline, state) -> None:
    """Stops to `state` (NULL or READY) and empties the bus, so the next
    cycle reads only its own messages. kvssink stops its stream in
    PAUSED->READY: no message of this cycle can follow."""
    assert pipeline.set_state(state) == Gst.StateChangeReturn.SUCCESS
    bus = pipeline.get_bus()
    while bus.pop() is not None:
        pass


def test_fifty_restart_cycles_persist_every_fragment_without_leaks(kvslocal):
    stream = "restart-cycles"
    Gst, pipeline = clip_pipeline(kvslocal, stream)
    stored = 0
    sessions = set()
    at_cycle_5 = None
    try:
        for cycle in range(1, CYCLES + 1):
            persisted = play_to_eos(Gst, pipeline)
            # Odd cycles restart through NULL, even ones through READY.
            stop(Gst, pipeline,
                 Gst.State.NULL if cycle % 2 else Gst.State.READY)
            fragments = kvslocal.fragments(stream)
            new = fragments[stored:]
            stored = len(fragments)
            where = f"cycle {cycle}"
            assert len(new) == FRAGMENTS_PER_CYCLE, (where, new)
            assert all(f["persisted"] for f in new), (where, new)
            assert [f["frame_counts"] for f in new] == \
                [{"1": FRAMES_PER_FRAGMENT}] * FRAGMENTS_PER_CYCLE, where
            assert persisted == [f["fragment_number"] for f in new], where
            cycle_sessions = {f["session"] for f in new}
            assert len(cycle_sessions) == 1, (where, cycle_sessions)
            assert not cycle_sessions & sessions, (where, cycle_sessions)
            sessions |= cycle_sessions
            if cycle == 5:
                at_cycle_5 = (fd_count(), thread_count())
        at_cycle_50 = (fd_count(), thread_count())
    finally:
        pipeline.set_state(Gst.State.NULL)
    assert error_acks(kvslocal, stream) == []
    assert len(sessions) == CYCLES
    assert at_cycle_50[0] <= at_cycle_5[0] + FD_SLACK, (at_cycle_5,
                                                         at_cycle_50)
    assert at_cycle_50[1] <= at_cycle_5[1] + THREAD_SLACK, (at_cycle_5,
                                                            at_cycle_50)


def test_seeking_a_pipeline_whose_sink_is_kvssink(kvslocal):
    # Buffers are dropped at the parser until the seek's FLUSH_STOP, so
    # what reaches kvssink is exactly what the seek asked for: from the
    # key frame at 2.0 s, the file's last two fragments.
    stream = "pipeline-seek"
    Gst, pipeline = clip_pipeline(kvslocal, stream)
    state = {"flushed": False, "asked": False}

    def hold_until_seek(_pad, info):
        if info.type & Gst.PadProbeType.BUFFER:
            if state["flushed"]:
                return Gst.PadProbeReturn.OK
            if not state["asked"]:  # Pads are linked now: seek.
                state["asked"] = True
                pipeline.post_message(Gst.Message.new_application(
                    pipeline, Gst.Structure.new_empty("seek-now")))
            return Gst.PadProbeReturn.DROP
        event = info.get_event()
        if event.type == Gst.EventType.FLUSH_STOP:
            state["flushed"] = True
        elif event.type == Gst.EventType.EOS and not state["flushed"]:
            return Gst.PadProbeReturn.DROP
        return Gst.PadProbeReturn.OK

    pipeline.get_by_name("vp").get_static_pad("src").add_probe(
        Gst.PadProbeType.BUFFER | Gst.PadProbeType.EVENT_DOWNSTREAM
        | Gst.PadProbeType.EVENT_FLUSH, hold_until_seek)
    seeks = []
    bus = pipeline.get_bus()
    pipeline.set_state(Gst.State.PLAYING)
    try:
        while True:
            msg = bus.timed_pop_filtered(
                HANG_GUARD_S * Gst.SECOND, Gst.MessageType.EOS
                | Gst.MessageType.ERROR | Gst.MessageType.APPLICATION)
            assert msg is not None, "pipeline hung"
            if msg.type == Gst.MessageType.APPLICATION:
                seeks.append(pipeline.seek_simple(
                    Gst.Format.TIME,
                    Gst.SeekFlags.FLUSH | Gst.SeekFlags.KEY_UNIT,
                    2 * Gst.SECOND))
                if not seeks[-1]:
                    break  # Refused: the held stream would never end.
                continue
            if msg.type == Gst.MessageType.ERROR:
                err, dbg = msg.parse_error()
                raise AssertionError(f"{err.message}\n{dbg}")
            break
    finally:
        pipeline.set_state(Gst.State.NULL)
    assert seeks == [True], "gst_element_seek on the pipeline failed"
    fragments = kvslocal.fragments(stream)
    assert [f["frame_counts"] for f in fragments] == \
        [{"1": FRAMES_PER_FRAGMENT}] * 2, fragments
    assert all(f["persisted"] for f in fragments), fragments
    assert error_acks(kvslocal, stream) == []
