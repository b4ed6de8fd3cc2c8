"""Short-lived credentials during a long stream (issue 7: "Refresh during a
10-minute (accelerated) stream with 1-minute credentials, with no fragment
lost").

Accelerated: credentials live 15 s and each stream lasts 50 s, so every
stream outlives its first credentials three times over, as a 10-minute
stream outlives 1-minute credentials. Four sources stream at once, each in
its own process against one kvslocal: the IoT certificate (new credentials
at every fetch), container credentials (the same ones until their rotation
window, with a short rotation-period on top), IMDSv2, and a credential file
that the test rewrites with fresh credentials once kvssink used the current
ones (the upstream "re-read before expiry" behaviour).

Checked: every frame the producer made is in kvslocal's fragments, in order
and persisted, with no ERROR ACK; the upload used several successive
credentials and several PutMedia sessions; kvslocal refused no request (no
ExpiredTokenException: no session was opened with stale credentials).
"""
import threading

from credentials_helpers import (assert_streamed, finish_pipeline, iot_structure, live_source,
                                 sink, start_pipeline, usage, wait_for, write_credential_file)

LIFETIME_S = 15
FRAMES = 500  # 50 s at 10 fps, 1-second fragments.


class FileRotator(threading.Thread):
    """Keeps the credential file fresh: once kvslocal saw the file's current
    credentials used, writes new ones (issued with the same short life)."""

    def __init__(self, creds, path):
        super().__init__(daemon=True)
        self.creds, self.path = creds, path
        self.stop = threading.Event()
        self.written = []
        self.failure = None
        self.rotate()

    def rotate(self):
        credential = self.creds.issue()
        write_credential_file(self.path, credential)
        self.written.append(credential["access_key_id"])

    def run(self):
        try:
            while not self.stop.is_set():
                current = self.written[-1]
                if usage(self.creds.kvs)[current]["requests"]:
                    self.rotate()
                self.stop.wait(0.2)
        except Exception as exc:  # Reported by the test.
            self.failure = exc


def test_refresh_during_a_long_stream_loses_nothing(creds):
    kvs = creds.kvs
    kvs.set_credential_lifetime(LIFETIME_S)
    metadata = kvs.health()["metadata"]
    source = live_source(FRAMES)
    file_path = creds.path("rotating-credentials")
    rotator = FileRotator(creds, file_path)
    pipelines = {
        "cam": (sink("cam", kvs.url, iot_certificate=iot_structure(kvs.iot())), creds.env()),
        "container-cam": (sink("container-cam", kvs.url, rotation_period=8), creds.env(
            AWS_CONTAINER_CREDENTIALS_FULL_URI=metadata["url"] + "/v1/credentials",
            AWS_CONTAINER_AUTHORIZATION_TOKEN=metadata["container_token"])),
        "imds-cam": (sink("imds-cam", kvs.url), creds.env(
            AWS_EC2_METADATA_SERVICE_ENDPOINT=metadata["url"], AWS_EC2_METADATA_DISABLED=None)),
        "file-cam": (sink("file-cam", kvs.url, credential_path=file_path), creds.env()),
    }
    running = {name: start_pipeline(f"{source} ! {description}", env,
                                    creds.path(f"{name}.log"), timeout=150)
               for name, (description, env) in pipelines.items()}
    rotator.start()
    try:
        runs = {name: finish_pipeline(proc) for name, proc in running.items()}
    finally:
        rotator.stop.set()
        rotator.join()
    assert rotator.failure is None, rotator.failure

    for name, run in runs.items():
        assert_streamed(run, kvs, name, FRAMES)
    assert kvs.credentials()["rejections"] == []

    records = list(usage(kvs).values())
    by_source = {}
    for record in records:
        if record["requests"]:
            by_source.setdefault(record["source"], []).append(record)
    # Each stream went through several credentials, every one used within
    # its life and every request carrying its token.
    for source in ("iot", "container", "imds", "admin"):
        used = by_source.get(source, [])
        assert len(used) >= 3, (source, used)
        for record in used:
            assert record["token_signed_requests"] == record["requests"], record
            assert record["last_used_ms"] < record["expiration_ms"], record
    file_keys = {r["access_key_id"] for r in by_source["admin"]}
    assert file_keys <= set(rotator.written)
    streams = {s["name"]: s for s in kvs.admin("GET", "/streams")["streams"]}
    for name in pipelines:
        assert streams[name]["sessions"] >= 3, streams[name]


def test_credentials_revoked_mid_stream_are_replaced(creds):
    # The service declares the credentials expired before their time (403
    # ExpiredTokenException at the next session): kvssink drops its cached
    # copy, fetches new ones and goes on, twice, losing nothing.
    kvs = creds.kvs
    frames = 200  # 20 s at 10 fps; sessions rotate every 3 s.
    proc = start_pipeline(
        f"{live_source(frames)} ! " + sink("cam", kvs.url, rotation_period=3,
                                           iot_certificate=iot_structure(kvs.iot())),
        creds.env(), creds.path("revoked.log"), timeout=90)
    try:
        for revocation, fragments in ((1, 4), (2, 9)):
            wait_for(lambda: len(kvs.fragments("cam")) >= fragments if kvs.admin(
                "GET", "/streams")["streams"] else False, what=f"{fragments} fragments")
            # The replacement for the previous revocation may still be in
            # flight (the open session goes on with the old ones): revoke
            # the first live credentials there are.
            wait_for(lambda: kvs.expire_credentials() >= 1,
                     what="live credentials to revoke")
            wait_for(lambda: len(kvs.credentials()["rejections"]) >= revocation,
                     what="the revoked credentials to be refused")
    finally:
        run = finish_pipeline(proc)
    assert_streamed(run, kvs, "cam", frames)
    refused = kvs.credentials()["rejections"]
    assert {r["error_type"] for r in refused} == {"ExpiredTokenException"}, refused
    used = [c for c in usage(kvs).values() if c["source"] == "iot" and c["requests"]]
    assert len(used) >= 3, used
