"""Issue 5: shutdown, bounded whatever the network does.

- EOS drains: kvssink posts EOS once the last fragment is PERSISTED, or
  when stop-stream-timeout expires if that never happens (here kvslocal
  withholds every PERSISTED): EOS still comes, with a warning naming the
  bound, and nothing KVS received is lost.
- NULL aborts at once, in every phase, with the network a black hole (a
  relay that accepts connections and then never reads, forwards or answers
  anything): the control plane hanging, PutMedia hanging mid-stream, an EOS
  drain hanging, and an offline stream whose streaming thread waits for
  room in a full store. Every network bound kvssink has is set to an hour
  (or off), so a NULL that waited for the network in any way would not
  return within the test's guard; the time NULL took is printed and
  recorded, not asserted.

bench/ measures EOS-to-exit on loopback (``bench/run --quick``).
"""
import json
import threading
import time

import pytest

from faultkit import LEDGER_LOG, Producer, assert_ledger, live_source, record
from faultproxy import ControlRelay, DataRelay
from sinkutil import media

SOURCE = live_source(bitrate_kbps=400).replace("pattern=ball",
                                               "pattern=snow")
# No network bound of kvssink's may end a wait within the guard below.
NO_NETWORK_BOUND = {"connection_timeout": 3600, "completion_timeout": 3600,
                    "stop_stream_timeout": 3600, "connection_staleness": 0,
                    "max_latency": 0}
NULL_GUARD_S = 20
MIB = 1024 * 1024


def test_eos_drain_is_bounded_by_stop_stream_timeout(kvslocal):
    stream = "drain-bound"
    kvslocal.add_fault(stream=stream, type="withhold_ack",
                       event_type="PERSISTED")
    producer = Producer(kvslocal, stream, source=SOURCE,
                        stop_stream_timeout=3)
    producer.start()
    producer.wait_acks("RECEIVED", 2)
    # The guard is far beyond the 3 s bound: only the bound ends the wait.
    stats = producer.finish(guard_s=60)

    ledger = producer.ledger()
    record("eos-drain-bounded", ledger)
    assert any("stop-stream-timeout (3000 ms) expired" in w
               for w in producer.warnings), producer.warnings
    # Not one PERSISTED came, but KVS had received every fragment (RECEIVED
    # well before the bound), and holds each once.
    assert stats["acks-persisted"] == 0
    assert stats["acks-received"] == len(ledger.made)
    assert_ledger(ledger)


def null_within(producer, guard_s: float) -> float:
    """Sets the pipeline to NULL; fails if that does not return within
    `guard_s`. Returns the seconds it took."""
    Gst = producer.Gst
    outcome = {}

    def stop():
        start = time.monotonic()
        outcome["result"] = producer.pipeline.set_state(Gst.State.NULL)
        outcome["seconds"] = time.monotonic() - start

    worker = threading.Thread(target=stop, daemon=True)
    worker.start()
    worker.join(guard_s)
    assert not worker.is_alive(), \
        f"NULL waited on the network: not done in {guard_s} s"
    assert outcome["result"] == Gst.StateChangeReturn.SUCCESS, outcome
    return outcome["seconds"]


def held_at_least(producer, nbytes: int):
    return lambda: any(m["_name"] == "kvssink-stats"
                       and m["storage-used-bytes"] >= nbytes
                       for m in producer.messages)


@pytest.mark.parametrize("phase", ["control-plane", "putmedia", "draining",
                                   "offline-full"])
def test_null_aborts_at_once_whatever_the_network_does(kvslocal, phase):
    stream = f"abort-{phase}"
    data = DataRelay(kvslocal.port)
    control = ControlRelay(kvslocal.port, lambda: data.url)
    hole = DataRelay(kvslocal.port)
    hole.black_hole()
    props = dict(NO_NETWORK_BOUND, stats_interval=50,
                 endpoint_uri=hole.url if phase == "control-plane"
                 else control.url)
    source = SOURCE
    if phase == "offline-full":
        # 8.3 MB into a 2 MiB store that nothing ever acknowledges: the
        # streaming thread ends up waiting for room.
        data.black_hole()
        path = media("kvs_h264_high_640x480_25fps_nob.h264")
        source = f"filesrc location={path} ! h264parse"
        props.update(streaming_type="offline", storage_size=2)
    producer = Producer(kvslocal, stream, source=source, **props)
    try:
        producer.start()
        if phase == "control-plane":
            producer.wait_for(lambda: hole.connections >= 1,
                              "DescribeStream into the black hole")
        elif phase == "offline-full":
            producer.wait_for(lambda: data.connections >= 1,
                              "PutMedia into the black hole")
            producer.wait_for(held_at_least(producer, 3 * MIB // 2),
                              "a full store")
        else:
            producer.wait_acks("PERSISTED", 2)
            data.black_hole()
            producer.wait_for(lambda: data.swallowed > 0,
                              "PutMedia bytes swallowed by the black hole")
            if phase == "draining":
                producer.pipeline.send_event(producer.Gst.Event.new_eos())
                producer.wait_for(
                    lambda: producer.stats()["state"] == "draining",
                    "the EOS drain")
        seconds = null_within(producer, NULL_GUARD_S)
    finally:
        producer.stop()
        for relay in (data, control, hole):
            relay.close()
    print(f"{phase}: NULL took {seconds * 1000:.1f} ms")
    if LEDGER_LOG:
        with open(LEDGER_LOG, "a") as f:
            f.write(json.dumps({"test": f"null-abort-{phase}",
                                "null_ms": round(seconds * 1000, 1)}) + "\n")
    assert producer.error is None, producer.error
