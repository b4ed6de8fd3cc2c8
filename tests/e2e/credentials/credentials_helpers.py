"""Helpers of the credential end-to-end tests (issue 7).

Every pipeline runs in a child process (pipeline_runner.py) with an
environment built from scratch: no AWS_* or KVSSINK_* variable of the
caller, HOME pointing at an empty folder (so no ~/.aws files are found) and
IMDS disabled unless a test turns it on, so each test decides exactly which
credential sources exist.
"""
import json
import os
import shlex
import subprocess
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

from kvslocal_fixture import KvsLocal
from sinkutil import PLUGIN_DIR, media

HERE = os.path.dirname(os.path.abspath(__file__))
RUNNER = os.path.join(HERE, "pipeline_runner.py")
PYTHON = "/usr/bin/python3"
HANG_GUARD_S = 120.0

BBB = "bbb_h264_high_nob_aac_1280x720_10s.mp4"
BBB_FRAMES = 240  # 10 s at 24 fps, checked by test_credentials_providers.py


def file_source() -> str:
    """A 10-second H.264 file, streamed as fast as it is read."""
    return f"filesrc location={media(BBB)} ! qtdemux name=d d.video_0 ! h264parse"


def live_source(frames: int, fps: int = 10, key_int: int = 10) -> str:
    """A live H.264 source of `frames` frames at `fps` (real time)."""
    return (f"videotestsrc is-live=true num-buffers={frames} ! "
            f"video/x-raw,width=160,height=120,framerate={fps}/1 ! "
            f"x264enc tune=zerolatency speed-preset=ultrafast key-int-max={key_int} ! "
            "h264parse")


def sink(stream: str, endpoint: Optional[str], **props) -> str:
    """A kvssink description; property names with _ become -."""
    parts = {"stream-name": stream}
    if endpoint is not None:
        parts["endpoint-uri"] = endpoint
    parts.update({k.replace("_", "-"): v for k, v in props.items() if v is not None})
    return "kvssink " + " ".join(f"{k}={shlex.quote(str(v))}" for k, v in parts.items())


def iot_structure(iot: dict, **overrides) -> str:
    """The iot-certificate value in the style of the seed guide's example."""
    fields = {"endpoint": iot["endpoint"], "cert-path": iot["device_cert"],
              "key-path": iot["device_key"], "ca-path": iot["ca_file"],
              "role-aliases": iot["role_aliases"][0]}
    fields.update({k.replace("_", "-"): v for k, v in overrides.items()})
    return "iot-certificate," + ",".join(f"{k}={v}" for k, v in fields.items()
                                         if v is not None)


def base_env(home: str, extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """The child environment: our plugin, no ambient credentials."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "KVSSINK_", "GST_DEBUG"))
           and k not in ("CONTROL_PLANE_URI", "HTTPS_PROXY", "https_proxy", "HTTP_PROXY",
                         "http_proxy", "ALL_PROXY", "NO_PROXY", "no_proxy",
                         "KVS_CURL_DEBUG", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR")}
    env.update(GST_PLUGIN_PATH=PLUGIN_DIR, HOME=home, GST_DEBUG="kvssink:4",
               AWS_EC2_METADATA_DISABLED="true")
    env.update(extra or {})
    return {k: v for k, v in env.items() if v is not None}


@dataclass
class Run:
    """What one pipeline run produced."""

    result: str
    errors: List[dict]
    warnings: List[dict]
    elements: List[str]
    sink: dict
    stdout: str
    log: str             # stderr: GST_DEBUG output and anything else printed
    returncode: int
    log_path: str = ""

    @property
    def error_text(self) -> str:
        return "\n".join(f"{e['message']}\n{e['debug']}\n{e.get('details')}"
                         for e in self.errors)

    def acks(self, kind: str = "PERSISTED") -> List[str]:
        return [e for e in self.elements
                if e.startswith("kvssink-fragment-ack") and f"type=(string){kind}" in e]

    def __repr__(self) -> str:
        return (f"Run(result={self.result}, errors={self.errors}, "
                f"warnings={self.warnings}, log tail={self.log[-3000:]!r})")


def start_pipeline(description: str, env: Dict[str, str], log_path: str,
                   timeout: float = HANG_GUARD_S) -> subprocess.Popen:
    """Starts pipeline_runner.py; its stderr goes to `log_path`."""
    log = open(log_path, "wb")
    proc = subprocess.Popen([PYTHON, RUNNER, description, str(timeout)], env=env,
                            stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL)
    proc._log_file = log  # closed by finish_pipeline
    proc._log_path = log_path
    proc._guard = timeout + 30
    return proc


def finish_pipeline(proc: subprocess.Popen) -> Run:
    try:
        stdout, _ = proc.communicate(timeout=proc._guard)
    except subprocess.TimeoutExpired:
        proc.kill()
        stdout, _ = proc.communicate()
    proc._log_file.close()
    with open(proc._log_path, errors="replace") as f:
        log = f.read()
    text = stdout.decode(errors="replace")
    lines = [line for line in text.splitlines() if line.startswith("{")]
    report = json.loads(lines[-1]) if lines else {
        "result": f"crashed (exit {proc.returncode})", "errors": [], "warnings": [],
        "elements": [], "sink": {}}
    return Run(report["result"], report["errors"], report["warnings"], report["elements"],
               report.get("sink", {}), text, log, proc.returncode, proc._log_path)


def run_pipeline(description: str, env: Dict[str, str], log_path: str,
                 timeout: float = HANG_GUARD_S) -> Run:
    return finish_pipeline(start_pipeline(description, env, log_path, timeout))


def assert_streamed(run: Run, kvs: KvsLocal, stream: str, frames: int) -> List[dict]:
    """The run ended at EOS without errors, and kvslocal holds every frame
    in persisted fragments with increasing timecodes, each ACKed to the
    producer."""
    assert run.result == "eos" and not run.errors, run
    fragments = kvs.fragments(stream)
    assert fragments, "no fragments arrived"
    timecodes = [f["fragment_timecode"] for f in fragments]
    assert timecodes == sorted(set(timecodes)), timecodes
    assert all(f["persisted"] for f in fragments), fragments
    assert sum(f["frame_counts"]["1"] for f in fragments) == frames, fragments
    assert len(run.acks("PERSISTED")) == len(fragments), run.elements
    errors = [a for a in kvs.acks(stream) if a["ack"].get("EventType") == "ERROR"]
    assert not errors, errors
    return fragments


def assert_one_error(run: Run, *needles: str) -> str:
    """Exactly one ERROR, from kvssink, whose text holds every needle."""
    assert run.result == "error", run
    assert len(run.errors) == 1, run.errors
    error = run.errors[0]
    assert error["source"].startswith("kvssink"), error
    text = run.error_text
    for needle in needles:
        assert needle in text, f"{needle!r} not in error:\n{text}"
    return text


def usage(kvs: KvsLocal) -> Dict[str, dict]:
    """kvslocal's credential records by access key id."""
    return {c["access_key_id"]: c for c in kvs.credentials()["credentials"]}


def used_keys(kvs: KvsLocal) -> Dict[str, int]:
    """Access key id -> verified requests, for keys that signed any."""
    return {k: c["requests"] for k, c in usage(kvs).items() if c["requests"]}


def wait_for(condition: Callable[[], object], timeout: float = 60.0,
             what: str = "condition", interval: float = 0.1):
    """Polls `condition` until it returns a true value (bounded; no fixed sleeps)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(interval)


def write_credential_file(path: str, credential: dict) -> None:
    """Upstream's format, `CREDENTIALS <akid> <iso-expiry> <secret> <token>`,
    written atomically (a reader never sees half a file)."""
    fields = ["CREDENTIALS", credential["access_key_id"]]
    if credential.get("expiration"):
        fields.append(credential["expiration"])
    fields.append(credential["secret_access_key"])
    if credential.get("session_token"):
        fields.append(credential["session_token"])
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(" ".join(fields) + "\n")
    os.replace(tmp, path)


def write_shared_credentials(path: str, profiles: Dict[str, dict],
                             config: bool = False) -> None:
    """An AWS shared credentials file (or config file: `[profile name]`)."""
    lines = []
    for name, credential in profiles.items():
        header = name if not config or name == "default" else f"profile {name}"
        lines.append(f"[{header}]")
        for key, value in credential.items():
            lines.append(f"{key} = {value}")
        lines.append("")
    with open(path, "w") as f:
        f.write("\n".join(lines))


def profile_entry(credential: dict, **extra) -> dict:
    entry = {"aws_access_key_id": credential["access_key_id"],
             "aws_secret_access_key": credential["secret_access_key"]}
    if credential.get("session_token"):
        entry["aws_session_token"] = credential["session_token"]
    entry.update(extra)
    return entry


@dataclass
class Creds:
    """A test's kvslocal plus a folder for files and logs."""

    kvs: KvsLocal
    tmp: str
    runs: List[Run] = field(default_factory=list)

    def home(self) -> str:
        path = os.path.join(self.tmp, "home")
        os.makedirs(path, exist_ok=True)
        return path

    def env(self, **extra: Optional[str]) -> Dict[str, str]:
        return base_env(self.home(), {k: v for k, v in extra.items()})

    def run(self, description: str, env: Optional[Dict[str, str]] = None,
            timeout: float = HANG_GUARD_S, name: Optional[str] = None) -> Run:
        log_path = os.path.join(self.tmp, f"{name or 'run'}-{len(self.runs)}.log")
        run = run_pipeline(description, env if env is not None else self.env(), log_path,
                           timeout)
        self.runs.append(run)
        return run

    def issue(self, **spec) -> dict:
        return self.kvs.issue_credentials(**spec)

    def path(self, name: str) -> str:
        return os.path.join(self.tmp, name)
