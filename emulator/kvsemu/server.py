"""The kvslocal HTTP service: routing, authentication, faults, admin API.

Every KVS request is a POST to the operation's path (botocore requestUri:
/createStream, /putMedia, /getMedia, /listFragments, ...).  Each one is
verified with SigV4 (sigv4.py), checked against botocore's model (model.py)
and dispatched.  ``/_kvslocal/...`` is the unsigned admin API (admin.py).
"""
from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from typing import Any, Dict, Optional

from aiohttp import web
from aiohttp.http import HttpVersion11

from . import admin
from .archived import CHUNK_CONTENT_TYPE, ArchivedMedia
from .control import ControlPlane, find_stream
from .credentials import DEFAULT_LIFETIME_S, CredentialRegistry
from .errors import KvsError, new_request_id
from .faults import Faults
from .media import Media
from .model import Models, split_arn
from .putmedia import Limits, PutMediaSession, parse_headers, reset_connection
from .sigv4 import SigV4Verifier
from .store import Store

log = logging.getLogger("kvslocal")

PUT_MEDIA_PATH = "/putMedia"


@dataclass
class Config:
    """Command-line settings (see cli.py for units and defaults)."""

    host: str = "127.0.0.1"
    port: int = 0
    access_key: str = "AKIAIOSFODNN7EXAMPLE"
    secret_key: str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    session_token: Optional[str] = None
    region: str = "us-west-2"
    data_dir: Optional[str] = None
    discard: bool = False
    max_clock_skew_s: float = 300.0
    skew_error: str = "InvalidSignatureException"   # or "RequestExpired" (sigv4.py)
    create_delay_s: float = 0.0
    update_delay_s: float = 0.0
    delete_delay_s: float = 0.0
    getmedia_idle_s: float = 30.0
    tls: bool = False
    tls_dir: Optional[str] = None
    resolved_tls_dir: Optional[str] = None  # set by tls.tls_folder()
    credential_lifetime_s: float = DEFAULT_LIFETIME_S


class Service:
    """Holds the state shared by all handlers."""

    def __init__(self, config: Config, limits: Limits):
        self.config = config
        self.limits = limits
        self.scheme = "https" if config.tls else "http"
        self.port = config.port
        self.models = Models()
        self.store = Store(config.region, config.data_dir, config.create_delay_s,
                           config.update_delay_s, config.delete_delay_s)
        self.faults = Faults()
        self.credentials = CredentialRegistry(config.access_key, config.secret_key,
                                              config.session_token,
                                              lifetime_s=config.credential_lifetime_s)
        self.verifier = SigV4Verifier(config.access_key, config.secret_key, config.region,
                                      max_skew_s=config.max_clock_skew_s,
                                      session_token=config.session_token,
                                      registry=self.credentials,
                                      skew_error=config.skew_error)
        self.control = ControlPlane(self.store, config.region, self.base_url)
        self.archived = ArchivedMedia(self.store, config.region)
        self.media = Media(self.store, config.region, config.getmedia_idle_s)
        self.extra_handlers: Dict[str, Any] = {
            "GetMedia": self.media.get_media,
            "GetClip": self.media.get_clip,
            "GetImages": self.media.get_images,
        }
        self.ca_file: Optional[str] = None
        self.refusal_hook = None
        # Set by cli.serve(): the credential endpoints and their settings.
        self.metadata_url: Optional[str] = None
        self.metadata_settings: Optional[Any] = None   # metadata.MetadataSettings
        self.iot_url: Optional[str] = None
        self.iot_settings: Optional[Any] = None        # iot.IotSettings
        self.tls_files: Dict[str, str] = {}            # tls.ensure_client_certificates()

    def base_url(self) -> str:
        """kvslocal's own URL, returned by GetDataEndpoint (no path)."""
        return f"{self.scheme}://{self.config.host}:{self.port}"

    # -- entry point ----------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if request.path.startswith("/_kvslocal"):
            return await admin.handle(self, request)
        request_id = new_request_id()
        try:
            if request.method != "POST":
                raise KvsError("UnknownOperationException",
                               f"No operation for {request.method} {request.path}", status=404)
            if request.path == PUT_MEDIA_PATH:
                return await self._put_media(request, request_id)
            return await self._operation(request, request_id)
        except KvsError as exc:
            log.info("%s %s -> %d %s: %s", request.method, request.path, exc.status,
                     exc.error_type, exc.message)
            return exc.response(request_id)
        except (asyncio.CancelledError, ConnectionResetError):
            raise
        except Exception:  # a kvslocal bug: answer as AWS's InternalFailure and log it
            log.exception("%s %s failed", request.method, request.path)
            return KvsError("InternalFailure", "kvslocal internal error", status=500) \
                .response(request_id)

    def _stream_name(self, params: Dict[str, Any]) -> Optional[str]:
        if params.get("StreamName"):
            return params["StreamName"]
        arn = params.get("StreamARN")
        if arn:
            try:
                return split_arn(arn)[1]
            except KvsError:
                return None
        return None

    def _apply_faults(self, request: web.Request, operation: str,
                      stream: Optional[str]) -> None:
        if self.faults.refused(stream, operation):
            reset_connection(request)
            raise asyncio.CancelledError()
        self.faults.check_operation(operation, stream)

    async def _operation(self, request: web.Request, request_id: str) -> web.StreamResponse:
        op = self.models.operation(request.path)
        if op is None:
            raise KvsError("UnknownOperationException",
                           f"No operation at {request.path}", status=404)
        body = await request.read()
        self.verifier.verify(request.method, request.raw_path, received_headers(request),
                             body)
        params = self.models.parse_and_validate(op, body)
        self._apply_faults(request, op.name, self._stream_name(params))
        if op.name in self.control.handlers:
            result = self.control.handlers[op.name](params)
        elif op.name == "ListFragments":
            result = self.archived.list_fragments(params)
        elif op.name == "GetMediaForFragmentList":
            payload = self.archived.get_media_for_fragment_list(params)
            return web.Response(body=payload, headers={
                "Content-Type": CHUNK_CONTENT_TYPE, "x-amzn-RequestId": request_id})
        elif op.name in self.extra_handlers:
            return await self.extra_handlers[op.name](request, params, request_id)
        else:
            raise KvsError("UnsupportedOperationException",
                           f"kvslocal does not emulate {op.name}.", status=400)
        log.info("%s %s -> 200", op.name, self._stream_name(params) or "")
        return web.Response(body=json.dumps(result).encode(), headers={
            "Content-Type": "application/json", "x-amzn-RequestId": request_id})

    def _put_media_checks(self, request: web.Request):
        """Signature, headers, faults and stream of a PutMedia request.

        Runs once per request: from the Expect handler (so a rejected request
        gets its final status instead of "100 Continue" and the client never
        sends the body) or else from the handler.
        """
        if "putmedia" in request:
            return request["putmedia"]
        self.verifier.verify(request.method, request.raw_path, received_headers(request),
                             b"", streaming=True)
        name, arn, timecode_type, start_ms, acks = parse_headers(request)
        params = {"StreamName": name} if name is not None else {"StreamARN": arn}
        self._apply_faults(request, "PutMedia", self._stream_name(params))
        data = find_stream(self.store, params, self.config.region)
        request["putmedia"] = (data, timecode_type, start_ms, acks)
        return request["putmedia"]

    async def expect(self, request: web.Request) -> Optional[web.StreamResponse]:
        """Expect: 100-continue.  PutMedia is checked first (see _put_media_checks)."""
        if request.path == PUT_MEDIA_PATH and request.method == "POST":
            request_id = new_request_id()
            request["request_id"] = request_id
            try:
                self._put_media_checks(request)
            except KvsError as exc:
                log.info("PutMedia refused before 100-continue: %d %s: %s", exc.status,
                         exc.error_type, exc.message)
                # aiohttp 3.8 ignores a response returned by an Expect handler but
                # sends a raised HTTPException as the final response.
                raise _FinalResponse(exc, request_id)
        if request.headers.get("Expect", "").lower() == "100-continue" and \
                request.version == HttpVersion11:
            await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        return None

    async def _put_media(self, request: web.Request, request_id: str) -> web.StreamResponse:
        request_id = request.get("request_id", request_id)
        data, timecode_type, start_ms, acks = self._put_media_checks(request)
        log.info("PutMedia %s: %s timecodes, producer start %s ms, acks %s",
                 data.stream.name, timecode_type, start_ms, acks)
        session = PutMediaSession(request, self.store, self.faults, self.limits,
                                  self.config.discard, data, request_id, timecode_type,
                                  start_ms, acks)
        return await session.run()


class _FinalResponse(web.HTTPException):
    """A KvsError answer raised from the Expect handler (sent instead of 100)."""

    def __init__(self, error: KvsError, request_id: str):
        self.status_code = error.status
        super().__init__(headers={"x-amzn-ErrorType": error.error_type,
                                  "x-amzn-RequestId": request_id},
                         body=json.dumps({"message": error.message}).encode(),
                         content_type="application/json")


def received_headers(request: web.Request) -> list:
    """The request headers as received: (name, value) pairs, duplicates kept."""
    return [(n.decode("latin-1"), v.decode("latin-1")) for n, v in request.raw_headers]


def make_app(service: Service) -> web.Application:
    app = web.Application(client_max_size=16 * 1024 * 1024)
    app.router.add_route("*", "/{tail:.*}", service.handle, expect_handler=service.expect)
    return app
