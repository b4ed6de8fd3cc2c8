"""SigV4 verification of incoming requests with botocore's own signer.

The canonical request, string to sign and signature are computed by
``botocore.auth.SigV4Auth``; only the choice of headers differs: AWS's
signer leaves out ``user-agent`` (botocore SIGNED_HEADERS_BLACKLIST) but the
KVS producer SDK signs it (upstream-wire-capture.md section 1), so the
verifier signs exactly the headers the client listed in SignedHeaders, with
the values and the Host as received.

Payload hash: sha256(body) for every request except PutMedia, whose
streamed body is signed as empty (upstream-wire-capture.md section 2).

What AWS answers for each failure, and where that was established:
- no Authorization: 403 MissingAuthenticationTokenException
  "Missing Authentication Token" (x-amzn-ErrorType seen on AWS rest-json
  endpoints, e.g. GitHub brain-power/Brain-Power-Amazon-Fidgetology#29).
- unknown access key: 403 UnrecognizedClientException "The security token
  included in the request is invalid." (KVS itself: GitHub
  awslabs/amazon-kinesis-video-streams-producer-sdk-java#90 and #103,
  producer-sdk-cpp#22).
- wrong signature: 403 InvalidSignatureException "The request signature we
  calculated does not match ..." (KVS describeStream body in
  producer-sdk-cpp#413; error type for KVS PutMedia in aws-sdk-net#1033).
- wrong region / service in the scope: 403 InvalidSignatureException
  "Credential should be scoped to a valid region, not '<r>'. " /
  "Credential should be scoped to correct service: '<s>'. " (aws-sdk-go#1850
  and aws-sdk-js-v3#5576 show 403 on rest-json services).
- clock skew: KVS answers 403 with the body {"message":"Signature expired:
  20231107T044734Z is now earlier than 20231107T045305Z (20231107T045805Z -
  5 min.)"} (producer-sdk-cpp#1099); the x-amzn-ErrorType of that message is
  InvalidSignatureException on AWS rest-json services (blog post on
  hashnode "AWS API: InvalidSignatureException: Signature Expired Error").
  The window is configurable (``max_skew_s``); KVS's observed window is
  5 minutes, the guide's common-errors page says 15 (guide L11655-11659).
  With ``skew_error="RequestExpired"`` the guide's answer is given instead:
  400 RequestExpired "Request has expired." beyond the window (the message
  of AWS's query services for that error type).
- expired temporary credentials: 403 ExpiredTokenException "The security
  token included in the request is expired".  KVS itself: the Android KVS
  client logs "The security token included in the request is expired
  (Service: AWSKinesisVideo; Status Code: 403; Error Code:
  ExpiredTokenException ...)" (GitHub aws-amplify/aws-sdk-android#2475), and
  PutMedia answers HTTP 403 with the body {"message":"The security token
  included in the request is expired"} (GitHub
  awslabs/amazon-kinesis-video-streams-producer-c#196 and #198).  The status
  and type are also the common ExpiredTokenException of AWS's JSON services
  (e.g. the EC2 API reference, "Common Error Types").
- temporary credentials without their session token, or with another one:
  403 UnrecognizedClientException, as for an unknown key (the token is part
  of the identity; AWS answers "The security token included in the request
  is invalid." for a token that does not match, producer-sdk-cpp#511).

Keys come from a CredentialRegistry (credentials.py): the static key pair
and the temporary credentials kvslocal issued.  Every verified request and
every refusal is counted there per access key.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials

from .credentials import CredentialRegistry
from .errors import KvsError

SERVICE = "kinesisvideo"
"""Signing name of all three KVS models (botocore metadata endpointPrefix)."""

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
SKEW_ERRORS = ("InvalidSignatureException", "RequestExpired")
"""Answers to a request signed outside the clock-skew window: KVS's observed
403 InvalidSignatureException "Signature expired" (default) or the guide's
400 RequestExpired (guide L11655-11659)."""

_AUTH_RE = re.compile(r"^AWS4-HMAC-SHA256\s+(?P<params>.+)$", re.S)


@dataclass
class AuthResult:
    """Who signed a verified request."""

    access_key: str
    session_token: Optional[str]
    source: str = "static"       # credentials.Credential.source
    token_signed: bool = False   # X-Amz-Security-Token was in SignedHeaders


class _ReceivedRequestSigner(SigV4Auth):
    """botocore's SigV4 signer restricted to the headers the client signed."""

    def __init__(self, credentials: Credentials, region: str, signed: Sequence[str]):
        super().__init__(credentials, SERVICE, region)
        self._signed = list(signed)

    def headers_to_sign(self, request: AWSRequest) -> HTTPHeaders:
        header_map = HTTPHeaders()
        for name in self._signed:
            for value in request.headers.get_all(name) or []:
                header_map[name] = value
        return header_map


def _parse_authorization(value: str) -> Dict[str, str]:
    match = _AUTH_RE.match(value.strip())
    if not match:
        raise KvsError("IncompleteSignatureException",
                       f"Authorization header requires the AWS4-HMAC-SHA256 algorithm. "
                       f"Authorization={value}")
    params: Dict[str, str] = {}
    for part in match.group("params").split(","):
        key, _, val = part.strip().partition("=")
        params[key.strip()] = val.strip()
    missing = [k for k in ("Credential", "SignedHeaders", "Signature") if not params.get(k)]
    if missing:
        raise KvsError("IncompleteSignatureException",
                       " ".join(f"Authorization header requires '{k}' parameter." for k in missing)
                       + f" Authorization={value}")
    return params


def _fmt(moment: dt.datetime) -> str:
    return moment.strftime(AMZ_DATE_FORMAT)


class SigV4Verifier:
    """Verifies requests against one access key / secret key pair.

    ``max_skew_s`` is the allowed clock difference in seconds and
    ``skew_error`` the answer beyond it (SKEW_ERRORS); ``now`` is a
    clock returning an aware UTC datetime (tests may replace it).  With a
    ``session_token`` every request signed with the static key must carry
    that X-Amz-Security-Token; without one any token (signed or not) is
    accepted for it.  ``registry`` holds the temporary credentials kvslocal
    issued (a new one with just the static key when None).
    """

    def __init__(self, access_key: str, secret_key: str, region: str,
                 max_skew_s: float = 300.0, now=None, session_token: Optional[str] = None,
                 registry: Optional[CredentialRegistry] = None,
                 skew_error: str = "InvalidSignatureException"):
        self.access_key = access_key
        self.session_token = session_token
        self.secret_key = secret_key
        self.region = region
        self.max_skew_s = max_skew_s
        if skew_error not in SKEW_ERRORS:
            raise ValueError(f"skew_error must be one of {SKEW_ERRORS}")
        self.skew_error = skew_error
        self._now = now or (lambda: dt.datetime.now(dt.timezone.utc))
        self.registry = registry or CredentialRegistry(access_key, secret_key, session_token)

    def verify(self, method: str, raw_path: str, headers: Sequence[Tuple[str, str]],
               body: bytes, streaming: bool = False) -> AuthResult:
        """Checks a request; raises KvsError with AWS's status and type on failure.

        ``raw_path`` is the path and query as received; ``headers`` are the
        received (name, value) pairs; ``streaming`` selects the empty payload
        hash used for PutMedia.  Uses and refusals are counted in the registry.
        """
        seen: Dict[str, Optional[str]] = {"access_key": None}
        try:
            return self._verify(method, raw_path, headers, body, streaming, seen)
        except KvsError as exc:
            self.registry.note_rejection(seen["access_key"], exc.error_type,
                                         f"{method} {raw_path.split('?')[0]}")
            raise

    def _verify(self, method: str, raw_path: str, headers: Sequence[Tuple[str, str]],
                body: bytes, streaming: bool, seen: Dict[str, Optional[str]]) -> AuthResult:
        lower: Dict[str, List[str]] = {}
        for name, value in headers:
            lower.setdefault(name.lower(), []).append(value)
        authorization = (lower.get("authorization") or [None])[0]
        if not authorization:
            raise KvsError("MissingAuthenticationTokenException", "Missing Authentication Token")
        params = _parse_authorization(authorization)
        scope = params["Credential"].split("/")
        if len(scope) != 5:
            raise KvsError("IncompleteSignatureException",
                           f"Credential must have exactly 5 slash-delimited elements, "
                           f"e.g. keyid/date/region/service/term, got '{params['Credential']}'")
        access_key, scope_date, region, service, terminator = scope
        seen["access_key"] = access_key
        amz_date = (lower.get("x-amz-date") or [None])[0]
        if amz_date is None:
            raise KvsError("IncompleteSignatureException",
                           "Authorization header requires existence of either a 'X-Amz-Date' "
                           f"or a 'Date' header. Authorization={authorization}")
        try:
            signed_at = dt.datetime.strptime(amz_date, AMZ_DATE_FORMAT).replace(
                tzinfo=dt.timezone.utc)
        except ValueError:
            raise KvsError("IncompleteSignatureException",
                           f"Date must be in ISO-8601 'basic format'. Got '{amz_date}'. "
                           "See http://en.wikipedia.org/wiki/ISO_8601")
        token = (lower.get("x-amz-security-token") or [None])[0]
        credential = self.registry.lookup(access_key)
        if credential is None or \
                (credential.session_token is not None and token != credential.session_token):
            raise KvsError("UnrecognizedClientException",
                           "The security token included in the request is invalid.")
        if credential.expired(self._now().timestamp()):
            raise KvsError("ExpiredTokenException",
                           "The security token included in the request is expired")
        if scope_date != amz_date[:8]:
            raise KvsError("InvalidSignatureException",
                           "Date in Credential scope does not match YYYYMMDD from ISO-8601 "
                           f"version of date from HTTP: '{scope_date}' != '{amz_date[:8]}', "
                           f"from '{amz_date}'.")
        if region != self.region:
            raise KvsError("InvalidSignatureException",
                           f"Credential should be scoped to a valid region, not '{region}'. ")
        if service != SERVICE:
            raise KvsError("InvalidSignatureException",
                           f"Credential should be scoped to correct service: '{SERVICE}'. ")
        if terminator != "aws4_request":
            raise KvsError("InvalidSignatureException",
                           "Credential should be scoped with a valid terminator: "
                           f"'aws4_request', not '{terminator}'. ")
        self._check_skew(signed_at)
        signed = [h.strip().lower() for h in params["SignedHeaders"].split(";") if h.strip()]
        expected = self._signature(method, raw_path, lower, signed, body, streaming, amz_date,
                                   credential)
        if not hmac.compare_digest(expected, params["Signature"]):
            raise KvsError("InvalidSignatureException",
                           "The request signature we calculated does not match the signature "
                           "you provided. Check your AWS Secret Access Key and signing method. "
                           "Consult the service documentation for details.")
        token_signed = token is not None and "x-amz-security-token" in signed
        self.registry.note_use(credential, token_signed)
        return AuthResult(access_key=access_key, session_token=token,
                          source=credential.source, token_signed=token_signed)

    def _check_skew(self, signed_at: dt.datetime) -> None:
        now = self._now()
        window = dt.timedelta(seconds=self.max_skew_s)
        minutes = f"{self.max_skew_s / 60:g} min."
        if self.skew_error == "RequestExpired" and abs(signed_at - now) > window:
            raise KvsError("RequestExpired", "Request has expired.", status=400)
        if signed_at < now - window:
            raise KvsError("InvalidSignatureException",
                           f"Signature expired: {_fmt(signed_at)} is now earlier than "
                           f"{_fmt(now - window)} ({_fmt(now)} - {minutes})")
        if signed_at > now + window:
            raise KvsError("InvalidSignatureException",
                           f"Signature not yet current: {_fmt(signed_at)} is still later than "
                           f"{_fmt(now + window)} ({_fmt(now)} + {minutes})")

    def _signature(self, method: str, raw_path: str, lower: Mapping[str, List[str]],
                   signed: Sequence[str], body: bytes, streaming: bool, amz_date: str,
                   credential) -> str:
        host = (lower.get("host") or ["localhost"])[0]
        headers = HTTPHeaders()
        for name, values in lower.items():
            for value in values:
                headers[name] = value
        if streaming:
            payload = b""
        else:
            payload = body
            declared = (lower.get("x-amz-content-sha256") or [None])[0]
            if declared not in (None, "UNSIGNED-PAYLOAD") and \
                    declared != hashlib.sha256(body).hexdigest():
                raise KvsError("InvalidSignatureException",
                               "The provided 'x-amz-content-sha256' header does not match "
                               "what was computed.")
        request = AWSRequest(method=method, url=f"http://{host}{raw_path}",
                             headers=headers, data=payload)
        request.context["timestamp"] = amz_date
        signer = _ReceivedRequestSigner(
            Credentials(credential.access_key_id, credential.secret_access_key), self.region,
            signed)
        canonical = signer.canonical_request(request)
        string_to_sign = signer.string_to_sign(request, canonical)
        return signer.signature(string_to_sign, request)
