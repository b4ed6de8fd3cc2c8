"""The `stats` property and kvssink-stats messages report what happened."""
from sinkutil import BusRun, media, sink_props, structure_dict


def test_stats_property_and_periodic_messages(kvslocal):
    path = media("kvs_h264_high_640x480_25fps_nob.h264")
    run = BusRun(f"filesrc location={path} ! h264parse ! "
                 + sink_props(kvslocal, "stats") + " name=sink")
    sink = run.pipeline.get_by_name("sink")
    before = structure_dict(sink.get_property("stats"))
    assert before["state"] == "idle" and before["frames-in"] == 0
    final = {}

    def snapshot(msg):
        if msg.type == run.Gst.MessageType.EOS:
            final.update(structure_dict(sink.get_property("stats")))

    run.run(on_message=snapshot)
    assert run.error is None, run.error
    fragments = kvslocal.fragments("stats")
    assert final["frames-in"] == 403
    assert final["fragments-created"] == len(fragments) == 9
    assert final["acks-persisted"] == 9
    assert final["acks-received"] == 9
    assert final["acks-error"] == 0
    assert final["dropped-frames"] == 0
    assert final["storage-used-bytes"] == 0  # Everything was freed.
    assert final["storage-size-bytes"] == 128 * 1024 * 1024
    assert final["bytes-sent"] >= final["bytes-in"] > 8_000_000
    assert final["sessions"] == 1 and final["reconnects"] == 0
    # Latencies were measured: each quantile is positive and ordered.
    for name in ("frame-to-socket", "frame-to-received", "frame-to-persisted"):
        p50, p99, top = (final[f"{name}-{q}-ns"] for q in ("p50", "p99", "max"))
        assert 0 < p50 <= p99 <= top, (name, p50, p99, top)


def test_stats_messages_every_interval(kvslocal):
    run = BusRun("videotestsrc is-live=true ! "
                 "video/x-raw,width=320,height=240,framerate=30/1 ! "
                 "x264enc tune=zerolatency speed-preset=ultrafast "
                 "key-int-max=30 ! h264parse ! "
                 + sink_props(kvslocal, "ticks", stats_interval=100))
    ticks = []

    def on_message(msg):
        if msg.type != run.Gst.MessageType.ELEMENT:
            return
        s = structure_dict(msg.get_structure())
        if s["_name"] == "kvssink-stats":
            ticks.append(s)
            if len(ticks) == 3:  # Enough: end the stream.
                run.pipeline.send_event(run.Gst.Event.new_eos())

    run.run(on_message=on_message)
    assert run.error is None, run.error
    assert len(ticks) >= 3
    assert all(t["stream-name"] == "ticks" for t in ticks)
    frames = [t["frames-in"] for t in ticks]
    assert frames == sorted(frames) and frames[-1] > 0
