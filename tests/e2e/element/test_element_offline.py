"""Issue 6: audio and video from files, and the offline upload of a recorded
file at its own time (file-start-time).

Each file of ../shared/media is demuxed into kvssink's video and audio pads
in gst-launch-1.0; every fragment must be PERSISTED and every frame of both
tracks read back (GetMediaForFragmentList, counted by FFmpeg).
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


CASES = [
    # (id, file, demuxer, video branch, audio branch, video, audio frames)
    ("mp4-h264-aac", BBB, "qtdemux", "d.video_0 ! queue ! h264parse",
     "d.audio_0 ! queue ! aacparse", 240, 431),
    # The FLV is truncated inside its last video tag: h264parse drops that
    # incomplete frame, so 60 of its 61 video frames are whole. A-law has
    # no parser: the capsfilter makes gst-launch link it to an audio pad.
    ("flv-h264-alaw", "ipcam_h264_main_1280x720_g711a.flv", "flvdemux",
     "d.video ! queue ! h264parse", "d.audio ! queue ! audio/x-alaw", 60, 60),
    # H.265 with B-frames (PTS != DTS) and AAC, from MPEG-TS.
    ("ts-h265-aac", "cartoon_h265_main_bframes_aac_388x300.ts", "tsdemux",
     "d. ! queue ! h265parse", "d. ! queue ! aacparse", 134, 369),
]


@pytest.mark.parametrize("name,filename,demux,video,audio,frames,samples",
                         CASES, ids=[c[0] for c in CASES])
def test_audio_and_video_from_a_file(kvslocal, tmp_path, name, filename,
                                     demux, video, audio, frames, samples):
    source = f"filesrc location={media(filename)} ! {demux}"
    result = run_pipeline(av_pipeline(source, sink_props(kvslocal, name),
                                      video, audio))
    assert result.returncode == 0, result
    fragments = assert_round_trip(kvslocal, name, str(tmp_path),
                                  video_frames=frames, audio_frames=samples)
    # Both tracks are in every fragment (KVS's 4011 rule for A/V streams).
    assert all(f["frame_counts"].get("2", 0) > 0 for f in fragments)


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


@pytest.mark.xfail(strict=True, reason=(
    "bug: offline A/V with a store smaller than the file loses frames "
    "instead of blocking. KvsStream::PutFrame (kvscore/stream/"
    "kvs_stream.cc:107) waits for room for the incoming frame only, then "
    "the interleaver also writes the other track's frames it held; the "
    "store refuses one (ContentStore::AppendFrame), the rest of the "
    "fragment is skipped to the next key frame, sometimes a whole "
    "fragment's audio, and dropped-frames counts only 2"))
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
