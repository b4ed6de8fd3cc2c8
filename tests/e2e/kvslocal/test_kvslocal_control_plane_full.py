"""Every control-plane operation, its errors, state transitions and model constraints."""
import urllib.error

import pytest

from kvslocal_fixture import AwsCliError
from kvslocal_helpers import create_stream, error_of

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


def advance(kvs, seconds):
    """Moves kvslocal's service clock ahead (POST /_kvslocal/clock): the state
    delays elapse without the test waiting on the wall clock."""
    return kvs.admin("POST", "/clock", {"advance_s": seconds})


def test_creating_active_and_deleting_gone(kvs_factory):
    """CREATING -> ACTIVE after --create-delay, DELETING -> gone after
    --delete-delay (guide L6152-8594), and what each state allows."""
    kvs = kvs_factory("--create-delay", "600", "--delete-delay", "600")
    client = kvs.boto_client()
    arn = client.create_stream(StreamName="cam", DataRetentionInHours=1)["StreamARN"]

    def info():
        return client.describe_stream(StreamName="cam")["StreamInfo"]
    assert info()["Status"] == "CREATING"
    assert [s["Status"] for s in client.list_streams()["StreamInfoList"]] == ["CREATING"]
    for call, args in ((client.update_stream, {"MediaType": "video/h264"}),
                       (client.delete_stream, {}),
                       (client.update_data_retention, {"Operation": "INCREASE_DATA_RETENTION",
                                                       "DataRetentionChangeInHours": 1})):
        version = info()["Version"]
        key = "StreamARN" if call == client.delete_stream else "StreamName"
        code, status, _ = error_of(call, **{key: arn if key == "StreamARN" else "cam"},
                                   CurrentVersion=version, **args)
        assert (code, status) == ("ResourceInUseException", 400)
    advance(kvs, 599)
    assert info()["Status"] == "CREATING"
    advance(kvs, 1)
    assert info()["Status"] == "ACTIVE"
    client.delete_stream(StreamARN=arn)
    assert info()["Status"] == "DELETING"
    assert [s["Status"] for s in client.list_streams()["StreamInfoList"]] == ["DELETING"]
    # The data is inaccessible at once (DeleteStream docs); the name stays taken.
    for call, args in ((client.get_data_endpoint, {"APIName": "PUT_MEDIA"}),
                       (client.list_tags_for_stream, {})):
        assert error_of(call, StreamName="cam", **args)[:2] == \
            ("ResourceNotFoundException", 404)
    archived = kvs.boto_client("kinesis-video-archived-media")
    assert error_of(archived.list_fragments, StreamName="cam")[:2] == \
        ("ResourceNotFoundException", 404)
    assert error_of(client.create_stream, StreamName="cam")[:2] == \
        ("ResourceInUseException", 400)
    advance(kvs, 600)
    assert error_of(client.describe_stream, StreamName="cam")[:2] == \
        ("ResourceNotFoundException", 404)
    assert client.list_streams()["StreamInfoList"] == []
    new_arn = client.create_stream(StreamName="cam")["StreamARN"]
    assert new_arn != arn and info()["Status"] == "CREATING"


def test_updating_then_active(kvs_factory):
    kvs = kvs_factory("--update-delay", "60")
    client = kvs.boto_client()
    client.create_stream(StreamName="cam")
    version = client.describe_stream(StreamName="cam")["StreamInfo"]["Version"]
    client.update_stream(StreamName="cam", CurrentVersion=version, MediaType="video/h265")
    info = client.describe_stream(StreamName="cam")["StreamInfo"]
    assert (info["Status"], info["MediaType"]) == ("UPDATING", "video/h265")
    assert info["Version"] != version
    code, _, _ = error_of(client.update_data_retention, StreamName="cam",
                          CurrentVersion=info["Version"], Operation="INCREASE_DATA_RETENTION",
                          DataRetentionChangeInHours=1)
    assert code == "ResourceInUseException"
    advance(kvs, 60)
    info = client.describe_stream(StreamName="cam")["StreamInfo"]
    assert info["Status"] == "ACTIVE"
    client.update_data_retention(StreamName="cam", CurrentVersion=info["Version"],
                                 Operation="INCREASE_DATA_RETENTION",
                                 DataRetentionChangeInHours=3)
    assert client.describe_stream(StreamName="cam")["StreamInfo"]["DataRetentionInHours"] == 3


def test_default_delays_are_zero(kvslocal):
    client = kvslocal.boto_client()
    arn = client.create_stream(StreamName="cam")["StreamARN"]
    assert client.describe_stream(StreamName="cam")["StreamInfo"]["Status"] == "ACTIVE"
    client.delete_stream(StreamARN=arn)
    assert error_of(client.describe_stream, StreamName="cam")[:2] == \
        ("ResourceNotFoundException", 404)


def test_clock_hook_only_moves_forward(kvslocal):
    assert advance(kvslocal, 0)["offset_s"] == 0
    with pytest.raises(urllib.error.HTTPError) as info:
        advance(kvslocal, -1)
    assert info.value.code == 400


def test_unicode_tag_keys_match_the_model_pattern(kvslocal):
    client = kvslocal.boto_client()
    client.create_stream(StreamName="cam", Tags={"Kamera Ü1": "värde 2", "a:b/c=d+e-f@g": ""})
    assert client.list_tags_for_stream(StreamName="cam")["Tags"]["Kamera Ü1"] == "värde 2"
