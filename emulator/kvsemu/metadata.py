"""Credential endpoints of the compute platforms, on kvslocal's metadata port.

A plain-HTTP loopback listener (``--metadata-port``) serves two protocols;
clients reach it through the standard environment variables:

EC2 instance metadata, IMDSv2 only (``AWS_EC2_METADATA_SERVICE_ENDPOINT=
http://127.0.0.1:PORT``; EC2 User Guide "Use the Instance Metadata Service
to access instance metadata" and "Retrieve security credentials from
instance metadata"):

    PUT /latest/api/token                       X-aws-ec2-metadata-token-ttl-seconds: 1..21600
        -> 200 token (text), X-aws-ec2-metadata-token-ttl-seconds echoed;
           400 without a valid TTL; 403 with X-Forwarded-For (IMDS refuses
           token requests that went through a proxy)
    GET /latest/meta-data/iam/security-credentials/        X-aws-ec2-metadata-token: T
        -> 200 the role name; 404 when no role is attached (``--imds-role ""``);
           401 without a valid, unexpired token
    GET /latest/meta-data/iam/security-credentials/<role>
        -> 200 {"Code": "Success", "LastUpdated", "Type": "AWS-HMAC",
                "AccessKeyId", "SecretAccessKey", "Token", "Expiration"};
           404 for another role; 401 without a valid token

Container credentials (ECS task roles, EKS Pod Identity, Greengrass TES;
``AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:PORT/v1/credentials``
with ``AWS_CONTAINER_AUTHORIZATION_TOKEN`` or ``..._TOKEN_FILE``):

    GET /v1/credentials, /v2/credentials/<id>, /2016-11-01/credentialprovider/
        Authorization: <token>
        -> 200 {"AccessKeyId", "SecretAccessKey", "Token", "Expiration", "RoleArn"};
           400 "Service account token cannot be empty" without Authorization
           (what the EKS Pod Identity agent answers, GitHub aws/aws-sdk-php#3188);
           403 for a wrong token (chosen: the agents' answer is not documented)

Both hand out the same credential for a role until it is inside its rotation
window (credentials.CredentialRegistry.current), like the real services.
Faults of type ``credentials_error`` (faults.py) replace an answer (source
"imds" or "container").  Request headers and bodies are never logged.
"""
from __future__ import annotations

import json
import logging
import secrets
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, Optional

from aiohttp import web

from .credentials import iso8601

if TYPE_CHECKING:
    from .server import Service

log = logging.getLogger("kvslocal.metadata")

IMDS_MAX_TTL_S = 21600
CONTAINER_PATHS = ("/v1/credentials", "/v2/credentials/", "/2016-11-01/credentialprovider")
ACCOUNT_ID = "123456789012"


@dataclass
class MetadataSettings:
    """What the metadata endpoints serve (command line / admin API)."""

    imds_role: str = "kvslocal-instance-role"
    # The Authorization value container clients must send; "" = not checked.
    container_token: str = field(default_factory=lambda: "kvslocal-" + secrets.token_hex(16))
    container_role: str = "kvslocal-container-role"


def _text(status: int, text: str, **headers: str) -> web.Response:
    return web.Response(status=status, text=text, content_type="text/plain", headers=headers)


def _json(status: int, value) -> web.Response:
    return web.Response(status=status, body=json.dumps(value).encode(),
                        content_type="application/json")


class MetadataEndpoints:
    """Request handlers of the metadata listener."""

    def __init__(self, service: "Service", settings: MetadataSettings):
        self.service = service
        self.settings = settings
        self._imds_tokens: Dict[str, float] = {}  # token -> expiry (epoch s)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        return app

    async def handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if path.startswith("/latest/"):
            source = "imds"
        elif path.startswith(CONTAINER_PATHS) and request.method == "GET":
            source = "container"
        else:
            return _text(404, "Not Found")
        injected = self.service.faults.credentials_answer(source, path)
        if injected is not None:
            status, body = injected
            log.info("%s %s -> %d (credentials_error fault)", request.method, path, status)
            return web.Response(status=status, text=body, content_type="application/json")
        response = self._imds(request) if source == "imds" else self._container(request)
        log.info("%s %s -> %d", request.method, path, response.status)
        return response

    # -- IMDSv2 -----------------------------------------------------------------

    def _imds(self, request: web.Request) -> web.Response:
        path = request.path
        if path == "/latest/api/token":
            if request.method != "PUT":
                return _text(405, "Method Not Allowed")
            return self._imds_token(request)
        if request.method != "GET":
            return _text(405, "Method Not Allowed")
        if not self._imds_token_valid(request.headers.get("X-aws-ec2-metadata-token")):
            return _text(401, "Unauthorized")
        prefix = "/latest/meta-data/iam/security-credentials/"
        if path == prefix:
            if not self.settings.imds_role:  # No instance profile attached.
                return _text(404, "Not Found")
            return _text(200, self.settings.imds_role)
        if path.startswith(prefix) and "/" not in path[len(prefix):]:
            role = path[len(prefix):]
            if not role or role != self.settings.imds_role:
                return _text(404, "Not Found")
            credential = self.service.credentials.current("imds", role)
            return _json(200, {
                "Code": "Success",
                "LastUpdated": iso8601(credential.issued_ms / 1000),
                "Type": "AWS-HMAC",
                "AccessKeyId": credential.access_key_id,
                "SecretAccessKey": credential.secret_access_key,
                "Token": credential.session_token,
                "Expiration": iso8601(credential.expiration_ms / 1000)
                if credential.expiration_ms is not None else None,
            })
        return _text(404, "Not Found")

    def _imds_token(self, request: web.Request) -> web.Response:
        if "X-Forwarded-For" in request.headers:
            return _text(403, "Forbidden")
        ttl_text = request.headers.get("X-aws-ec2-metadata-token-ttl-seconds", "")
        try:
            ttl = int(ttl_text)
        except ValueError:
            ttl = 0
        if not 1 <= ttl <= IMDS_MAX_TTL_S:
            return _text(400, "Missing or Invalid Parameters")
        now = time.time()
        self._imds_tokens = {t: e for t, e in self._imds_tokens.items() if e > now}
        token = "AQAEA" + secrets.token_urlsafe(42)
        self._imds_tokens[token] = now + ttl
        return _text(200, token, **{"X-aws-ec2-metadata-token-ttl-seconds": str(ttl)})

    def _imds_token_valid(self, token: Optional[str]) -> bool:
        expiry = self._imds_tokens.get(token or "")
        return expiry is not None and expiry > time.time()

    # -- container credentials --------------------------------------------------

    def _container(self, request: web.Request) -> web.Response:
        expected = self.settings.container_token
        given = request.headers.get("Authorization")
        if expected:
            if not given:
                return _json(400, {"message": "Service account token cannot be empty"})
            if not secrets.compare_digest(given.encode(), expected.encode()):
                return _json(403, {"message": "Invalid authorization token"})
        role = self.settings.container_role
        credential = self.service.credentials.current("container", role)
        return _json(200, {
            "AccessKeyId": credential.access_key_id,
            "SecretAccessKey": credential.secret_access_key,
            "Token": credential.session_token,
            "Expiration": iso8601(credential.expiration_ms / 1000)
            if credential.expiration_ms is not None else None,
            "RoleArn": f"arn:aws:iam::{ACCOUNT_ID}:role/{role}",
        })
