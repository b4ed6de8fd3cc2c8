"""Control plane through the real AWS CLI (/usr/bin/aws) and botocore."""
import json
import urllib.request

import pytest

from kvslocal_fixture import AwsCliError
from kvslocal_helpers import create_stream, error_of


def test_cli_create_describe_endpoint_list_delete(kvslocal):
    created = kvslocal.aws_cli("kinesisvideo", "create-stream", "--stream-name", "cli-cam",
                               "--data-retention-in-hours", "2", "--media-type", "video/h264",
                               "--device-name", "pi", "--tags", "team=video,env=test")
    arn = created["StreamARN"]
    assert arn.startswith("arn:aws:kinesisvideo:us-west-2:") and "/cli-cam/" in arn
    info = kvslocal.aws_cli("kinesisvideo", "describe-stream", "--stream-name", "cli-cam")
    stream = info["StreamInfo"]
    assert stream["Status"] == "ACTIVE"
    assert stream["StreamARN"] == arn
    assert stream["DataRetentionInHours"] == 2
    assert stream["MediaType"] == "video/h264"
    assert stream["DeviceName"] == "pi"
    endpoint = kvslocal.aws_cli("kinesisvideo", "get-data-endpoint", "--stream-arn", arn,
                                "--api-name", "PUT_MEDIA")
    assert endpoint["DataEndpoint"] == kvslocal.url
    listed = kvslocal.aws_cli("kinesisvideo", "list-streams")
    assert [s["StreamName"] for s in listed["StreamInfoList"]] == ["cli-cam"]
    fragments = kvslocal.aws_cli("kinesis-video-archived-media", "list-fragments",
                                 "--stream-name", "cli-cam")
    assert fragments["Fragments"] == []
    kvslocal.aws_cli("kinesisvideo", "delete-stream", "--stream-arn", arn)
    with pytest.raises(AwsCliError) as info:
        kvslocal.aws_cli("kinesisvideo", "describe-stream", "--stream-name", "cli-cam")
    assert "ResourceNotFoundException" in info.value.stderr


def test_cli_reports_modelled_errors(kvslocal):
    kvslocal.aws_cli("kinesisvideo", "create-stream", "--stream-name", "dup")
    with pytest.raises(AwsCliError) as info:
        kvslocal.aws_cli("kinesisvideo", "create-stream", "--stream-name", "dup")
    assert "ResourceInUseException" in info.value.stderr
    with pytest.raises(AwsCliError) as info:
        kvslocal.aws_cli("kinesisvideo", "create-stream", "--stream-name", "bad name")
    assert "InvalidArgumentException" in info.value.stderr
    assert "regular expression pattern" in info.value.stderr


def test_botocore_shapes_and_errors(kvslocal):
    client = kvslocal.boto_client("kinesisvideo")
    arn = create_stream(kvslocal, "shape-cam", retention=24)
    info = client.describe_stream(StreamARN=arn)["StreamInfo"]
    assert set(info) >= {"StreamName", "StreamARN", "KmsKeyId", "Version", "Status",
                         "CreationTime", "DataRetentionInHours", "MediaType"}
    code, status, err = error_of(client.describe_stream, StreamName="missing")
    assert (code, status) == ("ResourceNotFoundException", 404)
    assert err["ResponseMetadata"]["RequestId"]
    assert err["Error"]["Message"]
    code, status, _ = error_of(client.create_stream, StreamName="shape-cam")
    assert (code, status) == ("ResourceInUseException", 400)
    code, status, _ = error_of(client.delete_stream, StreamARN=arn, CurrentVersion="nope1")
    assert (code, status) == ("VersionMismatchException", 400)
    code, status, _ = error_of(client.get_data_endpoint, StreamName="missing",
                               APIName="GET_MEDIA")
    assert (code, status) == ("ResourceNotFoundException", 404)
    client.delete_stream(StreamARN=arn, CurrentVersion=info["Version"])
    assert client.list_streams()["StreamInfoList"] == []


def test_error_wire_format(kvslocal):
    """Status, x-amzn-ErrorType, x-amzn-RequestId and a {"message"} body, as AWS sends."""
    client = kvslocal.boto_client("kinesisvideo")
    captured = {}

    def keep(http_response, **kwargs):
        captured["headers"] = dict(http_response.headers)
        captured["body"] = http_response.content
        captured["status"] = http_response.status_code
    client.meta.events.register("after-call.kinesisvideo.DescribeStream",
                                lambda **kw: keep(kw["http_response"]))
    error_of(client.describe_stream, StreamName="missing")
    headers = {k.lower(): v for k, v in captured["headers"].items()}
    assert captured["status"] == 404
    assert headers["x-amzn-errortype"] == "ResourceNotFoundException"
    assert len(headers["x-amzn-requestid"]) == 36
    assert set(json.loads(captured["body"])) == {"message"}


def test_unknown_path_is_rejected(kvslocal):
    request = urllib.request.Request(f"{kvslocal.url}/noSuchOperation", data=b"{}",
                                     method="POST")
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request, timeout=10)
    assert info.value.code == 404
