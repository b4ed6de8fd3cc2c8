"""Issue 6: the offline upload of a recorded file at its own time
(streaming-type=offline, file-start-time).

Big Buck Bunny (10 s, H.264 with AAC) is demuxed into kvssink's video and
audio pads in gst-launch-1.0. Producer time must be file-start-time plus
the file's own timeline, in kvslocal's records and in what reads back; every
frame of both tracks must be PERSISTED and read back.
"""
import time

import pytest

from elementkit import (assert_round_trip, media, read_back_tags,
                        stored_frames)
from sinkutil import run_pipeline, sink_props

BBB = "bbb_h264_high_nob_aac_1280x720_10s.mp4"  # 240 frames, 4 GOPs; 431 AAC.


def av_pipeline(source: str, sink: str, video: str, audio: str) -> str:
    """`source` demuxes into d; the video branch is linked first (parsed,
    so its caps pick the video pad), then the audio branch joins with k."""
    return (f"{source} name=d {video} ! {sink} name=k {audio} ! k.")


def offline_upload(kvs, stream: str, start_s: int,
                   audio_queue: str = "queue", **props) -> None:
    source = f"filesrc location={media(BBB)} ! qtdemux"
    sink = sink_props(kvs, stream, streaming_type="offline",
                      file_start_time=start_s, **props)
    result = run_pipeline(av_pipeline(
        source, sink, "d.video_0 ! queue ! h264parse",
        f"d.audio_0 ! {audio_queue} ! aacparse"))
    assert result.returncode == 0, result


def test_offline_upload_at_file_start_time(kvslocal, tmp_path):
    # A recording made an hour ago (within KVS's limits: producer time may
    # be in the past, not more than 5 minutes in the future).
    start_s = int(time.time()) - 3600
    offline_upload(kvslocal, "recorded", start_s)
    fragments = assert_round_trip(kvslocal, "recorded", str(tmp_path),
                                  video_frames=240, audio_frames=431)
    # The file's IDRs are at 0, 2.5, 5 and 7.5 s of its own timeline.
    expected = [start_s * 1000 + 2500 * i for i in range(4)]
    assert [f["producer_timestamp_ms"] for f in fragments] == expected
    assert [f["fragment_timecode"] for f in fragments] == expected
    tags = read_back_tags(kvslocal, "recorded", fragments, str(tmp_path))
    assert [round(float(t["AWS_KINESISVIDEO_PRODUCER_SIDE_TIMESTAMP"]) * 1000)
            for t in tags] == expected


# Regression: KvsStream::PutFrame waited for room for the incoming frame
# only; the frames the interleaver held back for the other track were then
# refused by the store (dropped to the next key frame). The store now waits
# in AppendFrame too (ContentStore::AppendFrame, offline).
def test_offline_upload_blocks_when_storage_is_small(kvslocal, tmp_path):
    # 1 MiB holds one of the file's ~0.7 MB fragments: offline mode must
    # wait for each PERSISTED (sent 1 s late here) before it takes more of
    # the file. The audio queue holds 2 s back, so the video thread runs
    # ahead and its frames wait in kvssink's interleaver for audio.
    kvslocal.add_fault(type="delay_acks", stream="small-store",
                       delay_ms=1000, event_types=["PERSISTED"])
    lagging_audio = ("queue max-size-time=0 max-size-bytes=0 "
                     "max-size-buffers=0 min-threshold-time=2000000000")
    offline_upload(kvslocal, "small-store", int(time.time()) - 3600,
                   audio_queue=lagging_audio, storage_size=1)
    fragments = kvslocal.fragments("small-store")
    assert [f["frame_counts"].get("1") for f in fragments] == [60] * 4
    assert [f["frame_counts"].get("2") for f in fragments] == [
        106, 108, 108, 109]
