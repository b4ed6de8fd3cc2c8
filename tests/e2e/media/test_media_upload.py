"""Issue 4: a recorded file longer than replay-duration, uploaded in
real-time mode, loses nothing while it fits in storage.

gst-launch users stream files in the default real-time mode, and a file
plays much faster than real time. When the first PutMedia session starts
late (here: kvslocal fails the first two GetDataEndpoint calls, so the
uploader retries), the whole file is already in the store.
"""
from cases import BY_NAME
from mediautil import kvssink_description, upload
from sinkutil import error_acks


def total_frames(kvs, stream):
    return sum(sum(f["frame_counts"].values()) for f in kvs.fragments(stream))


def test_file_longer_than_replay_duration_loses_nothing(media_kvs):
    media_kvs.add_fault(type="fail_operation", stream="late-session",
                        operation="GetDataEndpoint", count=2, status=500,
                        error_type="InternalFailure")
    case = BY_NAME["rtp-voip-alaw"]
    result = upload(kvssink_description(case, media_kvs, "late-session",
                                        streaming_type="realtime"))
    assert result.error is None, result.error
    assert error_acks(media_kvs, "late-session") == []
    assert result.stats["retries"] >= 1  # The session did start late.
    assert result.stats["dropped-fragments"] == 0
    assert total_frames(media_kvs, "late-session") == 5535
