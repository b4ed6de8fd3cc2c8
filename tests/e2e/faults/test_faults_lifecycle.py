"""Issue 5: NULL -> PLAYING -> NULL cycles leave nothing behind.

200 times, in this process: start a pipeline into kvssink, wait until
PutMedia carries its first fragment (a BUFFERING ACK), and set it to NULL in
the middle of the upload. Threads (/proc/self/task), file descriptors
(/proc/self/fd) and resident memory must come back to where they were after
a few warm-up cycles (GStreamer and libcurl keep some process-wide state).
"""
import os

from faultkit import HANG_GUARD_S
from sinkutil import gst, media, sink_props, structure_dict

CYCLES = 200
WARM_UP = 5


def threads() -> int:
    return len(os.listdir("/proc/self/task"))


def fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def rss_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def one_cycle(Gst, description: str) -> None:
    pipeline = Gst.parse_launch(description)
    bus = pipeline.get_bus()
    assert pipeline.set_state(Gst.State.PLAYING) != \
        Gst.StateChangeReturn.FAILURE
    try:
        while True:
            msg = bus.timed_pop(HANG_GUARD_S * Gst.SECOND)
            assert msg is not None, "hang guard: no BUFFERING ACK"
            assert msg.type != Gst.MessageType.ERROR, msg.parse_error()
            if msg.type != Gst.MessageType.ELEMENT:
                continue
            s = structure_dict(msg.get_structure())
            if s["_name"] == "kvssink-fragment-ack" and \
                    s["type"] == "BUFFERING":
                return
    finally:
        result = pipeline.set_state(Gst.State.NULL)
        assert result == Gst.StateChangeReturn.SUCCESS, result


def test_start_stop_cycles_leave_no_threads_fds_or_memory(kvslocal):
    Gst = gst()
    path = media("kvs_h264_high_640x480_25fps_nob.h264")
    description = (f"filesrc location={path} ! h264parse ! "
                   + sink_props(kvslocal, "cycles"))
    for _ in range(WARM_UP):
        one_cycle(Gst, description)
    base = (threads(), fds(), rss_kib())
    samples = []
    for i in range(CYCLES):
        one_cycle(Gst, description)
        samples.append((threads(), fds(), rss_kib()))
    after = samples[-1]
    print(f"threads {base[0]} -> {after[0]} (max {max(s[0] for s in samples)}),"
          f" fds {base[1]} -> {after[1]} (max {max(s[1] for s in samples)}),"
          f" RSS {base[2]} -> {after[2]} KiB")
    # A leak of one thread, socket or fragment buffer per cycle would show
    # up 200 times over; allow a pool thread or two of slack.
    assert after[0] <= base[0] + 2, (base, after)
    assert after[1] <= base[1] + 2, (base, after)
    # Each cycle buffers ~8 MB of media; 200 of them held would be 1.6 GB.
    assert after[2] - base[2] < 64 * 1024, (base, after)
