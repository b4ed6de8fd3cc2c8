"""The golden MKVs (tests/data/golden, written by kvscore/mkv and
regenerated only by scripts/make-golden) read by three independent readers:
matroskademux, ffprobe and mkvinfo. Each must find what manifest.json says
the writer put in: the tracks and their codecs, every frame and key frame,
every cluster. (tests/unit/mkv/golden_test.cc compares the writer's output
with these files byte for byte.)"""
import json
import os
import subprocess

import pytest

from kvslocal_fixture import ROOT
from mediautil import demux_chunk, mkvinfo_frames

GOLDEN_DIR = os.path.join(ROOT, "tests", "data", "golden")
with open(os.path.join(GOLDEN_DIR, "manifest.json")) as f:
    MANIFEST = json.load(f)

FFPROBE_CODEC = {"V_MPEG4/ISO/AVC": "h264", "V_MPEGH/ISO/HEVC": "hevc",
                 "A_AAC": "aac"}
WAVE_TAG = {"pcm_alaw": 6, "pcm_mulaw": 7}


def test_goldens_are_tiny_and_all_listed():
    files = sorted(f for f in os.listdir(GOLDEN_DIR) if f.endswith(".mkv"))
    assert files == sorted(MANIFEST)
    sizes = [os.path.getsize(os.path.join(GOLDEN_DIR, f)) for f in files]
    assert sizes == [MANIFEST[f]["bytes"] for f in files]
    assert sum(sizes) < 50 * 1024


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_matroskademux_reads_every_frame(name):
    facts = MANIFEST[name]
    counts = {"video": 0, "audio": 0}
    pads = []
    for track in facts["tracks"]:
        kind = "video" if track["codec_id"].startswith("V_") else "audio"
        pads.append(f"{kind}_{counts[kind]}")
        counts[kind] += 1
    tracks = demux_chunk(os.path.join(GOLDEN_DIR, name),
                         {p: "identity" for p in pads})
    assert sorted(tracks) == sorted(pads)
    for pad, track in zip(pads, facts["tracks"]):
        frames = tracks[pad].frames
        assert len(frames) == track["frames"]
        assert sum(f.key for f in frames) == track["key_frames"]
        assert frames[0].ts == facts["clusters"][0] * 1_000_000


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_ffprobe_reads_and_decodes_every_frame(name):
    facts = MANIFEST[name]
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-count_packets",
         "-show_entries",
         "stream=codec_name,nb_read_packets,nb_read_frames,width,height,"
         "sample_rate,channels", "-of", "json",
         os.path.join(GOLDEN_DIR, name)],
        capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stderr == "", out.stderr
    streams = json.loads(out.stdout)["streams"]
    assert len(streams) == len(facts["tracks"])
    for stream, track in zip(streams, facts["tracks"]):
        codec = FFPROBE_CODEC.get(track["codec_id"])
        if codec is None:  # A_MS/ACM: the WAVEFORMATEX format tag decides.
            assert stream["codec_name"] in WAVE_TAG
            assert (stream["sample_rate"], stream["channels"]) == ("8000", 1)
        else:
            assert stream["codec_name"] == codec
        assert int(stream["nb_read_packets"]) == track["frames"]
        assert int(stream["nb_read_frames"]) == track["frames"]
        if track["codec_id"].startswith("V_"):
            assert (stream["width"], stream["height"]) == (64, 64)
    tags = {"alaw_audio.mkv": "pcm_alaw", "mulaw_audio.mkv": "pcm_mulaw"}
    if name in tags:
        assert streams[0]["codec_name"] == tags[name]


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_mkvinfo_reads_every_frame_and_cluster(name):
    facts = MANIFEST[name]
    path = os.path.join(GOLDEN_DIR, name)
    tracks = mkvinfo_frames(path)
    assert tracks == {t["number"]: (t["frames"], True)
                      for t in facts["tracks"]}
    out = subprocess.run(["mkvinfo", "-v", path], capture_output=True,
                         text=True, timeout=60).stdout
    assert out.count("|+ Cluster\n") == len(facts["clusters"])
    names = [line.split("+ Name: ", 1)[1] for line in out.splitlines()
             if "+ Name: " in line]
    # Track names, the metadata tags, then the end-of-fragment tag.
    assert names[-1] == "AWS_KINESISVIDEO_END_OF_FRAGMENT"
    assert len(names) == len(facts["tracks"]) + facts["metadata_tags"] + 1
    for track in facts["tracks"]:
        assert f"Codec ID: {track['codec_id']}" in out
