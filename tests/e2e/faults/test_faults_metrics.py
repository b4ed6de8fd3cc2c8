"""Issue 5, section 5: the metrics each stream reports (the `stats`
property) agree with what happened, by another count.

Two streams in one process (one client): "steady" streams undisturbed;
"bumpy" has its first PutMedia connection closed mid-fragment and every
PERSISTED held back 500 ms. Their stats are checked against the ledger,
the bus messages (one per ACK) and kvslocal's own record.
"""
from faultkit import Producer, assert_ledger, live_source, record

SOURCE = live_source(bitrate_kbps=400).replace("pattern=ball",
                                               "pattern=snow")
MIB = 1024 * 1024
DELAY_MS = 500


def check_against_bus(producer, stats):
    for kind in ("BUFFERING", "RECEIVED", "PERSISTED", "ERROR"):
        assert stats[f"acks-{kind.lower()}"] == len(producer.acks(kind)), kind
    assert stats["frames-in"] == producer.frames
    assert stats["dropped-frames"] == stats["dropped-fragments"] == 0
    assert stats["skipped-fragments"] == 0
    for name in ("frame-to-socket", "frame-to-received", "frame-to-persisted"):
        p50, p99, top = (stats[f"{name}-{q}-ns"] for q in ("p50", "p99", "max"))
        assert 0 < p50 <= p99 <= top, (name, p50, p99, top)
    assert stats["frame-to-received-p50-ns"] <= \
        stats["frame-to-persisted-p50-ns"]


def test_stream_and_client_metrics(kvslocal):
    kvslocal.add_fault(stream="bumpy", type="close_connection", mode="clean",
                       after_bytes=60_000)
    kvslocal.add_fault(stream="bumpy", type="delay_acks", delay_ms=DELAY_MS,
                       event_types=["PERSISTED"])
    steady = Producer(kvslocal, "steady", source=SOURCE, storage_size=20)
    bumpy = Producer(kvslocal, "bumpy", source=SOURCE, storage_size=30)
    steady.start()
    bumpy.start()
    bumpy.wait_for(lambda: bumpy.stats()["reconnects"] >= 1, "a reconnect")
    bumpy.wait_acks("PERSISTED", len(bumpy.acks("PERSISTED")) + 2)
    steady.wait_acks("PERSISTED", 3)

    # Mid-stream: the client (process) view covers both streams.
    live = bumpy.stats()
    assert live["state"] == "streaming"
    assert live["client-streams"] == 2
    assert live["client-storage-size-bytes"] == 50 * MIB
    assert live["storage-size-bytes"] == 30 * MIB
    assert live["storage-available-bytes"] == \
        30 * MIB - live["storage-used-bytes"]
    assert live["client-storage-available-bytes"] == \
        50 * MIB - live["client-storage-used-bytes"]
    assert live["frame-rate"] > 0 and live["transfer-rate"] > 0
    assert live["overall-view-duration-ms"] >= \
        live["current-view-duration-ms"] >= 0
    assert live["overall-view-bytes"] >= live["current-view-bytes"]

    final = {p.stream: p.finish() for p in (bumpy, steady)}
    for producer in (steady, bumpy):
        stats = final[producer.stream]
        ledger = producer.ledger()
        record(f"metrics-{producer.stream}", ledger,
               sessions=stats["sessions"])
        assert_ledger(ledger)
        made = len(ledger.made)
        check_against_bus(producer, stats)
        assert stats["fragments-created"] == made
        assert stats["acks-persisted"] == made
        assert stats["storage-used-bytes"] == 0
        assert stats["bytes-sent"] >= stats["bytes-in"]

    steady_stats, bumpy_stats = final["steady"], final["bumpy"]
    assert steady_stats["fragments-sent"] == len(steady.made)
    assert steady_stats["sessions"] == 1
    assert steady_stats["reconnects"] == steady_stats["retries"] == 0
    assert steady_stats["last-error"] == ""
    # The closed connection: one reconnect, the error kept, and what was
    # unacknowledged sent again (fragments-sent counts replays).
    assert bumpy_stats["reconnects"] == 1
    assert bumpy_stats["sessions"] == 2
    assert "ended before the upload finished" in bumpy_stats["last-error"]
    assert bumpy_stats["fragments-sent"] >= len(bumpy.made)
    # Every PERSISTED came at least DELAY_MS after RECEIVED.
    assert bumpy_stats["frame-to-persisted-p50-ns"] >= DELAY_MS * 1_000_000
    assert bumpy_stats["frame-to-received-p50-ns"] < \
        bumpy_stats["frame-to-persisted-p50-ns"]
