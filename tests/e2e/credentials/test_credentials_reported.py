"""Credential errors name the source they came from and point at its
settings (once reported as element bugs; now fixed)."""
import pytest

from credentials_helpers import (assert_one_error, file_source, iot_structure, sink,
                                 write_credential_file)


def test_debug_hint_of_a_configured_source_does_not_ask_to_configure_one(creds):
    iot = creds.kvs.iot()
    run = creds.run(f"{file_source()} ! " + sink("not-a-thing", creds.kvs.url,
                                                  iot_certificate=iot_structure(iot)))
    assert_one_error(run, '"Invalid thing name passed"')
    assert "Set access-key and secret-key" not in run.errors[0]["debug"], run.errors[0]


def test_refused_credentials_name_their_source(creds):
    path = creds.path("credentials-file")
    credential = creds.issue(lifetime_s=3600)
    write_credential_file(path, credential)
    creds.kvs.expire_credentials(credential["access_key_id"])
    run = creds.run(f"{file_source()} ! " + sink("cam", creds.kvs.url, credential_path=path))
    text = assert_one_error(run, "ExpiredTokenException")
    assert "credential-file" in text or path in text, text
