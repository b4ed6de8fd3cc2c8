"""Loopback servers the transport tests put between kvssink and kvslocal.

- ``Relay``: accepts TCP connections on a free port and relays each one to a
  target port, counting connections. With an ``ssl.SSLContext`` it
  terminates TLS first (a server whose TLS versions the test chooses) and
  relays the plaintext.
- ``ConnectProxy``: an HTTP proxy that serves ``CONNECT host:port`` (how
  libcurl reaches an https URL through a proxy) and records each target; an
  optional ``Proxy-Authorization`` it requires is checked.

Bytes are relayed unchanged, so SigV4 signatures (which cover the Host
header the client sent) still verify at kvslocal. Threads and blocking
sockets; ``close()`` stops listening and ends every connection.
"""
from __future__ import annotations

import base64
import socket
import ssl
import threading
from typing import List, Optional, Tuple


class _Server:
    """Accepts on 127.0.0.1:<free port>; subclasses serve each connection."""

    def __init__(self):
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._sockets: List[socket.socket] = []
        self._closed = False
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                if self._closed:
                    client.close()
                    return
                self.connections += 1
                self._sockets.append(client)
            threading.Thread(target=self._serve_safely, args=(client,), daemon=True).start()

    def _serve_safely(self, client: socket.socket) -> None:
        try:
            self._serve(client)
        except (OSError, ssl.SSLError):
            pass
        finally:
            client.close()

    def _serve(self, client: socket.socket) -> None:
        raise NotImplementedError

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        """Copies both ways until either side ends."""
        def copy(src, dst):
            try:
                while True:
                    data = src.recv(65536)
                    if not data:
                        break
                    dst.sendall(data)
            except OSError:
                pass
            for sock in (src, dst):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        other = threading.Thread(target=copy, args=(b, a), daemon=True)
        other.start()
        copy(a, b)
        other.join()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            sockets, self._sockets = self._sockets, []
        self._listener.close()
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Relay(_Server):
    """TCP (or TLS-terminating) relay to 127.0.0.1:`target_port`. `url`
    has the scheme clients use: https when the relay terminates TLS or
    `scheme` says so (a TCP relay to a TLS server)."""

    def __init__(self, target_port: int, tls: Optional[ssl.SSLContext] = None,
                 scheme: Optional[str] = None):
        self.target_port = target_port
        self.tls = tls
        self.handshakes_failed = 0
        super().__init__()
        self.url = f"{scheme or ('https' if tls else 'http')}://127.0.0.1:{self.port}"

    def _serve(self, client: socket.socket) -> None:
        if self.tls is not None:
            try:
                client = self.tls.wrap_socket(client, server_side=True)
            except (OSError, ssl.SSLError):
                with self._lock:
                    self.handshakes_failed += 1
                raise
            self._track(client)
        upstream = socket.create_connection(("127.0.0.1", self.target_port))
        self._track(upstream)
        with upstream:
            self._pipe(client, upstream)


def server_context(cert: str, key: str, maximum: ssl.TLSVersion) -> ssl.SSLContext:
    """A TLS server context with `cert`/`key` that speaks at most `maximum`
    (and anything down to TLS 1.0, so only the client's floor decides)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.minimum_version = ssl.TLSVersion.TLSv1
    context.maximum_version = maximum
    context.set_ciphers("DEFAULT:@SECLEVEL=0")  # OpenSSL 3 needs it for TLS < 1.2.
    return context


class ConnectProxy(_Server):
    """An HTTP CONNECT proxy; `targets` lists each "host:port" asked for."""

    def __init__(self, user: Optional[str] = None, password: Optional[str] = None):
        self.targets: List[str] = []
        self.refused: List[str] = []  # Request lines answered with an error.
        self._auth = None
        if user is not None:
            token = base64.b64encode(f"{user}:{password}".encode()).decode()
            self._auth = f"Basic {token}"
        super().__init__()
        self.url = f"http://127.0.0.1:{self.port}"

    def _read_head(self, client: socket.socket) -> Tuple[str, dict]:
        data = b""
        while b"\r\n\r\n" not in data:
            piece = client.recv(4096)
            if not piece:
                raise OSError("client closed before the request head")
            data += piece
        lines = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        return lines[0], headers

    def _serve(self, client: socket.socket) -> None:
        request_line, headers = self._read_head(client)
        method, target, _ = (request_line.split(" ") + ["", ""])[:3]
        with self._lock:
            if method != "CONNECT":
                self.refused.append(request_line)
                client.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
                return
            if self._auth is not None and headers.get("proxy-authorization") != self._auth:
                self.refused.append(request_line)
                client.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                               b"Proxy-Authenticate: Basic realm=\"test\"\r\n"
                               b"Content-Length: 0\r\n\r\n")
                return
            self.targets.append(target)
        host, _, port = target.rpartition(":")
        upstream = socket.create_connection((host.strip("[]"), int(port)))
        self._track(upstream)
        with upstream:
            client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            self._pipe(client, upstream)


class ControlFront(_Server):
    """An HTTP/1.1 front for kvslocal's control plane that records every
    request's path and X-Amz-Date, answers the first ones from `canned`
    (a list of (status, headers, body)) and relays the rest to kvslocal,
    one upstream connection per request."""

    def __init__(self, target_port: int, canned=()):
        self.target_port = target_port
        self.canned = list(canned)
        self.requests: List[Tuple[str, str, bool]] = []  # (path, x-amz-date, canned)
        super().__init__()
        self.url = f"http://127.0.0.1:{self.port}"

    @staticmethod
    def _read_message(sock: socket.socket, buffered: bytes) -> Tuple[bytes, bytes, bytes]:
        """(head, body, rest) of one message with a Content-Length body."""
        data = buffered
        while b"\r\n\r\n" not in data:
            piece = sock.recv(65536)
            if not piece:
                raise OSError("connection closed")
            data += piece
        head, data = data.split(b"\r\n\r\n", 1)
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(data) < length:
            piece = sock.recv(65536)
            if not piece:
                raise OSError("connection closed")
            data += piece
        return head + b"\r\n\r\n", data[:length], data[length:]

    def _serve(self, client: socket.socket) -> None:
        buffered = b""
        while True:
            head, body, buffered = self._read_message(client, buffered)
            lines = head.decode("latin-1").split("\r\n")
            path = lines[0].split(" ")[1]
            amz_date = next((line.split(":", 1)[1].strip() for line in lines[1:]
                             if line.lower().startswith("x-amz-date:")), "")
            with self._lock:
                answer = self.canned.pop(0) if self.canned else None
                self.requests.append((path, amz_date, answer is not None))
            if answer is not None:
                status, headers, payload = answer
                out = [f"HTTP/1.1 {status} Refused", f"Content-Length: {len(payload)}",
                       *[f"{k}: {v}" for k, v in headers.items()], "", ""]
                client.sendall("\r\n".join(out).encode() + payload)
                continue
            with socket.create_connection(("127.0.0.1", self.target_port)) as upstream:
                upstream.sendall(head + body)
                reply_head, reply_body, _ = self._read_message(upstream, b"")
            client.sendall(reply_head + reply_body)
