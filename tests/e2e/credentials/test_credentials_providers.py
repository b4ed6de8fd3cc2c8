"""Every credential source streams to kvslocal end to end (issue 7 "Done when").

Each test gives the pipeline exactly one source, then checks that every
frame arrived and that kvslocal verified the requests with the credential
that source handed out (temporary ones with their session token, signed).
"""
import os

import pytest

from credentials_helpers import (BBB, BBB_FRAMES, assert_streamed, file_source,
                                 iot_structure, profile_entry, sink, usage,
                                 write_credential_file, write_shared_credentials)
from sinkutil import ffprobe_count, media


def test_the_source_file_has_the_frames_the_tests_expect():
    assert ffprobe_count(media(BBB)) == BBB_FRAMES


def signed_only_by(creds, access_key_id, token=True):
    """kvslocal verified requests signed by `access_key_id` and by no other key."""
    records = usage(creds.kvs)
    used = {k: c["requests"] for k, c in records.items() if c["requests"]}
    assert list(used) == [access_key_id], used
    record = records[access_key_id]
    if token:  # The session token went with every request, inside the signature.
        assert record["token_signed_requests"] == record["requests"], record
    assert not creds.kvs.credentials()["rejections"]
    return record


def test_static_properties(creds):
    kvs = creds.kvs
    run = creds.run(f"{file_source()} ! " + sink(
        "cam", kvs.url, access_key=kvs.access_key, secret_key=kvs.secret_key))
    assert_streamed(run, kvs, "cam", BBB_FRAMES)
    signed_only_by(creds, kvs.access_key, token=False)


def test_temporary_credentials_in_properties(creds):
    temporary = creds.issue(lifetime_s=3600)
    run = creds.run(f"{file_source()} ! " + sink(
        "cam", creds.kvs.url, access_key=temporary["access_key_id"],
        secret_key=temporary["secret_access_key"],
        session_token=temporary["session_token"]))
    assert_streamed(run, creds.kvs, "cam", BBB_FRAMES)
    signed_only_by(creds, temporary["access_key_id"])


@pytest.mark.parametrize("with_token", [True, False])
def test_environment(creds, with_token):
    credential = creds.issue() if with_token else creds.issue(session_token=None)
    env = creds.env(AWS_ACCESS_KEY_ID=credential["access_key_id"],
                    AWS_SECRET_ACCESS_KEY=credential["secret_access_key"],
                    AWS_SESSION_TOKEN=credential["session_token"])
    run = creds.run(f"{file_source()} ! " + sink("cam", creds.kvs.url), env)
    assert_streamed(run, creds.kvs, "cam", BBB_FRAMES)
    signed_only_by(creds, credential["access_key_id"], token=with_token)


def test_credential_file(creds):
    credential = creds.issue(lifetime_s=3600)
    path = creds.path("kvs-credentials")
    write_credential_file(path, credential)
    run = creds.run(f"{file_source()} ! " + sink("cam", creds.kvs.url, credential_path=path))
    assert_streamed(run, creds.kvs, "cam", BBB_FRAMES)
    signed_only_by(creds, credential["access_key_id"])


def test_credential_file_without_expiry_or_token(creds):
    credential = creds.issue(session_token=None, lifetime_s=None)
    path = creds.path("kvs-credentials")
    write_credential_file(path, credential)
    with open(path) as f:
        assert len(f.read().split()) == 3  # CREDENTIALS <akid> <secret>
    run = creds.run(f"{file_source()} ! " + sink("cam", creds.kvs.url, credential_path=path))
    assert_streamed(run, creds.kvs, "cam", BBB_FRAMES)
    signed_only_by(creds, credential["access_key_id"], token=False)


def test_shared_credentials_file_default_profile(creds):
    default, other = creds.issue(), creds.issue()
    path = creds.path("credentials")
    write_shared_credentials(path, {"default": profile_entry(default),
                                    "other": profile_entry(other)})
    env = creds.env(AWS_SHARED_CREDENTIALS_FILE=path)
    run = creds.run(f"{file_source()} ! " + sink("cam", creds.kvs.url), env)
    assert_streamed(run, creds.kvs, "cam", BBB_FRAMES)
    signed_only_by(creds, default["access_key_id"])


def test_aws_profile_selects_a_profile(creds):
    default, other = creds.issue(), creds.issue()
    path = creds.path("credentials")
    write_shared_credentials(path, {"default": profile_entry(default),
                                    "other": profile_entry(other)})
    env = creds.env(AWS_SHARED_CREDENTIALS_FILE=path, AWS_PROFILE="other")
    run = creds.run(f"{file_source()} ! " + sink("cam", creds.kvs.url), env)
    assert_streamed(run, creds.kvs, "cam", BBB_FRAMES)
    signed_only_by(creds, other["access_key_id"])


def test_profile_property_in_the_config_file(creds):
    # Credentials may live in the config file too, under [profile name].
    default, cam = creds.issue(), creds.issue()
    config = creds.path("config")
    write_shared_credentials(config, {"default": profile_entry(default),
                                      "camera": profile_entry(cam, region="us-west-2")},
                             config=True)
    env = creds.env(AWS_CONFIG_FILE=config,
                    AWS_SHARED_CREDENTIALS_FILE=creds.path("missing-credentials"),
                    AWS_PROFILE="default")
    run = creds.run(f"{file_source()} ! " + sink("cam", creds.kvs.url, profile="camera"), env)
    assert_streamed(run, creds.kvs, "cam", BBB_FRAMES)
    signed_only_by(creds, cam["access_key_id"])


def test_default_shared_files_under_home(creds):
    credential = creds.issue()
    aws_dir = os.path.join(creds.home(), ".aws")
    os.makedirs(aws_dir)
    write_shared_credentials(os.path.join(aws_dir, "credentials"),
                             {"default": profile_entry(credential)})
    run = creds.run(f"{file_source()} ! " + sink("cam", creds.kvs.url))
    assert_streamed(run, creds.kvs, "cam", BBB_FRAMES)
    signed_only_by(creds, credential["access_key_id"])


def test_iot_certificate_like_the_guide(creds):
    # The seed guide's example (stream name = thing name, iot-thing-name
    # left out), against kvslocal's IoT endpoint over mutual TLS.
    iot = creds.kvs.iot()
    assert "cam" in iot["thing_names"]
    run = creds.run(f"{file_source()} ! " + sink("cam", creds.kvs.url,
                                                  iot_certificate=iot_structure(iot)))
    assert_streamed(run, creds.kvs, "cam", BBB_FRAMES)
    records = [c for c in usage(creds.kvs).values() if c["source"] == "iot"]
    assert len(records) == 1 and records[0]["subject"] == "cam", records
    signed_only_by(creds, records[0]["access_key_id"])


def test_iot_certificate_with_explicit_thing_name_and_timeouts(creds):
    iot = creds.kvs.iot()
    structure = iot_structure(iot, iot_thing_name="thing-1", connection_timeout=2,
                              completion_timeout=10)
    run = creds.run(f"{file_source()} ! " + sink("other-stream", creds.kvs.url,
                                                  iot_certificate=structure))
    assert_streamed(run, creds.kvs, "other-stream", BBB_FRAMES)
    records = [c for c in usage(creds.kvs).values() if c["source"] == "iot"]
    assert [r["subject"] for r in records] == ["thing-1"]
    signed_only_by(creds, records[0]["access_key_id"])


@pytest.mark.parametrize("token_from", ["variable", "file"])
def test_container_credentials(creds, token_from):
    health = creds.kvs.health()["metadata"]
    token = health["container_token"]
    env = creds.env(AWS_CONTAINER_CREDENTIALS_FULL_URI=health["url"] + "/v1/credentials")
    if token_from == "variable":
        env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = token
    else:
        path = creds.path("eks-pod-identity-token")
        with open(path, "w") as f:
            f.write(token + "\n")  # As EKS writes it: a trailing newline.
        env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = path
    run = creds.run(f"{file_source()} ! " + sink("cam", creds.kvs.url), env)
    assert_streamed(run, creds.kvs, "cam", BBB_FRAMES)
    records = [c for c in usage(creds.kvs).values() if c["source"] == "container"]
    assert len(records) == 1, records
    signed_only_by(creds, records[0]["access_key_id"])


def test_instance_metadata_imdsv2(creds):
    env = creds.env(AWS_EC2_METADATA_SERVICE_ENDPOINT=creds.kvs.metadata_url(),
                    AWS_EC2_METADATA_DISABLED=None)
    run = creds.run(f"{file_source()} ! " + sink("cam", creds.kvs.url), env)
    assert_streamed(run, creds.kvs, "cam", BBB_FRAMES)
    records = [c for c in usage(creds.kvs).values() if c["source"] == "imds"]
    assert len(records) == 1 and records[0]["subject"] == "kvslocal-instance-role", records
    signed_only_by(creds, records[0]["access_key_id"])
