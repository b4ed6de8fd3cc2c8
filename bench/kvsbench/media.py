"""Frame files: encoded frames extracted once, before any measurement.

Every scenario pushes frames from a frame file (format: bench/frame_cache.h)
so that nothing parses or encodes media while kvssink is measured. Frame
files are cached under BUILD/bench-cache and rebuilt when their source file
or recipe changes.

Recipes:
  real   kvs_h264_high_640x480_25fps_nob.h264, a real camera's H.264 (High,
         640x480, 25 fps, ~4 Mbps, GOP 43-45), only re-framed from Annex-B
         to AVC by h264parse: the bytes are the camera's.
  cam4m  the same footage decoded and re-encoded once with x264enc at
         3333 kbit/s at 25 fps, then played at 30 fps: 4 Mbps at 30 fps,
         GOP 60 (2 s), no B-frames; 360 frames, so it loops on a GOP.
  cam2m  the same at 2 Mbps (1667 kbit/s at 25 fps), for many cameras.
"""
from __future__ import annotations

import hashlib
import os
import re
import struct

SOURCE = "kvs_h264_high_640x480_25fps_nob.h264"
AVC = "video/x-h264,stream-format=avc,alignment=au"

# name -> (encoder description or None, output fps, frames kept or None)
RECIPES = {
    "real": (None, None, None),
    "cam4m": ("x264enc bitrate=3333 key-int-max=60 bframes=0 tune=zerolatency "
              "speed-preset=faster option-string=scenecut=0", 30, 360),
    "cam2m": ("x264enc bitrate=1667 key-int-max=60 bframes=0 tune=zerolatency "
              "speed-preset=faster option-string=scenecut=0", 30, 360),
}


class FrameFile:
    """A frame file on disk and what it holds."""

    def __init__(self, path: str, fps: float, frames: int, total_bytes: int,
                 gop: int, source: str, recipe: str):
        self.path = path
        self.fps = fps
        self.frames = frames
        self.total_bytes = total_bytes
        self.gop = gop
        self.source = source
        self.recipe = recipe

    @property
    def mbps(self) -> float:
        return self.total_bytes * 8 / (self.frames / self.fps) / 1e6

    def describe(self) -> str:
        return (f"{self.recipe}: {self.frames} frames of {os.path.basename(self.source)}, "
                f"{self.fps:g} fps, GOP {self.gop}, {self.mbps:.2f} Mbps")


def _pipeline(source: str, encoder: str | None) -> str:
    head = f'filesrc location="{source}" ! h264parse'
    if encoder:
        head += f" ! avdec_h264 ! videoconvert ! {encoder} ! h264parse"
    return f"{head} ! {AVC} ! appsink name=out sync=false"


def _pull(source: str, encoder: str | None):
    import gi
    gi.require_version("Gst", "1.0")
    from gi.repository import Gst
    Gst.init(None)
    pipeline = Gst.parse_launch(_pipeline(source, encoder))
    sink = pipeline.get_by_name("out")
    pipeline.set_state(Gst.State.PLAYING)
    caps, frames = None, []
    try:
        while True:
            sample = sink.emit("pull-sample")
            if sample is None:
                break
            buf = sample.get_buffer()
            caps = caps or sample.get_caps().to_string()
            key = not buf.has_flags(Gst.BufferFlags.DELTA_UNIT)
            frames.append((buf.extract_dup(0, buf.get_size()), key))
        msg = pipeline.get_bus().pop_filtered(Gst.MessageType.ERROR)
        if msg is not None:
            raise RuntimeError(f"extracting frames from {source}: "
                               f"{msg.parse_error()[0].message}")
    finally:
        pipeline.set_state(Gst.State.NULL)
    if not frames or not frames[0][1]:
        raise RuntimeError(f"{source}: no frames, or the first is not a key frame")
    return caps, frames


def _fps_of(caps: str) -> tuple[int, int]:
    m = re.search(r"framerate=\(fraction\)(\d+)/(\d+)", caps)
    if m and int(m.group(1)) > 0:
        return int(m.group(1)), int(m.group(2))
    return 25, 1


def _write(path: str, caps: str, fps: tuple[int, int], frames) -> None:
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        cb = caps.encode()
        f.write(b"KVSBENCH" + struct.pack("<II", 1, len(cb)) + cb)
        f.write(struct.pack("<III", fps[0], fps[1], len(frames)))
        for data, key in frames:
            f.write(struct.pack("<II", len(data), 1 if key else 0))
        for data, _ in frames:
            f.write(data)
    os.replace(tmp, path)


def _gop(frames) -> int:
    for i, (_, key) in enumerate(frames[1:], 1):
        if key:
            return i
    return len(frames)


def _recipe_id(source: str, recipe: str) -> str:
    st = os.stat(source)
    text = f"{RECIPES[recipe]}|{st.st_size}|{int(st.st_mtime)}|v1"
    return hashlib.sha1(text.encode()).hexdigest()[:10]


def frame_file(recipe: str, media_dir: str, cache_dir: str, log=print) -> FrameFile:
    """The recipe's frame file, extracted now if not cached."""
    source = os.path.join(media_dir, SOURCE)
    if not os.path.exists(source):
        raise RuntimeError(f"{source} is missing: ../shared/media must sit beside the clone")
    os.makedirs(cache_dir, exist_ok=True)
    path = os.path.join(cache_dir, f"{recipe}-{_recipe_id(source, recipe)}.frames")
    meta = path + ".meta"
    if not (os.path.exists(path) and os.path.exists(meta)):
        encoder, out_fps, keep = RECIPES[recipe]
        log(f"bench: extracting frames '{recipe}' from {SOURCE} (once)")
        caps, frames = _pull(source, encoder)
        if keep:
            frames = frames[:keep]
        fps = _fps_of(caps) if out_fps is None else (out_fps, 1)
        caps = re.sub(r"framerate=\(fraction\)\d+/\d+",
                      f"framerate=(fraction){fps[0]}/{fps[1]}", caps)
        _write(path, caps, fps, frames)
        with open(meta, "w") as f:
            f.write(f"{fps[0]} {fps[1]} {len(frames)} "
                    f"{sum(len(d) for d, _ in frames)} {_gop(frames)}\n")
    n, d, count, total, gop = (int(x) for x in open(meta).read().split())
    return FrameFile(path, n / d, count, total, gop, source, recipe)
