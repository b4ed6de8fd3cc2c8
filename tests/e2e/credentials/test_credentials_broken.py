"""Each broken credential source ends the pipeline with one clear element
error that names the source and the cause (issue 7, Tests), and nothing is
uploaded with some other identity."""
import socket

import pytest

from credentials_helpers import (assert_one_error, file_source, iot_structure, sink,
                                 used_keys, write_credential_file)

NO_CREDENTIALS = "no AWS credentials found; tried:"


def run_broken(creds, stream="cam", env=None, **props):
    run = creds.run(f"{file_source()} ! " + sink(stream, creds.kvs.url, **props), env)
    # Nothing was signed with any credential, and no stream was made.
    assert not used_keys(creds.kvs), used_keys(creds.kvs)
    assert creds.kvs.admin("GET", "/streams")["streams"] == []
    return run


# -- credential-path ---------------------------------------------------------------


def test_credential_file_missing(creds):
    path = creds.path("no-such-file")
    run = run_broken(creds, credential_path=path)
    assert_one_error(run, NO_CREDENTIALS, f"credential-file: {path}: No such file or directory")


@pytest.mark.parametrize("contents,why", [
    ("garbage here\n", "does not start with CREDENTIALS"),
    ("", "CREDENTIALS"),
    ("CREDENTIALS AKIAONLYONE\n", "CREDENTIALS"),
])
def test_credential_file_malformed(creds, contents, why):
    path = creds.path("credentials-file")
    with open(path, "w") as f:
        f.write(contents)
    run = run_broken(creds, credential_path=path)
    assert_one_error(run, NO_CREDENTIALS, f"credential-file: {path}", why)


def test_credential_file_expired(creds):
    path = creds.path("credentials-file")
    expired = creds.issue(lifetime_s=-60)
    write_credential_file(path, expired)
    run = run_broken(creds, credential_path=path)
    assert_one_error(run, "credentials-expired", f"credential-file: {path}",
                     f"credentials expired at {expired['expiration']}")


def test_credentials_revoked_by_the_service(creds):
    # The file says the credentials are still valid, KVS says they expired:
    # AWS's 403 ExpiredTokenException reaches the user.
    path = creds.path("credentials-file")
    credential = creds.issue(lifetime_s=3600)
    write_credential_file(path, credential)
    assert creds.kvs.expire_credentials(credential["access_key_id"]) == 1
    run = creds.run(f"{file_source()} ! " + sink("cam", creds.kvs.url, credential_path=path))
    assert_one_error(run, "The security token included in the request is expired",
                     "ExpiredTokenException", "HTTP 403")
    refused = creds.kvs.credentials()["rejections"]
    assert refused and {r["error_type"] for r in refused} == {"ExpiredTokenException"}
    assert {r["access_key_id"] for r in refused} == {credential["access_key_id"]}


def test_temporary_credentials_with_the_wrong_token(creds):
    credential = creds.issue()
    run = creds.run(f"{file_source()} ! " + sink(
        "cam", creds.kvs.url, access_key=credential["access_key_id"],
        secret_key=credential["secret_access_key"], session_token="not-the-token"))
    assert_one_error(run, "UnrecognizedClientException", "HTTP 403",
                     "The security token included in the request is invalid.")
    refused = creds.kvs.credentials()["rejections"]
    assert {r["error_type"] for r in refused} == {"UnrecognizedClientException"}


# -- properties, environment, profiles ---------------------------------------------------


def test_access_key_without_secret(creds):
    run = run_broken(creds, access_key="AKIAONLYTHEKEYID")
    assert_one_error(run, NO_CREDENTIALS, "properties: access-key and secret-key are not both set")


def test_environment_key_without_secret_falls_through_and_fails(creds):
    env = creds.env(AWS_ACCESS_KEY_ID="AKIAONLYTHEKEYID")
    run = run_broken(creds, env=env)
    assert_one_error(run, NO_CREDENTIALS, "environment:", "AWS_SECRET_ACCESS_KEY")


def test_profile_not_in_the_files(creds):
    path = creds.path("credentials")
    with open(path, "w") as f:
        f.write("[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = x\n")
    env = creds.env(AWS_SHARED_CREDENTIALS_FILE=path,
                    AWS_CONFIG_FILE=creds.path("no-config"))
    run = run_broken(creds, env=env, profile="ghost")
    assert_one_error(run, NO_CREDENTIALS, 'profile "ghost"')


def test_nothing_configured_lists_what_was_tried(creds):
    run = run_broken(creds)
    text = assert_one_error(run, NO_CREDENTIALS)
    # In the chain's order.
    tried = [text.index(name) for name in
             ("environment:", 'profile "default"', "container:", "instance-metadata:")]
    assert tried == sorted(tried), text
    assert "disabled by AWS_EC2_METADATA_DISABLED" in text


# -- iot-certificate ---------------------------------------------------------------------


def test_iot_wrong_thing_name_is_403(creds):
    iot = creds.kvs.iot()
    run = run_broken(creds, stream="not-a-thing", iot_certificate=iot_structure(iot))
    assert_one_error(run, "iot-certificate: GET " + iot["url"], "HTTP 403",
                     '"Invalid thing name passed"', 'iot-thing-name "not-a-thing"')


def test_iot_certificate_from_another_ca_fails_the_handshake(creds):
    iot = creds.kvs.iot()
    structure = iot_structure(iot, cert_path=iot["rogue_cert"], key_path=iot["rogue_key"])
    run = run_broken(creds, iot_certificate=structure)
    assert_one_error(run, "iot-certificate:", "tls-failed", "unknown ca",
                     "check cert-path, key-path and ca-path")
    assert "IoT endpoint: TLS handshake with 127.0.0.1 refused" in creds.kvs.stderr_text()


def test_iot_server_not_trusted(creds):
    iot = creds.kvs.iot()
    run = run_broken(creds, iot_certificate=iot_structure(iot, ca_path=iot["rogue_ca"]))
    assert_one_error(run, "iot-certificate:", "tls-failed", "certificate",
                     "check cert-path, key-path and ca-path")


def test_iot_private_key_missing(creds):
    iot = creds.kvs.iot()
    key = creds.path("missing.key")
    run = run_broken(creds, iot_certificate=iot_structure(iot, key_path=key))
    assert_one_error(run, "iot-certificate:", key)


def test_iot_unknown_role_alias_is_404(creds):
    iot = creds.kvs.iot()
    run = run_broken(creds, iot_certificate=iot_structure(iot, role_aliases="NoSuchAlias"))
    assert_one_error(run, "HTTP 404", '"Role alias does not exist"', 'role-aliases "NoSuchAlias"')


def test_iot_expired_credentials(creds):
    creds.kvs.set_credential_lifetime(-30)
    run = run_broken(creds, iot_certificate=iot_structure(creds.kvs.iot()))
    assert_one_error(run, "credentials-expired", "iot-certificate:", "credentials expired at")


def test_iot_answer_not_json(creds):
    creds.kvs.add_fault(type="credentials_error", source="iot", status=200, body="<html>")
    run = run_broken(creds, iot_certificate=iot_structure(creds.kvs.iot()))
    assert_one_error(run, "iot-certificate:", "credentials are not a JSON object")


def test_iot_structure_missing_a_key(creds):
    structure = "iot-certificate,endpoint=127.0.0.1:1,cert-path=/c.pem,key-path=/k.pem"
    run = run_broken(creds, iot_certificate=structure)
    assert_one_error(run, "iot-certificate", "role-aliases")


# -- container credentials ---------------------------------------------------------------


def container_env(creds, token=None, **extra):
    metadata = creds.kvs.health()["metadata"]
    return creds.env(AWS_CONTAINER_CREDENTIALS_FULL_URI=metadata["url"] + "/v1/credentials",
                     AWS_CONTAINER_AUTHORIZATION_TOKEN=token or metadata["container_token"],
                     **extra)


def test_container_answer_not_json(creds):
    creds.kvs.add_fault(type="credentials_error", source="container", status=200,
                        body="{not json")
    run = run_broken(creds, env=container_env(creds))
    assert_one_error(run, NO_CREDENTIALS, "container: GET", "credentials are not a JSON object")


def test_container_answer_without_secret(creds):
    creds.kvs.add_fault(type="credentials_error", source="container", status=200,
                        body='{"AccessKeyId": "ASIAXXXXXXXXXXXXXXXX", "Token": "t"}')
    run = run_broken(creds, env=container_env(creds))
    assert_one_error(run, "container: GET", "no SecretAccessKey")


def test_container_wrong_authorization_token(creds):
    run = run_broken(creds, env=container_env(creds, token="wrong-token"))
    assert_one_error(run, "container: GET", "HTTP 403")


def test_container_token_file_missing(creds):
    path = creds.path("no-token-file")
    env = container_env(creds, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=path)
    run = run_broken(creds, env=env)
    assert_one_error(run, "container: AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", path)


def test_container_uri_not_loopback(creds):
    env = creds.env(AWS_CONTAINER_CREDENTIALS_FULL_URI="http://192.0.2.1/v1/credentials")
    run = run_broken(creds, env=env)
    assert_one_error(run, "container: AWS_CONTAINER_CREDENTIALS_FULL_URI",
                     "is not loopback")


def test_container_expired_credentials(creds):
    creds.kvs.set_credential_lifetime(-30)
    run = run_broken(creds, env=container_env(creds))
    assert_one_error(run, "credentials-expired", "container: GET", "credentials expired at")


# -- instance metadata (IMDSv2) -----------------------------------------------------------


def imds_env(creds):
    return creds.env(AWS_EC2_METADATA_SERVICE_ENDPOINT=creds.kvs.metadata_url(),
                     AWS_EC2_METADATA_DISABLED=None)


def test_imds_expired_credentials(creds):
    creds.kvs.set_credential_lifetime(-30)
    run = run_broken(creds, env=imds_env(creds))
    assert_one_error(run, "credentials-expired", "instance-metadata: GET",
                     "/latest/meta-data/iam/security-credentials/kvslocal-instance-role",
                     "credentials expired at")


def test_imds_answer_not_json(creds):
    # The token PUT and the role listing answer normally; the credentials
    # document is not JSON.
    creds.kvs.add_fault(type="credentials_error", source="imds", status=200, body="nope",
                        path="/latest/meta-data/iam/security-credentials/kvslocal-instance-role")
    run = run_broken(creds, env=imds_env(creds))
    assert_one_error(run, "instance-metadata: GET", "kvslocal-instance-role",
                     "credentials are not a JSON object")


def test_imds_without_a_role(creds):
    creds.kvs.admin("PUT", "/metadata", {"imds_role": ""})
    run = run_broken(creds, env=imds_env(creds))
    assert_one_error(run, "instance-metadata: no IAM role is attached to this instance")


def test_imds_refusing_tokens(creds):
    creds.kvs.add_fault(type="credentials_error", source="imds", status=403, body="Forbidden")
    run = run_broken(creds, env=imds_env(creds))
    assert_one_error(run, "instance-metadata: PUT", "/latest/api/token", "HTTP 403")


def test_iot_connection_timeout_bounds_the_handshake(creds):
    # An endpoint that accepts TCP but never answers the TLS handshake. The
    # request must end at connection-timeout (1 s): were only
    # completion-timeout (3600 s) applied, the run would hit the 60 s guard
    # and end as "timeout", not with the element's error.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        iot = dict(creds.kvs.iot(), endpoint=f"127.0.0.1:{silent.getsockname()[1]}")
        structure = iot_structure(iot, connection_timeout=1, completion_timeout=3600)
        run = creds.run(f"{file_source()} ! " + sink("cam", creds.kvs.url,
                                                      iot_certificate=structure), timeout=60)
    assert_one_error(run, "iot-certificate:", "timeout", "SSL connection timeout")
