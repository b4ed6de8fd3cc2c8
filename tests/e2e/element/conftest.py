"""Fixtures of the element suite (issue 6): a local RTSP server serving
../shared/media, shared by the tests of a module."""
import pytest

from elemutil import RtspServer
from sinkutil import media

BBB = "bbb_h264_high_nob_aac_1280x720_10s.mp4"


def bbb_mounts() -> dict:
    """Big Buck Bunny re-payloaded without re-encoding: ``video`` (H.264
    only, pay0) and ``av`` (H.264 pay0 + AAC pay1)."""
    path = media(BBB)
    demux = f"filesrc location={path} ! qtdemux name=d"
    video = "d.video_0 ! queue ! h264parse ! rtph264pay name=pay0 pt=96"
    audio = "d.audio_0 ! queue ! aacparse ! rtpmp4gpay name=pay1 pt=97"
    return {"video": f"( {demux} {video} )",
            "av": f"( {demux} {video} {audio} )"}


@pytest.fixture(scope="module")
def rtsp():
    """rtsp://127.0.0.1:PORT/{video,av}: bbb (10 s, 240 frames, 431 AAC
    frames) at its real pace, from the start for every client."""
    with RtspServer(bbb_mounts()) as server:
        yield server.urls
