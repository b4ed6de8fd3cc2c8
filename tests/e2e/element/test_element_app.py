"""The Python application (examples/kvssink_app.py) against kvslocal: it
adds fragment metadata and sees every message kvssink posts, with typed
fields (issue 6: "A Python (PyGObject) test reads all of them from the
bus").

The main run streams Big Buck Bunny with B-frames (4 s, 4 fragments of 30
frames) at its real pace (sync=true, so there is time for kvssink-stats
every 250 ms) with:
- frame-timestamp=pts-only: DTS then goes backwards at every B-frame, which
  kvssink repairs and reports in kvssink-warning;
- a kvslocal fault that resets the PutMedia connection once the first
  fragment is acknowledged: kvssink reconnects and replays;
- two persistent tags, and a one-shot tag with the key frame's number.
Fatal errors are provoked with a missing stream (allow-create-stream=false),
a wrong secret key, and an ERROR ACK with restart-on-error=false.

Runs are synchronised on bus messages only (the app's main loop ends at EOS
or ERROR); nothing sleeps.
"""
import importlib.util
import os
import subprocess
import urllib.error
from typing import Dict, List

import pytest

from kvslocal_fixture import ROOT, ebml_vint, split_mkv_chunks
from sinkutil import HANG_GUARD_S, media, read_back, sink_env

APP_PATH = os.path.join(ROOT, "examples", "kvssink_app.py")
CLIP = "bbb_h264_high_bpyramid_800x640.mp4"  # 120 frames, IDR every 30.
FRAGMENTS = 4

_spec = importlib.util.spec_from_file_location("kvssink_app", APP_PATH)
app = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(app)


def app_args(kvs, stream: str, *extra: str) -> List[str]:
    return [media(CLIP), "--endpoint", kvs.url, "--stream-name", stream,
            "--access-key", kvs.access_key, "--secret-key", kvs.secret_key,
            *extra]


def run_app(kvs, stream: str, *extra: str):
    lines: List[str] = []
    report = app.run(app.parse_args(app_args(kvs, stream, *extra)),
                     echo=lines.append)
    return report, lines


def in_order(seen: List[str], wanted: List[str]) -> bool:
    """`wanted` is a subsequence of `seen`."""
    it = iter(seen)
    return all(any(s == w for s in it) for w in wanted)


# --- Tags of a GetMediaForFragmentList answer. -------------------------

_MASTERS = {0x18538067, 0x1254C367, 0x7373, 0x67C8}  # Segment Tags Tag SimpleTag
_TAG_NAME, _TAG_STRING = 0x45A3, 0x4487


def mkv_tags(chunk: bytes) -> Dict[str, str]:
    """TagName -> TagString of every SimpleTag in one MKV chunk."""
    tags: Dict[str, str] = {}
    stack = [(0, len(chunk))]
    name = None
    while stack:
        pos, end = stack.pop()
        while pos < end:
            element, id_len = ebml_vint(chunk, pos, True)
            size, size_len = ebml_vint(chunk, pos + id_len, False)
            body = pos + id_len + size_len
            stop = end if size < 0 else body + size
            if element in _MASTERS:
                stack.append((stop, end))  # Resume after this master.
                pos, end = body, stop
                continue
            if element == _TAG_NAME:
                name = chunk[body:stop].decode()
            elif element == _TAG_STRING and name is not None:
                tags[name] = chunk[body:stop].decode()
            pos = stop
    return tags


# --- The runs. -----------------------------------------------------------

def test_app_adds_metadata_and_sees_every_message(kvslocal, tmp_path):
    stream = "app-bus"
    kvslocal.add_fault(type="close_connection", stream=stream,
                       after_fragments=1, mode="reset", count=1)
    report, lines = run_app(
        kvslocal, stream, "--stats-interval", "250",
        "--metadata", "camera=door", "--metadata", "site=lab",
        "--tag-key-frames", "fragment-index",
        "--set", "sync=true", "--set", "frame-timestamp=pts-only")
    assert report.error is None, report.error
    assert report.eos
    stored = kvslocal.fragments(stream)
    by_number = {f["fragment_number"]: f for f in stored}
    timecodes = sorted({f["fragment_timecode"] for f in stored})
    assert len(timecodes) == FRAGMENTS, stored
    assert all(f["persisted"] for f in stored), stored

    # kvssink-fragment-ack: typed, and about what kvslocal stored.
    types = {a["type"] for a in report.acks}
    assert {"BUFFERING", "RECEIVED", "PERSISTED"} <= types, types
    for ack in report.acks:
        if ack["type"] == "IDLE":
            continue
        assert isinstance(ack["fragment-number"], str)
        assert len(ack["fragment-number"]) == 47, ack
        assert isinstance(ack["timecode"], int) and ack["timecode"] > 0, ack
        assert ack["error-id"] == 0, ack
        if ack["type"] != "BUFFERING":  # BUFFERING of a reset connection
            # may name a fragment kvslocal never finished.
            assert ack["fragment-number"] in by_number, ack
            assert ack["timecode"] == \
                by_number[ack["fragment-number"]]["fragment_timecode"], ack
    persisted = [a["timecode"] for a in report.acks
                 if a["type"] == "PERSISTED"]
    assert sorted(set(persisted)) == timecodes, (persisted, timecodes)

    # kvssink-stream-state: every state, in order, each with a reason.
    states = [s["state"] for s in report.states]
    assert in_order(states, ["connecting", "streaming", "reconnecting",
                             "streaming", "draining", "stopped"]), states
    assert states[0] == "connecting" and states[-1] == "stopped", states
    assert all(isinstance(s["reason"], str) and s["reason"]
               for s in report.states), report.states
    reconnect = next(s for s in report.states if s["state"] == "reconnecting")
    assert "PutMedia" in reconnect["reason"], reconnect  # What failed.

    # kvssink-stats every 250 ms over a 4 s stream.
    assert len(report.stats) >= 8, len(report.stats)
    frames_in = [s["frames-in"] for s in report.stats]
    assert all(isinstance(n, int) for n in frames_in), frames_in
    assert frames_in == sorted(frames_in) and frames_in[-1] > 0, frames_in
    assert all(s["stream-name"] == stream for s in report.stats)
    assert max(s["reconnects"] for s in report.stats) == 1, report.stats
    assert {s["state"] for s in report.stats} >= {"streaming"}

    # kvssink-warning: the B-frames' DTS repaired, nothing dropped.
    assert report.warnings, "no kvssink-warning"
    assert any("DTS went backwards" in w["message"]
               for w in report.warnings), report.warnings
    repairs = [w["timestamp-repairs"] for w in report.warnings]
    assert all(isinstance(n, int) for n in repairs), repairs
    assert repairs == sorted(repairs) and repairs[0] > 0, repairs
    assert all(w["dropped-frames"] == 0 and w["dropped-fragments"] == 0
               for w in report.warnings), report.warnings

    # The app printed one line per message kind.
    for prefix in ("ack PERSISTED", "state reconnecting", "stats ",
                   "warning "):
        assert any(line.startswith(prefix) for line in lines), prefix

    # Metadata: persistent tags on every fragment (a replayed one too),
    # fragment n tagged n, in kvslocal's records...
    index_by_timecode = {}
    for f in stored:
        assert f["tags"]["camera"] == "door", f
        assert f["tags"]["site"] == "lab", f
        index_by_timecode[f["fragment_timecode"]] = f["tags"][
            "fragment-index"]
    assert [index_by_timecode[t] for t in timecodes] == \
        [str(n) for n in range(1, FRAGMENTS + 1)], index_by_timecode
    # ... and in what GetMediaForFragmentList returns.
    numbers = [f["fragment_number"] for f in stored]
    with open(read_back(kvslocal, stream, numbers, str(tmp_path)), "rb") as f:
        chunks = split_mkv_chunks(f.read())
    assert len(chunks) == len(stored)
    for number, chunk in zip(numbers, chunks):
        tags = mkv_tags(chunk)
        assert tags["AWS_KINESISVIDEO_FRAGMENT_NUMBER"] == number
        assert tags["camera"] == "door" and tags["site"] == "lab", tags
        assert tags["fragment-index"] == \
            by_number[number]["tags"]["fragment-index"], tags


def test_app_reports_a_missing_stream_with_details(kvslocal):
    report, lines = run_app(kvslocal, "no-such-stream", "--no-create")
    error = report.error
    assert error is not None and error["source"] == "sink", error
    assert error["details"] == {"stream-name": "no-such-stream",
                                "http-status-code": 404,
                                "aws-error-type": "ResourceNotFoundException"}
    assert "allow-create-stream" in error["debug"], error
    # (draining between them when the file ended before DescribeStream
    # answered.)
    states = [s["state"] for s in report.states]
    assert states[0] == "connecting" and states[-1] == "stopped", states
    assert "streaming" not in states, states
    assert "ResourceNotFoundException" in report.states[-1]["reason"]
    assert report.acks == []
    with pytest.raises(urllib.error.HTTPError) as not_found:  # Not created.
        kvslocal.fragments("no-such-stream")
    assert not_found.value.code == 404


def test_app_reports_rejected_credentials_with_details(kvslocal):
    stream = "app-bad-secret"
    lines: List[str] = []
    args = app.parse_args(app_args(kvslocal, stream))
    args.secret_key = "not-" + kvslocal.secret_key
    report = app.run(args, echo=lines.append)
    error = report.error
    assert error is not None and error["source"] == "sink", error
    assert error["details"] == {"stream-name": stream,
                                "http-status-code": 403,
                                "aws-error-type": "InvalidSignatureException"}
    assert kvslocal.secret_key not in "\n".join(lines)
    assert args.secret_key not in "\n".join(lines)


def test_app_reports_an_error_ack_with_its_error_id(kvslocal):
    # A retriable ERROR ACK (5000) is fatal with restart-on-error=false;
    # the ACK itself is a kvssink-fragment-ack of type ERROR.
    stream = "app-error-ack"
    kvslocal.add_fault(type="error_ack", stream=stream, error_id=5000,
                       fragment=2)
    report, _lines = run_app(kvslocal, stream,
                             "--set", "restart-on-error=false")
    error = report.error
    assert error is not None and error["source"] == "sink", error
    assert error["details"] == {"stream-name": stream,
                                "kvs-error-id": 5000}, error
    errors = [a for a in report.acks if a["type"] == "ERROR"]
    assert len(errors) == 1 and errors[0]["error-id"] == 5000, report.acks
    second = kvslocal.fragments(stream)
    assert len(second) == 1, second  # The refused fragment is not stored.
    assert errors[0]["timecode"] > second[0]["fragment_timecode"]
    assert report.states[-1]["state"] == "stopped", report.states
    # The fatal error ended the drain: no EOS follows it (an EOS would
    # tell the application that everything was sent).
    assert not report.eos


def test_app_sees_no_eos_after_a_fatal_error_in_the_drain(kvslocal):
    # The file is read at once, so kvssink is draining (every pad at EOS,
    # waiting for the last ACKs) when the delayed ERROR ACK arrives: the
    # drain ends with the ERROR, and no EOS may follow it.
    stream = "app-error-in-drain"
    kvslocal.add_fault(type="delay_acks", stream=stream, delay_ms=500,
                       event_types=["ERROR"])
    kvslocal.add_fault(type="error_ack", stream=stream, error_id=5000,
                       fragment=1)
    report, _lines = run_app(kvslocal, stream,
                             "--set", "restart-on-error=false")
    assert report.error is not None, report.states
    assert report.error["details"].get("kvs-error-id") == 5000, report.error
    states = [s["state"] for s in report.states]
    assert "draining" in states, states  # The error came during the drain.
    assert states.index("draining") < len(states) - 1, states
    assert not report.eos


def test_a_rejected_fragment_is_a_warning_with_details(kvslocal):
    # A non-retriable ERROR ACK (4006, unparseable MKV) skips the fragment:
    # a GST_MESSAGE_WARNING whose details name the stream, the ErrorId and
    # the fragment; the stream goes on to EOS.
    stream = "app-rejected-fragment"
    kvslocal.add_fault(type="error_ack", stream=stream, error_id=4006,
                       fragment=2)
    warnings = []

    def on_message(msg):
        if msg.type == app.gst().MessageType.WARNING and \
                msg.src.get_name() == "sink":
            details = msg.parse_warning_details()
            warnings.append({details.nth_field_name(i):
                             details.get_value(details.nth_field_name(i))
                             for i in range(details.n_fields())})

    report = app.run(app.parse_args(app_args(kvslocal, stream)),
                     echo=lambda _line: None, on_message=on_message)
    assert report.error is None and report.eos, report.error
    errors = [a for a in report.acks if a["type"] == "ERROR"]
    assert len(errors) == 1, report.acks
    assert warnings == [{"stream-name": stream, "kvs-error-id": 4006,
                         "fragment-timecode": errors[0]["timecode"]}]


def test_app_command_line(kvslocal):
    # The command as a user runs it: exit status 1 and the details printed.
    proc = subprocess.run(
        ["/usr/bin/python3", APP_PATH,
         *app_args(kvslocal, "cli-missing", "--no-create")],
        env=sink_env(), capture_output=True, text=True, timeout=HANG_GUARD_S)
    assert proc.returncode == 1, proc
    out = proc.stdout
    assert "ERROR from sink:" in out, out
    assert "  http-status-code: 404" in out, out
    assert "  aws-error-type: ResourceNotFoundException" in out, out
    assert "  stream-name: cli-missing" in out, out
    assert out.rstrip().endswith("0 fragments PERSISTED, 0 warnings, an ERROR")
    assert kvslocal.secret_key not in proc.stdout + proc.stderr

    proc = subprocess.run(
        ["/usr/bin/python3", APP_PATH, *app_args(kvslocal, "cli-ok"),
         "--metadata", "camera=door", "--quiet"],
        env=sink_env(), capture_output=True, text=True, timeout=HANG_GUARD_S)
    assert proc.returncode == 0, proc
    assert proc.stdout.strip() == \
        f"{FRAGMENTS} fragments PERSISTED, 0 warnings, no error", proc.stdout
    stored = kvslocal.fragments("cli-ok")
    assert [f["tags"] for f in stored] == [{"camera": "door"}] * FRAGMENTS
