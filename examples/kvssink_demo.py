#!/usr/bin/python3
"""kvssink demo: stream video into a local KVS (kvslocal) and watch the ACKs.

Starts kvslocal on a free loopback port, builds a pipeline ending in kvssink,
prints every fragment acknowledgement as the element posts it
(kvssink-fragment-ack messages), and ends with the number of fragments
PERSISTED. Input, in order of preference:

  1. the file given on the command line (MP4/MOV, MKV, FLV, MPEG-TS, or a raw
     .h264 Annex-B stream);
  2. the camera at /dev/video0, if there is one (encoded with x264enc);
  3. videotestsrc encoded with x264enc.

Live sources run for --duration seconds (default 10), then get EOS.

Usage: examples/kvssink_demo.py [INPUT] [--duration S] [--stream-name NAME]
Needs the plugin built in ./build (scripts/demo does that) and Debian's
python3-gi, gir1.2-gstreamer-1.0 and python3-aiohttp/botocore (kvslocal).
"""
import argparse
import json
import os
import shlex
import signal
import subprocess
import sys
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"  # kvslocal's documented defaults.
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

DEMUXERS = {".mp4": "qtdemux", ".mov": "qtdemux", ".m4v": "qtdemux",
            ".mkv": "matroskademux", ".webm": "matroskademux",
            ".flv": "flvdemux", ".ts": "tsdemux"}


def source_for(path):
    """(pipeline source ending in an H.264 parser, is_live, label)."""
    if path:
        if not os.path.exists(path):
            sys.exit(f"demo: no such file: {path}")
        ext = os.path.splitext(path)[1].lower()
        location = shlex.quote(os.path.abspath(path))
        if ext in (".h264", ".264"):
            return f"filesrc location={location} ! h264parse", False, path
        if ext not in DEMUXERS:
            sys.exit(f"demo: don't know how to demux {ext} files; use one of "
                     f"{', '.join(sorted(DEMUXERS))} or .h264")
        return (f"filesrc location={location} ! {DEMUXERS[ext]} name=demux "
                "demux. ! queue ! h264parse", False, path)
    encode = ("videoconvert ! x264enc tune=zerolatency speed-preset=ultrafast "
              "key-int-max=30 bitrate=2000 ! h264parse")
    if os.path.exists("/dev/video0"):
        return (f"v4l2src device=/dev/video0 do-timestamp=true ! {encode}",
                True, "camera /dev/video0")
    return (f"videotestsrc is-live=true pattern=ball ! "
            f"video/x-raw,width=640,height=480,framerate=30/1 ! {encode}",
            True, "videotestsrc (no input file, no camera)")


def start_kvslocal():
    proc = subprocess.Popen(
        ["/usr/bin/python3", os.path.join(ROOT, "emulator", "kvslocal"),
         "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline().strip()
    if not line.startswith("kvslocal listening on "):
        proc.kill()
        sys.exit("demo: kvslocal did not start")
    return proc, line.split("kvslocal listening on ", 1)[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("input", nargs="?", help="media file to stream")
    parser.add_argument("--duration", type=float, default=10.0,
                        help="seconds to stream a live source (default 10)")
    parser.add_argument("--stream-name", default="kvssink-demo")
    args = parser.parse_args()

    os.environ["GST_PLUGIN_PATH"] = os.path.join(ROOT, "build", "gst")
    import gi
    gi.require_version("Gst", "1.0")
    from gi.repository import GLib, Gst
    Gst.init(None)
    if Gst.ElementFactory.find("kvssink") is None:
        sys.exit("demo: kvssink not found in ./build/gst; run scripts/demo")

    kvslocal, url = start_kvslocal()
    source, live, label = source_for(args.input)
    description = (f"{source} ! kvssink name=sink stream-name={args.stream_name} "
                   f"endpoint-uri={url} access-key={ACCESS_KEY} "
                   f"secret-key={SECRET_KEY}")
    print(f"kvslocal: {url}")
    print(f"input:    {label}")
    print(f"pipeline: {description.replace(SECRET_KEY, '<secret>')}\n")

    pipeline = Gst.parse_launch(description)
    loop = GLib.MainLoop()
    state = {"persisted": 0, "errors": 0, "failed": None}

    def on_message(bus, message):
        if message.type == Gst.MessageType.ELEMENT:
            s = message.get_structure()
            if s.get_name() == "kvssink-fragment-ack":
                kind = s.get_string("type")
                if kind == "IDLE":
                    return
                print(f"  fragment {s.get_int64('timecode')[1]} ms: {kind}"
                      + (f" (ErrorId {s.get_int('error-id')[1]})"
                         if kind == "ERROR" else ""))
                state["persisted"] += kind == "PERSISTED"
                state["errors"] += kind == "ERROR"
            elif s.get_name() == "kvssink-stream-state":
                print(f"stream state: {s.get_string('state')}")
        elif message.type == Gst.MessageType.ERROR:
            err, debug = message.parse_error()
            state["failed"] = f"{err.message}\n{debug or ''}"
            loop.quit()
        elif message.type == Gst.MessageType.EOS:
            loop.quit()

    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_message)
    if live:
        GLib.timeout_add(int(args.duration * 1000),
                         lambda: pipeline.send_event(Gst.Event.new_eos()) and False)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT,
                         lambda: pipeline.send_event(Gst.Event.new_eos()) or True)
    pipeline.set_state(Gst.State.PLAYING)
    loop.run()
    pipeline.set_state(Gst.State.NULL)

    with urllib.request.urlopen(
            f"{url}/_kvslocal/streams/{args.stream_name}/fragments") as resp:
        stored = json.load(resp)["fragments"]
    kvslocal.terminate()
    kvslocal.wait()
    if state["failed"]:
        print(f"\nFAILED: {state['failed']}")
        return 1
    frames = sum(sum(f["frame_counts"].values()) for f in stored)
    print(f"\n{state['persisted']} fragments PERSISTED "
          f"({len(stored)} stored by kvslocal, {frames} frames, "
          f"{state['errors']} errors)")
    return 0 if state["persisted"] > 0 and state["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
