"""Transport and signing settings end to end (issue 7, Region and Transport):
TLS to ``kvslocal --tls`` trusted through ca-path, KVSSINK_CA_CERT_PATH or
AWS_CA_BUNDLE and refused for an untrusted CA; region resolution with the
explicit property winning; SigV4 with a session token checked by kvslocal."""
import os
import shutil
import ssl
import subprocess

import pytest

from credentials_helpers import (BBB_FRAMES, assert_one_error, assert_streamed, file_source,
                                 iot_structure, profile_entry, sink, usage,
                                 write_shared_credentials)
from loopback_servers import Relay, server_context


@pytest.fixture
def tls(creds_factory):
    creds = creds_factory("--tls", "--iot", "--iot-thing-name", "cam")
    assert creds.kvs.url.startswith("https://127.0.0.1:")
    return creds


def static_keys(kvs):
    return {"access_key": kvs.access_key, "secret_key": kvs.secret_key}


def hashed_ca_dir(tls, ca_file):
    """A CApath-style directory (hashed links, `openssl rehash`)."""
    folder = tls.path("ca-dir")
    os.makedirs(folder)
    shutil.copy(ca_file, os.path.join(folder, "kvslocal.pem"))
    subprocess.run(["openssl", "rehash", folder], check=True, capture_output=True)
    assert any(name.endswith(".0") for name in os.listdir(folder))
    return folder


@pytest.mark.parametrize("how", ["ca-path", "ca-path-dir", "KVSSINK_CA_CERT_PATH",
                                 "KVSSINK_CA_CERT_PATH-dir", "AWS_CA_BUNDLE"])
def test_tls_trusted_through_each_setting(tls, how):
    ca = tls.kvs.ca_file()
    if how.endswith("-dir"):
        ca = hashed_ca_dir(tls, ca)
    props, env = static_keys(tls.kvs), tls.env()
    if how.startswith("ca-path"):
        props["ca_path"] = ca
    else:
        env[how.replace("-dir", "")] = ca
    run = tls.run(f"{file_source()} ! " + sink("cam", tls.kvs.url, **props), env)
    assert_streamed(run, tls.kvs, "cam", BBB_FRAMES)


TRUST_HINT = ("ca-path", "KVSSINK_CA_CERT_PATH", "AWS_CA_BUNDLE")


def assert_refused_at_once(run, relay, *needles):
    """One error naming the trust settings, after one connection: a
    certificate that fails verification fails the same way on every try, so
    it is not retried."""
    text = assert_one_error(run, "tls-failed", relay.url, *needles, *TRUST_HINT)
    assert "gave up after" not in text, text
    assert "retrying in" not in run.log, run.log[-3000:]
    assert relay.connections == 1, relay.connections
    return text


def test_tls_untrusted_ca_is_refused(tls):
    rogue = tls.kvs.health()["tls_files"]["rogue_ca"]
    with Relay(tls.kvs.port, scheme="https") as relay:
        run = tls.run(f"{file_source()} ! " + sink("cam", relay.url, ca_path=rogue,
                                                    **static_keys(tls.kvs)))
    assert_refused_at_once(run, relay, "certificate")
    assert tls.kvs.admin("GET", "/streams")["streams"] == []
    assert usage(tls.kvs)[tls.kvs.access_key]["requests"] == 0


def test_tls_system_store_does_not_trust_kvslocal(tls):
    with Relay(tls.kvs.port, scheme="https") as relay:
        run = tls.run(f"{file_source()} ! " + sink("cam", relay.url, **static_keys(tls.kvs)))
    assert_refused_at_once(run, relay, "certificate")


def kvslocal_server_files(kvs):
    folder = os.path.dirname(kvs.health()["tls_files"]["ca_file"])
    return os.path.join(folder, "server.pem"), os.path.join(folder, "server.key")


def test_tls_below_1_2_is_refused(creds):
    # A server that speaks at most TLS 1.1, with a certificate the client
    # trusts: the handshake is refused, once.
    cert, key = kvslocal_server_files(creds.kvs)
    context = server_context(cert, key, ssl.TLSVersion.TLSv1_1)
    with Relay(creds.kvs.port, tls=context) as relay:
        run = creds.run(f"{file_source()} ! " + sink(
            "cam", relay.url, ca_path=creds.kvs.iot()["ca_file"], **static_keys(creds.kvs)))
    assert_refused_at_once(run, relay)
    assert relay.handshakes_failed == 1
    assert creds.kvs.admin("GET", "/streams")["streams"] == []


def test_tls_1_2_is_accepted(creds):
    cert, key = kvslocal_server_files(creds.kvs)
    context = server_context(cert, key, ssl.TLSVersion.TLSv1_2)
    with Relay(creds.kvs.port, tls=context) as relay:
        run = creds.run(f"{file_source()} ! " + sink(
            "cam", relay.url, ca_path=creds.kvs.iot()["ca_file"], **static_keys(creds.kvs)))
        assert_streamed(run, creds.kvs, "cam", BBB_FRAMES)
        assert relay.connections >= 1 and relay.handshakes_failed == 0


def test_tls_setting_precedence(tls):
    # ca-path beats KVSSINK_CA_CERT_PATH beats AWS_CA_BUNDLE: each run has
    # the good CA in one place and the rogue one in the places below it...
    good = tls.kvs.ca_file()
    rogue = tls.kvs.health()["tls_files"]["rogue_ca"]
    keys = static_keys(tls.kvs)
    run = tls.run(f"{file_source()} ! " + sink("cam", tls.kvs.url, ca_path=good, **keys),
                  tls.env(KVSSINK_CA_CERT_PATH=rogue, AWS_CA_BUNDLE=rogue))
    assert_streamed(run, tls.kvs, "cam", BBB_FRAMES)
    run = tls.run(f"{file_source()} ! " + sink("cam2", tls.kvs.url, **keys),
                  tls.env(KVSSINK_CA_CERT_PATH=good, AWS_CA_BUNDLE=rogue))
    assert_streamed(run, tls.kvs, "cam2", BBB_FRAMES)
    # ...and the rogue one above the good one is refused.
    run = tls.run(f"{file_source()} ! " + sink("cam3", tls.kvs.url, ca_path=rogue, **keys),
                  tls.env(KVSSINK_CA_CERT_PATH=good, AWS_CA_BUNDLE=good))
    assert_one_error(run, "tls-failed")


def test_iot_and_kvs_both_over_tls(tls):
    # The IoT endpoint's CA comes from the structure's ca-path; KVS's from
    # AWS_CA_BUNDLE.
    iot = tls.kvs.iot()
    run = tls.run(f"{file_source()} ! " + sink("cam", tls.kvs.url,
                                                iot_certificate=iot_structure(iot)),
                  tls.env(AWS_CA_BUNDLE=tls.kvs.ca_file()))
    assert_streamed(run, tls.kvs, "cam", BBB_FRAMES)
    assert [c["source"] for c in usage(tls.kvs).values() if c["requests"]] == ["iot"]


# -- region ---------------------------------------------------------------------------


@pytest.fixture
def frankfurt(creds_factory):
    return creds_factory(region="eu-central-1")


def region_run(creds, stream, env, **props):
    return creds.run(f"{file_source()} ! " + sink(stream, creds.kvs.url,
                                                   **static_keys(creds.kvs), **props), env)


def test_region_property_wins_over_environment(frankfurt):
    env = frankfurt.env(AWS_REGION="us-east-1", AWS_DEFAULT_REGION="ap-south-1")
    run = region_run(frankfurt, "cam", env, aws_region="eu-central-1")
    assert_streamed(run, frankfurt.kvs, "cam", BBB_FRAMES)


def test_region_property_wins_even_when_wrong(frankfurt):
    # Upstream lets the environment override the property; we do not.
    env = frankfurt.env(AWS_REGION="eu-central-1")
    run = region_run(frankfurt, "cam", env, aws_region="us-east-1")
    assert_one_error(run, "InvalidSignatureException",
                     "Credential should be scoped to a valid region, not 'us-east-1'")


@pytest.mark.parametrize("variable", ["AWS_REGION", "AWS_DEFAULT_REGION"])
def test_region_from_the_environment(frankfurt, variable):
    run = region_run(frankfurt, "cam", frankfurt.env(**{variable: "eu-central-1"}))
    assert_streamed(run, frankfurt.kvs, "cam", BBB_FRAMES)


def test_aws_region_beats_aws_default_region(frankfurt):
    env = frankfurt.env(AWS_REGION="eu-central-1", AWS_DEFAULT_REGION="us-east-1")
    assert_streamed(region_run(frankfurt, "cam", env), frankfurt.kvs, "cam", BBB_FRAMES)


def test_region_from_the_profile(frankfurt):
    config = frankfurt.path("config")
    credential = frankfurt.issue()
    write_shared_credentials(config, {"camera": profile_entry(credential,
                                                              region="eu-central-1")},
                             config=True)
    env = frankfurt.env(AWS_CONFIG_FILE=config,
                        AWS_SHARED_CREDENTIALS_FILE=frankfurt.path("none"))
    run = frankfurt.run(f"{file_source()} ! " + sink("cam", frankfurt.kvs.url,
                                                      profile="camera"), env)
    assert_streamed(run, frankfurt.kvs, "cam", BBB_FRAMES)


def test_default_region_is_us_west_2(frankfurt):
    run = region_run(frankfurt, "cam", frankfurt.env())
    assert_one_error(run, "not 'us-west-2'")


# -- SigV4 with a session token --------------------------------------------------------------


def test_session_token_is_signed_and_checked(creds_factory):
    # kvslocal started with --session-token accepts its static key only with
    # that token; the element sends it inside the signature.
    creds = creds_factory(session_token="FwoGZXIvYXdzEJr//////////wEaDKvslocal")
    kvs = creds.kvs
    run = creds.run(f"{file_source()} ! " + sink("cam", kvs.url, **static_keys(kvs),
                                                  session_token=kvs.session_token))
    assert_streamed(run, kvs, "cam", BBB_FRAMES)
    record = usage(kvs)[kvs.access_key]
    assert record["requests"] > 0 and record["token_signed_requests"] == record["requests"]
    run = creds.run(f"{file_source()} ! " + sink("cam2", kvs.url, **static_keys(kvs),
                                                  session_token="FwoGZXIvYXdzEJr-other"))
    assert_one_error(run, "UnrecognizedClientException")
    run = creds.run(f"{file_source()} ! " + sink("cam3", kvs.url, **static_keys(kvs)))
    assert_one_error(run, "UnrecognizedClientException")
