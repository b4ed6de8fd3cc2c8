"""Every kind of error kvslocal answers has AWS's wire form.

kvs-spec.md sections 2-4 and botocore's rest-json parser: the HTTP status,
``x-amzn-ErrorType: <Type>``, ``x-amzn-RequestId: <uuid>`` and a JSON body
``{"message": "..."}``.  Checked here on the raw bytes for each source of
errors -- model validation, JSON syntax, the stream operations, the archived
and GetMedia APIs, SigV4, PutMedia before its body, unknown operations and
injected faults -- and, for the modelled ones, as botocore reads them.
"""
import json
import re

import pytest

from kvslocal_helpers import error_of, raw_request
from putmedia_client import PutMediaClient, run

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@pytest.fixture(scope="module")
def kvs(shared_kvs):
    client = shared_kvs.boto_client()
    if not client.list_streams(StreamNameCondition={"ComparisonOperator": "BEGINS_WITH",
                                                    "ComparisonValue": "errors-cam"}
                               )["StreamInfoList"]:
        client.create_stream(StreamName="errors-cam", DataRetentionInHours=1)
        client.create_stream(StreamName="errors-live", DataRetentionInHours=0)
    return shared_kvs


def assert_aws_error(status, headers, body, want_status, want_type):
    assert status == want_status, (status, headers, body)
    assert headers["x-amzn-errortype"] == want_type
    assert UUID.match(headers["x-amzn-requestid"]), headers
    assert headers["content-type"].startswith("application/json")
    answer = json.loads(body)
    assert list(answer) == ["message"] and isinstance(answer["message"], str) \
        and answer["message"], answer
    return answer["message"]


CLIP = {"FragmentSelectorType": "PRODUCER_TIMESTAMP",
        "TimestampRange": {"StartTimestamp": 1_700_000_000, "EndTimestamp": 1_700_000_010}}

# (path, JSON body, status, x-amzn-ErrorType): one per error source.
JSON_ERRORS = [
    ("/describeStream", {"StreamName": "bad name"}, 400, "InvalidArgumentException"),
    ("/describeStream", {"StreamName": "missing"}, 404, "ResourceNotFoundException"),
    ("/describeStream", {}, 400, "InvalidArgumentException"),
    ("/createStream", {"StreamName": "errors-cam"}, 400, "ResourceInUseException"),
    ("/createStream", {"StreamName": "x", "Tags": {f"k{i}": "v" for i in range(50)},
                       "DataRetentionInHours": 87601},
     400, "InvalidArgumentException"),
    ("/tagStream", {"StreamName": "errors-cam",
                    "Tags": {f"t{i}": "v" for i in range(50)} | {"x": "y"}},
     400, "InvalidArgumentException"),
    ("/deleteStream", {"StreamARN": "arn:aws:kinesisvideo:us-west-2:123456789012:stream/"
                                    "missing/1"}, 404, "ResourceNotFoundException"),
    ("/getDataEndpoint", {"StreamName": "missing", "APIName": "GET_CLIP"},
     404, "ResourceNotFoundException"),
    ("/getMedia", {"StreamName": "missing", "StartSelector": {"StartSelectorType": "NOW"}},
     404, "ResourceNotFoundException"),
    ("/getMedia", {"StreamName": "errors-cam",
                   "StartSelector": {"StartSelectorType": "SERVER_TIMESTAMP"}},
     400, "InvalidArgumentException"),
    ("/listFragments", {"StreamName": "missing"}, 404, "ResourceNotFoundException"),
    ("/getMediaForFragmentList", {"StreamName": "missing", "Fragments": ["1"]},
     404, "ResourceNotFoundException"),
    ("/getClip", {"StreamName": "errors-cam", "ClipFragmentSelector": CLIP},
     404, "ResourceNotFoundException"),
    ("/getClip", {"StreamName": "errors-live", "ClipFragmentSelector": CLIP},
     400, "NoDataRetentionException"),
    ("/getImages", {"StreamName": "errors-live", "ImageSelectorType": "SERVER_TIMESTAMP",
                    "StartTimestamp": 1_700_000_000, "EndTimestamp": 1_700_000_010,
                    "SamplingInterval": 3000, "Format": "PNG"},
     400, "NoDataRetentionException"),
    ("/getHLSStreamingSessionURL", {"StreamName": "errors-cam"},
     400, "UnsupportedOperationException"),
    ("/noSuchOperation", {}, 404, "UnknownOperationException"),
]


@pytest.mark.parametrize("path,body,status,error_type", JSON_ERRORS,
                         ids=[f"{p[1:]}-{t}" for p, _, _, t in JSON_ERRORS])
def test_json_operation_errors(kvs, path, body, status, error_type):
    got = raw_request(kvs, path, json.dumps(body).encode())
    assert_aws_error(*got, status, error_type)


def test_error_for_a_method_other_than_post(kvs):
    assert_aws_error(*raw_request(kvs, "/describeStream", method="GET"),
                     404, "UnknownOperationException")


@pytest.mark.parametrize("body,error_type", [
    (b"{not json", "SerializationException"),
    (b'{"StreamName": 7}', "SerializationException")])
def test_body_syntax_errors(kvs, body, error_type):
    assert_aws_error(*raw_request(kvs, "/describeStream", body), 400, error_type)


@pytest.mark.parametrize("how,status,error_type", [
    ({"sign": False}, 403, "MissingAuthenticationTokenException"),
    ({"secret_key": "wrong"}, 403, "InvalidSignatureException"),
    ({"access_key": "AKIDUNKNOWNEXAMPLE00"}, 403, "UnrecognizedClientException"),
    ({"amz_date": "20200101T000000Z"}, 403, "InvalidSignatureException"),
])
def test_authentication_errors(kvs, how, status, error_type):
    got = raw_request(kvs, "/describeStream", b'{"StreamName": "errors-cam"}', **how)
    assert_aws_error(*got, status, error_type)


@pytest.mark.parametrize("expect", [True, False], ids=["expect-100", "no-expect"])
@pytest.mark.parametrize("client_args,status,error_type", [
    ({"stream": "missing"}, 404, "ResourceNotFoundException"),
    ({"stream": "bad name"}, 400, "InvalidArgumentException"),
    ({"stream": "errors-cam", "timecode_type": "SOMETIMES"}, 400, "InvalidArgumentException"),
    ({"stream": "errors-cam", "secret_key": "wrong"}, 403, "InvalidSignatureException"),
], ids=["missing-stream", "bad-name", "bad-timecode-type", "bad-signature"])
def test_putmedia_errors_before_the_body(kvs, expect, client_args, status, error_type):
    async def go():
        client = PutMediaClient(kvs, expect_continue=expect, **client_args)
        await client.open()
        got = await client.status()
        await client._read_more()
        client.close()
        return got, client.response_headers, client.raw_body, client.saw_continue
    got_status, headers, body, saw_continue = run(go())
    assert_aws_error(got_status, headers, body, status, error_type)
    assert not saw_continue          # refused instead of "100 Continue"


def test_injected_errors_have_the_same_form(kvs):
    fault = kvs.add_fault(stream="errors-cam", type="fail_operation",
                          operation="DescribeStream", status=503,
                          error_type="ServiceUnavailable", message="Injected")
    try:
        got = raw_request(kvs, "/describeStream", b'{"StreamName": "errors-cam"}')
    finally:
        kvs.admin("DELETE", f"/faults/{fault['id']}")
    assert assert_aws_error(*got, 503, "ServiceUnavailable") == "Injected"


def test_botocore_reads_code_message_and_request_id(kvs):
    """botocore's rest-json parser takes the code from x-amzn-ErrorType and the
    message from the body, as it does from AWS."""
    client = kvs.boto_client()
    code, status, err = error_of(client.describe_stream, StreamName="missing")
    assert (code, status) == ("ResourceNotFoundException", 404)
    assert err["Error"]["Message"] == "The requested stream is not found or not active."
    assert UUID.match(err["ResponseMetadata"]["RequestId"])
    media = kvs.boto_client("kinesis-video-media")
    code, status, err = error_of(media.get_media, StreamName="missing",
                                 StartSelector={"StartSelectorType": "NOW"})
    assert (code, status) == ("ResourceNotFoundException", 404)
    assert UUID.match(err["ResponseMetadata"]["RequestId"])


def test_request_ids_are_unique(kvs):
    ids = {raw_request(kvs, "/describeStream", b'{"StreamName": "missing"}')[1]
           ["x-amzn-requestid"] for _ in range(5)}
    assert len(ids) == 5
