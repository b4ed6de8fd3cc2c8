"""Fixtures of the kvslocal suite.

``kvslocal`` here replaces tests/e2e/conftest.py's with a prefetching one
(same instance, started earlier); ``shared_kvs`` is one instance per module;
``kvs_factory`` starts instances with extra arguments.
"""
import os
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import mkvbuild  # noqa: E402
from kvslocal_fixture import MEDIA_DIR, KvsLocal  # noqa: E402


@pytest.fixture(scope="session")
def h264():
    """Real H.264 frames (403 frames, 9 GOPs) from shared/media."""
    return mkvbuild.H264Source(MEDIA_DIR)


class _Prefetch:
    """Starts the next default kvslocal while the current test runs.

    Each test of this suite still gets a fresh kvslocal of its own (the same
    command line as tests/e2e/conftest.py's ``kvslocal``), but its ~1 s start
    overlaps the previous test, and instances are stopped in the background.
    Logs go to numbered folders under ``base``.
    """

    def __init__(self, base):
        self.base = base
        self.count = 0
        self.pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="kvslocal-prefetch")
        self.spare = self._start()

    def _start(self):
        self.count += 1
        log_dir = os.path.join(self.base, f"kvslocal{self.count}")
        os.makedirs(log_dir)
        return self.pool.submit(lambda: KvsLocal(log_dir=log_dir).start())

    def take(self):
        kvs = self.spare.result()
        self.spare = self._start()
        return kvs

    def release(self, kvs):
        self.pool.submit(kvs.stop)

    def close(self):
        try:
            self.spare.result().stop()
        except Exception:  # noqa: BLE001 - it did not start: nothing to stop
            pass
        self.pool.shutdown(wait=True)


@pytest.fixture(scope="session")
def _prefetch(tmp_path_factory):
    prefetch = _Prefetch(str(tmp_path_factory.mktemp("kvslocal")))
    yield prefetch
    prefetch.close()


@pytest.fixture
def kvslocal(_prefetch):
    """A fresh kvslocal with default credentials (prefetched, see _Prefetch);
    its stderr log is ``kvslocal.stderr_path``."""
    kvs = _prefetch.take()
    yield kvs
    _prefetch.release(kvs)


@pytest.fixture(scope="module")
def shared_kvs(tmp_path_factory):
    """One kvslocal for a whole module, for tests that leave no state another
    test could see (validation, error answers) or that use their own stream
    names.  Saves a kvslocal start (about 1 s) per test."""
    kvs = KvsLocal(log_dir=str(tmp_path_factory.mktemp("shared-kvslocal"))).start()
    yield kvs
    kvs.stop()


@pytest.fixture
def kvs_factory(tmp_path):
    """Starts extra kvslocal instances with custom arguments; stops them all."""
    started = []

    def start(*args, **kwargs):
        log_dir = tmp_path / f"kvs{len(started)}"
        log_dir.mkdir()
        kvs = KvsLocal(*args, log_dir=str(log_dir), **kwargs).start()
        started.append(kvs)
        return kvs
    yield start
    for kvs in started:
        kvs.stop()
