"""The scenarios of bench/run (issue 8), each returning (metric, value, unit)
rows for one run of one kvssink build. bench/README.md explains each metric.
"""
from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import uuid

from . import child
from .proxy import TimingProxy

MIB = 1 << 20


class Context:
    """What every scenario needs; built by cli.py."""

    def __init__(self, *, root, build_dir, cache_dir, log_dir, kvslocal, frames,
                 quick, log, offline_throttle=False):
        self.root = root
        self.build_dir = build_dir
        self.cache_dir = cache_dir
        self.log_dir = log_dir
        self.kvslocal = kvslocal
        self.frames = frames  # recipe -> media.FrameFile
        self.quick = quick
        self.log = log
        # For builds whose offline mode does not block when storage is full.
        self.offline_throttle = offline_throttle
        self.pusher = os.path.join(build_dir, "bench", "kvssink-bench-push")
        self.micro = os.path.join(build_dir, "bench", "kvssink-packaging-bench")
        self.valgrind = shutil.which("valgrind")
        self.perf = None  # Whether perf stat counts instructions: probed once.
        self._floors: dict = {}

    def frames_for(self, recipe: str):
        # --quick never re-encodes: every scenario uses the camera's own frames.
        return self.frames["real" if self.quick else recipe]


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _push(ctx: Context, plugin: str, args: list, *, url=None, timeout=300,
          wrapper=()) -> child.ChildResult:
    ctx.kvslocal.ensure_running(ctx.log)
    target = url or ctx.kvslocal.url
    cmd = [*wrapper, ctx.pusher, "--endpoint", target, *args]
    env = child.child_env(plugin, target, ctx.cache_dir)
    try:
        result = child.run_pusher(cmd, env, ctx.log_dir, timeout)
    except RuntimeError:
        if url is not None or ctx.kvslocal.ensure_running(ctx.log):
            raise
        # kvslocal died under the run (not the build's fault): once more.
        return _push(ctx, plugin, args, timeout=timeout, wrapper=wrapper)
    if "kvssink" in args and not result["plugin-file"].startswith(plugin + os.sep):
        raise RuntimeError(f"kvssink was loaded from {result['plugin-file']}, not {plugin}")
    return result


def _kvssink_args(frames, mode: str, stream: str, extra=()) -> list:
    return ["--frames", frames.path, "--mode", mode, "--stream-prefix", stream,
            "--sink", "kvssink", *extra]


def _check_delivery(ctx: Context, r: child.ChildResult, streams: list) -> int:
    """Every fragment the run started is PERSISTED at kvslocal (a fragment
    starts at each key frame). Returns the persisted count."""
    persisted = sum(1 for s in streams for f in ctx.kvslocal.fragments(s)
                    if f.get("persisted"))
    expected = r["key-frames-pushed"]
    dropped = sum(s.get("dropped-frames", 0) for s in r.stats())
    if persisted != expected or dropped:
        hint = ("; offline: does this build block when storage is full? "
                "(bench/run --offline-throttle)" if r["mode"] == "offline" else "")
        if r["warnings"]:
            hint += f"; first of {r['warnings']} warnings: {r['first-warning']}"
        raise RuntimeError(f"{persisted} fragments persisted at kvslocal, {expected} "
                           f"started; {dropped} frames dropped by kvssink{hint} "
                           f"(log: {r.log_path})")
    return persisted


def _latency_rows(r: child.ChildResult, prefix: str = "", worst: bool = False) -> list:
    stats = r.stats()
    if not stats:
        return [(f"{prefix}latency", None, "n/a: build has no stats")]
    rows = []
    pick = max if worst else (lambda xs: xs[0])
    for what in ("frame-to-socket", "frame-to-received"):
        for q in ("p50", "p99", "max"):
            if worst and q != "p99" and q != "max":
                continue
            ns = pick([s.get(f"{what}-{q}-ns", 0) for s in stats])
            rows.append((f"{prefix}{what}-{q}", ns / 1e6, "ms"))
    return rows


def _kvslocal_cpu(ctx: Context, before: float, wall_s: float) -> float:
    return (ctx.kvslocal.cpu_seconds() - before) / max(wall_s, 1e-9) * 100


# --- (a) offline upload ------------------------------------------------------

def offline(ctx: Context, plugin: str) -> list:
    frames = ctx.frames_for("real")
    volume = 32 * MIB if ctx.quick else 1024 * MIB
    stream = _name("offline")
    k0 = ctx.kvslocal.cpu_seconds()
    r = _push(ctx, plugin, _kvssink_args(frames, "offline", stream,
                                         ["--bytes", str(volume), *_throttle(ctx)]))
    wall = (r["t-eos"] - r["t-first-push"]) / 1e9
    kcpu = _kvslocal_cpu(ctx, k0, (r["t-eos"] - r["t-playing"]) / 1e9)
    gb = r["bytes-pushed"] / 1e9
    _check_delivery(ctx, r, [stream])
    floor = _offline_floor(ctx, frames, volume)
    return [
        ("volume", r["bytes-pushed"] / 1e6, "MB"),
        ("cpu-per-GB", r["cpu-window-s"] / gb, "s/GB"),
        ("cpu-per-GB-net-of-floor", r["cpu-window-s"] / gb - floor, "s/GB"),
        ("process-cpu-total", r.cpu_total_s, "s"),
        ("throughput", r["bytes-pushed"] / 1e6 / wall, "MB/s"),
        ("max-rss", r.max_rss_kb / 1024, "MB"),
        ("rss-growth", (r["hwm-end-kb"] - r["rss-before-kb"]) / 1024, "MB"),
        ("threads-peak", r.peak_threads, "threads"),
        ("kvslocal-cpu", kcpu, "% of a core"),
        ("kvslocal-bound", 1 if kcpu >= 85 else 0, "1=yes"),
        ("pusher-throttle-waits", r["throttle-waits"], "waits"),
        ("floor-cpu-per-GB", floor, "s/GB", True),
    ]


def _throttle(ctx: Context) -> list:
    return ["--throttle"] if ctx.offline_throttle else []


def _floor(ctx: Context, args: list) -> child.ChildResult:
    """The pusher alone (--sink none: buffers allocated, filled and dropped
    on the same schedule, nothing pushed), once per bench run."""
    key = tuple(args)
    if key not in ctx._floors:
        ctx._floors[key] = _push(ctx, "", [*args, "--sink", "none"])
    return ctx._floors[key]


def _offline_floor(ctx: Context, frames, volume: int) -> float:
    """CPU s/GB of the pusher alone."""
    r = _floor(ctx, ["--frames", frames.path, "--mode", "offline", "--bytes", str(volume)])
    return r["cpu-window-s"] / (r["bytes-pushed"] / 1e9)


def _realtime_floor(ctx: Context, frames, streams: int) -> float:
    """CPU % of a core of the pusher alone on a realtime schedule (10 s)."""
    r = _floor(ctx, ["--frames", frames.path, "--mode", "realtime", "--streams",
                     str(streams), "--seconds", "2" if ctx.quick else "10"])
    return r["cpu-window-s"] / ((r["t-eos"] - r["t-playing"]) / 1e9) * 100


def instructions(ctx: Context, plugin: str) -> list:
    """(a) again, smaller, counting instructions: under callgrind (the
    measured window only), and with perf stat where the machine has
    hardware counters (the whole process)."""
    return _callgrind_rows(ctx, plugin) + _perf_rows(ctx, plugin)


def _callgrind_rows(ctx: Context, plugin: str) -> list:
    if not ctx.valgrind:
        return [("callgrind:instructions-per-MB", None, "n/a: valgrind not installed")]
    frames = ctx.frames_for("real")
    volume = 4 * MIB if ctx.quick else 64 * MIB
    stream = _name("instr")
    ir, r = _callgrind(ctx, plugin, _kvssink_args(
        frames, "offline", stream, ["--bytes", str(volume), *_throttle(ctx)]),
        "kvssink")
    _check_delivery(ctx, r, [stream])
    floor_ir, fr = _callgrind(ctx, "", ["--frames", frames.path, "--mode", "offline",
                                        "--bytes", str(volume), "--sink", "none"],
                              "floor")
    mb = r["bytes-pushed"] / 1e6
    floor = floor_ir / (fr["bytes-pushed"] / 1e6)
    return [
        ("callgrind:volume", mb, "MB"),
        ("callgrind:instructions-per-MB", ir / mb, "instr/MB"),
        ("callgrind:instructions-per-MB-net-of-floor", ir / mb - floor, "instr/MB"),
        ("callgrind:instructions-per-frame-net-of-floor",
         (ir / mb - floor) * mb / r["frames-pushed"], "instr/frame"),
        ("callgrind:floor-instructions-per-MB", floor, "instr/MB", True),
    ]


def _callgrind(ctx: Context, plugin: str, args: list, tag: str):
    prefix = os.path.join(ctx.log_dir, f"callgrind-{tag}-{uuid.uuid4().hex[:6]}")
    wrapper = [ctx.valgrind, "--tool=callgrind", f"--callgrind-out-file={prefix}.%p",
               "--dump-instr=no", "--dump-line=no", "--compress-strings=no"]
    r = _push(ctx, plugin, args + ["--callgrind", "--eos-timeout", "600"],
              timeout=1800, wrapper=wrapper)
    try:
        return child.callgrind_instructions(prefix), r
    finally:
        for path in glob.glob(prefix + "*"):
            os.unlink(path)


PERF_EVENT = os.environ.get("KVSSINK_BENCH_PERF_EVENT", "instructions:u")


def perf_available() -> bool:
    """perf stat can count PERF_EVENT here (VMs often have no PMU)."""
    if not shutil.which("perf"):
        return False
    try:
        return _perf_count(lambda prefix: subprocess.run(
            prefix + ["true"], check=True, capture_output=True)) is not None
    except (OSError, subprocess.SubprocessError, ValueError):
        return False


def _perf_count(run) -> int | None:
    """Calls run(prefix) with a `perf stat` command prefix; returns the count
    perf wrote, or None when the event is not supported."""
    import tempfile
    fd, path = tempfile.mkstemp(prefix="perf-", suffix=".csv")
    os.close(fd)
    try:
        run(["perf", "stat", "-x,", "-e", PERF_EVENT, "-o", path, "--"])
        for line in open(path):
            field = line.split(",")[0].strip()
            if line.startswith("#") or not field:
                continue
            return int(float(field)) if field[0].isdigit() else None
        return None
    finally:
        os.unlink(path)


def _perf_rows(ctx: Context, plugin: str) -> list:
    if ctx.perf is None:
        ctx.perf = perf_available()
    if not ctx.perf:
        return [("perf:instructions-per-MB", None,
                 f"n/a: perf stat -e {PERF_EVENT} not supported here")]
    frames = ctx.frames_for("real")
    volume = 8 * MIB if ctx.quick else 256 * MIB
    stream = _name("perf")
    runs = {}
    count = _perf_count(lambda prefix: runs.__setitem__("sink", _push(
        ctx, plugin, _kvssink_args(frames, "offline", stream,
                                   ["--bytes", str(volume), *_throttle(ctx)]),
        wrapper=prefix)))
    _check_delivery(ctx, runs["sink"], [stream])
    floor = _perf_count(lambda prefix: runs.__setitem__("floor", _push(
        ctx, "", ["--frames", frames.path, "--mode", "offline", "--bytes", str(volume),
                  "--sink", "none"], wrapper=prefix)))
    if count is None or floor is None:
        return [("perf:instructions-per-MB", None, "n/a: perf gave no count")]
    mb = runs["sink"]["bytes-pushed"] / 1e6
    floor_per_mb = floor / (runs["floor"]["bytes-pushed"] / 1e6)
    return [
        ("perf:volume", mb, "MB"),
        (f"perf:{PERF_EVENT}-per-MB", count / mb, "per MB"),
        (f"perf:{PERF_EVENT}-per-MB-net-of-floor", count / mb - floor_per_mb, "per MB"),
        (f"perf:floor-{PERF_EVENT}-per-MB", floor_per_mb, "per MB", True),
    ]


# --- (b) realtime ------------------------------------------------------------

def realtime(ctx: Context, plugin: str) -> list:
    frames = ctx.frames_for("cam4m")
    seconds = 3 if ctx.quick else 60
    stream = _name("realtime")
    k0 = ctx.kvslocal.cpu_seconds()
    r = _push(ctx, plugin, _kvssink_args(frames, "realtime", stream,
                                         ["--seconds", str(seconds)]))
    window = (r["t-eos"] - r["t-playing"]) / 1e9
    pushed_s = (r["t-last-push"] - r["t-first-push"]) / 1e9 + 1 / frames.fps
    _check_delivery(ctx, r, [stream])
    return [
        ("duration", pushed_s, "s"),
        ("bitrate", r["bytes-pushed"] * 8 / pushed_s / 1e6, "Mbit/s"),
        ("cpu", r["cpu-window-s"] / window * 100, "% of a core"),
        ("cpu-net-of-floor", r["cpu-window-s"] / window * 100
         - _realtime_floor(ctx, frames, 1), "% of a core"),
        ("process-cpu-total", r.cpu_total_s, "s"),
        ("max-rss", r.max_rss_kb / 1024, "MB"),
        ("rss-growth", (r["hwm-end-kb"] - r["rss-before-kb"]) / 1024, "MB"),
        ("threads-peak", r.peak_threads, "threads"),
        *_latency_rows(r),
        ("late-pushes", r["late-pushes"], "frames"),
        ("kvslocal-cpu", _kvslocal_cpu(ctx, k0, window), "% of a core"),
        ("floor-cpu", _realtime_floor(ctx, frames, 1), "% of a core", True),
    ]


# --- (c) startup -------------------------------------------------------------

def startup(ctx: Context, plugin: str) -> list:
    """A fresh process per run: PLAYING -> first PutMedia body byte and ->
    first PERSISTED ACK on the wire (TimingProxy), for a stream kvssink must
    create and then for the same stream again (existing)."""
    frames = ctx.frames_for("cam4m")
    seconds = (frames.gop + 2) / frames.fps + 0.3
    stream = _name("startup")
    rows = []
    proxy = TimingProxy(ctx.kvslocal.port)
    try:
        for variant in ("new-stream", "existing-stream"):
            proxy.events.reset()
            r = _push(ctx, plugin, _kvssink_args(frames, "realtime", stream,
                                                 ["--seconds", f"{seconds:.2f}"]),
                      url=proxy.url)
            ev = proxy.events.snapshot()
            rows += _startup_rows(variant, r, ev, frames)
    finally:
        proxy.close()
    return rows


def _startup_rows(variant: str, r, ev: dict, frames) -> list:
    t0 = r["t-playing"]
    missing = [k for k in ("first-body-byte", "first-persisted") if k not in ev]
    if not r["t-second-key"]:
        missing.append("second key frame (run too short)")
    if missing:
        raise RuntimeError(f"{variant}: the proxy saw no {', '.join(missing)}")
    fragment_end = r["t-second-key"]  # The key frame that ends fragment 1.
    return [
        (f"{variant}:playing-to-first-byte", (ev["first-body-byte"] - t0) / 1e6, "ms"),
        (f"{variant}:playing-to-first-persisted", (ev["first-persisted"] - t0) / 1e6, "ms"),
        (f"{variant}:fragment-end-to-first-persisted",
         (ev["first-persisted"] - fragment_end) / 1e6, "ms"),
    ]


# --- (d) shutdown ------------------------------------------------------------

def shutdown(ctx: Context, plugin: str) -> list:
    frames = ctx.frames_for("cam4m")
    seconds = 2 if ctx.quick else 5
    stream = _name("shutdown")
    r = _push(ctx, plugin, _kvssink_args(frames, "realtime", stream,
                                         ["--seconds", str(seconds)]))
    persisted = _check_delivery(ctx, r, [stream])
    return [
        ("eos-to-eos-message", (r["t-eos"] - r["t-eos-sent"]) / 1e6, "ms"),
        ("eos-to-exit", (r["t-exit"] - r["t-eos-sent"]) / 1e6, "ms"),
        ("fragments-persisted", persisted, "fragments"),
    ]


# --- (e) many cameras --------------------------------------------------------

def many(ctx: Context, plugin: str) -> list:
    frames = ctx.frames_for("cam2m")
    seconds = 3 if ctx.quick else 30
    rows = []
    for n in ((1, 4) if ctx.quick else (1, 16, 64)):
        rows += _many_run(ctx, plugin, frames, n, seconds)
    return rows


def _many_run(ctx, plugin, frames, n: int, seconds: float) -> list:
    prefix = _name(f"cams{n}")
    k0 = ctx.kvslocal.cpu_seconds()
    r = _push(ctx, plugin, _kvssink_args(frames, "realtime", prefix,
                                         ["--seconds", str(seconds), "--streams", str(n)]),
              timeout=seconds + 300)
    window = (r["t-eos"] - r["t-playing"]) / 1e9
    names = [prefix] if n == 1 else [f"{prefix}-{i}" for i in range(n)]
    _check_delivery(ctx, r, names)
    cpu = r["cpu-window-s"] / window * 100
    floor = _realtime_floor(ctx, frames, n)
    tag = f"{n}-streams:"
    return [
        (f"{tag}cpu", cpu, "% of a core"),
        (f"{tag}cpu-per-stream", cpu / n, "% of a core"),
        (f"{tag}cpu-per-stream-net-of-floor", (cpu - floor) / n, "% of a core"),
        (f"{tag}rss-growth-per-stream",
         (r["hwm-end-kb"] - r["rss-before-kb"]) / 1024 / n, "MB"),
        (f"{tag}max-rss", r.max_rss_kb / 1024, "MB"),
        (f"{tag}threads-peak", r.peak_threads, "threads"),
        (f"{tag}threads-before-playing", r["threads-before"], "threads"),
        *_latency_rows(r, tag + "worst-", worst=True),
        (f"{tag}late-pushes", r["late-pushes"], "frames"),
        (f"{tag}kvslocal-cpu", _kvslocal_cpu(ctx, k0, window), "% of a core"),
        (f"{tag}floor-cpu", floor, "% of a core", True),
    ]


# --- (f) packaging micro-benchmarks ------------------------------------------

def micro(ctx: Context) -> list:
    """Google Benchmark, this tree's kvscore (not a --plugin-path build)."""
    if not os.path.exists(ctx.micro):
        return [("packaging", None, "n/a: libbenchmark-dev not installed")]
    env = dict(os.environ, KVSSINK_BENCH_FRAMES=ctx.frames["real"].path)
    min_time = "0.01" if ctx.quick else "0.5"
    out = subprocess.run([ctx.micro, "--benchmark_format=json",
                          f"--benchmark_min_time={min_time}"],
                         env=env, check=True, capture_output=True, text=True).stdout
    rows = []
    for b in json.loads(out)["benchmarks"]:
        name = b["name"].removeprefix("BM_")
        unit_ns = {"ns": 1, "us": 1e3, "ms": 1e6}[b.get("time_unit", "ns")]
        if "bytes_per_second" in b:
            rows.append((f"{name}:throughput", b["bytes_per_second"] / 1e6, "MB/s"))
            rows.append((f"{name}:frames", b["items_per_second"], "frames/s"))
            rows.append((f"{name}:allocs", b["allocs/frame"], "allocs/frame"))
        else:
            rows.append((f"{name}:time", b["cpu_time"] * unit_ns, "ns/call"))
            rows.append((f"{name}:allocs", b["allocs/call"], "allocs/call"))
    return rows

