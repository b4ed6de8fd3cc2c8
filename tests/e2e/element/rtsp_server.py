#!/usr/bin/python3
"""A loopback RTSP server (gst-rtsp-server) that plays files to one client.

    rtsp_server.py MOUNT LAUNCH [MOUNT LAUNCH ...]

Each LAUNCH is a GstRTSPMediaFactory launch line whose payloaders are named
pay0, pay1, ...; it is served at rtsp://127.0.0.1:PORT/MOUNT on a free port.
Media are not shared, so each client plays its file from the start. When the
server listens it prints one URL per mount on stdout, then an empty line,
and serves until SIGTERM or SIGINT. At the end of a file gst-rtsp-server
sends RTCP BYE, and rtspsrc turns that into EOS: a client pipeline ends by
itself.
"""
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def main(argv):
    pairs = argv[1:]
    if not pairs or len(pairs) % 2:
        sys.stderr.write(__doc__)
        return 2
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service("0")
    mounts = server.get_mount_points()
    paths = []
    for mount, launch in zip(pairs[0::2], pairs[1::2]):
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(launch)
        factory.set_shared(False)
        path = "/" + mount.strip("/")
        mounts.add_factory(path, factory)
        paths.append(path)
    if server.attach(None) == 0:
        sys.stderr.write("rtsp_server: can't listen on 127.0.0.1\n")
        return 1
    port = server.get_bound_port()
    for path in paths:
        print(f"rtsp://127.0.0.1:{port}{path}")
    print("", flush=True)
    loop = GLib.MainLoop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signum, loop.quit)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
