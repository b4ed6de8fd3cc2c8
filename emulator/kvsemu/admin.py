"""The unsigned admin API under ``/_kvslocal`` (introspection and faults).

    GET    /_kvslocal/streams                      streams and their counters
    GET    /_kvslocal/streams/{name}/fragments     stored fragments, number order
    GET    /_kvslocal/streams/{name}/acks          every ACK sent, in order
    GET    /_kvslocal/clock                        the service clock and its offset
    POST   /_kvslocal/clock                        {"advance_s": S}: move it ahead
    GET    /_kvslocal/faults                       faults and what fired
    POST   /_kvslocal/faults                       add a fault (JSON, see faults.py)
    DELETE /_kvslocal/faults[/{id}]                clear all faults, or one
    GET    /_kvslocal/credentials[?secrets=true]   accepted credentials, uses, refusals
    POST   /_kvslocal/credentials                  register or issue a credential
    PUT    /_kvslocal/credentials/schedule         lifetime of what is issued from now on
    POST   /_kvslocal/credentials/expire           expire issued credentials now
    GET    /_kvslocal/iot                          IoT endpoint settings
    PUT    /_kvslocal/iot                          set thing names / role aliases
    PUT    /_kvslocal/metadata                     set the IMDS role / container token
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Optional

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
        if parts == ["clock"] and method in ("GET", "POST"):
            if method == "POST":
                body = await _body(request)
                advance = body.get("advance_s")
                if isinstance(advance, bool) or not isinstance(advance, (int, float)) \
                        or advance < 0:
                    raise KvsError("InvalidArgumentException",
                                   "advance_s must be a number of seconds >= 0")
                service.store.advance_clock(float(advance))
            return _json({"now": service.store.clock(),
                          "offset_s": service.store.clock_offset_s})
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
            return _json(_health(service))
        if parts and parts[0] == "credentials":
            return await _credentials(service, request, parts[1:])
        if parts == ["iot"] and service.iot_settings is not None:
            if method == "PUT":
                body = await _body(request)
                for key in ("thing_names", "role_aliases"):
                    if key in body:
                        setattr(service.iot_settings, key, _names(body[key], key))
            if method in ("GET", "PUT"):
                return _json(_iot(service))
        if parts == ["metadata"] and service.metadata_settings is not None and method == "PUT":
            body = await _body(request)
            for key in ("imds_role", "container_token", "container_role"):
                if key in body:
                    if not isinstance(body[key], str):
                        raise KvsError("InvalidArgumentException", f"{key} must be a string")
                    setattr(service.metadata_settings, key, body[key])
            return _json(_health(service)["metadata"])
    except KvsError as exc:
        return _json({"message": exc.message}, status=400)
    return _not_found(f"no admin endpoint {method} {request.path}")


def _stream_summary(service: "Service", data) -> dict:
    stream = data.stream
    active = data.active_putmedia
    return {
        "name": stream.name,
        "arn": stream.arn,
        "status": stream.status(service.store.clock()),
        "retention_hours": stream.retention_hours,
        "fragment_count": len(data.fragments),
        "ack_count": len(data.acks),
        "sessions": stream.session_count,
        "active_session": getattr(active, "session", None),
        "tags": stream.tags,
    }


def _health(service: "Service") -> dict:
    metadata = service.metadata_settings
    return {
        "status": "ok",
        "url": service.base_url(),
        "ca_file": service.ca_file,
        "tls_files": service.tls_files,
        "metadata": None if metadata is None else {
            "url": service.metadata_url,
            "imds_role": metadata.imds_role,
            "container_token": metadata.container_token,
            "container_role": metadata.container_role,
        },
        "iot": _iot(service) if service.iot_settings is not None else None,
    }


def _iot(service: "Service") -> dict:
    settings = service.iot_settings
    return {"url": service.iot_url, "endpoint": service.iot_url.split("://", 1)[1],
            "thing_names": settings.thing_names, "role_aliases": settings.role_aliases,
            **service.tls_files}


async def _body(request: web.Request) -> dict:
    try:
        body = await request.json() if request.can_read_body else {}
    except ValueError:
        raise KvsError("InvalidArgumentException", "body must be JSON")
    if not isinstance(body, dict):
        raise KvsError("InvalidArgumentException", "body must be a JSON object")
    return body


def _names(value: Any, key: str) -> list:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise KvsError("InvalidArgumentException", f"{key} must be a list of names")
    return list(value)


def _number(body: dict, key: str) -> Optional[float]:
    value = body[key]
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise KvsError("InvalidArgumentException", f"{key} must be a number or null")
    return value


async def _credentials(service: "Service", request: web.Request, rest: list) -> web.Response:
    """The credentials admin API (credentials.py)."""
    registry = service.credentials
    method = request.method
    if rest == [] and method == "GET":
        return _json(registry.summary(
            secrets_too=request.query.get("secrets", "") in ("1", "true")))
    if rest == [] and method == "POST":
        body = await _body(request)
        kwargs: dict = {}
        for key in ("access_key_id", "secret_access_key"):
            if body.get(key) is not None:
                if not isinstance(body[key], str) or not body[key]:
                    raise KvsError("InvalidArgumentException", f"{key} must be a string")
                kwargs[key] = body[key]
        if "session_token" in body:
            if body["session_token"] is not None and not isinstance(body["session_token"], str):
                raise KvsError("InvalidArgumentException", "session_token must be a string")
            kwargs["session_token"] = body["session_token"]
        if "lifetime_s" in body:
            kwargs["lifetime_s"] = _number(body, "lifetime_s")
        try:
            credential = registry.issue("admin", subject=body.get("subject"), **kwargs)
        except ValueError as exc:
            raise KvsError("InvalidArgumentException", str(exc))
        return _json(credential.record(secrets_too=True), status=201)
    if rest == ["schedule"] and method in ("GET", "PUT"):
        if method == "PUT":
            body = await _body(request)
            if body.get("lifetime_s") is None:
                raise KvsError("InvalidArgumentException", "lifetime_s (seconds) is required")
            registry.lifetime_s = float(_number(body, "lifetime_s"))
        return _json({"lifetime_s": registry.lifetime_s})
    if rest == ["expire"] and method == "POST":
        body = await _body(request)
        key = body.get("access_key_id")
        if key is not None and registry.lookup(key) is None:
            return _not_found(f"no credential {key}")
        return _json({"expired": registry.expire(key)})
    return _not_found(f"no admin endpoint {method} {request.path}")
