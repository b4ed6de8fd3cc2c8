"""kvslocal for the benchmark runs: one instance, --discard, on a free port."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import urllib.request

ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
REGION = "us-west-2"
_TICK = os.sysconf("SC_CLK_TCK")


def proc_cpu_seconds(pid: int) -> float:
    """user+sys CPU seconds of a live process (all its threads)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


class KvsLocal:
    """Starts emulator/kvslocal; stop() (or the context manager) ends it."""

    def __init__(self, root: str, log_path: str, extra=()):
        self.cmd = ["/usr/bin/python3", os.path.join(root, "emulator", "kvslocal"),
                    "--port", "0", "--discard", "--log-level", "WARNING", *extra]
        self.log_path = log_path
        self.restarts = 0
        self._start()

    def _start(self) -> None:
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.PIPE, stderr=self.log,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        line = self.proc.stdout.readline().decode().strip()
        if not line.startswith("kvslocal listening on "):
            self.stop()
            raise RuntimeError(f"kvslocal did not start (see {self.log_path}): {line!r}")
        self.url = line.split()[-1]
        self.port = int(self.url.rsplit(":", 1)[1])

    def alive(self) -> bool:
        return self.proc.poll() is None

    def ensure_running(self, log) -> bool:
        """Restarts kvslocal if it exited (something else on the machine may
        have ended it); returns False when it had to."""
        if self.alive():
            return True
        log(f"bench: kvslocal exited (status {self.proc.returncode}); restarting it")
        self.stop()
        self.restarts += 1
        self._start()
        return False

    def cpu_seconds(self) -> float:
        return proc_cpu_seconds(self.proc.pid)

    def admin(self, path: str):
        with urllib.request.urlopen(f"{self.url}/_kvslocal/{path}", timeout=30) as r:
            return json.loads(r.read())

    def fragments(self, stream: str) -> list:
        try:
            return self.admin(f"streams/{stream}/fragments")["fragments"]
        except OSError:
            return []

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

