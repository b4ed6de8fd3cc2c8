#!/usr/bin/python3
"""kvssink_app: a PyGObject application that streams into kvssink, adds
fragment metadata and follows everything the element reports on the bus.

    examples/kvssink_app.py ../shared/media/bbb_h264_high_bpyramid_800x640.mp4 \\
        --endpoint http://127.0.0.1:4567 --stream-name cam \\
        --access-key AKIAIOSFODNN7EXAMPLE \\
        --secret-key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY \\
        --metadata camera=door --tag-key-frames fragment-index \\
        --set sync=true

Input: a media file (MP4/MOV, MKV/WebM, FLV, MPEG-TS: its video track; raw
.h264/.h265 Annex-B) or, with --launch, a gst-launch description of the
source: either ending in a parser (the app appends `! kvssink name=sink`) or
containing `kvssink name=sink` itself (A/V: `... ! sink. ... ! sink.`).

Metadata: kvssink takes fragment metadata from a custom downstream event
named `kvs-add-metadata` with fields name (string), value (string) and
persist (boolean), as AWS's kvssink does. A tag is stored with the next
fragment; a persistent one with every fragment from then on. The app sends
each --metadata NAME=VALUE as persistent before the first frame, and with
--tag-key-frames NAME a one-shot tag NAME=<n> before the n-th video key frame
(so fragment n carries it). It sends them from a probe on kvssink's sink pad,
on the streaming thread: the event is then ordered with the frames.

Bus messages followed (all documented by `gst-inspect-1.0 kvssink`):
  kvssink-fragment-ack  type (BUFFERING, RECEIVED, PERSISTED, ERROR, IDLE),
                        fragment-number (string), timecode (gint64, ms),
                        error-id (gint)
  kvssink-stream-state  state (connecting, streaming, reconnecting, draining,
                        stopped), reason (string)
  kvssink-stats         every --stats-interval ms: the `stats` property's
                        fields (frames-in, bytes-sent, acks-persisted, ...)
  kvssink-warning       timestamp repairs, drops and pressure (at most one a
                        second): message, timestamp-repairs, dropped-frames,
                        dropped-fragments, forced-cuts (guint64)
  ERROR                 fatal; its details structure has http-status-code,
                        kvs-error-id, aws-error-type and stream-name where
                        known.
Each is printed as one line. After EOS or ERROR the app stops the pipeline
through READY first, so that the stream's last messages (e.g. `stopped`)
are read before NULL flushes the bus.

Exit status: 0 after EOS with no ERROR, 1 after an ERROR or for an input
that cannot be used, 2 for bad options.
Live sources (--launch with a camera) run until Ctrl-C, which sends EOS;
--duration S sends EOS after S seconds (a main-loop timer).

Needs Debian's python3-gi and gir1.2-gstreamer-1.0, and the plugin: run from
a build tree (./build/gst is added to GST_PLUGIN_PATH) or install it. The
functions build_pipeline() and run() are used by
tests/e2e/element/test_element_app.py.
"""
import argparse
import os
import shlex
import signal
import sys
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

DEMUXERS = {".mp4": "qtdemux", ".mov": "qtdemux", ".m4v": "qtdemux",
            ".mkv": "matroskademux", ".webm": "matroskademux",
            ".flv": "flvdemux", ".ts": "tsdemux"}


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Stream into kvssink, add fragment metadata and print "
                    "every message kvssink posts.")
    parser.add_argument("input", nargs="?", help="media file to stream")
    parser.add_argument("--launch", help="gst-launch description of the "
                        "source (ending in a parser), or of the whole "
                        "pipeline with `kvssink name=sink`")
    parser.add_argument("--h265", action="store_true",
                        help="the file's video is H.265 (h265parse)")
    parser.add_argument("--endpoint", help="control-plane URL (kvssink "
                        "endpoint-uri), e.g. http://127.0.0.1:4567 for "
                        "kvslocal; default: the region's KVS endpoint")
    parser.add_argument("--stream-name", default="kvssink-app")
    parser.add_argument("--region", help="aws-region")
    parser.add_argument("--access-key", help="default: AWS_ACCESS_KEY_ID")
    parser.add_argument("--secret-key", help="default: AWS_SECRET_ACCESS_KEY")
    parser.add_argument("--session-token", help="for temporary credentials")
    parser.add_argument("--no-create", action="store_true",
                        help="fail if the stream does not exist "
                        "(allow-create-stream=false)")
    parser.add_argument("--stats-interval", type=int, default=1000,
                        help="ms between kvssink-stats messages; 0 = none")
    parser.add_argument("--metadata", action="append", default=[],
                        metavar="NAME=VALUE",
                        help="persistent fragment metadata (repeatable)")
    parser.add_argument("--tag-key-frames", metavar="NAME",
                        help="one-shot tag NAME=<n> on the n-th fragment")
    parser.add_argument("--set", action="append", default=[],
                        metavar="PROP=VALUE",
                        help="any other kvssink property (repeatable)")
    parser.add_argument("--duration", type=float,
                        help="send EOS after this many seconds")
    parser.add_argument("--quiet", action="store_true",
                        help="print only the summary")
    args = parser.parse_args(argv)
    if bool(args.input) == bool(args.launch):
        parser.error("give a media file or --launch, not both")
    for item in args.metadata + args.set:
        if "=" not in item:
            parser.error(f"{item!r}: expected NAME=VALUE")
    return args


def gst():
    """The initialised Gst module, with ./build/gst on the plugin path when
    run from a source tree."""
    build = os.path.join(ROOT, "build", "gst")
    if os.path.isdir(build) and "GST_PLUGIN_PATH" not in os.environ:
        os.environ["GST_PLUGIN_PATH"] = build
    import gi
    gi.require_version("Gst", "1.0")
    from gi.repository import Gst
    Gst.init(None)
    return Gst


def source_description(args: argparse.Namespace) -> str:
    """The pipeline description, with kvssink named `sink`."""
    if args.launch:
        if "kvssink" in args.launch:
            return args.launch
        return f"{args.launch} ! kvssink name=sink"
    path = args.input
    if not os.path.exists(path):
        raise SystemExit(f"kvssink_app: no such file: {path}")
    location = shlex.quote(os.path.abspath(path))
    ext = os.path.splitext(path)[1].lower()
    parse = "h265parse" if args.h265 or ext in (".h265", ".hevc") \
        else "h264parse"
    if ext in (".h264", ".264", ".h265", ".hevc"):
        return f"filesrc location={location} ! {parse} ! kvssink name=sink"
    if ext not in DEMUXERS:
        raise SystemExit(f"kvssink_app: no demuxer for {ext} files; use "
                         "--launch")
    # `d. ! parser`: the demuxer pad whose caps the parser accepts.
    return (f"filesrc location={location} ! {DEMUXERS[ext]} name=d "
            f"d. ! {parse} ! kvssink name=sink")


def metadata_event(Gst, name: str, value: str, persist: bool):
    """The `kvs-add-metadata` custom downstream event."""
    s = Gst.Structure.new_empty("kvs-add-metadata")
    s.set_value("name", name)
    s.set_value("value", value)
    s.set_value("persist", bool(persist))
    return Gst.Event.new_custom(Gst.EventType.CUSTOM_DOWNSTREAM, s)


def build_pipeline(Gst, args: argparse.Namespace):
    """(pipeline, sink): the pipeline with kvssink configured from `args`
    and the metadata probe installed."""
    pipeline = Gst.parse_launch(source_description(args))
    sink = pipeline.get_by_name("sink")
    if sink is None or sink.get_factory().get_name() != "kvssink":
        raise SystemExit("kvssink_app: the pipeline needs `kvssink name=sink`")
    props = {"stream-name": args.stream_name,
             "endpoint-uri": args.endpoint, "aws-region": args.region,
             "access-key": args.access_key, "secret-key": args.secret_key,
             "session-token": args.session_token,
             "stats-interval": args.stats_interval}
    if args.no_create:
        props["allow-create-stream"] = False
    for name, value in props.items():
        if value is not None:
            sink.set_property(name, value)
    for item in args.set:  # Strings as gst-launch takes them.
        name, value = item.split("=", 1)
        Gst.util_set_object_arg(sink, name, value)
    add_metadata_probe(Gst, sink, args)
    return pipeline, sink


def add_metadata_probe(Gst, sink, args: argparse.Namespace) -> None:
    persistent = [item.split("=", 1) for item in args.metadata]
    key_frames = [0]
    started = [False]

    def on_buffer(pad, info):
        if not started[0]:
            started[0] = True
            for name, value in persistent:
                pad.send_event(metadata_event(Gst, name, value, True))
        buf = info.get_buffer()
        if args.tag_key_frames and \
                not buf.has_flags(Gst.BufferFlags.DELTA_UNIT):
            key_frames[0] += 1
            pad.send_event(metadata_event(
                Gst, args.tag_key_frames, str(key_frames[0]), False))
        return Gst.PadProbeReturn.OK

    def watch(_element, pad):
        if pad.get_name().startswith("video"):
            pad.add_probe(Gst.PadProbeType.BUFFER, on_buffer)

    if persistent or args.tag_key_frames:
        sink.connect("pad-added", watch)
        for pad in sink.sinkpads:
            watch(sink, pad)


# --- What the bus says. -----------------------------------------------


def fields(s) -> Dict[str, object]:
    """A GstStructure's fields as Python values."""
    return {s.nth_field_name(i): s.get_value(s.nth_field_name(i))
            for i in range(s.n_fields())}


@dataclass
class Report:
    """Everything the app saw, in order, with typed fields."""
    acks: List[dict] = field(default_factory=list)
    states: List[dict] = field(default_factory=list)
    stats: List[dict] = field(default_factory=list)
    warnings: List[dict] = field(default_factory=list)
    # The first ERROR: source, message, debug, domain, code, details.
    error: Optional[dict] = None
    eos: bool = False


def on_element_message(s, report: Report, echo: Callable[[str], None]):
    name = s.get_name()
    if name == "kvssink-fragment-ack":
        ack = {"type": s.get_string("type"),
               "fragment-number": s.get_string("fragment-number"),
               "timecode": s.get_int64("timecode")[1],
               "error-id": s.get_int("error-id")[1]}
        report.acks.append(ack)
        if ack["type"] != "IDLE":
            echo(f"ack {ack['type']:<9} fragment {ack['fragment-number']} "
                 f"timecode {ack['timecode']} ms"
                 + (f" ErrorId {ack['error-id']}"
                    if ack["type"] == "ERROR" else ""))
    elif name == "kvssink-stream-state":
        state = {"state": s.get_string("state"),
                 "reason": s.get_string("reason")}
        report.states.append(state)
        echo(f"state {state['state']}: {state['reason']}")
    elif name == "kvssink-stats":
        stats = fields(s)
        report.stats.append(stats)
        echo(f"stats {stats['state']}: {stats['frames-in']} frames in, "
             f"{stats['bytes-sent']} bytes sent, "
             f"{stats['acks-persisted']} persisted, "
             f"{stats['reconnects']} reconnects")
    elif name == "kvssink-warning":
        warning = {"message": s.get_string("message").strip()}
        for key in ("timestamp-repairs", "dropped-frames",
                    "dropped-fragments", "forced-cuts"):
            warning[key] = s.get_uint64(key)[1]
        report.warnings.append(warning)
        echo(f"warning {warning['message']} (repairs "
             f"{warning['timestamp-repairs']}, dropped frames "
             f"{warning['dropped-frames']})")


def on_error(Gst, msg, report: Report, echo: Callable[[str], None]):
    """Keeps the first ERROR: the cause. Upstream elements follow it with
    their own ("streaming stopped, reason error"), printed only."""
    err, debug = msg.parse_error()
    details = msg.parse_error_details()
    error = {"source": msg.src.get_name(), "message": err.message,
             "debug": debug, "domain": err.domain, "code": err.code,
             "details": fields(details) if details else {}}
    if report.error is None:
        report.error = error
        echo(f"ERROR from {error['source']}: {err.message}")
        for key, value in error["details"].items():
            echo(f"  {key}: {value}")
        if debug:
            echo(f"  ({debug})")
    else:
        echo(f"then ERROR from {error['source']}: {err.message}")


def run(args: argparse.Namespace, echo: Callable[[str], None] = print,
        on_message: Optional[Callable] = None) -> Report:
    """Builds the pipeline, plays it to EOS or ERROR while printing every
    kvssink message, stops it and returns what was seen. `on_message`
    (bus message -> None) sees every message first."""
    Gst = gst()
    from gi.repository import GLib
    pipeline, _sink = build_pipeline(Gst, args)
    report = Report()
    loop = GLib.MainLoop()

    def on_bus(_bus, msg):
        if on_message is not None:
            on_message(msg)
        if msg.type == Gst.MessageType.ELEMENT:
            on_element_message(msg.get_structure(), report, echo)
        elif msg.type == Gst.MessageType.WARNING:
            warn, _debug = msg.parse_warning()
            echo(f"GStreamer warning from {msg.src.get_name()}: "
                 f"{warn.message}")
        elif msg.type == Gst.MessageType.ERROR:
            on_error(Gst, msg, report, echo)
            loop.quit()
        elif msg.type == Gst.MessageType.EOS:
            report.eos = True
            echo("end of stream" if report.error else
                 "end of stream: every fragment acknowledged")
            loop.quit()

    bus = pipeline.get_bus()
    bus.add_signal_watch()
    handler = bus.connect("message", on_bus)

    def send_eos():
        pipeline.send_event(Gst.Event.new_eos())
        return GLib.SOURCE_CONTINUE  # Ctrl-C again: another EOS.

    def end_of_duration():
        timers.pop("duration")
        send_eos()
        return GLib.SOURCE_REMOVE

    timers = {"sigint": GLib.unix_signal_add(GLib.PRIORITY_DEFAULT,
                                             signal.SIGINT, send_eos)}
    if args.duration:
        timers["duration"] = GLib.timeout_add(int(args.duration * 1000),
                                              end_of_duration)
    failed = False
    try:
        # A refused start (bad settings) posts its ERROR before returning
        # FAILURE; it is read below.
        failed = pipeline.set_state(Gst.State.PLAYING) == \
            Gst.StateChangeReturn.FAILURE
        if not failed:
            loop.run()
    finally:
        for timer in timers.values():
            GLib.source_remove(timer)
        # READY stops the stream (its last messages are posted by then);
        # read them before NULL flushes the bus.
        pipeline.set_state(Gst.State.READY)
        while True:
            msg = bus.pop()
            if msg is None:
                break
            on_bus(bus, msg)
        bus.disconnect(handler)
        bus.remove_signal_watch()
        pipeline.set_state(Gst.State.NULL)
    if failed and report.error is None:
        report.error = {"source": None, "message": "the pipeline cannot play",
                        "debug": None, "domain": None, "code": None,
                        "details": {}}
        echo("ERROR: the pipeline cannot play")
    return report


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    echo = (lambda _line: None) if args.quiet else print
    report = run(args, echo)
    persisted = sum(1 for a in report.acks if a["type"] == "PERSISTED")
    print(f"{persisted} fragments PERSISTED, {len(report.warnings)} "
          f"warnings, {'an ERROR' if report.error else 'no error'}")
    return 1 if report.error else 0


if __name__ == "__main__":
    sys.exit(main())
