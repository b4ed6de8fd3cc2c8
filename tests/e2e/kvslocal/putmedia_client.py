"""A signed, streaming PutMedia client for tests (raw asyncio sockets).

It sends the request headers like AWS's kvssink (upstream-wire-capture.md
section 2), signs them with botocore's SigV4 primitives using the empty
payload hash, then writes the body as HTTP/1.1 chunks of exactly the sizes
the test asks for, while ACK lines are read as they arrive.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import ssl
from typing import Dict, List, Optional, Tuple

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


class _SignEveryHeader(SigV4Auth):
    """botocore's signer without its blacklist: every header given is signed,
    user-agent included, as the KVS producer SDK does (upstream-wire-capture.md)."""

    def headers_to_sign(self, request):
        from botocore.awsrequest import HTTPHeaders
        header_map = HTTPHeaders()
        for name, value in request.headers.items():
            header_map[name.lower()] = value
        return header_map


def sign_headers(method: str, url: str, headers: Dict[str, str], body: bytes,
                 access_key: str, secret_key: str, region: str,
                 amz_date: Optional[str] = None, service: str = "kinesisvideo",
                 scope_region: Optional[str] = None) -> Dict[str, str]:
    """Returns ``headers`` plus X-Amz-Date and Authorization (SigV4, botocore).

    Every header given is signed, user-agent included (pass Expect separately).
    ``amz_date`` (YYYYMMDDTHHMMSSZ) overrides the clock for skew tests.
    """
    stamp = amz_date or dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    signer = _SignEveryHeader(Credentials(access_key, secret_key), service,
                              scope_region or region)
    request = AWSRequest(method=method, url=url, headers=dict(headers), data=body)
    request.headers["X-Amz-Date"] = stamp
    request.context["timestamp"] = stamp
    canonical = signer.canonical_request(request)
    string_to_sign = signer.string_to_sign(request, canonical)
    signature = signer.signature(string_to_sign, request)
    signed = signer.signed_headers(signer.headers_to_sign(request))
    out = dict(request.headers.items())
    out["Authorization"] = (f"AWS4-HMAC-SHA256 Credential={access_key}/{stamp[:8]}/"
                            f"{scope_region or region}/{service}/aws4_request, "
                            f"SignedHeaders={signed}, Signature={signature}")
    return out


class PutMediaClient:
    """One PutMedia connection.

    ``await open()`` sends the headers; ``send()`` writes body chunks;
    ``end()`` writes the last chunk; ``status()`` waits for the response
    status; ``next_ack()`` returns the next ACK dict, or None at the end of
    the response.
    """

    def __init__(self, kvs, stream: Optional[str] = None, arn: Optional[str] = None,
                 timecode_type: str = "ABSOLUTE", start_ms: Optional[int] = 1795262660292,
                 acks: str = "1", expect_continue: bool = True,
                 host_header: Optional[str] = None, extra_headers: Optional[dict] = None,
                 access_key: Optional[str] = None, secret_key: Optional[str] = None,
                 amz_date: Optional[str] = None):
        self.kvs = kvs
        self.headers: Dict[str, str] = {}
        host = host_header or f"127.0.0.1:{kvs.port}"
        self.headers["host"] = host
        self.headers["connection"] = "keep-alive"
        self.headers["user-agent"] = "AWS-SDK-KVS-CPP-CLIENT/3.6.0/1.6.2 GCC/12.2.0 Linux x86_64"
        self.headers["transfer-encoding"] = "chunked"
        if stream is not None:
            self.headers["x-amzn-stream-name"] = stream
        if arn is not None:
            self.headers["x-amzn-stream-arn"] = arn
        self.headers["x-amzn-fragment-timecode-type"] = timecode_type
        if start_ms is not None:
            self.headers["x-amzn-producer-start-timestamp"] = f"{start_ms / 1000:.3f}"
        self.headers["x-amzn-fragment-acknowledgment-required"] = acks
        self.headers.update(extra_headers or {})
        self.expect_continue = expect_continue
        self.access_key = access_key or kvs.access_key
        self.secret_key = secret_key or kvs.secret_key
        self.amz_date = amz_date
        self.reader: Optional[asyncio.StreamReader] = None
        self.writer: Optional[asyncio.StreamWriter] = None
        self.status_code: Optional[int] = None
        self.response_headers: Dict[str, str] = {}
        self._chunked = False
        self._pending = b""
        self._body_done = False
        self.raw_body = b""
        self.send_failed = False
        self.reset_seen = False
        self.saw_continue = False

    async def open(self) -> "PutMediaClient":
        context = None
        if self.kvs.url.startswith("https"):
            context = ssl.create_default_context(cafile=self.kvs.ca_file())
        self.reader, self.writer = await asyncio.open_connection(
            "127.0.0.1", self.kvs.port, ssl=context,
            server_hostname="127.0.0.1" if context else None)
        url = f"{self.kvs.url}/putMedia"
        signed = sign_headers("POST", url, self.headers, b"", self.access_key,
                              self.secret_key, self.kvs.region, amz_date=self.amz_date)
        lines = ["POST /putMedia HTTP/1.1", "Accept: */*",
                 "content-type: application/json"]
        lines += [f"{k}: {v}" for k, v in signed.items()]
        if self.expect_continue:
            lines.append("Expect: 100-continue")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        await self.writer.drain()
        return self

    async def send(self, data: bytes, chunk_sizes: Optional[List[int]] = None) -> None:
        """Writes ``data`` as HTTP chunks (sizes cycle through ``chunk_sizes``)."""
        assert self.writer is not None
        sizes = chunk_sizes or [len(data) or 1]
        pos = 0
        i = 0
        while pos < len(data):
            size = sizes[i % len(sizes)]
            piece = data[pos:pos + size]
            if self.send_failed:
                return
            try:
                self.writer.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                await self.writer.drain()
            except (ConnectionResetError, BrokenPipeError):
                self.send_failed = True
                return
            pos += size
            i += 1

    async def end(self) -> None:
        assert self.writer is not None
        if self.send_failed:
            return
        try:
            self.writer.write(b"0\r\n\r\n")
            await self.writer.drain()
        except (ConnectionResetError, BrokenPipeError):
            self.send_failed = True

    async def status(self, timeout: float = 30) -> int:
        if self.status_code is None:
            await asyncio.wait_for(self._read_head(), timeout)
        assert self.status_code is not None
        return self.status_code

    async def _read_head(self) -> None:
        assert self.reader is not None
        while True:
            line = await self.reader.readline()
            if not line:
                raise ConnectionError("connection closed before a response")
            status = int(line.split()[1])
            headers: Dict[str, str] = {}
            while True:
                h = await self.reader.readline()
                if h in (b"\r\n", b"\n", b""):
                    break
                k, _, v = h.decode().partition(":")
                headers[k.strip().lower()] = v.strip()
            if status == 100:
                self.saw_continue = True
                continue
            self.status_code = status
            self.response_headers = headers
            self._chunked = headers.get("transfer-encoding", "").lower() == "chunked"
            return

    async def _read_more(self) -> bool:
        """Reads one more body chunk into _pending; False at the end of the body."""
        assert self.reader is not None
        if self._body_done:
            return False
        if not self._chunked:
            length = int(self.response_headers.get("content-length", "0"))
            data = await self.reader.readexactly(length) if length else b""
            self._pending += data
            self.raw_body += data
            self._body_done = True
            return bool(data)
        size_line = await self.reader.readline()
        if not size_line:
            self._body_done = True
            return False
        size = int(size_line.strip().split(b";")[0], 16)
        if size == 0:
            await self.reader.readline()
            self._body_done = True
            return False
        data = await self.reader.readexactly(size)
        await self.reader.readexactly(2)
        self._pending += data
        self.raw_body += data
        return True

    async def next_ack(self, timeout: float = 30) -> Optional[dict]:
        """The next ACK object, or None when the response ended."""
        await self.status(timeout)

        async def get() -> Optional[dict]:
            while b"\n" not in self._pending:
                try:
                    more = await self._read_more()
                except ConnectionResetError:
                    self.reset_seen = True
                    more = False
                except (asyncio.IncompleteReadError, ConnectionError):
                    more = False
                if not more:
                    if self._pending.strip():
                        line, self._pending = self._pending, b""
                        return json.loads(line)
                    return None
            line, _, self._pending = self._pending.partition(b"\n")
            if not line.strip():
                return await get()
            return json.loads(line)
        return await asyncio.wait_for(get(), timeout)

    async def ack_of(self, event_type: str, timeout: float = 30) -> dict:
        """Skips ACKs until one of ``event_type`` arrives (IDLEs are skipped)."""
        while True:
            ack = await self.next_ack(timeout)
            if ack is None:
                raise AssertionError(f"response ended before a {event_type} ACK")
            if ack["EventType"] == event_type:
                return ack

    async def all_acks(self, timeout: float = 30) -> List[dict]:
        acks = []
        while True:
            ack = await self.next_ack(timeout)
            if ack is None:
                return acks
            acks.append(ack)

    async def error_body(self, timeout: float = 30) -> Tuple[int, Dict[str, str], dict]:
        """For a non-200 answer: (status, headers, parsed JSON body)."""
        status = await self.status(timeout)
        await asyncio.wait_for(self._read_more(), timeout)
        return status, self.response_headers, json.loads(self.raw_body or b"{}")

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def run(coro):
    """Runs a coroutine to completion in a fresh event loop."""
    return asyncio.run(coro)
