"""Loopback relays in front of kvslocal, for the endpoint-change and
shutdown tests.

kvslocal answers GetDataEndpoint with its own URL. To make the data
endpoint change mid-stream, the producer talks to kvslocal through:

- ``DataRelay``: a TCP relay to kvslocal (a "data endpoint"). ``close()``
  stops listening and resets every connection it carries, as a data
  endpoint that went away. ``black_hole()`` makes it a network that
  swallows everything: it stops reading and forwarding in both directions
  and holds every connection open, new ones included, so the peer's sends
  stall (TCP flow control) and no reply or ACK ever comes.
- ``ControlRelay``: an HTTP/1.1 relay for the control plane that passes
  requests and replies through unchanged, except GetDataEndpoint's reply,
  whose ``DataEndpoint`` becomes whatever ``endpoint()`` returns now.

Bytes are relayed unchanged, so SigV4 signatures (which cover the Host
header the client sent) still verify at kvslocal. Threads and blocking
sockets; each relay stops cleanly in ``close()``.
"""
from __future__ import annotations

import json
import socket
import struct
import threading
from typing import Callable, List, Tuple


def _listener() -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    return sock


def _reset(sock: socket.socket) -> None:
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                        struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


class _Relay:
    """Accepts connections on a free port; subclasses serve each one."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self._listener = _listener()
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._lock = threading.Lock()
        self._sockets: List[socket.socket] = []
        self._closed = False
        self._holes = threading.Event()  # Set: black hole (see above).
        self.connections = 0
        self.swallowed = 0  # Bytes received and never forwarded.
        threading.Thread(target=self._accept, daemon=True).start()

    def black_hole(self) -> None:
        """From now on nothing passes: connections stay open, unread."""
        self._holes.set()

    def _swallow(self, nbytes: int) -> None:
        with self._lock:
            self.swallowed += nbytes

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self._holes.is_set():  # Held open, never read.
                with self._lock:
                    self._sockets.append(client)
                    self.connections += 1
                continue
            try:
                upstream = socket.create_connection(
                    ("127.0.0.1", self.target_port))
            except OSError:
                _reset(client)
                continue
            with self._lock:
                if self._closed:
                    _reset(client)
                    upstream.close()
                    return
                self._sockets += [client, upstream]
                self.connections += 1
            self._serve(client, upstream)

    def _serve(self, client: socket.socket, upstream: socket.socket) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Stops listening and resets every open connection."""
        with self._lock:
            self._closed = True
            sockets, self._sockets = self._sockets, []
        self._listener.close()
        for sock in sockets:
            _reset(sock)


class DataRelay(_Relay):
    """Relays raw bytes both ways."""

    def _serve(self, client, upstream) -> None:
        for src, dst in ((client, upstream), (upstream, client)):
            threading.Thread(target=self._pump, args=(src, dst),
                             daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if self._holes.is_set():  # Swallowed; stop reading.
                    self._swallow(len(data))
                    return
                if not data:
                    dst.shutdown(socket.SHUT_WR)
                    return
                dst.sendall(data)
        except OSError:
            return


def _read_message(sock: socket.socket, buf: bytearray) -> Tuple[bytes, bytes]:
    """One HTTP message with a Content-Length body: (head, body).

    Raises EOFError when the peer closed between messages."""
    while b"\r\n\r\n" not in buf:
        data = sock.recv(65536)
        if not data:
            raise EOFError
        buf += data
    end = buf.index(b"\r\n\r\n") + 4
    head = bytes(buf[:end])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(buf) < end + length:
        data = sock.recv(65536)
        if not data:
            raise EOFError
        buf += data
    body = bytes(buf[end:end + length])
    del buf[:end + length]
    return head, body


def _with_body(head: bytes, body: bytes) -> bytes:
    lines = [line for line in head.rstrip(b"\r\n").split(b"\r\n")
             if not line.lower().startswith(b"content-length:")]
    lines.append(b"Content-Length: " + str(len(body)).encode())
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


class ControlRelay(_Relay):
    """Relays control-plane requests; rewrites GetDataEndpoint replies."""

    def __init__(self, target_port: int, endpoint: Callable[[], str]):
        self.endpoint = endpoint
        self.rewrites = 0
        super().__init__(target_port)

    def _serve(self, client, upstream) -> None:
        threading.Thread(target=self._exchange, args=(client, upstream),
                         daemon=True).start()

    def _exchange(self, client, upstream) -> None:
        from_client, from_upstream = bytearray(), bytearray()
        try:
            while True:
                head, body = _read_message(client, from_client)
                upstream.sendall(head + body)
                reply_head, reply_body = _read_message(upstream,
                                                       from_upstream)
                request_line = head.split(b"\r\n", 1)[0]
                if (b" /getDataEndpoint " in request_line
                        and b" 200 " in reply_head.split(b"\r\n", 1)[0]):
                    reply = json.loads(reply_body)
                    reply["DataEndpoint"] = self.endpoint()
                    reply_body = json.dumps(reply).encode()
                    with self._lock:
                        self.rewrites += 1
                client.sendall(_with_body(reply_head, reply_body))
        except (EOFError, OSError, ValueError):
            client.close()
            upstream.close()
