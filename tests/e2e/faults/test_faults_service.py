"""Issue 5: the service misbehaves while kvssink streams.

- a 503 storm and ClientLimitExceeded throttling on every operation, longer
  than the start-up attempt budget: waited out with backoff, nothing lost;
- ERROR ACKs of each class: retriable (5000) reconnects and resends the
  fragment; non-retriable (4006) skips that fragment only, and reports it;
- the stream deleted mid-stream: recreated (allow-create-stream) and the
  fragment KVS refused with 4008 is resent, not skipped.
"""
import pytest

from faultkit import (Producer, acked_fragment_numbers, assert_ledger,
                      live_source, record)

SOURCE = live_source(bitrate_kbps=400).replace("pattern=ball",
                                               "pattern=snow")


def faults_used_up(kvs):
    return lambda: all(not f["active"] for f in kvs.faults())


@pytest.mark.parametrize("status,error_type", [
    (503, "ServiceUnavailable"),
    (400, "ClientLimitExceededException"),
])
def test_control_and_data_plane_storm_is_waited_out(kvslocal, status,
                                                    error_type):
    stream = f"storm-{status}"
    # A clean close forces a reconnect into the storm: PutMedia fails, then
    # GetDataEndpoint (the endpoint is refreshed after two failed sessions),
    # 7 answers in a row: more than the 5 attempts a start-up gets.
    kvslocal.add_fault(stream=stream, type="close_connection", mode="clean",
                       after_bytes=100_000)
    producer = Producer(kvslocal, stream, source=SOURCE).start()
    producer.wait_acks("PERSISTED", 1)
    kvslocal.add_fault(stream="*", type="fail_operation", operation="*",
                       count=7, status=status, error_type=error_type)
    producer.wait_for(faults_used_up(kvslocal), "the storm to pass")
    producer.wait_acks("PERSISTED", len(producer.acks("PERSISTED")) + 1)
    stats = producer.finish()

    ledger = producer.ledger()
    record(f"storm-{status}-{error_type}", ledger, retries=stats["retries"])
    assert stats["retries"] >= 7
    fired = [f for f in kvslocal.faults() if f["type"] == "fail_operation"]
    assert {e["operation"] for e in fired[0]["fired"]} >= {
        "PutMedia", "GetDataEndpoint"}
    assert_ledger(ledger)


@pytest.mark.parametrize("error_id,retriable", [(5000, True), (4006, False)])
def test_error_ack_of_each_class(kvslocal, error_id, retriable):
    stream = f"error-{error_id}"
    producer = Producer(kvslocal, stream, source=SOURCE).start()
    producer.wait_acks("PERSISTED", 2)
    # The next fragment kvslocal completes gets the ERROR and is not stored.
    kvslocal.add_fault(stream=stream, type="error_ack", error_id=error_id)
    producer.wait_for(lambda: producer.acks("ERROR"), "the ERROR ACK")
    persisted = len(producer.acks("PERSISTED"))
    producer.wait_acks("PERSISTED", persisted + 3)
    stats = producer.finish()

    ledger = producer.ledger()
    record(f"error-ack-{error_id}", ledger,
           skipped=stats["skipped-fragments"])
    errored = producer.acks("ERROR")[0]["timecode"]
    assert stats["acks-error"] == 1 and stats["reconnects"] == 1
    if retriable:
        assert stats["skipped-fragments"] == 0
        assert_ledger(ledger)  # Resent: nothing lost.
    else:
        # Only the rejected fragment is missing, and it was reported.
        assert stats["skipped-fragments"] == 1
        assert producer.skipped_timecodes() == [errored]
        assert_ledger(ledger, reported_lost=1)
        assert [ledger.producer_ms(i) for i in ledger.lost] == [errored]


def test_stream_deleted_mid_stream_is_recreated(kvslocal):
    stream = "deleted"
    producer = Producer(kvslocal, stream, source=SOURCE).start()
    producer.wait_acks("PERSISTED", 3)
    client = kvslocal.boto_client()
    before = kvslocal.fragments(stream)
    acked = acked_fragment_numbers(kvslocal, stream)
    arn = client.describe_stream(StreamName=stream)["StreamInfo"]["StreamARN"]
    client.delete_stream(StreamARN=arn)
    # kvslocal refuses the fragment in progress with 4008; kvssink
    # describes, recreates the stream and resends it.
    producer.wait_for(
        lambda: any(s["StreamName"] == stream and s["StreamARN"] != arn
                    for s in client.list_streams()["StreamInfoList"]),
        "the stream recreated")
    persisted = len(producer.acks("PERSISTED"))
    producer.wait_acks("PERSISTED", persisted + 3)
    stats = producer.finish()

    # The first stream's fragments went with it: the ledger joins what was
    # persisted before the deletion (read then, and the PERSISTED ACKs that
    # kvssink reported between that read and the deletion) with the new
    # stream's fragments.
    after = kvslocal.fragments(stream)
    numbers = {f["fragment_number"] for f in before}
    late = [m for m in producer.acks("PERSISTED")
            if m["fragment-number"] not in numbers
            and m["fragment-number"] not in {f["fragment_number"]
                                             for f in after}]
    late_records = [{"fragment_number": m["fragment-number"],
                     "producer_timestamp_ms": m["timecode"],
                     "frame_counts": None} for m in late]
    ledger = producer.ledger_of(before + late_records + after)
    record("stream-deleted-recreated", ledger,
           skipped=stats["skipped-fragments"])
    assert stats["skipped-fragments"] == 0
    assert [a["error-id"] for a in producer.acks("ERROR")] == [4008]
    assert_ledger(ledger, acked=acked | {m["fragment-number"] for m in late})
