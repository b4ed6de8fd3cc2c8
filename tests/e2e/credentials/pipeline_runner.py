"""Runs one pipeline in this process and prints what its bus said, as JSON.

    /usr/bin/python3 pipeline_runner.py '<gst-launch description>' [timeout_s]

Properties given as JSON in $CRED_TEST_SET_PROPERTIES are set on every
kvssink with g_object_set after parsing, as an application embedding the
element does, so secrets need not be in the description (GStreamer's own
parser logs the description at GST_DEBUG levels >= DEBUG).

The credential tests run each pipeline in a child process (its own
environment, its own network thread, its own GST_DEBUG log on stderr) through
this script. It runs the pipeline to EOS or to the first ERROR, then stops
it and drains the bus, so every ERROR the pipeline posted is counted, not
just the first. Stdout is one JSON object:

    {"result": "eos" | "error" | "timeout",
     "errors":   [{"source", "message", "debug", "details"}],
     "warnings": [{"source", "message", "debug"}],
     "elements": [serialized element-message structures],
     "sink": {"secret-key": ..., "session-token": ...}   # what the getters give
    }
"""
import json
import os
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GObject, Gst  # noqa: E402

SECRET_PROPERTIES = ("secret-key", "session-token")


def describe(msg, parse):
    err, debug = parse()
    out = {"source": msg.src.get_name() if msg.src else None,
           "message": err.message, "debug": debug}
    if msg.type == Gst.MessageType.ERROR:
        details = msg.parse_error_details()
        out["details"] = details.to_string() if details is not None else None
    return out


def kvssinks(pipeline):
    return [e for e in iterator_items(pipeline.iterate_elements())
            if e.get_factory() is not None and e.get_factory().get_name() == "kvssink"]


def set_properties(pipeline):
    values = json.loads(os.environ.get("CRED_TEST_SET_PROPERTIES", "{}"))
    for element in kvssinks(pipeline):
        for name, value in values.items():
            element.set_property(name, value)


def secret_getters(pipeline):
    """What reading the secret properties of each kvssink gives (None when
    the property cannot be read at all, as a write-only property)."""
    out = {}
    for element in kvssinks(pipeline):
        for name in SECRET_PROPERTIES:
            spec = element.find_property(name)
            readable = bool(spec.flags & GObject.ParamFlags.READABLE) if spec else False
            value = None
            if readable:
                value = element.get_property(name)
            out[name] = {"readable": readable, "value": value}
    return out


def iterator_items(iterator):
    items = []
    while True:
        result, item = iterator.next()
        if result == Gst.IteratorResult.OK:
            items.append(item)
        elif result == Gst.IteratorResult.RESYNC:
            iterator.resync()
            items = []
        else:
            return items


def handle(msg, report):
    if msg.type == Gst.MessageType.ERROR:
        report["errors"].append(describe(msg, msg.parse_error))
    elif msg.type == Gst.MessageType.WARNING:
        report["warnings"].append(describe(msg, msg.parse_warning))
    elif msg.type == Gst.MessageType.ELEMENT and msg.get_structure() is not None:
        report["elements"].append(msg.get_structure().to_string())


def main():
    description = sys.argv[1]
    timeout_s = float(sys.argv[2]) if len(sys.argv) > 2 else 120.0
    Gst.init(None)
    pipeline = Gst.parse_launch(description)
    report = {"result": "timeout", "errors": [], "warnings": [], "elements": []}
    set_properties(pipeline)
    report["sink"] = secret_getters(pipeline)
    bus = pipeline.get_bus()
    pipeline.set_state(Gst.State.PLAYING)
    deadline = Gst.util_get_timestamp() + int(timeout_s * Gst.SECOND)
    while True:
        remaining = deadline - Gst.util_get_timestamp()
        if remaining <= 0:
            break
        msg = bus.timed_pop(remaining)
        if msg is None:
            continue
        handle(msg, report)
        if msg.type == Gst.MessageType.ERROR:
            report["result"] = "error"
            break
        if msg.type == Gst.MessageType.EOS:
            report["result"] = "eos"
            break
    pipeline.set_state(Gst.State.NULL)
    while True:  # What was posted before the pipeline stopped.
        msg = bus.pop()
        if msg is None:
            break
        handle(msg, report)
    json.dump(report, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
