"""Fixtures of the media suite: one kvslocal for the session and the
``trip`` fixture, which gives a test the round trip of its case (made once,
then shared; parametrize it indirectly with case names)."""
from typing import Dict

import pytest

from cases import BY_NAME
from kvslocal_fixture import KvsLocal
from roundtrip import RoundTrip, make_round_trip

_TRIPS: Dict[str, RoundTrip] = {}


@pytest.fixture(scope="session")
def media_kvs(tmp_path_factory):
    """One kvslocal for the media suite; each case uses its own stream."""
    with KvsLocal(log_dir=str(tmp_path_factory.mktemp("kvslocal"))) as k:
        yield k


@pytest.fixture
def trip(request, media_kvs, tmp_path_factory) -> RoundTrip:
    """The round trip of the case named by the test's parameter."""
    name = request.param
    if name not in _TRIPS:
        _TRIPS[name] = make_round_trip(
            BY_NAME[name], media_kvs, str(tmp_path_factory.mktemp(name)))
    return _TRIPS[name]
