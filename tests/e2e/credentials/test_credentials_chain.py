"""The order of the credential chain (issue 7 "Chain and cache";
kvscore/auth/default_credential_chain.h):

    explicit: properties, iot-certificate, credential-path, profile property
    otherwise: environment, shared profile, container, instance metadata

Every source in a test holds different, valid credentials; kvslocal reports
which access key signed the requests, so the winner is visible.
"""
import socket

from credentials_helpers import (BBB_FRAMES, assert_one_error, assert_streamed, file_source,
                                 iot_structure, profile_entry, sink, used_keys,
                                 write_credential_file, write_shared_credentials)


class Sources:
    """One valid credential per source, all set up at once."""

    def __init__(self, creds):
        self.creds = creds
        kvs = creds.kvs
        self.metadata = kvs.health()["metadata"]
        self.env_key = creds.issue()
        self.profile_key = creds.issue()
        self.file_key = creds.issue()
        self.property_key = creds.issue()
        self.profile_path = creds.path("credentials")
        write_shared_credentials(self.profile_path, {
            "default": profile_entry(self.profile_key),
            "named": profile_entry(self.profile_key)})
        self.file_path = creds.path("credential-file")
        write_credential_file(self.file_path, self.file_key)

    def env(self, environment=True, profile=True, container=True, imds=True):
        extra = {}
        if environment:
            extra.update(AWS_ACCESS_KEY_ID=self.env_key["access_key_id"],
                         AWS_SECRET_ACCESS_KEY=self.env_key["secret_access_key"],
                         AWS_SESSION_TOKEN=self.env_key["session_token"])
        if profile:
            extra["AWS_SHARED_CREDENTIALS_FILE"] = self.profile_path
        if container:
            extra.update(
                AWS_CONTAINER_CREDENTIALS_FULL_URI=self.metadata["url"] + "/v1/credentials",
                AWS_CONTAINER_AUTHORIZATION_TOKEN=self.metadata["container_token"])
        if imds:
            extra.update(AWS_EC2_METADATA_SERVICE_ENDPOINT=self.metadata["url"],
                         AWS_EC2_METADATA_DISABLED=None)
        return self.creds.env(**extra)

    def properties(self):
        return {"access_key": self.property_key["access_key_id"],
                "secret_key": self.property_key["secret_access_key"],
                "session_token": self.property_key["session_token"]}

    def stream(self, env, **props):
        run = self.creds.run(f"{file_source()} ! " + sink("cam", self.creds.kvs.url, **props),
                             env)
        assert_streamed(run, self.creds.kvs, "cam", BBB_FRAMES)
        return self.winner()

    def winner(self):
        used = used_keys(self.creds.kvs)
        assert len(used) == 1, used
        key = next(iter(used))
        names = {self.env_key["access_key_id"]: "environment",
                 self.profile_key["access_key_id"]: "profile",
                 self.file_key["access_key_id"]: "credential-file",
                 self.property_key["access_key_id"]: "properties"}
        if key in names:
            return names[key]
        return {c["access_key_id"]: c["source"]
                for c in self.creds.kvs.credentials()["credentials"]}[key]


def test_properties_beat_everything(creds):
    sources = Sources(creds)
    iot = iot_structure(creds.kvs.iot())
    assert sources.stream(sources.env(), **sources.properties(), iot_certificate=iot,
                          credential_path=sources.file_path, profile="named") == "properties"


def test_iot_certificate_beats_file_and_profile(creds):
    sources = Sources(creds)
    iot = iot_structure(creds.kvs.iot())
    assert sources.stream(sources.env(), iot_certificate=iot, credential_path=sources.file_path,
                          profile="named") == "iot"


def test_credential_file_beats_profile_property_and_environment(creds):
    sources = Sources(creds)
    assert sources.stream(sources.env(), credential_path=sources.file_path,
                          profile="named") == "credential-file"


def test_profile_property_beats_environment(creds):
    sources = Sources(creds)
    assert sources.stream(sources.env(), profile="named") == "profile"


def test_environment_beats_profile_container_and_imds(creds):
    sources = Sources(creds)
    assert sources.stream(sources.env()) == "environment"


def test_profile_beats_container_and_imds(creds):
    sources = Sources(creds)
    assert sources.stream(sources.env(environment=False)) == "profile"


def test_container_beats_imds(creds):
    sources = Sources(creds)
    assert sources.stream(sources.env(environment=False, profile=False)) == "container"


def test_imds_is_last(creds):
    sources = Sources(creds)
    assert sources.stream(sources.env(environment=False, profile=False,
                                      container=False)) == "imds"


def test_a_broken_explicit_source_never_falls_back(creds):
    # A configured credential file that is missing is an error naming it,
    # not an upload with the environment's (or the instance's) identity.
    sources = Sources(creds)
    missing = creds.path("no-such-file")
    run = creds.run(f"{file_source()} ! " + sink("cam", creds.kvs.url, credential_path=missing),
                    sources.env())
    assert_one_error(run, f"credential-file: {missing}")
    assert used_keys(creds.kvs) == {}
    issued = {c["source"] for c in creds.kvs.credentials()["credentials"]}
    assert "container" not in issued and "imds" not in issued  # Never even asked.


def test_a_broken_ambient_source_is_skipped(creds):
    # In the default chain a source that is not there is skipped: a profile
    # file that does not exist, then container credentials.
    sources = Sources(creds)
    env = sources.env(environment=False, imds=False)
    env["AWS_SHARED_CREDENTIALS_FILE"] = creds.path("no-such-credentials")
    env["AWS_CONFIG_FILE"] = creds.path("no-such-config")
    run = creds.run(f"{file_source()} ! " + sink("cam", creds.kvs.url), env)
    assert_streamed(run, creds.kvs, "cam", BBB_FRAMES)
    assert sources.winner() == "container"


def test_imds_disabled_is_not_asked(creds):
    sources = Sources(creds)
    env = sources.env(environment=False, profile=False, container=False)
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    run = creds.run(f"{file_source()} ! " + sink("cam", creds.kvs.url), env)
    assert_one_error(run, "instance-metadata: disabled by AWS_EC2_METADATA_DISABLED")
    assert not [c for c in creds.kvs.credentials()["credentials"] if c["source"] == "imds"]


def test_silent_imds_fails_fast(creds):
    # Off EC2 the metadata address does not answer; the chain gives up after
    # IMDS's short timeout (1 s), well before the run's 60 s guard.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        env = creds.env(AWS_EC2_METADATA_DISABLED=None,
                        AWS_EC2_METADATA_SERVICE_ENDPOINT=f"http://127.0.0.1:"
                                                          f"{silent.getsockname()[1]}")
        run = creds.run(f"{file_source()} ! " + sink("cam", creds.kvs.url), env, timeout=60)
    assert_one_error(run, "instance-metadata: PUT", "/latest/api/token", "timeout")
