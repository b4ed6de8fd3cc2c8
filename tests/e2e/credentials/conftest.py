"""Fixtures of the credential suite (issue 7).

``creds`` gives a test a fresh kvslocal with the IoT endpoint (``--iot``,
thing names "cam" and "thing-1") and a scratch folder; ``creds_factory``
starts one with other arguments (e.g. ``--tls``, ``--region``).

Starting kvslocal costs about a second (Python imports) and stopping it half
a second, more than most tests here take. So a session-wide ``KvsPool``
starts the next kvslocal for the same arguments while a test runs, and a
finished test's kvslocal is sent SIGTERM without waiting for it to exit
(the pool waits for them all at the end). Every test still gets a kvslocal
that nothing else has touched.
"""
import os
import signal
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Dict, List, Tuple

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from credentials_helpers import Creds  # noqa: E402
from kvslocal_fixture import KvsLocal  # noqa: E402

IOT_ARGS = ("--iot", "--iot-thing-name", "cam", "--iot-thing-name", "thing-1")


class KvsPool:
    """Fresh kvslocal instances, each started ahead of the test that takes it."""

    def __init__(self, factory, tls_dir: str):
        self._factory = factory  # tmp_path_factory: one folder per instance.
        self._tls_dir = tls_dir
        self._executor = ThreadPoolExecutor(max_workers=1)
        self._ready: Dict[Tuple, Future] = {}
        self._stopping: List[KvsLocal] = []

    def _start(self, key: Tuple) -> Future:
        args, kwargs = key[0], dict(key[1])
        folder = str(self._factory.mktemp("kvs"))
        return self._executor.submit(
            lambda: Creds(KvsLocal(*args, "--tls-dir", self._tls_dir, log_dir=folder,
                                   **kwargs).start(), folder))

    def take(self, args: Tuple[str, ...], kwargs: dict) -> Creds:
        """A started kvslocal for `args`; the next one starts in the background."""
        key = (tuple(args), tuple(sorted(kwargs.items())))
        future = self._ready.pop(key, None) or self._start(key)
        for other in list(self._ready):  # Only the latest arguments are kept warm.
            self.release(self._ready.pop(other).result())
        self._ready[key] = self._start(key)
        return future.result()

    def release(self, creds: Creds) -> None:
        """Stops `creds`' kvslocal without waiting for it to exit."""
        proc = creds.kvs.proc
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        self._stopping.append(creds.kvs)

    def close(self) -> None:
        for future in self._ready.values():
            self.release(future.result())
        self._executor.shutdown()
        for kvs in self._stopping:
            kvs.stop()


@pytest.fixture(scope="session")
def tls_dir(tmp_path_factory):
    """One set of generated certificates for the session (kvslocal reuses
    the files of a --tls-dir), so each kvslocal starts without openssl runs."""
    return str(tmp_path_factory.mktemp("kvslocal-tls"))


@pytest.fixture(scope="session")
def kvs_pool(tmp_path_factory, tls_dir):
    pool = KvsPool(tmp_path_factory, tls_dir)
    yield pool
    pool.close()


@pytest.fixture
def creds_factory(kvs_pool):
    started = []

    def start(*args: str, **kwargs) -> Creds:
        creds = kvs_pool.take(args, kwargs)
        started.append(creds)
        return creds
    yield start
    for creds in started:
        kvs_pool.release(creds)


@pytest.fixture
def creds(creds_factory):
    return creds_factory(*IOT_ARGS)
