"""Start a private kvslocal for a test: ``with KvsLocal() as kvs: ...``.

Shared by every end-to-end test.  KvsLocal runs ``emulator/kvslocal --port 0``
with /usr/bin/python3, reads its single ready line from stdout (with a
timeout, no sleeps), keeps its stderr in a log file, and offers:

    kvs.url, kvs.port, kvs.region, kvs.access_key, kvs.secret_key, kvs.session_token
    kvs.fragments(stream)        -> list of fragment records (/_kvslocal test hook)
    kvs.health(), kvs.metadata_url(), kvs.iot(), kvs.credentials(),
    kvs.issue_credentials(**spec), kvs.set_credential_lifetime(s),
    kvs.expire_credentials(key=None) -> credential endpoints and registry
    kvs.admin(method, path, body=None) -> parsed JSON of an admin call
    kvs.boto_client(service)     -> botocore client pointed at kvslocal
    kvs.aws_cli(*args)           -> parsed JSON output of /usr/bin/aws (Debian awscli)
    kvs.stop()

Paths: the repository root is the parent of tests/; the shared folder is
<root>/../shared unless KVS_SHARED_DIR says otherwise.
"""
from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import tempfile
import time
import urllib.request
from typing import Any, List, Optional, Sequence

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED_DIR = os.environ.get("KVS_SHARED_DIR", os.path.join(os.path.dirname(ROOT), "shared"))
MEDIA_DIR = os.path.join(SHARED_DIR, "media")
KVSLOCAL = os.path.join(ROOT, "emulator", "kvslocal")
PYTHON = "/usr/bin/python3"
AWS_CLI = "/usr/bin/aws"

DEFAULT_ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
DEFAULT_SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
READY_PREFIX = "kvslocal listening on "


class KvsLocalError(RuntimeError):
    """kvslocal did not start, or an admin call failed."""


class AwsCliError(RuntimeError):
    """/usr/bin/aws exited non-zero; ``stderr`` holds its message."""

    def __init__(self, returncode: int, stderr: str):
        super().__init__(f"aws exited {returncode}: {stderr.strip()}")
        self.returncode = returncode
        self.stderr = stderr


class KvsLocal:
    """A kvslocal subprocess on a free loopback port."""

    def __init__(self, *extra_args: str, access_key: str = DEFAULT_ACCESS_KEY,
                 secret_key: str = DEFAULT_SECRET_KEY, region: str = "us-west-2",
                 start_timeout: float = 30.0, log_dir: Optional[str] = None,
                 session_token: Optional[str] = None):
        self.access_key = access_key
        self.secret_key = secret_key
        self.session_token = session_token
        self.region = region
        self.extra_args: List[str] = list(extra_args)
        self.start_timeout = start_timeout
        self._log_dir = log_dir
        self.proc: Optional[subprocess.Popen] = None
        self.url = ""
        self.port = 0
        self.stderr_path = ""
        self._stderr_file = None

    # -- lifecycle ------------------------------------------------------------

    def start(self) -> "KvsLocal":
        log_dir = self._log_dir or tempfile.mkdtemp(prefix="kvslocal-")
        self.stderr_path = os.path.join(log_dir, "kvslocal.stderr.log")
        self._stderr_file = open(self.stderr_path, "wb")
        cmd = [PYTHON, KVSLOCAL, "--port", "0", "--access-key", self.access_key,
               "--secret-key", self.secret_key, "--region", self.region, *self.extra_args]
        if self.session_token is not None:
            cmd += ["--session-token", self.session_token]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self._stderr_file,
                                     stdin=subprocess.DEVNULL)
        line = self._read_ready_line()
        if not line.startswith(READY_PREFIX):
            self.stop()
            raise KvsLocalError(f"kvslocal did not start: {line!r}; see {self.stderr_path}:\n"
                                + self.stderr_text())
        self.url = line[len(READY_PREFIX):].strip()
        self.port = int(self.url.rsplit(":", 1)[1])
        return self

    def _read_ready_line(self) -> str:
        assert self.proc is not None and self.proc.stdout is not None
        selector = selectors.DefaultSelector()
        selector.register(self.proc.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + self.start_timeout
        data = b""
        try:
            while b"\n" not in data:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(remaining):
                    return data.decode(errors="replace")
                piece = os.read(self.proc.stdout.fileno(), 4096)
                if not piece:
                    break
                data += piece
        finally:
            selector.close()
        return data.decode(errors="replace").split("\n", 1)[0]

    def stop(self) -> None:
        """Stops kvslocal (SIGTERM, then SIGKILL after 10 s)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()
        if self._stderr_file is not None:
            self._stderr_file.close()
            self._stderr_file = None

    def __enter__(self) -> "KvsLocal":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def stderr_text(self) -> str:
        try:
            with open(self.stderr_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    # -- admin API ------------------------------------------------------------

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        """Calls ``/_kvslocal<path>`` and returns its JSON."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.url}/_kvslocal{path}", data=data,
                                         method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30, context=self.ssl_context()) as resp:
            return json.loads(resp.read() or b"null")

    def fragments(self, stream: str) -> List[dict]:
        """The fragments kvslocal stored for ``stream``, in fragment-number order."""
        return self.admin("GET", f"/streams/{stream}/fragments")["fragments"]

    def acks(self, stream: str) -> List[dict]:
        """Every ACK kvslocal sent on ``stream``: {"session", "time_ms", "ack"}."""
        return self.admin("GET", f"/streams/{stream}/acks")["acks"]

    def add_fault(self, **spec: Any) -> dict:
        return self.admin("POST", "/faults", spec)

    def faults(self) -> List[dict]:
        return self.admin("GET", "/faults")["faults"]

    def ca_file(self) -> Optional[str]:
        """The generated CA certificate when started with --tls."""
        for line in self.stderr_text().splitlines():
            if "kvslocal CA file: " in line:
                return line.split("kvslocal CA file: ", 1)[1].strip()
        return None

    def health(self) -> dict:
        """GET /_kvslocal/health: URLs of the credential endpoints, TLS files."""
        return self.admin("GET", "/health")

    def metadata_url(self) -> str:
        """Base URL of the IMDSv2 / container-credentials listener."""
        return self.health()["metadata"]["url"]

    def iot(self) -> Optional[dict]:
        """The IoT endpoint (started with --iot): url, endpoint (host:port),
        thing_names, role_aliases, ca_file, device_cert/key, rogue_ca/cert/key."""
        return self.health()["iot"]

    def credentials(self, secrets: bool = False) -> dict:
        """Accepted credentials with their use counts, and refusals; secret
        keys and session tokens only when ``secrets`` is true."""
        return self.admin("GET", "/credentials?secrets=true" if secrets else "/credentials")

    def issue_credentials(self, **spec: Any) -> dict:
        """Registers or issues a credential; returns it with its secret and token."""
        return self.admin("POST", "/credentials", spec)

    def set_credential_lifetime(self, seconds: float) -> dict:
        return self.admin("PUT", "/credentials/schedule", {"lifetime_s": seconds})

    def expire_credentials(self, access_key_id: Optional[str] = None) -> int:
        body = {} if access_key_id is None else {"access_key_id": access_key_id}
        return self.admin("POST", "/credentials/expire", body)["expired"]

    def ssl_context(self):
        if not self.url.startswith("https"):
            return None
        import ssl
        return ssl.create_default_context(cafile=self.ca_file())

    # -- clients --------------------------------------------------------------

    def boto_client(self, service: str = "kinesisvideo", parameter_validation: bool = True,
                    **kwargs: Any):
        """A botocore client for ``service`` (kinesisvideo, kinesis-video-media,
        kinesis-video-archived-media) pointed at kvslocal.  With
        ``parameter_validation=False`` botocore sends invalid input unchecked, so
        tests can see kvslocal's own validation."""
        import botocore.config
        import botocore.session
        session = botocore.session.get_session()
        config = botocore.config.Config(retries={"total_max_attempts": 1, "mode": "standard"},
                                        read_timeout=60,
                                        parameter_validation=parameter_validation)
        verify: Any = self.ca_file() if self.url.startswith("https") else None
        kwargs.setdefault("aws_session_token", self.session_token)
        return session.create_client(service, region_name=self.region, endpoint_url=self.url,
                                     aws_access_key_id=self.access_key,
                                     aws_secret_access_key=self.secret_key, config=config,
                                     verify=verify, **kwargs)

    def aws_env(self) -> dict:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("AWS_") and k != "PYTHONPATH"}
        env.update(AWS_ACCESS_KEY_ID=self.access_key, AWS_SECRET_ACCESS_KEY=self.secret_key,
                   AWS_DEFAULT_REGION=self.region, AWS_PAGER="",
                   AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
        if self.session_token is not None:
            env["AWS_SESSION_TOKEN"] = self.session_token
        if self.url.startswith("https"):
            env["AWS_CA_BUNDLE"] = self.ca_file() or ""
        return env

    def aws_cli(self, *args: str, check: bool = True, endpoint: bool = True) -> Any:
        """Runs /usr/bin/aws with kvslocal's endpoint and credentials; returns its JSON.

        Raises AwsCliError when it exits non-zero (unless ``check`` is False, in
        which case the CompletedProcess is returned).
        """
        cmd: List[str] = [AWS_CLI]
        if endpoint:
            cmd += ["--endpoint-url", self.url]
        cmd += ["--output", "json", *args]
        proc = subprocess.run(cmd, env=self.aws_env(), capture_output=True, text=True,
                              timeout=120)
        if not check:
            return proc
        if proc.returncode != 0:
            raise AwsCliError(proc.returncode, proc.stderr)
        return json.loads(proc.stdout) if proc.stdout.strip() else None


def ebml_vint(data: bytes, pos: int, keep_marker: bool):
    """The EBML variable-size integer at `pos` (RFC 8794 section 4):
    (value, length in bytes). keep_marker=True reads an element ID (marker
    bit kept); otherwise a size, -1 for the all-ones "unknown" size."""
    first = data[pos]
    length = 1
    while not first & (0x80 >> (length - 1)):
        length += 1
    value = int.from_bytes(data[pos:pos + length], "big")
    if not keep_marker:
        value &= (1 << (7 * length)) - 1
        if value == (1 << (7 * length)) - 1:
            value = -1
    return value, length


def split_mkv_chunks(data: bytes) -> List[bytes]:
    """Splits GetMedia / GetMediaForFragmentList output into its MKV chunks.

    KVS returns one chunk per fragment, each starting with its own EBML header
    and unknown-size Segment.  ffprobe reads the concatenation, but GStreamer's
    matroskademux stops after the first Segment, so decode chunk by chunk.
    kvslocal writes every element inside the Segment with a known size.
    """
    starts: List[int] = []
    pos = 0
    while pos < len(data):
        element_id, id_len = ebml_vint(data, pos, True)
        size, size_len = ebml_vint(data, pos + id_len, False)
        if element_id == 0x1A45DFA3:
            starts.append(pos)
        if element_id == 0x18538067 and size == -1:
            pos += id_len + size_len          # enter the unknown-size Segment
            continue
        if size < 0:
            raise ValueError(f"unknown-size element 0x{element_id:X} at {pos}")
        pos += id_len + size_len + size
    return [data[s:e] for s, e in zip(starts, starts[1:] + [len(data)])]


def media_path(name: str) -> str:
    """Path of a file in shared/media."""
    return os.path.join(MEDIA_DIR, name)


def run_checked(cmd: Sequence[str], timeout: float = 120) -> subprocess.CompletedProcess:
    """Runs a command, raising with its output if it fails."""
    proc = subprocess.run(list(cmd), capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[0]} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc
