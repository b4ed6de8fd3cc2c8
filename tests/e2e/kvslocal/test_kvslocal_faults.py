"""Fault injection: every fault type, observed from the client side, plus the admin API."""
import json
import socket
import time
import urllib.error
import urllib.request

import pytest
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError

from kvslocal_helpers import create_stream, now_ms, wait_for
import mkvbuild
from putmedia_client import PutMediaClient, run


def body(h264, t0, count, first=0):
    return mkvbuild.session_header([h264.track()]) + b"".join(
        mkvbuild.fragment(t0 + i * 1800, h264.gops()[i]) for i in range(first, first + count))


async def upload(kvs, data, chunk=65536):
    client = PutMediaClient(kvs, stream="cam")
    await client.open()
    await client.send(data, [chunk])
    await client.end()
    acks = await client.all_acks()
    client.close()
    return client, acks


def kinds(acks):
    return [a["EventType"] for a in acks if a["EventType"] != "IDLE"]


@pytest.fixture
def cam(kvslocal):
    create_stream(kvslocal, "cam")
    return kvslocal


def test_fail_next_calls_of_an_operation(cam):
    fault = cam.add_fault(stream="cam", type="fail_operation", operation="DescribeStream",
                          count=2, status=503, error_type="ServiceUnavailable",
                          message="try later")
    client = cam.boto_client()
    for _ in range(2):
        with pytest.raises(ClientError) as info:
            client.describe_stream(StreamName="cam")
        assert info.value.response["Error"]["Code"] == "ServiceUnavailable"
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
        assert info.value.response["Error"]["Message"] == "try later"
    assert client.describe_stream(StreamName="cam")["StreamInfo"]["Status"] == "ACTIVE"
    listed = {f["id"]: f for f in cam.faults()}[fault["id"]]
    assert len(listed["fired"]) == 2 and listed["remaining"] == 0 and not listed["active"]
    # Other streams are not affected; "*" would match them.
    cam.add_fault(stream="*", type="fail_operation", operation="*", status=400,
                  error_type="ClientLimitExceededException")
    with pytest.raises(ClientError) as info:
        client.list_streams()
    assert info.value.response["Error"]["Code"] == "ClientLimitExceededException"


def test_fail_putmedia(cam, h264):
    cam.add_fault(stream="cam", type="fail_operation", operation="PutMedia", status=401,
                  error_type="NotAuthorizedException")

    async def go():
        client = PutMediaClient(cam, stream="cam")
        await client.open()
        result = await client.error_body()
        client.close()
        return result
    status, headers, _ = run(go())
    assert status == 401 and headers["x-amzn-errortype"] == "NotAuthorizedException"


@pytest.mark.parametrize("mode", ["clean", "reset"])
@pytest.mark.parametrize("after", ["fragments", "bytes"])
def test_close_connection(cam, h264, after, mode):
    """close_connection after N fragments or N body bytes, cleanly (the response
    ends with its last chunk) or by a TCP reset."""
    data = body(h264, now_ms() - 60_000, 4)
    # After 2 fragments, or half-way through the 3rd fragment's bytes.
    limit = {"after_fragments": 2} if after == "fragments" else \
        {"after_bytes": len(body(h264, 0, 2)) + len(mkvbuild.fragment(0, h264.gops()[2])) // 2}
    cam.add_fault(stream="cam", type="close_connection", mode=mode, **limit)
    client, acks = run(upload(cam, data))
    assert len(cam.fragments("cam")) == 2
    assert "ERROR" not in kinds(acks)
    if mode == "clean":
        assert not client.reset_seen
        assert kinds(acks).count("PERSISTED") == 2
    else:
        assert client.reset_seen or client.send_failed
    fired = cam.faults()[0]["fired"]
    assert len(fired) == 1 and fired[0]["operation"] == "PutMedia"
    # count=1 by default: the next connection is not closed.
    _, acks = run(upload(cam, body(h264, now_ms() - 50_000, 2)))
    assert kinds(acks).count("PERSISTED") == 2


def test_delay_acks(cam, h264):
    cam.add_fault(stream="cam", type="delay_acks", delay_ms=400, event_types=["PERSISTED"])
    data = body(h264, now_ms() - 60_000, 1)

    async def go():
        client = PutMediaClient(cam, stream="cam")
        await client.open()
        await client.send(data)
        await client.ack_of("BUFFERING")
        sent_at = time.monotonic()
        await client.send(mkvbuild.end_of_fragment())     # completes the fragment
        await client.ack_of("PERSISTED")
        waited = time.monotonic() - sent_at
        await client.end()
        await client.all_acks()
        client.close()
        return waited
    # Lower bounds only, which the injected sleep guarantees: PERSISTED cannot
    # arrive earlier than 400 ms after the bytes that completed the fragment.
    assert run(go()) >= 0.39       # (10 ms of slack for clock granularity)
    log = {entry["ack"]["EventType"]: entry["time_ms"] for entry in cam.acks("cam")}
    assert log["PERSISTED"] - log["RECEIVED"] >= 390
    assert [f["ack"]["EventType"] for f in cam.faults()[0]["fired"]] == ["PERSISTED"]


def test_withhold_buffering(cam, h264):
    cam.add_fault(stream="cam", type="withhold_ack", event_type="BUFFERING")
    _, acks = run(upload(cam, body(h264, now_ms() - 60_000, 2)))
    assert kinds(acks) == ["RECEIVED", "PERSISTED", "RECEIVED", "PERSISTED"]
    assert len(cam.faults()[0]["fired"]) == 2


def test_error_ack_for_fragment_n(cam, h264):
    cam.add_fault(stream="cam", type="error_ack", fragment=2, error_id=5000)
    t0 = now_ms() - 60_000
    _, acks = run(upload(cam, body(h264, t0, 3)))
    assert kinds(acks) == ["BUFFERING", "RECEIVED", "PERSISTED", "BUFFERING", "ERROR"]
    assert acks[-1]["ErrorId"] == 5000 and acks[-1]["FragmentTimecode"] == t0 + 1800
    assert len(cam.fragments("cam")) == 1
    # One-shot: a retry of the same data goes through.
    _, acks = run(upload(cam, body(h264, t0, 2, first=1)))
    assert kinds(acks).count("PERSISTED") == 2


def test_throttle_upload(cam, h264):
    data = body(h264, now_ms() - 60_000, 1)
    cam.add_fault(stream="cam", type="throttle_upload", bytes_per_second=len(data) * 2)
    started = time.monotonic()
    _, acks = run(upload(cam, data))
    # A lower bound only: reading len(data) bytes at 2 x len(data) B/s takes >= 0.5 s.
    assert time.monotonic() - started >= 0.45
    assert kinds(acks).count("PERSISTED") == 1


def test_refuse_connections_for_one_stream(cam):
    cam.add_fault(stream="cam", type="refuse_connections", seconds=3)
    client = cam.boto_client()
    with pytest.raises((ConnectionClosedError, EndpointConnectionError)):
        client.describe_stream(StreamName="cam")
    assert client.list_streams()["StreamInfoList"]      # other requests are served

    def served():
        try:
            return client.describe_stream(StreamName="cam")["StreamInfo"]["Status"] == "ACTIVE"
        except (ConnectionClosedError, EndpointConnectionError):
            return False
    assert wait_for(served)


def test_refuse_all_connections(cam):
    cam.add_fault(stream="*", type="refuse_connections", seconds=3)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", cam.port), timeout=5).close()

    def accepting():
        try:
            socket.create_connection(("127.0.0.1", cam.port), timeout=5).close()
            return True
        except ConnectionRefusedError:
            return False
    assert wait_for(accepting)
    assert cam.boto_client().describe_stream(StreamName="cam")["StreamInfo"]["Status"] == \
        "ACTIVE"


def test_fault_admin_api(cam):
    first = cam.add_fault(stream="cam", type="withhold_ack", event_type="IDLE")
    second = cam.add_fault(stream="cam", type="delay_acks", delay_ms=10)
    assert [f["id"] for f in cam.faults()] == [first["id"], second["id"]]
    assert cam.admin("DELETE", f"/faults/{first['id']}") == {"cleared": 1}
    assert [f["id"] for f in cam.faults()] == [second["id"]]
    assert cam.admin("DELETE", "/faults") == {"cleared": 1}
    assert cam.faults() == []
    for bad in ({"type": "explode"}, {"type": "withhold_ack", "event_type": "NOPE"},
                {"type": "close_connection"}, {"type": "delay_acks", "delay_ms": "slow"}):
        request = urllib.request.Request(f"{cam.url}/_kvslocal/faults", method="POST",
                                         data=json.dumps(bad).encode())
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(request, timeout=10)
        assert info.value.code == 400
