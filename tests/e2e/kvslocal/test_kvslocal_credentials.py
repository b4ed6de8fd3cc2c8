"""kvslocal's credential endpoints and the temporary credentials it issues:
the IoT credentials provider over mutual TLS, IMDSv2, container
credentials, their expiry schedule, and SigV4 verification with them
(README "Credentials")."""
import datetime as dt
import json
import ssl
import time
import urllib.error
import urllib.request

import botocore.config
import botocore.session
import pytest
from botocore.exceptions import ClientError

from kvslocal_helpers import create_stream

IOT_ARGS = ("--iot", "--iot-thing-name", "cam")


def http(method, url, headers=None, context=None, data=None):
    """(status, headers, body bytes) of one request; HTTP errors included."""
    request = urllib.request.Request(url, method=method, headers=headers or {}, data=data)
    try:
        with urllib.request.urlopen(request, timeout=10, context=context) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def mtls(iot, cert="device_cert", key="device_key"):
    context = ssl.create_default_context(cafile=iot["ca_file"])
    if cert:
        context.load_cert_chain(iot[cert], iot[key])
    return context


def parse_iso(text):
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=dt.timezone.utc).timestamp()


def client_with(kvs, access_key, secret_key, token=None):
    config = botocore.config.Config(retries={"total_max_attempts": 1, "mode": "standard"})
    return botocore.session.get_session().create_client(
        "kinesisvideo", region_name=kvs.region, endpoint_url=kvs.url, config=config,
        aws_access_key_id=access_key, aws_secret_access_key=secret_key,
        aws_session_token=token)


def error_of(exc):
    return exc.response["Error"]["Code"], exc.response["Error"]["Message"], \
        exc.response["ResponseMetadata"]["HTTPStatusCode"]


@pytest.fixture
def iot_kvs(kvs_factory, tmp_path):
    kvs = kvs_factory(*IOT_ARGS, "--tls-dir", str(tmp_path / "tls"))
    create_stream(kvs, "cam")
    return kvs


# -- IoT ------------------------------------------------------------------------------


def iot_get(kvs, thing="cam", alias="kvslocal-role-alias", **context_args):
    iot = kvs.iot()
    headers = {} if thing is None else {"x-amzn-iot-thingname": thing}
    return http("GET", f"{iot['url']}/role-aliases/{alias}/credentials", headers,
                mtls(iot, **context_args))


def test_iot_issues_aws_shaped_credentials(iot_kvs):
    before = time.time()
    status, headers, body = iot_get(iot_kvs)
    assert status == 200, body
    answer = json.loads(body)
    assert list(answer) == ["credentials"]
    credentials = answer["credentials"]
    assert set(credentials) == {"accessKeyId", "secretAccessKey", "sessionToken", "expiration"}
    assert credentials["accessKeyId"].startswith("ASIA") and len(credentials["accessKeyId"]) == 20
    expires = parse_iso(credentials["expiration"])
    assert before + 3600 - 2 <= expires <= time.time() + 3600 + 1  # Default: 1 hour.
    assert "x-amzn-RequestId" in headers
    # Each call assumes the role again: new credentials.
    again = json.loads(iot_get(iot_kvs)[2])["credentials"]
    assert again["accessKeyId"] != credentials["accessKeyId"]
    # They sign KVS requests, with their token.
    client = client_with(iot_kvs, credentials["accessKeyId"], credentials["secretAccessKey"],
                         credentials["sessionToken"])
    assert client.describe_stream(StreamName="cam")["StreamInfo"]["StreamName"] == "cam"
    record = {c["access_key_id"]: c for c in iot_kvs.credentials()["credentials"]}[
        credentials["accessKeyId"]]
    assert record["source"] == "iot" and record["subject"] == "cam"
    assert record["requests"] == 1 and record["token_signed_requests"] == 1
    assert "secret_access_key" not in record and "session_token" not in record


def test_iot_wrong_thing_name_is_403(iot_kvs):
    status, _, body = iot_get(iot_kvs, thing="other")
    assert (status, json.loads(body)) == (403, {"message": "Invalid thing name passed"})


def test_iot_thing_name_header_is_optional(iot_kvs):
    status, _, body = iot_get(iot_kvs, thing=None)
    assert status == 200, body


def test_iot_unknown_role_alias_is_404(iot_kvs):
    status, _, body = iot_get(iot_kvs, alias="NoSuchAlias")
    assert (status, json.loads(body)) == (404, {"message": "Role alias does not exist"})


def test_iot_thing_names_and_aliases_can_be_set(iot_kvs):
    iot_kvs.admin("PUT", "/iot", {"thing_names": ["other"], "role_aliases": ["A", "B"]})
    assert iot_get(iot_kvs, thing="other", alias="B")[0] == 200
    assert iot_get(iot_kvs, thing="cam", alias="B")[0] == 403
    assert iot_get(iot_kvs, thing="other", alias="kvslocal-role-alias")[0] == 404


@pytest.mark.parametrize("cert,alert", [("rogue_cert", "UNKNOWN_CA"),
                                        (None, "CERTIFICATE_REQUIRED")])
def test_iot_refuses_other_client_certificates_in_the_handshake(iot_kvs, cert, alert):
    key = "rogue_key" if cert else None
    with pytest.raises((urllib.error.URLError, ssl.SSLError, ConnectionError)) as info:
        iot_get(iot_kvs, cert=cert, key=key)
    # The server sent a TLS alert (not just a closed connection).
    assert alert in repr(info.value).upper().replace(" ", "_"), repr(info.value)


def test_iot_server_certificate_is_checked_by_clients(iot_kvs):
    iot = iot_kvs.iot()
    context = ssl.create_default_context(cafile=iot["rogue_ca"])
    context.load_cert_chain(iot["device_cert"], iot["device_key"])
    with pytest.raises(urllib.error.URLError) as info:
        http("GET", f"{iot['url']}/role-aliases/kvslocal-role-alias/credentials",
             {"x-amzn-iot-thingname": "cam"}, context)
    assert isinstance(info.value.reason, ssl.SSLCertVerificationError)


def test_iot_files_are_reported(iot_kvs, tmp_path):
    iot = iot_kvs.iot()
    folder = str(tmp_path / "tls")
    assert iot["endpoint"] == iot["url"][len("https://"):]
    for name, file in (("ca_file", "ca.pem"), ("device_cert", "device.pem"),
                       ("device_key", "device.key"), ("rogue_ca", "rogue-ca.pem"),
                       ("rogue_cert", "rogue.pem"), ("rogue_key", "rogue.key")):
        assert iot[name] == f"{folder}/{file}"
    assert f"kvslocal IoT credentials endpoint: {iot['url']}" in iot_kvs.stderr_text()


# -- IMDSv2 -----------------------------------------------------------------------------


def imds_token(kvs, ttl="60", **headers):
    if ttl is not None:
        headers["X-aws-ec2-metadata-token-ttl-seconds"] = ttl
    return http("PUT", kvs.metadata_url() + "/latest/api/token", headers)


def test_imdsv2_flow(kvslocal):
    status, headers, token = imds_token(kvslocal)
    assert status == 200 and token
    assert headers["X-aws-ec2-metadata-token-ttl-seconds"] == "60"
    auth = {"X-aws-ec2-metadata-token": token.decode()}
    base = kvslocal.metadata_url() + "/latest/meta-data/iam/security-credentials/"
    status, _, role = http("GET", base, auth)
    assert (status, role) == (200, b"kvslocal-instance-role")
    status, _, body = http("GET", base + "kvslocal-instance-role", auth)
    assert status == 200
    document = json.loads(body)
    assert set(document) == {"Code", "LastUpdated", "Type", "AccessKeyId", "SecretAccessKey",
                             "Token", "Expiration"}
    assert document["Code"] == "Success" and document["Type"] == "AWS-HMAC"
    # The same credentials until they are near their expiry, as EC2 does.
    again = json.loads(http("GET", base + "kvslocal-instance-role", auth)[2])
    assert again["AccessKeyId"] == document["AccessKeyId"]
    assert http("GET", base + "other-role", auth)[0] == 404


@pytest.mark.parametrize("ttl", [None, "0", "21601", "abc"])
def test_imds_token_needs_a_valid_ttl(kvslocal, ttl):
    assert imds_token(kvslocal, ttl=ttl)[0] == 400


def test_imds_token_through_a_proxy_is_forbidden(kvslocal):
    assert imds_token(kvslocal, **{"X-Forwarded-For": "10.0.0.1"})[0] == 403


def test_imds_needs_a_valid_token(kvslocal):
    base = kvslocal.metadata_url() + "/latest/meta-data/iam/security-credentials/"
    assert http("GET", base)[0] == 401  # IMDSv1 is not served.
    assert http("GET", base, {"X-aws-ec2-metadata-token": "made-up"})[0] == 401
    token = imds_token(kvslocal, ttl="1")[2].decode()
    deadline = time.monotonic() + 10
    while http("GET", base, {"X-aws-ec2-metadata-token": token})[0] == 200:
        assert time.monotonic() < deadline, "the token did not expire"
        time.sleep(0.1)
    assert http("GET", base, {"X-aws-ec2-metadata-token": token})[0] == 401


def test_imds_without_a_role_is_404(kvslocal):
    kvslocal.admin("PUT", "/metadata", {"imds_role": ""})
    token = imds_token(kvslocal)[2].decode()
    base = kvslocal.metadata_url() + "/latest/meta-data/iam/security-credentials/"
    assert http("GET", base, {"X-aws-ec2-metadata-token": token})[0] == 404


# -- container credentials ----------------------------------------------------------------


@pytest.mark.parametrize("path", ["/v1/credentials", "/v2/credentials/abc-123",
                                  "/2016-11-01/credentialprovider/"])
def test_container_credentials(kvslocal, path):
    metadata = kvslocal.health()["metadata"]
    status, _, body = http("GET", metadata["url"] + path,
                           {"Authorization": metadata["container_token"]})
    assert status == 200, body
    document = json.loads(body)
    assert set(document) == {"AccessKeyId", "SecretAccessKey", "Token", "Expiration", "RoleArn"}
    assert document["RoleArn"] == "arn:aws:iam::123456789012:role/kvslocal-container-role"
    client = client_with(kvslocal, document["AccessKeyId"], document["SecretAccessKey"],
                         document["Token"])
    assert client.list_streams()["StreamInfoList"] == []


def test_container_authorization_is_checked(kvslocal):
    url = kvslocal.metadata_url() + "/v1/credentials"
    status, _, body = http("GET", url)
    assert (status, json.loads(body)) == (400, {"message": "Service account token cannot be empty"})
    assert http("GET", url, {"Authorization": "wrong"})[0] == 403
    kvslocal.admin("PUT", "/metadata", {"container_token": ""})  # No check.
    assert http("GET", url)[0] == 200


def test_credentials_error_fault(kvslocal):
    metadata = kvslocal.health()["metadata"]
    kvslocal.add_fault(type="credentials_error", source="container", status=200,
                       body="{not json", count=1)
    url = metadata["url"] + "/v1/credentials"
    auth = {"Authorization": metadata["container_token"]}
    status, _, body = http("GET", url, auth)
    assert (status, body) == (200, b"{not json")
    fault = kvslocal.faults()[0]
    assert fault["type"] == "credentials_error" and len(fault["fired"]) == 1
    assert not fault["active"]
    assert json.loads(http("GET", url, auth)[2])["AccessKeyId"]


# -- schedule and verification -----------------------------------------------------------------


def test_schedule_sets_the_lifetime_of_what_is_issued(kvslocal):
    assert kvslocal.set_credential_lifetime(60) == {"lifetime_s": 60}
    issued = kvslocal.issue_credentials()
    assert 59 <= (issued["expiration_ms"] - issued["issued_ms"]) / 1000 <= 60
    metadata = kvslocal.health()["metadata"]
    document = json.loads(http("GET", metadata["url"] + "/v1/credentials",
                               {"Authorization": metadata["container_token"]})[2])
    assert 0 < parse_iso(document["Expiration"]) - time.time() <= 60


def test_expired_credentials_are_refused_like_kvs(kvslocal):
    create_stream(kvslocal, "cam")
    issued = kvslocal.issue_credentials(lifetime_s=3600)
    client = client_with(kvslocal, issued["access_key_id"], issued["secret_access_key"],
                         issued["session_token"])
    client.describe_stream(StreamName="cam")
    assert kvslocal.expire_credentials(issued["access_key_id"]) == 1
    with pytest.raises(ClientError) as info:
        client.describe_stream(StreamName="cam")
    assert error_of(info.value) == ("ExpiredTokenException",
                                    "The security token included in the request is expired",
                                    403)
    already = kvslocal.issue_credentials(lifetime_s=-1)
    with pytest.raises(ClientError) as info:
        client_with(kvslocal, already["access_key_id"], already["secret_access_key"],
                    already["session_token"]).list_streams()
    assert error_of(info.value)[0] == "ExpiredTokenException"
    records = {c["access_key_id"]: c for c in kvslocal.credentials()["credentials"]}
    assert records[issued["access_key_id"]]["rejected"] == {"ExpiredTokenException": 1}
    assert records[issued["access_key_id"]]["requests"] == 1


@pytest.mark.parametrize("token", [None, "another-token"])
def test_temporary_credentials_need_their_token(kvslocal, token):
    issued = kvslocal.issue_credentials()
    client = client_with(kvslocal, issued["access_key_id"], issued["secret_access_key"], token)
    with pytest.raises(ClientError) as info:
        client.list_streams()
    assert error_of(info.value) == ("UnrecognizedClientException",
                                    "The security token included in the request is invalid.",
                                    403)
    rejection = kvslocal.credentials()["rejections"][-1]
    assert rejection["access_key_id"] == issued["access_key_id"]
    assert rejection["error_type"] == "UnrecognizedClientException"


def test_temporary_credentials_need_their_secret(kvslocal):
    issued = kvslocal.issue_credentials()
    client = client_with(kvslocal, issued["access_key_id"], "not-the-secret",
                         issued["session_token"])
    with pytest.raises(ClientError) as info:
        client.list_streams()
    assert error_of(info.value)[0] == "InvalidSignatureException"


def test_registered_long_term_key(kvslocal):
    issued = kvslocal.issue_credentials(access_key_id="AKIAREGISTEREDKEY001",
                                        secret_access_key="registered-secret",
                                        session_token=None, lifetime_s=None)
    assert issued["expiration"] is None and issued["session_token"] is None
    client = client_with(kvslocal, "AKIAREGISTEREDKEY001", "registered-secret")
    assert client.list_streams()["StreamInfoList"] == []
    with pytest.raises(urllib.error.HTTPError):  # Already registered.
        kvslocal.issue_credentials(access_key_id="AKIAREGISTEREDKEY001")


def test_static_key_is_listed_and_never_expires(kvslocal):
    kvslocal.boto_client().list_streams()
    assert kvslocal.expire_credentials() == 0
    kvslocal.boto_client().list_streams()
    record = {c["access_key_id"]: c for c in kvslocal.credentials()["credentials"]}[
        kvslocal.access_key]
    assert record["source"] == "static" and record["expiration"] is None
    assert record["requests"] == 2


def test_secrets_are_listed_only_on_request(kvslocal):
    issued = kvslocal.issue_credentials()
    plain = {c["access_key_id"]: c for c in kvslocal.credentials()["credentials"]}
    assert "secret_access_key" not in plain[issued["access_key_id"]]
    full = {c["access_key_id"]: c for c in kvslocal.credentials(secrets=True)["credentials"]}
    assert full[issued["access_key_id"]]["secret_access_key"] == issued["secret_access_key"]
    assert full[issued["access_key_id"]]["session_token"] == issued["session_token"]
    assert full[kvslocal.access_key]["secret_access_key"] == kvslocal.secret_key
