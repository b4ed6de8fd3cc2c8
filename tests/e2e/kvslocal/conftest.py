"""Fixtures of the kvslocal suite (the ``kvslocal`` fixture is in tests/e2e/conftest.py)."""
import os
import sys

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
