"""The credentials kvslocal accepts, and the temporary ones it issues.

kvslocal accepts its static key pair (``--access-key``/``--secret-key``, with
``--session-token`` when given) and every credential it issued itself: from
the IoT credentials endpoint (iot.py), the container-credentials and IMDSv2
endpoints (metadata.py), or the admin API (``POST /_kvslocal/credentials``).

An issued credential is temporary, like AWS STS credentials: an access key id
starting ``ASIA``, a secret, a session token and an expiration.  Requests
signed with it must carry exactly that token in ``X-Amz-Security-Token``, and
after the expiration they are refused with AWS's answer for an expired token
(403 ``ExpiredTokenException``, see sigv4.py for the sources).

The lifetime of what is issued from now on is the *schedule*
(``--credential-lifetime``, ``PUT /_kvslocal/credentials/schedule``); tests
use it to get 1-minute credentials, or already-expired ones (a negative
lifetime).  ``POST /_kvslocal/credentials/expire`` ends issued credentials
early (revocation).  Every verified request and every refusal is counted per
access key, so tests can see which credential signed what.
"""
from __future__ import annotations

import base64
import datetime as dt
import secrets
import string
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional

DEFAULT_LIFETIME_S = 3600.0
"""AWS IoT role aliases default to 3600 s (CreateRoleAlias
credentialDurationSeconds); IMDS and container roles also rotate hourly."""

_KEY_ALPHABET = string.ascii_uppercase + "234567"
_REJECTIONS_KEPT = 1000

_UNSET: Any = object()


def iso8601(epoch_s: float) -> str:
    """``2019-01-31T23:00:59Z`` (the IoT, IMDS and ECS expiration format)."""
    return dt.datetime.fromtimestamp(int(epoch_s), dt.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def _random_access_key(prefix: str) -> str:
    return prefix + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(16))


def _random_secret() -> str:
    return base64.b64encode(secrets.token_bytes(30)).decode()


def _random_token() -> str:
    # STS session tokens are long base64 strings; 240 bytes gives 320 chars.
    return base64.b64encode(b"kvslocal" + secrets.token_bytes(232)).decode()


@dataclass
class Credential:
    """One accepted key pair and how it was used."""

    access_key_id: str
    secret_access_key: str
    # Temporary credentials: the token every request must carry.  For the
    # static key: --session-token, or None (any token, or none, accepted).
    session_token: Optional[str]
    source: str                     # static, admin, iot, container, imds
    issued_ms: int
    expiration_ms: Optional[int]    # None: never expires
    subject: Optional[str] = None   # thing name, role name, ...
    requests: int = 0               # verified requests signed with it
    token_signed_requests: int = 0  # ... whose X-Amz-Security-Token was signed
    rejected: Dict[str, int] = field(default_factory=dict)  # error type -> count
    last_used_ms: Optional[int] = None

    def expired(self, now_s: float) -> bool:
        return self.expiration_ms is not None and now_s * 1000 >= self.expiration_ms

    def record(self, secrets_too: bool = False) -> Dict[str, Any]:
        """JSON record for the admin API; secrets only when asked for (issuing)."""
        out: Dict[str, Any] = {
            "access_key_id": self.access_key_id,
            "source": self.source,
            "subject": self.subject,
            "temporary": self.source != "static",
            "issued_ms": self.issued_ms,
            "expiration_ms": self.expiration_ms,
            "expiration": iso8601(self.expiration_ms / 1000)
            if self.expiration_ms is not None else None,
            "requests": self.requests,
            "token_signed_requests": self.token_signed_requests,
            "rejected": dict(self.rejected),
            "last_used_ms": self.last_used_ms,
        }
        if secrets_too:
            out["secret_access_key"] = self.secret_access_key
            out["session_token"] = self.session_token
        return out


class CredentialRegistry:
    """Accepted credentials by access key id; issues temporary ones.

    ``clock`` returns seconds since the epoch (time.time by default).
    Single-threaded (the asyncio loop), so no locking.
    """

    def __init__(self, access_key: str, secret_key: str, session_token: Optional[str] = None,
                 lifetime_s: float = DEFAULT_LIFETIME_S,
                 clock: Callable[[], float] = time.time):
        self._clock = clock
        self.lifetime_s = float(lifetime_s)
        self._by_key: Dict[str, Credential] = {}
        self.rejections: List[Dict[str, Any]] = []
        self.rejections_dropped = 0
        self._by_key[access_key] = Credential(
            access_key, secret_key, session_token, "static",
            int(clock() * 1000), None)

    def lookup(self, access_key_id: str) -> Optional[Credential]:
        return self._by_key.get(access_key_id)

    def all(self) -> List[Credential]:
        return list(self._by_key.values())

    def issue(self, source: str, subject: Optional[str] = None,
              lifetime_s: Any = _UNSET, access_key_id: Optional[str] = None,
              secret_access_key: Optional[str] = None,
              session_token: Any = _UNSET) -> Credential:
        """A new accepted credential.  ``lifetime_s``: seconds from now (may
        be negative: already expired), None for never, default the schedule.
        ``session_token`` None makes a long-term key (no token needed)."""
        now = self._clock()
        if lifetime_s is _UNSET:
            lifetime_s = self.lifetime_s
        if session_token is _UNSET:
            session_token = _random_token()
        key = access_key_id or _random_access_key("ASIA" if session_token else "AKIA")
        if key in self._by_key:
            raise ValueError(f"access key {key} is already registered")
        credential = Credential(
            access_key_id=key,
            secret_access_key=secret_access_key or _random_secret(),
            session_token=session_token,
            source=source,
            issued_ms=int(now * 1000),
            expiration_ms=None if lifetime_s is None else int((now + lifetime_s) * 1000),
            subject=subject)
        self._by_key[key] = credential
        return credential

    def current(self, source: str, subject: str) -> Credential:
        """The credential ``source`` currently hands out for ``subject``, as
        IMDS and the ECS agent do: the same one until it is within its
        rotation window (a quarter of its lifetime, at most 5 min, before it
        expires; EC2 makes new role credentials available at least 5 minutes
        before the old ones expire), then a new one."""
        now = self._clock()
        for credential in reversed(list(self._by_key.values())):
            if credential.source != source or credential.subject != subject:
                continue
            if credential.expiration_ms is None:
                return credential
            lifetime = (credential.expiration_ms - credential.issued_ms) / 1000
            window = min(300.0, max(lifetime, 0) / 4)
            if credential.expiration_ms / 1000 - now > window:
                return credential
            break
        return self.issue(source, subject)

    def expire(self, access_key_id: Optional[str] = None) -> int:
        """Ends issued credentials now (one, or all of them); returns how many."""
        now_ms = int(self._clock() * 1000)
        count = 0
        for credential in self._by_key.values():
            if credential.source == "static":
                continue
            if access_key_id is not None and credential.access_key_id != access_key_id:
                continue
            if credential.expiration_ms is None or credential.expiration_ms > now_ms:
                credential.expiration_ms = now_ms
                count += 1
        return count

    def note_use(self, credential: Credential, token_signed: bool) -> None:
        credential.requests += 1
        if token_signed:
            credential.token_signed_requests += 1
        credential.last_used_ms = int(self._clock() * 1000)

    def note_rejection(self, access_key_id: Optional[str], error_type: str,
                       what: str) -> None:
        credential = self._by_key.get(access_key_id or "")
        if credential is not None:
            credential.rejected[error_type] = credential.rejected.get(error_type, 0) + 1
        if len(self.rejections) >= _REJECTIONS_KEPT:
            self.rejections.pop(0)
            self.rejections_dropped += 1
        self.rejections.append({"time_ms": int(self._clock() * 1000),
                                "access_key_id": access_key_id,
                                "error_type": error_type, "request": what})

    def summary(self, secrets_too: bool = False) -> Dict[str, Any]:
        return {"lifetime_s": self.lifetime_s,
                "credentials": [c.record(secrets_too) for c in self._by_key.values()],
                "rejections": list(self.rejections),
                "rejections_dropped": self.rejections_dropped}
