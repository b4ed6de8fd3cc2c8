"""Element behaviour reported to the element's owners (gst/), kept as strict
xfail tests: each fails today and will report XPASS (a failure, under
strict) once fixed, so the marker is removed with the fix."""
import pytest

from credentials_helpers import (assert_one_error, file_source, iot_structure, sink,
                                 write_credential_file)


@pytest.mark.xfail(strict=True, reason=(
    "gst/: a credential error's debug string always says 'Set access-key and "
    "secret-key, credential-path, iot-certificate or profile, or AWS_ACCESS_KEY_ID "
    "...', even when a configured source (here iot-certificate) was found and "
    "failed; it should point at that source's settings instead"))
def test_debug_hint_of_a_configured_source_does_not_ask_to_configure_one(creds):
    iot = creds.kvs.iot()
    run = creds.run(f"{file_source()} ! " + sink("not-a-thing", creds.kvs.url,
                                                  iot_certificate=iot_structure(iot)))
    assert_one_error(run, '"Invalid thing name passed"')
    assert "Set access-key and secret-key" not in run.errors[0]["debug"], run.errors[0]


@pytest.mark.xfail(strict=True, reason=(
    "gst/ (and kvscore/net for the source's name): when KVS refuses the "
    "credentials (403 ExpiredTokenException here), the error does not say which "
    "source they came from and its hint names access-key/secret-key even though "
    "they came from credential-path"))
def test_refused_credentials_name_their_source(creds):
    path = creds.path("credentials-file")
    credential = creds.issue(lifetime_s=3600)
    write_credential_file(path, credential)
    creds.kvs.expire_credentials(credential["access_key_id"])
    run = creds.run(f"{file_source()} ! " + sink("cam", creds.kvs.url, credential_path=path))
    text = assert_one_error(run, "ExpiredTokenException")
    assert "credential-file" in text or path in text, text
