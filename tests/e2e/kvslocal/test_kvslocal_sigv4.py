"""SigV4 verification: what kvslocal answers for each kind of bad signature.

Expected answers are AWS's (sources in emulator/kvsemu/sigv4.py).
"""
import datetime as dt
import json
import time
import urllib.error
import urllib.request

import pytest
from botocore.exceptions import ClientError

from kvslocal_fixture import AwsCliError
from kvslocal_helpers import create_stream
import mkvbuild
from putmedia_client import PutMediaClient, run, sign_headers

BODY = b'{\n\t"StreamName": "cam"\n}'


def raw_call(kvs, path="/describeStream", body=BODY, host=None, sign=True, **sign_args):
    """POSTs ``body`` signed like AWS's kvssink (host;user-agent;x-amz-date, sha256(body))."""
    url = f"{kvs.url}{path}"
    headers = {"host": host or f"127.0.0.1:{kvs.port}",
               "user-agent": "AWS-SDK-KVS-CPP-CLIENT/3.6.0/1.6.2 GCC/12.2.0 Linux x86_64 CPPSDK"}
    if sign:
        signed = sign_headers("POST", url, headers, body,
                              sign_args.pop("access_key", kvs.access_key),
                              sign_args.pop("secret_key", kvs.secret_key), kvs.region,
                              **sign_args)
        headers = signed      # SignedHeaders=host;user-agent;x-amz-date, as the SDK sends
        assert "SignedHeaders=host;user-agent;x-amz-date," in headers["Authorization"]
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, dict(resp.headers), json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), json.loads(err.read())


def error_type(headers):
    return {k.lower(): v for k, v in headers.items()}["x-amzn-errortype"]


def stamp(delta_s: float) -> str:
    moment = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=delta_s)
    return moment.strftime("%Y%m%dT%H%M%SZ")


@pytest.fixture
def cam(shared_kvs):
    """The module's kvslocal with a stream "cam" (these tests leave no state)."""
    if not shared_kvs.boto_client().list_streams(StreamNameCondition={
            "ComparisonOperator": "BEGINS_WITH", "ComparisonValue": "cam"})["StreamInfoList"]:
        create_stream(shared_kvs, "cam")
    return shared_kvs


def test_sdk_style_request_without_port_in_host_is_accepted(cam):
    status, _, body = raw_call(cam, host="127.0.0.1")
    assert status == 200 and body["StreamInfo"]["StreamName"] == "cam"


def test_security_token_is_accepted_signed_or_not(cam):
    client = cam.boto_client("kinesisvideo", aws_session_token="FQoGZXIvYXdzEXAMPLETOKEN")
    assert client.describe_stream(StreamName="cam")["StreamInfo"]["Status"] == "ACTIVE"


def test_unknown_access_key(cam):
    client = cam.boto_client("kinesisvideo")
    client._request_signer._credentials = type(client._request_signer._credentials)(
        "AKIDUNKNOWNEXAMPLE00", cam.secret_key)
    with pytest.raises(ClientError) as info:
        client.describe_stream(StreamName="cam")
    err = info.value.response
    assert err["Error"]["Code"] == "UnrecognizedClientException"
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert err["Error"]["Message"] == "The security token included in the request is invalid."


def test_wrong_secret_key(cam):
    status, headers, body = raw_call(cam, secret_key="not-the-secret")
    assert status == 403
    assert error_type(headers) == "InvalidSignatureException"
    assert body["message"].startswith("The request signature we calculated does not match")


def test_tampered_body(cam):
    url = f"{cam.url}/describeStream"
    headers = sign_headers("POST", url, {"host": f"127.0.0.1:{cam.port}"}, BODY,
                           cam.access_key, cam.secret_key, cam.region)
    request = urllib.request.Request(url, data=BODY.replace(b"cam", b"cat"), method="POST",
                                     headers=headers)
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request, timeout=10)
    assert info.value.code == 403
    assert error_type(dict(info.value.headers)) == "InvalidSignatureException"


def test_expired_and_future_dates(cam):
    status, headers, body = raw_call(cam, amz_date=stamp(-20 * 60))
    assert status == 403 and error_type(headers) == "InvalidSignatureException"
    assert body["message"].startswith("Signature expired:")
    status, headers, body = raw_call(cam, amz_date=stamp(+20 * 60))
    assert status == 403 and error_type(headers) == "InvalidSignatureException"
    assert body["message"].startswith("Signature not yet current:")
    status, _, _ = raw_call(cam, amz_date=stamp(-60))
    assert status == 200


def test_wrong_region_and_service_scope(cam):
    status, headers, body = raw_call(cam, scope_region="eu-west-1")
    assert status == 403 and error_type(headers) == "InvalidSignatureException"
    assert "valid region, not 'eu-west-1'" in body["message"]
    status, headers, body = raw_call(cam, service="kinesis")
    assert status == 403 and error_type(headers) == "InvalidSignatureException"
    assert "correct service: 'kinesisvideo'" in body["message"]


def test_missing_authorization(cam):
    status, headers, body = raw_call(cam, sign=False)
    assert status == 403
    assert error_type(headers) == "MissingAuthenticationTokenException"


def test_cli_with_wrong_credentials(cam):
    cam.access_key, real = "AKIDUNKNOWNEXAMPLE00", cam.access_key
    try:
        with pytest.raises(AwsCliError) as info:
            cam.aws_cli("kinesisvideo", "list-streams")
    finally:
        cam.access_key = real
    assert "UnrecognizedClientException" in info.value.stderr


def test_putmedia_bad_signature_gets_403_before_any_ack(cam):
    async def go():
        client = PutMediaClient(cam, stream="cam", secret_key="wrong-secret")
        await client.open()
        status, headers, body = await client.error_body()
        client.close()
        return status, headers, body
    status, headers, body = run(go())
    assert status == 403
    assert headers["x-amzn-errortype"] == "InvalidSignatureException"
    assert "signature" in body["message"]


@pytest.mark.parametrize("stream,status", [("cam", 200), ("missing", 404)])
def test_putmedia_is_checked_before_100_continue(cam, stream, status):
    async def go():
        client = PutMediaClient(cam, stream=stream)
        await client.open()
        got = await client.status()
        client.close()
        return got, client.saw_continue
    # A request kvslocal refuses gets its final status instead of "100 Continue".
    assert run(go()) == (status, status == 200)


def test_putmedia_expired_signature(cam):
    async def go():
        client = PutMediaClient(cam, stream="cam", amz_date=stamp(-16 * 60))
        await client.open()
        result = await client.error_body()
        client.close()
        return result
    status, headers, body = run(go())
    assert status == 403 and headers["x-amzn-errortype"] == "InvalidSignatureException"
    assert body["message"].startswith("Signature expired:")


def test_putmedia_with_host_without_port_like_aws_kvssink(cam, h264):
    t0 = int(time.time() * 1000) - 60_000

    async def go():
        client = PutMediaClient(cam, stream="cam", host_header="127.0.0.1")
        await client.open()
        await client.send(mkvbuild.session_header([h264.track()]) +
                          mkvbuild.fragment(t0, h264.gops()[0]))
        await client.end()
        acks = await client.all_acks()
        client.close()
        return acks
    acks = run(go())
    assert [a["EventType"] for a in acks] == ["BUFFERING", "RECEIVED", "PERSISTED"]


def test_required_session_token(kvs_factory):
    kvs = kvs_factory(session_token="FwoGZXIvYXdzEXAMPLE")
    assert kvs.boto_client().list_streams()["StreamInfoList"] == []
    assert kvs.aws_cli("kinesisvideo", "list-streams")["StreamInfoList"] == []
    for token in ("WRONG", None):
        client = kvs.boto_client(aws_session_token=token)
        with pytest.raises(ClientError) as info:
            client.list_streams()
        assert info.value.response["Error"]["Code"] == "UnrecognizedClientException"
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_request_expired_as_the_guide_documents(kvs_factory):
    """--skew-error RequestExpired: the guide's common-errors answer, 400
    RequestExpired beyond 15 minutes either way (guide L11655-11659), for the
    JSON APIs and PutMedia; inside 15 minutes a request is accepted."""
    kvs = kvs_factory("--skew-error", "RequestExpired")
    create_stream(kvs, "cam")
    for delta in (-16 * 60, +16 * 60):
        status, headers, body = raw_call(kvs, amz_date=stamp(delta))
        assert (status, error_type(headers)) == (400, "RequestExpired")
        assert body == {"message": "Request has expired."}
    for delta in (-14 * 60, +14 * 60):
        assert raw_call(kvs, amz_date=stamp(delta))[0] == 200

    async def go():
        client = PutMediaClient(kvs, stream="cam", amz_date=stamp(-16 * 60))
        await client.open()
        result = await client.error_body()
        client.close()
        return result
    status, headers, _ = run(go())
    assert (status, headers["x-amzn-errortype"]) == (400, "RequestExpired")


def test_default_window_is_the_observed_five_minutes(cam):
    """KVS was observed refusing a 10-minute-old request with 403
    InvalidSignatureException "Signature expired ... - 5 min." (sigv4.py)."""
    status, headers, body = raw_call(cam, amz_date=stamp(-6 * 60))
    assert (status, error_type(headers)) == (403, "InvalidSignatureException")
    assert body["message"].endswith(" - 5 min.)")
    assert raw_call(cam, amz_date=stamp(-4 * 60))[0] == 200
