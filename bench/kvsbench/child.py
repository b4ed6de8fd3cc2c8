"""Runs kvssink-bench-push as a child process and measures it from outside.

The child's CPU time and peak RSS come from os.wait4() (rusage of the whole
process, every thread); its thread count and RSS are sampled from
/proc/PID/status every 50 ms while it runs. Its stdout is one JSON object
(see bench/pusher.cc).
"""
from __future__ import annotations

import glob
import json
import os
import subprocess
import tempfile
import threading
import time

from . import kvslocal as kl


def plugin_dir(path: str) -> str:
    """A kvssink build's plugin folder: PATH itself, or PATH/gst for a meson
    build folder, or the folder of a .so file."""
    path = os.path.realpath(path)
    if os.path.isfile(path):
        return os.path.dirname(path)
    if os.path.isfile(os.path.join(path, "gst", "libgstkvssink.so")):
        return os.path.join(path, "gst")
    return path


def child_env(plugin: str, url: str, cache_dir: str) -> dict:
    """A clean environment: only what the run needs, so a stray AWS_* or
    GST_* of the caller cannot change what is measured."""
    import hashlib
    registry = os.path.join(
        cache_dir, "registry-" + hashlib.sha1(plugin.encode()).hexdigest()[:10] + ".bin")
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TMPDIR") if k in os.environ}
    if os.environ.get("KVSSINK_BENCH_GST_DEBUG"):  # To debug a failing run.
        env["GST_DEBUG"] = os.environ["KVSSINK_BENCH_GST_DEBUG"]
    env.update({
        "GST_PLUGIN_PATH": plugin, "GST_PLUGIN_PATH_1_0": plugin,
        "GST_REGISTRY_1_0": registry, "GST_REGISTRY": registry,
        "AWS_ACCESS_KEY_ID": kl.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": kl.SECRET_KEY,
        "AWS_REGION": kl.REGION, "AWS_DEFAULT_REGION": kl.REGION,
        # For builds that read the endpoint only from the environment.
        "CONTROL_PLANE_URI": url, "AWS_ENDPOINT_URL": url,
    })
    return env


class ChildResult:
    def __init__(self, report: dict, rusage, wall_s: float, peak_threads: int,
                 peak_rss_kb: int, stderr_path: str, returncode: int):
        self.report = report
        self.cpu_total_s = rusage.ru_utime + rusage.ru_stime
        self.maxrss_kb = rusage.ru_maxrss
        self.wall_s = wall_s
        self.peak_threads = peak_threads
        self.peak_rss_kb = peak_rss_kb
        self.stderr_path = stderr_path
        self.returncode = returncode

    @property
    def max_rss_kb(self) -> int:
        """Peak RSS of the pusher: its VmHWM at EOS, or a higher sample.
        (wait4's ru_maxrss is not used: Linux carries the forking parent's
        peak across exec into it.)"""
        return max(self.report.get("hwm-end-kb", 0), self.peak_rss_kb)

    def __getitem__(self, key):
        return self.report[key]

    def stats(self) -> list:
        return [s for s in self.report.get("stats", []) if s]


def _status_fields(pid: int):
    threads = rss = 0
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("Threads:"):
                    threads = int(line.split()[1])
                elif line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
    except OSError:
        pass
    return threads, rss


def run_pusher(cmd: list, env: dict, log_dir: str, timeout_s: float) -> ChildResult:
    """Runs `cmd`; raises RuntimeError when it fails or prints no report."""
    out = tempfile.TemporaryFile(dir=log_dir)
    err_fd, err_path = tempfile.mkstemp(prefix="pusher-", suffix=".log", dir=log_dir)
    start = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err_fd,
                            stdin=subprocess.DEVNULL)
    os.close(err_fd)
    peak = {"threads": 0, "rss": 0}
    done = threading.Event()

    def sample():
        while not done.wait(0.05):
            threads, rss = _status_fields(proc.pid)
            peak["threads"] = max(peak["threads"], threads)
            peak["rss"] = max(peak["rss"], rss)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    timer = threading.Timer(timeout_s, proc.kill)
    timer.start()
    try:
        _, status, rusage = os.wait4(proc.pid, 0)
    except BaseException:  # Interrupted: leave no pusher behind.
        proc.kill()
        proc.wait()
        raise
    finally:
        timer.cancel()
        done.set()
        sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - start
    out.seek(0)
    text = out.read().decode(errors="replace").strip()
    out.close()
    report = json.loads(text.splitlines()[-1]) if text else {}
    result = ChildResult(report, rusage, wall, peak["threads"], peak["rss"], err_path,
                         proc.returncode)
    if proc.returncode != 0 or not report.get("ok"):
        errors = "; ".join(report.get("errors", [])) or _tail(err_path)
        raise RuntimeError(f"pusher exited {proc.returncode}: {errors} (log: {err_path})")
    result.log_path = err_path
    if os.path.getsize(err_path) == 0:
        os.unlink(err_path)
    return result


def _tail(path: str, lines: int = 5) -> str:
    try:
        with open(path, errors="replace") as f:
            return " | ".join(f.read().strip().splitlines()[-lines:]) or "(no output)"
    except OSError:
        return "(no output)"


def callgrind_instructions(out_prefix: str) -> int:
    """Ir of the dump the pusher triggered at EOS ("bench-window")."""
    for path in sorted(glob.glob(out_prefix + "*")):
        with open(path, errors="replace") as f:
            text = f.read()
        if "bench-window" not in text.split("\nevents:", 1)[0]:
            continue
        for line in text.splitlines():
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
    raise RuntimeError(f"no callgrind dump with bench-window under {out_prefix}*")
