"""Secrets never leak (issue 7, item 6).

Pipelines run with GST_DEBUG=*:9 and KVS_CURL_DEBUG=1 through every
credential source and every failure path; then their whole stderr (every
GStreamer and kvssink log line, curl's trace), every bus message (errors
with their debug strings and details, warnings, element messages) and the
output of `gst-inspect-1.0 kvssink` are searched for every secret access
key, session token, container authorization token and private key involved,
also URL-encoded, JSON-escaped and in 20-character pieces. Nothing may be
found. Reading the secret properties back gives nothing.

Secrets reach the element the way an application gives them: properties
set with g_object_set (pipeline_runner.py), the environment, files, the
IoT and metadata endpoints. A gst-launch-1.0 command line is different:
GStreamer's own parser logs the whole description at DEBUG level, before
kvssink exists, so test_gst_launch_line_leaks_only_through_the_parser checks
every line except the parser's own.
"""
import json
import os
import re
import subprocess
import urllib.parse

import pytest

from credentials_helpers import (base_env, iot_structure, profile_entry, sink,
                                 write_credential_file, write_shared_credentials)
from sinkutil import PLUGIN_DIR

SOURCE = ("videotestsrc num-buffers=20 ! video/x-raw,width=160,height=120,framerate=10/1 ! "
          "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=10 ! h264parse")
CANDIDATE = re.compile(r"[A-Za-z0-9+/=%\\_-]{16,}")
PARSER_LINES = ("gstparse.c:", "parse.l:", "gst_parse_unescape", "grammar.y:")


def needles(secret: str):
    """The secret, its encodings, and 20-character pieces of it."""
    out = {secret, urllib.parse.quote(secret, safe=""), secret.replace("/", "\\/"),
           json.dumps(secret)[1:-1]}
    for start in range(0, max(len(secret) - 20, 0) + 1, 10):
        out.add(secret[start:start + 20])
    return {n for n in out if len(n) >= 16}


def pem_body(path: str):
    with open(path) as f:
        return "".join(line.strip() for line in f if not line.startswith("-----"))


class LeakHunt:
    """Runs pipelines at full debug and searches what they produced."""

    def __init__(self, creds):
        self.creds = creds
        self.extra_secrets = set()
        iot = creds.kvs.iot()
        for key in (iot["device_key"], iot["rogue_key"]):
            self.extra_secrets.add(pem_body(key))
        self.extra_secrets.add(creds.kvs.health()["metadata"]["container_token"])
        self.searched = []

    def secret(self, value: str) -> str:
        """Registers a test-made secret (wrong keys, tokens in bad answers)."""
        self.extra_secrets.add(value)
        return value

    def secrets(self):
        found = set(self.extra_secrets)
        for record in self.creds.kvs.credentials(secrets=True)["credentials"]:
            for key in ("secret_access_key", "session_token"):
                if record.get(key):
                    found.add(record[key])
        return found

    def check(self, name: str, text: str, skip_lines=()):
        if skip_lines:
            text = "\n".join(line for line in text.splitlines()
                             if not any(s in line for s in skip_lines))
        haystack = "\n".join(set(CANDIDATE.findall(text)))
        for secret in self.secrets():
            for needle in needles(secret):
                assert needle not in haystack, f"{name}: a secret leaked: {needle!r}"
        self.searched.append(name)

    def env(self, **extra):
        env = self.creds.env(**extra)
        env.update(GST_DEBUG="*:9", GST_DEBUG_NO_COLOR="1", KVS_CURL_DEBUG="1")
        return env

    def run(self, name, description, env=None, props=None, expect=None):
        env = dict(env if env is not None else self.env())
        if props:
            env["CRED_TEST_SET_PROPERTIES"] = json.dumps(props)
        run = self.creds.run(f"{SOURCE} ! {description}", env, name=name)
        assert run.result in ("eos", "error"), run.result
        if expect is not None:
            assert run.result == expect, (name, run.errors)
        for prop in ("secret-key", "session-token"):
            getter = run.sink.get(prop)
            assert getter is not None, run.sink
            assert not getter["readable"] or not getter["value"], (name, prop, getter)
        # The logging really was on: kvssink's own debug lines, and for an
        # upload with a session token, curl's header trace.
        assert re.search(r"\b(DEBUG|LOG|TRACE)\s+kvssink\s", run.log), name
        if expect == "eos" and props is not None and props.get("session-token"):
            assert "> X-Amz-Security-Token:" in run.log, name
        self.check(name, run.log + "\n" + run.stdout)
        os.remove(run.log_path)  # About 10 MB; kept only when a check failed.
        return run


@pytest.fixture
def hunt(creds):
    return LeakHunt(creds)


def test_no_secret_in_logs_messages_or_errors(hunt, creds):
    kvs = creds.kvs
    url = kvs.url
    iot = kvs.iot()
    metadata = kvs.health()["metadata"]

    def temporary_props(credential):
        return {"access-key": credential["access_key_id"],
                "secret-key": credential["secret_access_key"],
                "session-token": credential["session_token"]}

    # -- every source, working --
    hunt.run("properties", sink("s1", url), props=temporary_props(creds.issue()), expect="eos")
    hunt.run("static-properties", sink("s1", url),
             props={"access-key": kvs.access_key, "secret-key": kvs.secret_key}, expect="eos")
    env_key = creds.issue()
    hunt.run("environment", sink("s1", url), hunt.env(
        AWS_ACCESS_KEY_ID=env_key["access_key_id"],
        AWS_SECRET_ACCESS_KEY=env_key["secret_access_key"],
        AWS_SESSION_TOKEN=env_key["session_token"]), expect="eos")
    file_path = creds.path("credential-file")
    write_credential_file(file_path, creds.issue())
    hunt.run("credential-file", sink("s1", url, credential_path=file_path), expect="eos")
    profiles = creds.path("credentials")
    write_shared_credentials(profiles, {"default": profile_entry(creds.issue()),
                                        "cam": profile_entry(creds.issue())})
    hunt.run("profile", sink("s1", url, profile="cam"),
             hunt.env(AWS_SHARED_CREDENTIALS_FILE=profiles), expect="eos")
    hunt.run("iot", sink("cam", url, iot_certificate=iot_structure(iot)), expect="eos")
    container = dict(AWS_CONTAINER_CREDENTIALS_FULL_URI=metadata["url"] + "/v1/credentials",
                     AWS_CONTAINER_AUTHORIZATION_TOKEN=metadata["container_token"])
    hunt.run("container", sink("s1", url), hunt.env(**container), expect="eos")
    token_file = creds.path("container-token")
    with open(token_file, "w") as f:
        f.write(metadata["container_token"] + "\n")
    hunt.run("container-token-file", sink("s1", url), hunt.env(
        AWS_CONTAINER_CREDENTIALS_FULL_URI=container["AWS_CONTAINER_CREDENTIALS_FULL_URI"],
        AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=token_file), expect="eos")
    imds = dict(AWS_EC2_METADATA_SERVICE_ENDPOINT=metadata["url"], AWS_EC2_METADATA_DISABLED=None)
    hunt.run("imds", sink("s1", url), hunt.env(**imds), expect="eos")

    # -- every failure path --
    wrong = creds.issue()
    hunt.run("wrong-secret", sink("s2", url), props={
        "access-key": wrong["access_key_id"],
        "secret-key": hunt.secret("WrongSecretKey/" + os.urandom(12).hex()),
        "session-token": wrong["session_token"]}, expect="error")
    hunt.run("wrong-token", sink("s2", url), props={
        "access-key": wrong["access_key_id"], "secret-key": wrong["secret_access_key"],
        "session-token": hunt.secret("WrongSessionToken" + os.urandom(24).hex())},
        expect="error")
    revoked = creds.issue()
    write_credential_file(file_path, revoked)
    kvs.expire_credentials(revoked["access_key_id"])
    hunt.run("revoked", sink("s2", url, credential_path=file_path), expect="error")
    write_credential_file(file_path, creds.issue(lifetime_s=-60))
    hunt.run("expired-file", sink("s2", url, credential_path=file_path), expect="error")
    with open(file_path, "w") as f:
        f.write("CREDENTIALS AKIAEXAMPLEEXAMPLE1 2030-13-45T99:00:00Z "
                f"{hunt.secret('MalformedFileSecret' + os.urandom(12).hex())} "
                f"{hunt.secret('MalformedFileToken' + os.urandom(24).hex())} extra\n")
    hunt.run("malformed-file", sink("s2", url, credential_path=file_path), expect="error")
    with open(profiles, "w") as f:
        f.write("[default]\naws_secret_access_key = "
                f"{hunt.secret('ProfileWithoutKeyId' + os.urandom(12).hex())}\n"
                f"aws_session_token = {hunt.secret('ProfileToken' + os.urandom(24).hex())}\n")
    hunt.run("profile-without-key-id", sink("s2", url),
             hunt.env(AWS_SHARED_CREDENTIALS_FILE=profiles), expect="error")
    hunt.run("iot-wrong-thing", sink("not-a-thing", url, iot_certificate=iot_structure(iot)),
             expect="error")
    hunt.run("iot-rogue-certificate", sink("cam", url, iot_certificate=iot_structure(
        iot, cert_path=iot["rogue_cert"], key_path=iot["rogue_key"])), expect="error")
    hunt.run("iot-untrusted-server", sink("cam", url, iot_certificate=iot_structure(
        iot, ca_path=iot["rogue_ca"])), expect="error")
    hunt.run("iot-key-is-not-a-key", sink("cam", url, iot_certificate=iot_structure(
        iot, key_path=iot["device_cert"])), expect="error")
    bad_iot = json.dumps({"credentials": {
        "secretAccessKey": hunt.secret("IotAnswerSecret" + os.urandom(12).hex()),
        "sessionToken": hunt.secret("IotAnswerToken" + os.urandom(24).hex())}})
    kvs.add_fault(type="credentials_error", source="iot", status=200, body=bad_iot)
    hunt.run("iot-answer-without-key-id", sink("cam", url, iot_certificate=iot_structure(iot)),
             expect="error")
    error_body = json.dumps({"message": "denied",
                             "Token": hunt.secret("TokenInAnErrorBody" + os.urandom(24).hex())})
    kvs.admin("DELETE", "/faults")
    kvs.add_fault(type="credentials_error", source="container", status=500, body=error_body)
    hunt.run("container-error-body", sink("s2", url), hunt.env(**container), expect="error")
    kvs.admin("DELETE", "/faults")
    bad_container = '{"AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": "%s", "Token": ' % (
        hunt.secret("ContainerBadJsonSecret" + os.urandom(12).hex()))
    kvs.add_fault(type="credentials_error", source="container", status=200, body=bad_container)
    hunt.run("container-bad-json", sink("s2", url), hunt.env(**container), expect="error")
    kvs.admin("DELETE", "/faults")
    wrong_token = hunt.secret("WrongContainerToken" + os.urandom(16).hex())
    hunt.run("container-wrong-token", sink("s2", url), hunt.env(
        AWS_CONTAINER_CREDENTIALS_FULL_URI=container["AWS_CONTAINER_CREDENTIALS_FULL_URI"],
        AWS_CONTAINER_AUTHORIZATION_TOKEN=wrong_token), expect="error")
    kvs.add_fault(type="credentials_error", source="imds", status=200,
                  path="/latest/meta-data/iam/security-credentials/kvslocal-instance-role",
                  body=json.dumps({"Code": "Success", "AccessKeyId": "ASIAEXAMPLE",
                                   "SecretAccessKey": hunt.secret(
                                       "ImdsSecret" + os.urandom(12).hex()),
                                   "Token": hunt.secret("ImdsToken" + os.urandom(24).hex()),
                                   "Expiration": "not a date"}))
    hunt.run("imds-bad-expiration", sink("s2", url), hunt.env(**imds), expect="error")
    kvs.admin("DELETE", "/faults")
    kvs.set_credential_lifetime(-30)
    kvs.expire_credentials()  # IMDS and containers hand out new ones only then.
    hunt.run("imds-expired", sink("s2", url), hunt.env(**imds), expect="error")
    hunt.run("container-expired", sink("s2", url), hunt.env(**container), expect="error")
    hunt.run("iot-expired", sink("cam", url, iot_certificate=iot_structure(iot)),
             expect="error")
    kvs.set_credential_lifetime(3600)
    hunt.run("nothing", sink("s2", url), expect="error")

    assert len(hunt.searched) == 28
    # The search itself finds what it looks for.
    with pytest.raises(AssertionError):
        hunt.check("self-test", "x " + env_key["secret_access_key"][5:30] + " y")


def test_gst_inspect_shows_no_secret(hunt, creds):
    key = creds.issue()
    env = base_env(creds.home(), {"AWS_ACCESS_KEY_ID": key["access_key_id"],
                                  "AWS_SECRET_ACCESS_KEY": key["secret_access_key"],
                                  "AWS_SESSION_TOKEN": key["session_token"],
                                  "GST_DEBUG": "*:9", "GST_DEBUG_NO_COLOR": "1"})
    proc = subprocess.run(["gst-inspect-1.0", "kvssink"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "secret-key" in proc.stdout and "session-token" in proc.stdout
    for prop in ("secret-key", "session-token"):
        block = proc.stdout[proc.stdout.index(f"  {prop} "):]
        block = block[:re.search(r"\n  \S", block).start()]
        assert "flags: writable" in block and "readable" not in block, block
    hunt.check("gst-inspect", proc.stdout + proc.stderr)


def test_gst_launch_line_leaks_only_through_the_parser(hunt, creds):
    credential = creds.issue()
    env = hunt.env()
    env["GST_PLUGIN_PATH"] = PLUGIN_DIR
    cmd = ["gst-launch-1.0", "-e", *SOURCE.split(), "!", "kvssink", "stream-name=s3",
           f"endpoint-uri={creds.kvs.url}", f"access-key={credential['access_key_id']}",
           f"secret-key={credential['secret_access_key']}",
           f"session-token={credential['session_token']}"]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:]
    hunt.check("gst-launch", proc.stdout + proc.stderr, skip_lines=PARSER_LINES)
