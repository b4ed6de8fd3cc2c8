"""The unsigned admin API under ``/_kvslocal`` (introspection and faults).

    GET    /_kvslocal/streams                      streams and their counters
    GET    /_kvslocal/streams/{name}/fragments     stored fragments, number order
    GET    /_kvslocal/streams/{name}/acks          every ACK sent, in order
    GET    /_kvslocal/faults                       faults and what fired
    POST   /_kvslocal/faults                       add a fault (JSON, see faults.py)
    DELETE /_kvslocal/faults[/{id}]                clear all faults, or one
"""
from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .errors import KvsError

if TYPE_CHECKING:
    from .server import Service


def _json(value: Any, status: int = 200) -> web.Response:
    return web.Response(status=status, body=json.dumps(value).encode(),
                        content_type="application/json")


def _not_found(message: str) -> web.Response:
    return _json({"message": message}, status=404)


async def handle(service: "Service", request: web.Request) -> web.StreamResponse:
    parts = [p for p in request.path.split("/") if p][1:]
    method = request.method
    try:
        if parts == ["streams"] and method == "GET":
            return _json({"streams": [_stream_summary(service, d) for d in service.store.all()]})
        if len(parts) == 3 and parts[0] == "streams" and method == "GET":
            data = service.store.get(parts[1])
            if data is None:
                return _not_found(f"no stream {parts[1]}")
            if parts[2] == "fragments":
                return _json({"stream": parts[1],
                              "fragments": [f.record() for f in data.fragments]})
            if parts[2] == "acks":
                return _json({"stream": parts[1], "acks": data.acks,
                              "dropped": data.acks_dropped})
        if parts == ["faults"]:
            if method == "GET":
                return _json({"faults": service.faults.list()})
            if method == "POST":
                try:
                    spec = await request.json()
                except ValueError:
                    return _json({"message": "body must be JSON"}, status=400)
                if not isinstance(spec, dict):
                    return _json({"message": "body must be a JSON object"}, status=400)
                fault = service.faults.add(spec)
                if fault.type == "refuse_connections" and fault.stream == "*" \
                        and service.refusal_hook is not None:
                    await service.refusal_hook(fault.params["seconds"])
                return _json(fault.record(), status=201)
            if method == "DELETE":
                return _json({"cleared": service.faults.clear()})
        if len(parts) == 2 and parts[0] == "faults" and method == "DELETE":
            cleared = service.faults.clear(parts[1])
            if not cleared:
                return _not_found(f"no fault {parts[1]}")
            return _json({"cleared": cleared})
        if parts == ["health"]:
            return _json({"status": "ok", "url": service.base_url(), "ca_file": service.ca_file})
    except KvsError as exc:
        return _json({"message": exc.message}, status=400)
    return _not_found(f"no admin endpoint {method} {request.path}")


def _stream_summary(service: "Service", data) -> dict:
    stream = data.stream
    active = data.active_putmedia
    return {
        "name": stream.name,
        "arn": stream.arn,
        "status": stream.status(time.time()),
        "retention_hours": stream.retention_hours,
        "fragment_count": len(data.fragments),
        "ack_count": len(data.acks),
        "sessions": stream.session_count,
        "active_session": getattr(active, "session", None),
        "tags": stream.tags,
    }
