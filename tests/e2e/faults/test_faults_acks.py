"""Issue 5: ACKs that do not come, or come late.

- withheld BUFFERING: a connection that accepts bytes but never says it is
  buffering a fragment is stale after connection-staleness; kvssink
  replaces it and replays, losing nothing;
- delayed ACKs: PERSISTED arriving late only delays freeing; nothing is
  resent, lost or duplicated, and EOS still waits for the last one.
"""
from faultkit import FPS, Producer, assert_ledger, live_source, record


def test_withheld_buffering_ack_makes_the_connection_stale(kvslocal):
    stream = "stale"
    # 3 s fragments, staleness 1 s: a fragment whose BUFFERING is withheld
    # is still being sent when the watchdog gives up on the connection.
    source = live_source(gop=3 * FPS)
    producer = Producer(kvslocal, stream, source=source,
                        connection_staleness=1)
    producer.start()
    producer.wait_acks("PERSISTED", 1)
    kvslocal.add_fault(stream=stream, type="withhold_ack",
                       event_type="BUFFERING", count=1)
    producer.wait_for(lambda: producer.stats()["reconnects"] >= 1,
                      "a reconnect after connection-staleness")
    producer.wait_acks("PERSISTED", len(producer.acks("PERSISTED")) + 1)
    stats = producer.finish()

    ledger = producer.ledger()
    record("withheld-buffering-staleness", ledger,
           reconnects=stats["reconnects"])
    assert "connection-staleness" in stats["last-error"]
    withheld = [f for f in kvslocal.faults() if f["type"] == "withhold_ack"]
    assert len(withheld[0]["fired"]) == 1
    assert_ledger(ledger)


def test_delayed_acks_lose_and_repeat_nothing(kvslocal):
    stream = "late-acks"
    # Every PERSISTED is held back 700 ms (1 s fragments: the delay, less
    # than a fragment, never piles up).
    kvslocal.add_fault(stream=stream, type="delay_acks", delay_ms=700,
                       event_types=["PERSISTED"])
    producer = Producer(kvslocal, stream, source=live_source())
    producer.start()
    producer.wait_acks("PERSISTED", 4)
    stats = producer.finish()

    ledger = producer.ledger()
    record("delayed-acks", ledger, sessions=stats["sessions"])
    assert stats["sessions"] == 1 and stats["reconnects"] == 0
    # EOS waited for the last (delayed) PERSISTED: everything was freed.
    assert stats["acks-persisted"] == len(ledger.made)
    assert stats["storage-used-bytes"] == 0
    delayed = [f for f in kvslocal.faults() if f["type"] == "delay_acks"]
    assert len(delayed[0]["fired"]) == len(ledger.made)
    assert_ledger(ledger)
