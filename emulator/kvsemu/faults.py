"""Deterministic, per-stream fault injection (``/_kvslocal/faults``).

Each fault is a JSON object with a ``type``, a ``stream`` (a stream name, or
``"*"`` for every stream) and the type's parameters.  Faults fire by count,
never at random, record every firing, and stay listed (with what fired)
until cleared.  Types (README "Fault catalogue"):

- ``fail_operation``  {operation, count=1, status=500, error_type="InternalFailure",
  message}: the next ``count`` calls of ``operation`` (botocore name, e.g.
  DescribeStream, PutMedia, GetMedia; "*" = any) answer that error.
- ``close_connection`` {after_bytes | after_fragments, mode="clean"|"reset",
  count=1}: close the next ``count`` PutMedia connections after that many body
  bytes, or after that many completed fragments; "reset" sends a TCP RST.
- ``delay_acks`` {delay_ms, event_types=[all]}: delay each ACK by ``delay_ms``.
- ``withhold_ack`` {event_type, count=null}: do not send ACKs of that type
  (null count = all of them).
- ``error_ack`` {fragment=1, error_id}: the ``fragment``-th fragment completed on
  the stream after the fault was set gets ERROR ``error_id`` instead of
  RECEIVED/PERSISTED (and the connection closes, as after any ERROR ACK).
- ``throttle_upload`` {bytes_per_second}: read PutMedia bodies at most that fast.
- ``refuse_connections`` {seconds}: requests for the stream are reset at the
  TCP level for that long; with stream "*" the listening socket is closed, so
  connections are refused.
- ``credentials_error`` {source="*"|"iot"|"container"|"imds", path="",
  status=500, body, count=null}: the credential endpoints (iot.py,
  metadata.py) answer requests whose path starts with ``path`` with
  ``status`` and ``body`` as is (e.g. status 200 with a body that is not
  JSON); null count = every request.  No stream.
"""
from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from .errors import KvsError

ACK_TYPES = ("BUFFERING", "RECEIVED", "PERSISTED", "IDLE", "ERROR")

_SPEC = {
    "fail_operation": {"operation": str, "count": int, "status": int, "error_type": str,
                       "message": str},
    "close_connection": {"after_bytes": int, "after_fragments": int, "mode": str, "count": int},
    "delay_acks": {"delay_ms": int, "event_types": list},
    "withhold_ack": {"event_type": str, "count": (int, type(None))},
    "error_ack": {"fragment": int, "error_id": int},
    "throttle_upload": {"bytes_per_second": int},
    "refuse_connections": {"seconds": (int, float)},
    "credentials_error": {"source": str, "path": str, "status": int, "body": str,
                          "count": (int, type(None))},
}
CREDENTIAL_SOURCES = ("*", "iot", "container", "imds")


@dataclass
class Fault:
    """One configured fault and its firing history."""

    id: str
    type: str
    stream: str
    params: Dict[str, Any]
    created_ms: int
    remaining: Optional[int] = None
    seen_fragments: int = 0
    fired: List[Dict[str, Any]] = field(default_factory=list)

    def record(self) -> Dict[str, Any]:
        return {"id": self.id, "type": self.type, "stream": self.stream,
                "params": self.params, "remaining": self.remaining,
                "active": self.active(), "fired": self.fired,
                "created_ms": self.created_ms}

    def active(self) -> bool:
        if self.type == "refuse_connections":
            return time.time() * 1000 < self.created_ms + self.params["seconds"] * 1000
        return self.remaining is None or self.remaining > 0

    def fire(self, operation: str, **detail: Any) -> None:
        self.fired.append({"time_ms": int(time.time() * 1000), "operation": operation,
                           **detail})
        if self.remaining is not None:
            self.remaining -= 1


class Faults:
    """The fault table."""

    def __init__(self) -> None:
        self._faults: List[Fault] = []
        self._ids = itertools.count(1)

    def add(self, spec: Dict[str, Any]) -> Fault:
        """Validates and adds a fault; raises KvsError (400) for a bad spec."""
        kind = spec.get("type")
        if kind not in _SPEC:
            raise KvsError("InvalidArgumentException",
                           f"unknown fault type {kind!r}; one of {sorted(_SPEC)}")
        stream = spec.get("stream", "*")
        if not isinstance(stream, str) or not stream:
            raise KvsError("InvalidArgumentException", "fault 'stream' must be a name or '*'")
        params = {k: v for k, v in spec.items() if k not in ("type", "stream")}
        for key, value in params.items():
            expected = _SPEC[kind].get(key)
            if expected is None:
                raise KvsError("InvalidArgumentException",
                               f"unknown parameter {key!r} for {kind}")
            if not isinstance(value, expected) or isinstance(value, bool):
                raise KvsError("InvalidArgumentException", f"bad value for {key!r}")
        remaining = self._defaults(kind, params)
        fault = Fault(id=f"f{next(self._ids)}", type=kind, stream=stream, params=params,
                      created_ms=int(time.time() * 1000), remaining=remaining)
        self._faults.append(fault)
        return fault

    @staticmethod
    def _defaults(kind: str, params: Dict[str, Any]) -> Optional[int]:
        def need(*keys: str) -> None:
            if not any(k in params for k in keys):
                raise KvsError("InvalidArgumentException",
                               f"{kind} needs one of {', '.join(keys)}")
        if kind == "fail_operation":
            need("operation")
            params.setdefault("status", 500)
            params.setdefault("error_type", "InternalFailure")
            params.setdefault("message", "Injected failure (kvslocal fault)")
            return params.get("count", 1)
        if kind == "close_connection":
            need("after_bytes", "after_fragments")
            params.setdefault("mode", "clean")
            if params["mode"] not in ("clean", "reset"):
                raise KvsError("InvalidArgumentException", "mode must be clean or reset")
            return params.get("count", 1)
        if kind == "delay_acks":
            need("delay_ms")
            return None
        if kind == "withhold_ack":
            need("event_type")
            if params["event_type"] not in ACK_TYPES:
                raise KvsError("InvalidArgumentException", f"event_type one of {ACK_TYPES}")
            return params.get("count")
        if kind == "error_ack":
            need("error_id")
            params.setdefault("fragment", 1)
            return 1
        if kind == "throttle_upload":
            need("bytes_per_second")
            if params["bytes_per_second"] <= 0:
                raise KvsError("InvalidArgumentException", "bytes_per_second must be > 0")
            return None
        if kind == "credentials_error":
            params.setdefault("source", "*")
            if params["source"] not in CREDENTIAL_SOURCES:
                raise KvsError("InvalidArgumentException",
                               f"source must be one of {CREDENTIAL_SOURCES}")
            params.setdefault("status", 500)
            params.setdefault("body", '{"message":"Injected failure (kvslocal fault)"}')
            return params.get("count")
        need("seconds")
        return None

    def list(self) -> List[Dict[str, Any]]:
        return [f.record() for f in self._faults]

    def clear(self, fault_id: Optional[str] = None) -> int:
        before = len(self._faults)
        self._faults = [f for f in self._faults if fault_id is not None and f.id != fault_id]
        return before - len(self._faults)

    def matching(self, kind: str, stream: Optional[str]) -> List[Fault]:
        """Active faults of ``kind`` that apply to ``stream``."""
        return [f for f in self._faults if f.type == kind and f.active()
                and (f.stream == "*" or f.stream == stream)]

    # -- hooks ----------------------------------------------------------------

    def check_operation(self, operation: str, stream: Optional[str]) -> None:
        """Raises the injected error if a fail_operation fault applies."""
        for fault in self.matching("fail_operation", stream):
            if fault.params["operation"] in ("*", operation):
                fault.fire(operation, stream=stream)
                raise KvsError(fault.params["error_type"], fault.params["message"],
                               status=fault.params["status"])

    def refused(self, stream: Optional[str], operation: str) -> bool:
        """True if requests for ``stream`` must be reset (refuse_connections)."""
        for fault in self.matching("refuse_connections", stream):
            fault.fire(operation, stream=stream)
            return True
        return False

    def credentials_answer(self, source: str, path: str) -> Optional[Tuple[int, str]]:
        """(status, body) to answer instead of credentials, if a
        credentials_error fault applies to ``source`` and ``path``."""
        for fault in self.matching("credentials_error", None):
            if fault.params["source"] in ("*", source) and \
                    path.startswith(fault.params.get("path", "")):
                fault.fire("credentials", source=source, path=path)
                return fault.params["status"], fault.params["body"]
        return None

    def global_refusal(self) -> Optional[Fault]:
        for fault in self.matching("refuse_connections", None):
            if fault.stream == "*":
                return fault
        return None
