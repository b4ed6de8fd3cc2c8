"""Issue 2: failures become a GStreamer error that says what failed and what
to check, and the pipeline never hangs."""
import socket

from sinkutil import media, run_pipeline, sink_props

SOURCE = ("filesrc location={path} ! qtdemux name=d d.video_0 ! h264parse")


def bbb_source():
    return SOURCE.format(path=media("bbb_h264_high_nob_aac_1280x720_10s.mp4"))


def test_missing_stream_without_create(kvslocal):
    result = run_pipeline(f"{bbb_source()} ! " + sink_props(
        kvslocal, "nope", allow_create_stream="false"))
    assert result.returncode != 0, result
    out = result.output
    assert "ERROR: from element" in out
    assert "ResourceNotFoundException" in out
    assert "allow-create-stream=true" in out  # What to check.
    # Nothing was created behind the user's back.
    names = [s["StreamName"] for s in
             kvslocal.boto_client().list_streams()["StreamInfoList"]]
    assert "nope" not in names


def test_wrong_secret_key_is_not_authorized(kvslocal):
    description = f"{bbb_source()} ! " + sink_props(
        kvslocal, "forbidden", secret_key="not-the-right-secret-key-XXXXXXXX")
    result = run_pipeline(description)
    assert result.returncode != 0, result
    assert "not-authorized" in result.output
    assert "HTTP 403" in result.output
    assert "check access-key, secret-key and session-token" in result.output
    # The secret never appears in the output, even in the failure report.
    assert "not-the-right-secret-key" not in result.output


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_refused_connection_fails_fast_with_hint(kvslocal):
    port = free_port()  # Closed again: nothing listens there.
    description = f"{bbb_source()} ! " + sink_props(
        kvslocal, "unreachable", endpoint_uri=f"http://127.0.0.1:{port}")
    result = run_pipeline(description, timeout=60)
    assert result.returncode != 0, result
    assert "connect-failed" in result.output
    assert f"127.0.0.1:{port}" in result.output
    assert "network connectivity" in result.output


def test_secrets_are_not_logged(kvslocal):
    secret = kvslocal.secret_key
    result = run_pipeline(
        f"{bbb_source()} ! " + sink_props(kvslocal, "quiet",
                                           session_token="TOKEN-SHOULD-NOT-LEAK"),
        env=None)
    # The session token is wrong for kvslocal's credentials, so this fails;
    # either way neither secret may be printed at kvssink:4.
    assert secret not in result.output
    assert "TOKEN-SHOULD-NOT-LEAK" not in result.output
