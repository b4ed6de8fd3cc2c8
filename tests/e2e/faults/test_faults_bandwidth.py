"""Issue 5: a link slower than the bitrate.

Realtime: the store keeps storage-size; beyond it whole oldest fragments are
dropped, never part of one, and each is reported (stats dropped-fragments
and a log line with its timecode). Offline: the producer blocks instead and
nothing is lost.
"""
from faultkit import FPS, Producer, assert_ledger, live_source, record
from sinkutil import media

STREAM = "slow"


def test_realtime_drops_whole_oldest_fragments_and_reports_each(kvslocal):
    # ~1 MB/s of incompressible video in 0.5 s fragments (~500 KB) into a
    # 3 MiB store, read by kvslocal at 100 KB/s from the first byte (so the
    # kernel's buffers stay small and the store fills within seconds).
    kvslocal.add_fault(stream=STREAM, type="throttle_upload",
                       bytes_per_second=100_000)
    source = live_source(gop=FPS // 2, bitrate_kbps=8000, width=640,
                         height=480).replace("pattern=ball", "pattern=snow")
    producer = Producer(kvslocal, STREAM, source=source, storage_size=3)
    producer.start()
    producer.wait_for(lambda: producer.stats()["dropped-fragments"] >= 3,
                      "fragments dropped for storage")
    kvslocal.admin("DELETE", "/faults")  # The link recovers.
    persisted = len(producer.acks("PERSISTED"))
    producer.wait_acks("PERSISTED", persisted + 4)
    stats = producer.finish()

    ledger = producer.ledger()
    record("realtime-slow-link", ledger,
           dropped=stats["dropped-fragments"])
    dropped = stats["dropped-fragments"]
    assert dropped >= 3
    assert stats["storage-used-bytes"] == 0
    # Every missing fragment is whole (no partial ones persisted) and was
    # reported, by count and by timecode.
    assert_ledger(ledger, reported_lost=dropped)
    lost_ms = sorted(ledger.producer_ms(i) for i in ledger.lost)
    assert lost_ms == sorted(producer.dropped_logged)


def test_offline_blocks_on_a_slow_link_without_losing_a_frame(kvslocal):
    # 8.3 MB of H.264 (403 frames, 9 fragments) through a 2 MiB store over
    # a 1 MB/s link: the streaming thread must wait for ACKs to free room.
    kvslocal.add_fault(stream=STREAM, type="throttle_upload",
                       bytes_per_second=1_000_000)
    path = media("kvs_h264_high_640x480_25fps_nob.h264")
    producer = Producer(kvslocal, STREAM,
                        source=f"filesrc location={path} ! h264parse",
                        streaming_type="offline", storage_size=2,
                        stats_interval=100)
    producer.start()
    producer.wait_for(lambda: producer.eos, "EOS (the whole file persisted)",
                      guard_s=120)
    stats = producer.stats()
    producer.stop()

    ledger = producer.ledger()
    record("offline-slow-link", ledger)
    assert_ledger(ledger)
    assert len(ledger.made) == 9 and producer.frames == 403
    assert stats["frames-in"] == 403 and stats["dropped-frames"] == 0
    assert stats["dropped-fragments"] == 0
    # More than the store could ever hold went through it, and it never
    # held more than storage-size: the producer waited.
    budget = 2 * 1024 * 1024
    assert stats["bytes-in"] > 3 * budget
    used = [m["storage-used-bytes"] for m in producer.messages
            if m["_name"] == "kvssink-stats"]
    assert used and max(used) <= budget
