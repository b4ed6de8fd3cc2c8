"""Every control-plane operation, its errors, state transitions and model constraints."""
import pytest
from botocore.exceptions import ClientError

from kvslocal_fixture import AwsCliError
from kvslocal_helpers import create_stream, error_of, wait_for

API_NAMES = ["PUT_MEDIA", "GET_MEDIA", "LIST_FRAGMENTS", "GET_MEDIA_FOR_FRAGMENT_LIST",
             "GET_HLS_STREAMING_SESSION_URL", "GET_DASH_STREAMING_SESSION_URL", "GET_CLIP",
             "GET_IMAGES"]


def test_update_stream_and_retention_with_cli(kvslocal):
    kvslocal.aws_cli("kinesisvideo", "create-stream", "--stream-name", "cam",
                     "--data-retention-in-hours", "2", "--media-type", "video/h264")
    version = kvslocal.aws_cli("kinesisvideo", "describe-stream", "--stream-name",
                               "cam")["StreamInfo"]["Version"]
    kvslocal.aws_cli("kinesisvideo", "update-stream", "--stream-name", "cam",
                     "--current-version", version, "--media-type", "video/h265",
                     "--device-name", "cam2")
    info = kvslocal.aws_cli("kinesisvideo", "describe-stream", "--stream-name",
                            "cam")["StreamInfo"]
    assert (info["MediaType"], info["DeviceName"]) == ("video/h265", "cam2")
    assert info["Version"] != version
    kvslocal.aws_cli("kinesisvideo", "update-data-retention", "--stream-name", "cam",
                     "--current-version", info["Version"], "--operation",
                     "INCREASE_DATA_RETENTION", "--data-retention-change-in-hours", "5")
    info = kvslocal.aws_cli("kinesisvideo", "describe-stream", "--stream-name",
                            "cam")["StreamInfo"]
    assert info["DataRetentionInHours"] == 7
    with pytest.raises(AwsCliError) as err:
        kvslocal.aws_cli("kinesisvideo", "update-data-retention", "--stream-name", "cam",
                         "--current-version", info["Version"], "--operation",
                         "DECREASE_DATA_RETENTION", "--data-retention-change-in-hours", "8")
    assert "InvalidArgumentException" in err.value.stderr
    with pytest.raises(AwsCliError) as err:
        kvslocal.aws_cli("kinesisvideo", "update-stream", "--stream-name", "cam",
                         "--current-version", version, "--media-type", "video/h264")
    assert "VersionMismatchException" in err.value.stderr


def test_tags_with_cli(kvslocal):
    kvslocal.aws_cli("kinesisvideo", "create-stream", "--stream-name", "cam")
    kvslocal.aws_cli("kinesisvideo", "tag-stream", "--stream-name", "cam", "--tags",
                     "team=video,env=bench")
    tags = kvslocal.aws_cli("kinesisvideo", "list-tags-for-stream", "--stream-name", "cam")
    assert tags["Tags"] == {"env": "bench", "team": "video"}
    kvslocal.aws_cli("kinesisvideo", "untag-stream", "--stream-name", "cam",
                     "--tag-key-list", "env", "nonexistent")
    tags = kvslocal.aws_cli("kinesisvideo", "list-tags-for-stream", "--stream-name", "cam")
    assert tags["Tags"] == {"team": "video"}
    client = kvslocal.boto_client()
    code, status, _ = error_of(client.tag_stream, StreamName="cam",
                               Tags={f"k{i}": "v" for i in range(50)})
    assert (code, status) == ("TagsPerResourceExceededLimitException", 400)
    code, status, _ = error_of(client.list_tags_for_stream, StreamName="nope")
    assert (code, status) == ("ResourceNotFoundException", 404)


def test_list_streams_pagination_and_condition(kvslocal):
    client = kvslocal.boto_client()
    for name in ("cam-a", "cam-b", "cam-c", "door-1", "door-2"):
        client.create_stream(StreamName=name)
    pages, token = [], None
    while True:
        args = {"MaxResults": 2, **({"NextToken": token} if token else {})}
        page = client.list_streams(**args)
        pages.append([s["StreamName"] for s in page["StreamInfoList"]])
        token = page.get("NextToken")
        if not token:
            break
    assert pages == [["cam-a", "cam-b"], ["cam-c", "door-1"], ["door-2"]]
    doors = client.list_streams(StreamNameCondition={"ComparisonOperator": "BEGINS_WITH",
                                                     "ComparisonValue": "door"})
    assert [s["StreamName"] for s in doors["StreamInfoList"]] == ["door-1", "door-2"]
    listed = kvslocal.aws_cli("kinesisvideo", "list-streams", "--stream-name-condition",
                              "ComparisonOperator=BEGINS_WITH,ComparisonValue=cam")
    assert [s["StreamName"] for s in listed["StreamInfoList"]] == ["cam-a", "cam-b", "cam-c"]


def test_get_data_endpoint_for_every_api_name(kvslocal):
    arn = create_stream(kvslocal, "cam")
    client = kvslocal.boto_client()
    for api in API_NAMES:
        assert client.get_data_endpoint(StreamARN=arn, APIName=api)["DataEndpoint"] == \
            kvslocal.url


def test_delete_with_current_version(kvslocal):
    arn = create_stream(kvslocal, "cam")
    client = kvslocal.boto_client()
    version = client.describe_stream(StreamARN=arn)["StreamInfo"]["Version"]
    code, _, _ = error_of(client.delete_stream, StreamARN=arn, CurrentVersion="old1")
    assert code == "VersionMismatchException"
    client.delete_stream(StreamARN=arn, CurrentVersion=version)
    code, status, _ = error_of(client.delete_stream, StreamARN=arn)
    assert (code, status) == ("ResourceNotFoundException", 404)


def test_creating_active_and_deleting_gone(kvs_factory):
    kvs = kvs_factory("--create-delay", "3", "--delete-delay", "3")
    client = kvs.boto_client()
    arn = client.create_stream(StreamName="cam")["StreamARN"]
    status = lambda: client.describe_stream(StreamName="cam")["StreamInfo"]["Status"]  # noqa
    assert status() == "CREATING"
    code, _, _ = error_of(client.update_stream, StreamName="cam",
                          CurrentVersion=client.describe_stream(
                              StreamName="cam")["StreamInfo"]["Version"], MediaType="video/h264")
    assert code == "ResourceInUseException"
    assert wait_for(lambda: status() == "ACTIVE")
    client.delete_stream(StreamARN=arn)
    assert status() == "DELETING"
    code, _, _ = error_of(client.create_stream, StreamName="cam")
    assert code == "ResourceInUseException"

    def gone():
        try:
            client.describe_stream(StreamName="cam")
            return False
        except ClientError as exc:
            return exc.response["Error"]["Code"] == "ResourceNotFoundException"
    assert wait_for(gone)
    client.create_stream(StreamName="cam")


INVALID = [
    ("create_stream", {"StreamName": "x" * 257}, "streamName", "length less than or equal to 256"),
    ("create_stream", {"StreamName": "cam", "DeviceName": "bad device"}, "deviceName",
     "regular expression"),
    ("create_stream", {"StreamName": "cam", "MediaType": "h264"}, "mediaType",
     "regular expression"),
    ("create_stream", {"StreamName": "cam", "DataRetentionInHours": -1},
     "dataRetentionInHours", "greater than or equal to 0"),
    ("create_stream", {"StreamName": "cam", "KmsKeyId": ""}, "kmsKeyId",
     "length greater than or equal to 1"),
    ("create_stream", {"StreamName": "cam", "Tags": {}}, "tags", "length greater than"),
    ("create_stream", {"StreamName": "cam", "Tags": {"k": "v" * 257}}, "tags.k.value",
     "length less than or equal to 256"),
    ("create_stream", {"StreamName": "cam", "Tags": {"bad*key": "v"}}, "tags.bad*key.key",
     "regular expression"),
    ("create_stream", {}, "streamName", "must not be null"),
    ("describe_stream", {"StreamARN": "arn:nope"}, "streamARN", "regular expression"),
    ("list_streams", {"MaxResults": 0}, "maxResults", "greater than or equal to 1"),
    ("list_streams", {"MaxResults": 10001}, "maxResults", "less than or equal to 10000"),
    ("list_streams", {"NextToken": "not a token!"}, "nextToken", "regular expression"),
    ("get_data_endpoint", {"StreamName": "cam", "APIName": "PUT_EVERYTHING"}, "aPIName",
     "enum value set"),
    ("update_stream", {"StreamName": "cam", "CurrentVersion": "bad-version"},
     "currentVersion", "regular expression"),
    ("update_data_retention", {"StreamName": "cam", "CurrentVersion": "abc",
                               "Operation": "INCREASE_DATA_RETENTION",
                               "DataRetentionChangeInHours": 0},
     "dataRetentionChangeInHours", "greater than or equal to 1"),
    ("untag_stream", {"StreamName": "cam", "TagKeyList": []}, "tagKeyList",
     "length greater than or equal to 1"),
]


@pytest.mark.parametrize("operation,params,member,constraint", INVALID,
                         ids=[f"{o}-{m}" for o, _, m, _ in INVALID])
def test_model_constraints_are_enforced(kvslocal, operation, params, member, constraint):
    client = kvslocal.boto_client(parameter_validation=False)
    code, status, err = error_of(getattr(client, operation), **params)
    assert (code, status) == ("InvalidArgumentException", 400)
    message = err["Error"]["Message"]
    assert f"at '{member}' failed to satisfy constraint" in message
    assert constraint in message


def test_unicode_tag_keys_match_the_model_pattern(kvslocal):
    client = kvslocal.boto_client()
    client.create_stream(StreamName="cam", Tags={"Kamera Ü1": "värde 2", "a:b/c=d+e-f@g": ""})
    assert client.list_tags_for_stream(StreamName="cam")["Tags"]["Kamera Ü1"] == "värde 2"
