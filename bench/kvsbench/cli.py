"""bench/run: build, start kvslocal, run every scenario, print one table.

See bench/README.md for what each scenario and metric means.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import platform
import signal
import subprocess
import sys
import time
import traceback

from . import build as buildmod
from . import child, media, report, scenarios
from .kvslocal import KvsLocal

# id, function, runs per build (full, quick); "shared" ones run once: they
# don't depend on the kvssink build (this tree's kvscore, or the pusher).
SCENARIOS = [
    ("a-offline", scenarios.offline, (1, 1)),
    ("a-instructions", scenarios.instructions, (1, 1)),
    ("b-realtime", scenarios.realtime, (1, 1)),
    ("c-startup", scenarios.startup, (5, 1)),
    ("d-shutdown", scenarios.shutdown, (3, 1)),
    ("e-many-cameras", scenarios.many, (1, 1)),
    ("f-packaging", None, (1, 1)),
]


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="bench/run", description="kvssink benchmarks (bench/README.md).")
    p.add_argument("--quick", action="store_true",
                   help="seconds-long smoke run (CI); measures nothing worth keeping")
    p.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    p.add_argument("--markdown", metavar="FILE", help="also write the table as Markdown")
    p.add_argument("--plugin-path", action="append", default=[], metavar="DIR",
                   help="a kvssink build (plugin folder or meson build folder); "
                        "twice to compare builds: B/A ratios")
    p.add_argument("--build-dir", help="where to build (default build-bench)")
    p.add_argument("--no-build", action="store_true", help="use the build as it is")
    p.add_argument("--scenario", action="append", default=[], metavar="ID",
                   help="run only these (a-offline, b-realtime, ...; prefix ok)")
    p.add_argument("--offline-throttle", action="store_true",
                   help="offline scenarios: the pusher waits while kvssink's storage "
                        "is half full (for builds whose offline mode drops frames)")
    p.add_argument("--repeat", type=int, help="runs per build for every scenario")
    return p.parse_args(argv)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def machine_info(root: str) -> dict:
    def run(*cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, cwd=root,
                                  timeout=20).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""
    model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                  if l.startswith("model name")), platform.processor())
    mem = next((int(l.split()[1]) // 1024 for l in open("/proc/meminfo")
                if l.startswith("MemTotal")), 0)
    return {
        "cpus": os.cpu_count(), "cpu-model": model, "memory-mb": mem,
        "kernel": platform.release(), "load-average-start": os.getloadavg(),
        "commit": run("git", "rev-parse", "--short", "HEAD"),
        "tree-dirty": bool(run("git", "status", "--porcelain", "--", "gst", "kvscore")),
        "gstreamer": next((l for l in run("gst-inspect-1.0", "--version").splitlines()
                           if l.startswith("GStreamer")), ""),
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def selected(only: list, sid: str) -> bool:
    return not only or any(sid.startswith(o) for o in only)


def run_all(args, ctx, plugins, results) -> list:
    failures = []
    for sid, fn, runs in SCENARIOS:
        if not selected(args.scenario, sid):
            continue
        log(f"bench: {sid}")
        t0 = time.monotonic()
        try:
            if fn is None:
                results.add_shared(sid, scenarios.micro(ctx))
                continue
            n = args.repeat or runs[1 if ctx.quick else 0]
            for rep in range(n):
                # A B, then B A: alternating cancels slow drifts of the machine.
                order = plugins if rep % 2 == 0 else list(reversed(plugins))
                for label, path in order:
                    results.add(sid, label, fn(ctx, path))
        except Exception as exc:  # Report and go on with the other scenarios.
            failures.append(f"{sid}: {exc}")
            results.fail(sid, str(exc))
            log(f"bench: {sid} FAILED: {exc}")
            if os.environ.get("KVSSINK_BENCH_DEBUG"):
                traceback.print_exc()
        log(f"bench: {sid} took {time.monotonic() - t0:.1f} s")
    return failures


def main(argv=None) -> int:
    args = parse_args(argv if argv is not None else sys.argv[1:])
    # SIGTERM unwinds like Ctrl-C, so kvslocal and any pusher are stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    build_dir = buildmod.choose_build_dir(root, args.build_dir, args.quick)
    buildtype = (buildmod.buildtype(build_dir) if args.no_build
                 else buildmod.build(root, build_dir, log))
    cache_dir = os.path.join(build_dir, "bench-cache")
    log_dir = os.path.join(build_dir, "bench-logs")
    os.makedirs(log_dir, exist_ok=True)
    for old in glob.glob(os.path.join(log_dir, "pusher-*.log")) + \
            glob.glob(os.path.join(log_dir, "callgrind-*")):
        os.unlink(old)  # Logs of an earlier bench run.
    media_dir = os.path.join(root, "..", "shared", "media")
    recipes = ["real"] if args.quick else ["real", "cam4m", "cam2m"]
    frames = {r: media.frame_file(r, media_dir, cache_dir, log) for r in recipes}
    paths = args.plugin_path or [os.path.join(build_dir, "gst")]
    plugins = [(chr(ord("A") + i), child.plugin_dir(p)) for i, p in enumerate(paths)]
    info = machine_info(root)
    info.update({"build-dir": build_dir, "buildtype": buildtype, "quick": args.quick,
                 "plugins": dict(plugins),
                 "frames": {r: f.describe() for r, f in frames.items()}})
    results = report.Results([label for label, _ in plugins])
    started = time.monotonic()
    with KvsLocal(root, os.path.join(log_dir, "kvslocal.log")) as kvslocal:
        ctx = scenarios.Context(root=root, build_dir=build_dir, cache_dir=cache_dir,
                                log_dir=log_dir, kvslocal=kvslocal, frames=frames,
                                quick=args.quick, log=log,
                                offline_throttle=args.offline_throttle)
        failures = run_all(args, ctx, plugins, results)
        info["kvslocal-restarts"] = kvslocal.restarts
    info["load-average-end"] = os.getloadavg()
    info["seconds"] = round(time.monotonic() - started, 1)
    print(report.table(results, info))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results.to_json(info), f, indent=2)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(report.markdown(results) + "\n")
    for failure in failures:
        log(f"bench: FAILED {failure}")
    return 1 if failures else 0
