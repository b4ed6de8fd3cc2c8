"""A flush mid-stream (a flushing seek, or flush events) keeps the PutMedia
session, and what comes after it is stored (issue 6: "A flush empties what
is pending, without dropping the session").

The point of the flush is made deterministic by a probe on the parser's
src pad: the first 90 frames of Big Buck Bunny (IDRs at frames 0, 60, 120,
180; 24 fps) reach kvssink, then the stream is held at frame 90 while the
application flushes, so kvssink has the first fragment (frames 0-59) and 30
frames of the second when the flush comes. Expected in kvslocal: fragments
of [60, 30, 60, 60] frames, in one session, with increasing timecodes, no
ERROR ACK, and a decodable read-back.
"""
import threading

import pytest

from elemutil import BBB, InProcess
from sinkutil import (assert_fragments_sane, error_acks, ffprobe_count, media,
                      read_back, sink_props)

HOLD_AT = 90  # Frames that reach kvssink before the flush.


class HeldFile:
    """bbb's video into kvssink, held after HOLD_AT frames until the
    application flushed.

    mode "drop": later buffers and EOS are dropped at the parser until a
    FLUSH_STOP passes (a seek restarts the flow); mode "wait": the
    streaming thread waits in the probe, holding frame HOLD_AT, until
    ``release()``.
    """

    def __init__(self, kvs, stream: str, mode: str):
        self.run = InProcess(
            f"filesrc location={media(BBB)} ! qtdemux name=d d.video_0 ! "
            "h264parse name=vp ! " + sink_props(kvs, stream) + " name=s")
        self.Gst = self.run.Gst
        self.mode = mode
        self.frames = 0
        self.holding = False
        self.flushed = False
        self.released = threading.Event()
        self.pad = self.run.pipeline.get_by_name("vp").get_static_pad("src")
        Gst = self.Gst
        self.pad.add_probe(Gst.PadProbeType.BUFFER
                           | Gst.PadProbeType.EVENT_DOWNSTREAM
                           | Gst.PadProbeType.EVENT_FLUSH, self._probe)

    def _probe(self, _pad, info):
        Gst = self.Gst
        if info.type & Gst.PadProbeType.BUFFER:
            if self.holding:
                if self.mode == "drop":
                    return Gst.PadProbeReturn.DROP
                self.released.wait(60)  # Bounded; release() ends it.
                self.holding = False
                return Gst.PadProbeReturn.OK
            if self.frames == HOLD_AT and not self.flushed:
                self.holding = True
                self.run.pipeline.post_message(Gst.Message.new_application(
                    self.run.pipeline, Gst.Structure.new_empty("held")))
                return self._probe(_pad, info)
            self.frames += 1
            return Gst.PadProbeReturn.OK
        event = info.get_event()
        if event.type == Gst.EventType.EOS and self.holding:
            return Gst.PadProbeReturn.DROP
        if event.type == Gst.EventType.FLUSH_STOP:
            self.flushed = True
            if self.mode == "drop":
                self.holding = False
        return Gst.PadProbeReturn.OK

    def release(self):
        self.flushed = True
        self.released.set()


def is_held(run, msg) -> bool:
    return (msg.type == run.Gst.MessageType.APPLICATION
            and msg.get_structure().get_name() == "held")


def check_one_session(kvs, stream, run):
    """Stored as [60, 30, 60, 60] in one PutMedia session; returns the
    fragments."""
    assert run.error is None, run.error
    fragments = kvs.fragments(stream)
    assert_fragments_sane(fragments)
    assert error_acks(kvs, stream) == []
    assert [f["frame_counts"] for f in fragments] == [
        {"1": 60}, {"1": 30}, {"1": 60}, {"1": 60}]
    assert all(f["key_frame_counts"] == {"1": 1} for f in fragments)
    # No new PutMedia connection: one session in the fragments and ACKs,
    # none in kvssink's counters, no reconnecting state.
    assert {f["session"] for f in fragments} == {fragments[0]["session"]}
    assert {a["session"] for a in kvs.acks(stream)} == \
        {fragments[0]["session"]}
    assert run.final_stats["sessions"] == 1
    assert run.final_stats["reconnects"] == 0
    states = [m["state"] for m in run.messages("kvssink-stream-state")]
    assert "reconnecting" not in states, states
    return fragments


def check_reads_back(kvs, stream, fragments, tmp_path):
    mkv = read_back(kvs, stream, [f["fragment_number"] for f in fragments],
                    str(tmp_path))
    assert ffprobe_count(mkv, decode=True) == sum(
        f["frame_counts"]["1"] for f in fragments)


def test_flushing_seek_keeps_the_session(kvslocal, tmp_path):
    # The application seeks the demuxer to the third IDR (5.0 s): running
    # time starts again at 0, and kvssink must carry on after what it sent.
    held = HeldFile(kvslocal, "flush-seek", "drop")
    seeks = []

    def on_message(msg):
        if is_held(held.run, msg):
            Gst = held.Gst
            seeks.append(held.run.pipeline.get_by_name("d").seek_simple(
                Gst.Format.TIME, Gst.SeekFlags.FLUSH | Gst.SeekFlags.KEY_UNIT,
                5 * Gst.SECOND))
    held.run.run(on_message=on_message)
    assert seeks == [True]
    fragments = check_one_session(kvslocal, "flush-seek", held.run)
    # The frames after the seek follow on: the third fragment starts after
    # the second ends (30 frames = 1250 ms), within a second, not back at
    # the first fragment's time, as the reset running time would say.
    step = (fragments[2]["producer_timestamp_ms"]
            - fragments[1]["producer_timestamp_ms"])
    assert 1250 <= step <= 2250, step
    check_reads_back(kvslocal, "flush-seek", fragments, tmp_path)


def test_flush_events_keep_the_session(kvslocal, tmp_path):
    # FLUSH_START / FLUSH_STOP (no time reset) and the segment again, sent
    # from the parser while its streaming thread waits: the flow then goes
    # on with frame 90, a delta frame, so kvssink waits for the IDR at 120.
    held = HeldFile(kvslocal, "flush-events", "wait")
    pushed = []

    def on_message(msg):
        if is_held(held.run, msg):
            Gst = held.Gst
            segment = held.pad.get_sticky_event(Gst.EventType.SEGMENT, 0)
            pushed.extend([
                held.pad.push_event(Gst.Event.new_flush_start()),
                held.pad.push_event(Gst.Event.new_flush_stop(False)),
                held.pad.push_event(segment)])
            held.release()
    held.run.run(on_message=on_message)
    assert pushed == [True, True, True]
    fragments = check_one_session(kvslocal, "flush-events", held.run)
    assert held.run.buffers == {"video_0": 240}
    assert held.run.final_stats["frames-before-key-frame"] == 30
    # Same timeline: the fragment after the flush is at the file's 5.0 s.
    assert fragments[2]["producer_timestamp_ms"] - \
        fragments[0]["producer_timestamp_ms"] == pytest.approx(5000, abs=2)
    check_reads_back(kvslocal, "flush-events", fragments, tmp_path)


def test_seeking_the_pipeline_keeps_the_session(kvslocal, tmp_path):
    held = HeldFile(kvslocal, "flush-pipeline-seek", "drop")
    seeks = []

    def on_message(msg):
        if is_held(held.run, msg):
            Gst = held.Gst
            seeks.append(held.run.pipeline.seek_simple(
                Gst.Format.TIME, Gst.SeekFlags.FLUSH | Gst.SeekFlags.KEY_UNIT,
                5 * Gst.SECOND))
            return not seeks[-1]  # Refused: the held stream would not end.
    held.run.run(on_message=on_message)
    assert seeks == [True]
    fragments = check_one_session(kvslocal, "flush-pipeline-seek", held.run)
    check_reads_back(kvslocal, "flush-pipeline-seek", fragments, tmp_path)
