"""Shared pytest fixtures for the end-to-end tests.

Kept minimal on purpose: other suites add their own fixtures in their own
modules.  ``kvslocal`` yields a fresh, running KvsLocal (kvslocal_fixture.py)
on a free loopback port and stops it after the test.
"""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from kvslocal_fixture import KvsLocal  # noqa: E402


@pytest.fixture
def kvslocal(tmp_path):
    """A fresh kvslocal with default credentials; its stderr is in tmp_path."""
    with KvsLocal(log_dir=str(tmp_path)) as kvs:
        yield kvs
