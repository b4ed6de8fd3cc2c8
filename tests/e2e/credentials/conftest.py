"""Fixtures of the credential suite (issue 7).

``creds`` gives a test a fresh kvslocal with the IoT endpoint (``--iot``,
thing names "cam" and "thing-1") and a scratch folder; ``creds_factory``
starts one with other arguments (e.g. ``--tls``, ``--region``).
"""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from credentials_helpers import Creds  # noqa: E402
from kvslocal_fixture import KvsLocal  # noqa: E402

IOT_ARGS = ("--iot", "--iot-thing-name", "cam", "--iot-thing-name", "thing-1")


@pytest.fixture(scope="session")
def tls_dir(tmp_path_factory):
    """One set of generated certificates for the session (kvslocal reuses
    the files of a --tls-dir), so each kvslocal starts without openssl runs."""
    return str(tmp_path_factory.mktemp("kvslocal-tls"))


@pytest.fixture
def creds_factory(tmp_path, tls_dir):
    started = []

    def start(*args: str, **kwargs) -> Creds:
        folder = tmp_path / f"kvs{len(started)}"
        folder.mkdir()
        kvs = KvsLocal(*args, "--tls-dir", tls_dir, log_dir=str(folder), **kwargs).start()
        started.append(kvs)
        return Creds(kvs, str(folder))
    yield start
    for kvs in started:
        kvs.stop()


@pytest.fixture
def creds(creds_factory):
    return creds_factory(*IOT_ARGS)
