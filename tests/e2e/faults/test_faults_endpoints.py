"""Issue 5: the service goes away, moves, or ends connections by age.

- kvslocal restarted with --data-dir on the same port: kvssink retries
  through the outage (refused connections, past the start-up attempt
  budget) and replays; the restarted kvslocal holds every fragment once;
- an endpoint change: the data endpoint GetDataEndpoint returned goes away
  and GetDataEndpoint now names another; kvssink asks again and moves;
- session rotation: kvslocal's 45-minute connection limit shortened, with a
  shorter rotation-period, rotates at fragment boundaries with no ERROR
  4003; without rotation, 4003 is a retriable ERROR and nothing is lost.
"""
import socket

import pytest

from faultkit import (Producer, acked_fragment_numbers, assert_ledger,
                      live_source, record)
from faultproxy import ControlRelay, DataRelay
from kvslocal_fixture import KvsLocal

SOURCE = live_source(bitrate_kbps=400).replace("pattern=ball",
                                               "pattern=snow")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_kvslocal_restart_with_data_dir(tmp_path):
    stream = "restarted"
    data_dir = str(tmp_path / "data")
    port = free_port()
    args = ("--data-dir", data_dir, "--port", str(port))
    kvs = KvsLocal(*args, log_dir=str(tmp_path)).start()
    producer = Producer(kvs, stream, source=SOURCE).start()
    try:
        producer.wait_acks("PERSISTED", 3)
        acked = acked_fragment_numbers(kvs, stream)
        kvs.stop()  # Mid-fragment, at some point of the upload.
        producer.wait_for(lambda: producer.stats()["retries"] >= 6,
                          "retries while kvslocal is down")
        (tmp_path / "second").mkdir()
        kvs = KvsLocal(*args, log_dir=str(tmp_path / "second")).start()
        producer.kvs = kvs
        persisted = len(producer.acks("PERSISTED"))
        producer.wait_acks("PERSISTED", persisted + 3)
        stats = producer.finish()
        ledger = producer.ledger()  # From the restarted kvslocal.
        acked |= acked_fragment_numbers(kvs, stream)
    finally:
        producer.stop()
        kvs.stop()
    record("kvslocal-restart-data-dir", ledger, retries=stats["retries"])
    assert {f["session"] for f in ledger.persisted} >= {1}
    assert_ledger(ledger, acked=acked)


def test_endpoint_change(kvslocal, tmp_path):
    stream = "moved"
    old, new = DataRelay(kvslocal.port), DataRelay(kvslocal.port)
    current = [old.url]
    control = ControlRelay(kvslocal.port, lambda: current[0])
    producer = Producer(kvslocal, stream, source=SOURCE,
                        endpoint_uri=control.url).start()
    try:
        producer.wait_acks("PERSISTED", 3)
        assert old.connections == 1 and new.connections == 0
        current[0] = new.url
        old.close()  # The old data endpoint is gone; connections reset.
        producer.wait_for(lambda: new.connections >= 1,
                          "PutMedia on the new endpoint")
        persisted = len(producer.acks("PERSISTED"))
        producer.wait_acks("PERSISTED", persisted + 3)
        stats = producer.finish()
    finally:
        producer.stop()
        for relay in (old, new, control):
            relay.close()
    ledger = producer.ledger()
    record("endpoint-change", ledger, retries=stats["retries"])
    assert control.rewrites >= 2  # GetDataEndpoint was asked again.
    assert_ledger(ledger, acked=acked_fragment_numbers(kvslocal, stream))


@pytest.mark.parametrize("rotation_period", [2, None])
def test_session_rotation_with_short_connection_limit(kvs_factory,
                                                      rotation_period):
    stream = "rotate"
    kvs = kvs_factory("--max-connection-duration", "4")
    props = {"rotation_period": rotation_period} if rotation_period else {}
    producer = Producer(kvs, stream, source=SOURCE, **props).start()
    producer.wait_for(lambda: producer.stats()["sessions"] >= 3,
                      "three PutMedia sessions")
    producer.wait_acks("PERSISTED", len(producer.acks("PERSISTED")) + 1)
    stats = producer.finish()

    ledger = producer.ledger()
    errors = [a["ack"]["ErrorId"] for a in kvs.acks(stream)
              if a["ack"]["EventType"] == "ERROR"]
    name = f"rotation-{rotation_period}s" if rotation_period else "limit-4003"
    record(name, ledger, sessions=stats["sessions"], errors=len(errors))
    if rotation_period:
        # Rotated before kvslocal's limit, at fragment boundaries.
        assert errors == [] and stats["reconnects"] == 0
    else:
        assert errors and set(errors) == {4003}
    assert len({f["session"] for f in ledger.persisted}) >= 3
    assert_ledger(ledger)
