"""The AWS IoT credentials provider endpoint (``--iot``), over mutual TLS.

    GET /role-aliases/<alias>/credentials      x-amzn-iot-thingname: <thing>

served on its own HTTPS port (``--iot-port``), where the TLS handshake
requires a client certificate signed by kvslocal's CA (tls.py makes
``device.pem``/``device.key``; ``rogue.pem``, signed by another CA, fails the
handshake with the alert "unknown ca", no certificate with "certificate
required").  Answers (kvs-spec.md section 5 and A.3; the status/body pairs
observed on AWS in awslabs/aws-iot-core-credential-provider-session-helper
``docs/dev_notes.md``):

- 200 ``{"credentials": {"accessKeyId", "secretAccessKey", "sessionToken",
  "expiration": "2023-02-06T05:54:46Z"}}``: new temporary credentials on
  every call (the service assumes the role each time), expiring after the
  schedule's lifetime (credentials.py);
- 403 ``{"message":"Invalid thing name passed"}`` when the thing name is not
  one attached to the certificate (``--iot-thing-name``, admin
  ``PUT /_kvslocal/iot``); the header is optional, as on AWS (AWS IoT
  developer guide, "Authorizing direct calls to AWS services");
- 404 ``{"message":"Role alias does not exist"}`` for an alias other than
  ``--iot-role-alias``.

Faults of type ``credentials_error`` with source "iot" replace the answer.
"""
from __future__ import annotations

import asyncio
import json
import logging
import socket
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Dict, List, Optional, Tuple
from urllib.parse import unquote

from .credentials import iso8601
from .errors import new_request_id

if TYPE_CHECKING:
    from .server import Service

log = logging.getLogger("kvslocal.iot")


@dataclass
class IotSettings:
    """Thing names attached to the device certificate, and the role aliases."""

    thing_names: List[str] = field(default_factory=list)
    role_aliases: List[str] = field(default_factory=lambda: ["kvslocal-role-alias"])


Answer = Tuple[int, bytes, Dict[str, str]]


def _answer(status: int, value) -> Answer:
    return status, json.dumps(value).encode(), {"Content-Type": "application/json",
                                                 "x-amzn-RequestId": new_request_id()}


class IotEndpoint:
    """The IoT credentials endpoint's answers; run on the asyncio loop."""

    def __init__(self, service: "Service", settings: IotSettings):
        self.service = service
        self.settings = settings

    async def answer(self, method: str, path: str, thing: Optional[str]) -> Answer:
        parts = path.split("?")[0].split("/")
        if method != "GET" or len(parts) != 4 or parts[1] != "role-aliases" \
                or parts[3] != "credentials":
            return _answer(404, {"message": "Not Found"})
        alias = unquote(parts[2])
        injected = self.service.faults.credentials_answer("iot", path)
        if injected is not None:
            status, body = injected
            log.info("IoT credentials %s (thing %s) -> %d (credentials_error fault)",
                     alias, thing, status)
            return status, body.encode(), {"Content-Type": "application/json",
                                           "x-amzn-RequestId": new_request_id()}
        if thing is not None and thing not in self.settings.thing_names:
            log.info("IoT credentials %s: thing %r is not attached -> 403", alias, thing)
            return _answer(403, {"message": "Invalid thing name passed"})
        if alias not in self.settings.role_aliases:
            log.info("IoT credentials: role alias %r does not exist -> 404", alias)
            return _answer(404, {"message": "Role alias does not exist"})
        credential = self.service.credentials.issue("iot", subject=thing or alias)
        log.info("IoT credentials %s (thing %s) -> 200, %s until %s", alias, thing,
                 credential.access_key_id, iso8601((credential.expiration_ms or 0) / 1000))
        return _answer(200, {"credentials": {
            "accessKeyId": credential.access_key_id,
            "secretAccessKey": credential.secret_access_key,
            "sessionToken": credential.session_token,
            "expiration": iso8601(credential.expiration_ms / 1000)
            if credential.expiration_ms is not None else None,
        }})


class _Handler(BaseHTTPRequestHandler):
    """One HTTP/1.1 exchange on a verified TLS connection (per-connection thread)."""

    server: "IotServer"
    protocol_version = "HTTP/1.1"

    def _serve(self) -> None:
        future = asyncio.run_coroutine_threadsafe(
            self.server.endpoint.answer(self.command, self.path,
                                        self.headers.get("x-amzn-iot-thingname")),
            self.server.loop)
        status, body, headers = future.result(timeout=30)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_PUT = do_POST = do_DELETE = _serve

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (base class name)
        log.debug("IoT %s: " + format, self.client_address[0], *args)


def _close_gracefully(sock: socket.socket) -> None:
    """Closes after the peer stopped sending (at most 2 s), so that the close
    is a FIN: closing with unread data (with TLS 1.3 the client has already
    sent its request) would be a reset, and the client would lose the alert."""
    try:
        sock.shutdown(socket.SHUT_WR)
        sock.settimeout(2)
        while sock.recv(65536):
            pass
    except OSError:
        pass
    finally:
        sock.close()


class IotServer(ThreadingHTTPServer):
    """The mutual-TLS listener.

    Deliberately not asyncio: when asyncio's TLS handshake fails it closes the
    connection without sending the TLS alert, so a client would see an empty
    reply instead of "unknown ca" / "certificate required".  Here each
    connection's handshake runs on a blocking socket in its own thread, so
    OpenSSL sends the alert as a real server does; the answer itself is
    computed on the asyncio loop (IotEndpoint.answer).
    """

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: Tuple[str, int], context: ssl.SSLContext,
                 endpoint: IotEndpoint, loop: asyncio.AbstractEventLoop):
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, _Handler)
        self.context = context
        self.endpoint = endpoint
        self.loop = loop
        self._thread: Optional[threading.Thread] = None

    @property
    def port(self) -> int:
        return self.server_address[1]

    def finish_request(self, request, client_address) -> None:
        request.settimeout(30)
        tls = self.context.wrap_socket(request, server_side=True,
                                       do_handshake_on_connect=False)
        try:
            tls.do_handshake()
        except (ssl.SSLError, OSError) as exc:
            log.info("IoT endpoint: TLS handshake with %s refused: %s", client_address[0],
                     getattr(exc, "reason", None) or exc)
            _close_gracefully(socket.socket(fileno=tls.detach()))
            return
        try:
            _Handler(tls, client_address, self)
        except OSError as exc:
            log.info("IoT endpoint: connection from %s ended: %s", client_address[0], exc)
        finally:
            tls.close()

    def start(self) -> None:
        self._thread = threading.Thread(target=self.serve_forever, name="kvslocal-iot",
                                        daemon=True)
        self._thread.start()

    async def cleanup(self) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.shutdown)
        self.server_close()
