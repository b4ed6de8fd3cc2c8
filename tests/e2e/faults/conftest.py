"""Fixtures of the fault suite (tests/e2e/conftest.py has ``kvslocal``)."""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from kvslocal_fixture import KvsLocal  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "long_running: minutes-long fault test; still part of CI")


@pytest.fixture
def kvs_factory(tmp_path):
    """Starts kvslocal instances with custom arguments; stops them all."""
    started = []

    def start(*args, **kwargs):
        log_dir = tmp_path / f"kvs{len(started)}"
        log_dir.mkdir(exist_ok=True)
        kvs = KvsLocal(*args, log_dir=str(log_dir), **kwargs).start()
        started.append(kvs)
        return kvs

    yield start
    for kvs in started:
        kvs.stop()


@pytest.fixture(autouse=True)
def stop_leftover_producers():
    """Sets every pipeline a test left running to NULL, so the next test's
    process-wide numbers (threads, fds, client storage) start clean."""
    yield
    import faultkit
    for producer in list(faultkit._DROP_WATCHERS):
        producer.stop()
