"""sync=true holds buffers until their running time, so a file streams at its
real pace; without it a file is sent as fast as it can be read."""
from sinkutil import media, run_pipeline, sink_props

BBB = ("filesrc location={path} ! qtdemux name=d d.video_0 ! h264parse")


def arrivals_ahead_ms(fragments):
    """How far each fragment's producer time is ahead of its arrival."""
    return [f["producer_timestamp_ms"] - f["server_timestamp_ms"]
            for f in fragments]


def test_sync_paces_a_file_at_real_time(kvslocal):
    source = BBB.format(path=media("bbb_h264_high_nob_aac_1280x720_10s.mp4"))
    result = run_pipeline(f"{source} ! " + sink_props(kvslocal, "paced",
                                                       sync="true"))
    assert result.returncode == 0, result
    fragments = kvslocal.fragments("paced")
    assert len(fragments) == 4
    # Held until its time, no fragment reaches KVS before its producer
    # timestamp (fragment starts are 2.5 s apart in media time).
    assert max(arrivals_ahead_ms(fragments)) <= 200, arrivals_ahead_ms(fragments)


def test_without_sync_a_file_runs_ahead_of_the_clock(kvslocal):
    source = BBB.format(path=media("bbb_h264_high_nob_aac_1280x720_10s.mp4"))
    result = run_pipeline(f"{source} ! " + sink_props(kvslocal, "fast"))
    assert result.returncode == 0, result
    # The last fragment starts 7.5 s into the file but arrives at once.
    assert max(arrivals_ahead_ms(kvslocal.fragments("fast"))) > 5000
