"""Helpers for end-to-end tests that run kvssink pipelines against kvslocal.

Pipelines run in a child ``gst-launch-1.0`` (as users run them) with
GST_PLUGIN_PATH pointing at the build tree. Every wait is bounded by a hang
guard, never a sleep. Read-back media is checked with independent decoders:
ffprobe (FFmpeg) and GStreamer's matroskademux through PyGObject.
"""
import json
import os
import shlex
import subprocess
from typing import Dict, List, Optional, Sequence

from kvslocal_fixture import MEDIA_DIR, ROOT, KvsLocal, split_mkv_chunks

BUILD_DIR = os.environ.get("KVSSINK_BUILD_DIR", os.path.join(ROOT, "build"))
PLUGIN_DIR = os.path.join(BUILD_DIR, "gst")
HANG_GUARD_S = 120

# In-process pipelines (PyGObject) must find our plugin too; set before any
# Gst.init() in this process.
os.environ["GST_PLUGIN_PATH"] = PLUGIN_DIR


def gst():
    """The Gst module, initialised."""
    import gi
    gi.require_version("Gst", "1.0")
    from gi.repository import Gst
    Gst.init(None)
    return Gst


class BusRun:
    """Runs a pipeline in-process to EOS or ERROR, collecting messages."""

    def __init__(self, description: str):
        self.Gst = gst()
        self.pipeline = self.Gst.parse_launch(description)
        self.elements: List[dict] = []   # (name, structure as dict)
        self.error: Optional[str] = None

    def run(self, timeout_s: float = HANG_GUARD_S, on_message=None) -> "BusRun":
        Gst = self.Gst
        bus = self.pipeline.get_bus()
        self.pipeline.set_state(Gst.State.PLAYING)
        deadline = Gst.util_get_timestamp() + int(timeout_s * Gst.SECOND)
        try:
            while True:
                remaining = deadline - Gst.util_get_timestamp()
                assert remaining > 0, "pipeline hung"
                msg = bus.timed_pop(remaining)
                if msg is None:
                    continue
                if on_message is not None:
                    on_message(msg)
                if msg.type == Gst.MessageType.ELEMENT:
                    s = msg.get_structure()
                    self.elements.append(structure_dict(s))
                elif msg.type == Gst.MessageType.ERROR:
                    err, dbg = msg.parse_error()
                    self.error = f"{err.message}\n{dbg}"
                    break
                elif msg.type == Gst.MessageType.EOS:
                    break
        finally:
            self.pipeline.set_state(Gst.State.NULL)
        return self

    def messages(self, name: str) -> List[dict]:
        return [m for m in self.elements if m["_name"] == name]


def structure_dict(s) -> dict:
    """A GstStructure as a dict, plus its name under "_name"."""
    out = {"_name": s.get_name()}
    for i in range(s.n_fields()):
        field = s.nth_field_name(i)
        out[field] = s.get_value(field)
    return out


def media(name: str) -> str:
    """Absolute path of a file in ../shared/media; fails if missing."""
    path = os.path.join(MEDIA_DIR, name)
    assert os.path.exists(path), f"missing shared media file {path}"
    return path


def sink_env(extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """Environment for a pipeline: our plugin first, no AWS variables."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AWS_") and k != "CONTROL_PLANE_URI"}
    env["GST_PLUGIN_PATH"] = PLUGIN_DIR
    env.setdefault("GST_DEBUG", "kvssink:4")
    env.update(extra or {})
    return env


def sink_props(kvs: KvsLocal, stream: str, **props) -> str:
    """The kvssink element description for `kvs`, with credentials."""
    base = {
        "stream-name": stream,
        "endpoint-uri": kvs.url,
        "access-key": kvs.access_key,
        "secret-key": kvs.secret_key,
    }
    base.update({k.replace("_", "-"): v for k, v in props.items()})
    args = " ".join(f"{k}={shlex.quote(str(v))}" for k, v in base.items())
    return f"kvssink {args}"


class PipelineResult:
    def __init__(self, returncode: int, output: str):
        self.returncode = returncode
        self.output = output

    def __repr__(self) -> str:
        return f"PipelineResult(rc={self.returncode}, output=...{self.output[-2000:]})"


def run_pipeline(description: str, env: Optional[Dict[str, str]] = None,
                 eos_on_shutdown: bool = True,
                 timeout: float = HANG_GUARD_S) -> PipelineResult:
    """Runs `gst-launch-1.0 [-e] <description>` to completion."""
    cmd = ["gst-launch-1.0"] + (["-e"] if eos_on_shutdown else [])
    cmd += shlex.split(description)
    proc = subprocess.run(cmd, env=env or sink_env(), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True,
                          timeout=timeout)
    return PipelineResult(proc.returncode, proc.stdout)


def ffprobe_count(path: str, stream: str = "v:0",
                  decode: bool = False) -> int:
    """Packets (or decoded frames) of one stream of a media file."""
    entry = "nb_read_frames" if decode else "nb_read_packets"
    flag = "-count_frames" if decode else "-count_packets"
    out = subprocess.run(
        ["ffprobe", "-v", "error", flag, "-select_streams", stream,
         "-show_entries", f"stream={entry}", "-of", "json", path],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        timeout=HANG_GUARD_S, check=True)
    return int(json.loads(out.stdout)["streams"][0][entry])


def gst_decoded_frames(path: str, parse: str = "h264parse",
                       decoder: str = "avdec_h264") -> int:
    """Decodes an MKV's video with matroskademux; returns frames decoded.

    Fails (raises) if the pipeline posts an error.
    """
    import gi
    gi.require_version("Gst", "1.0")
    from gi.repository import Gst
    Gst.init(None)
    pipeline = Gst.parse_launch(
        f"filesrc location={path} ! matroskademux ! {parse} ! {decoder} ! "
        "fakesink name=out signal-handoffs=true sync=false")
    count = [0]
    pipeline.get_by_name("out").connect(
        "handoff", lambda *args: count.__setitem__(0, count[0] + 1))
    pipeline.set_state(Gst.State.PLAYING)
    bus = pipeline.get_bus()
    msg = bus.timed_pop_filtered(
        HANG_GUARD_S * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)
    pipeline.set_state(Gst.State.NULL)
    assert msg is not None, "decode pipeline hung"
    if msg.type == Gst.MessageType.ERROR:
        err, dbg = msg.parse_error()
        raise AssertionError(f"matroskademux pipeline failed: {err.message} {dbg}")
    return count[0]


def read_back(kvs: KvsLocal, stream: str,
              fragment_numbers: Sequence[str], directory: str) -> str:
    """GetMediaForFragmentList for the fragments; returns an .mkv path."""
    client = kvs.boto_client("kinesis-video-archived-media")
    reply = client.get_media_for_fragment_list(
        StreamName=stream, Fragments=list(fragment_numbers))
    path = os.path.join(directory, f"{stream}-readback.mkv")
    with open(path, "wb") as f:
        f.write(reply["Payload"].read())
    return path


def gst_decoded_frames_by_chunk(path: str, directory: str, **kwargs) -> int:
    """gst_decoded_frames() over each MKV chunk of a KVS read-back, summed.

    KVS read-back is one EBML document per fragment; matroskademux reads only
    the first, so each chunk is decoded on its own.
    """
    with open(path, "rb") as f:
        chunks = split_mkv_chunks(f.read())
    assert chunks, f"no MKV chunks in {path}"
    total = 0
    for i, chunk in enumerate(chunks):
        chunk_path = os.path.join(directory, f"chunk-{i}.mkv")
        with open(chunk_path, "wb") as f:
            f.write(chunk)
        total += gst_decoded_frames(chunk_path, **kwargs)
    return total


def assert_fragments_sane(fragments: List[dict]) -> None:
    """Every fragment persisted, with strictly increasing timecodes."""
    assert fragments, "no fragments arrived"
    timecodes = [f["fragment_timecode"] for f in fragments]
    assert timecodes == sorted(set(timecodes)), timecodes
    assert all(f.get("persisted", False) for f in fragments), fragments


def error_acks(kvs: KvsLocal, stream: str) -> List[dict]:
    """The ERROR ACKs kvslocal sent on `stream`."""
    return [a["ack"] for a in kvs.acks(stream)
            if a["ack"].get("EventType") == "ERROR"]
