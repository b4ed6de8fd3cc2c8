"""A timing proxy between kvssink and kvslocal (startup scenario).

kvssink connects to the proxy for the control plane. kvslocal answers
GetDataEndpoint with its own URL, so the proxy rewrites "127.0.0.1:KPORT"
to "127.0.0.1:PPORT" in responses (same length: the ports have the same
number of digits, so Content-Length stays right) and PutMedia comes through
it too. SigV4 is unaffected: kvslocal checks the Host header as received,
which kvssink signed.

It records, with time.monotonic_ns() (CLOCK_MONOTONIC, the clock the pusher
reports in), when the first PutMedia body byte arrives from the client, and
when the first BUFFERING and PERSISTED ACKs pass back to it: the wire view,
independent of the kvssink build.
"""
from __future__ import annotations

import asyncio
import socket
import threading
import time

_TAIL = 16  # Bytes kept across reads so split ACK markers are still found.


def _partial_suffix(data: bytes, marker: bytes) -> bytes:
    """The longest end of `data` that is a proper prefix of `marker`."""
    for k in range(min(len(marker) - 1, len(data)), 0, -1):
        if data.endswith(marker[:k]):
            return data[-k:]
    return b""


class _Events:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, int] = {}

    def note(self, name: str) -> None:
        now = time.monotonic_ns()
        with self.lock:
            self.times.setdefault(name, now)

    def reset(self) -> None:
        with self.lock:
            self.times.clear()

    def snapshot(self) -> dict[str, int]:
        with self.lock:
            return dict(self.times)


class TimingProxy:
    """Runs in a thread with its own event loop; close() stops it."""

    def __init__(self, upstream_port: int):
        self.upstream_port = upstream_port
        self.events = _Events()
        self._sock = self._bind(len(str(upstream_port)))
        self.port = self._sock.getsockname()[1]
        self._old = f"127.0.0.1:{upstream_port}".encode()
        self._new = f"127.0.0.1:{self.port}".encode()
        self.url = f"http://127.0.0.1:{self.port}"
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self._ready.wait(5)

    @staticmethod
    def _bind(digits: int) -> socket.socket:
        for _ in range(200):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            if len(str(s.getsockname()[1])) == digits:
                s.listen(128)
                return s
            s.close()
        raise RuntimeError("no free port with as many digits as kvslocal's")

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)

        async def start():
            self._server = await asyncio.start_server(self._client, sock=self._sock)
            self._ready.set()

        self._loop.run_until_complete(start())
        self._loop.run_forever()

    async def _client(self, reader, writer) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(
                "127.0.0.1", self.upstream_port)
        except OSError:
            writer.close()
            return
        for w in (writer, up_writer):  # No Nagle delays added by the proxy.
            w.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        await asyncio.gather(self._upstream(reader, up_writer),
                             self._downstream(up_reader, writer),
                             return_exceptions=True)

    async def _upstream(self, reader, writer) -> None:
        """Client -> kvslocal: find the PutMedia body's first byte."""
        head = b""  # Request bytes until the PutMedia headers are complete.
        state = "headers"  # -> "body" (headers seen) -> "done" (byte seen).
        try:
            while data := await reader.read(65536):
                if state == "body":
                    self.events.note("first-body-byte")
                    state = "done"
                elif state == "headers":
                    head = (head + data)[-65536:]
                    at = head.find(b"POST /putMedia")
                    end = head.find(b"\r\n\r\n", at) if at >= 0 else -1
                    if end >= 0:
                        state = "body"
                        if len(head) > end + 4:
                            self.events.note("first-body-byte")
                            state = "done"
                writer.write(data)
                await writer.drain()
        finally:
            writer.close()

    async def _downstream(self, reader, writer) -> None:
        """kvslocal -> client: rewrite the data endpoint, note ACKs."""
        held = b""  # A proper prefix of the old endpoint, held back.
        seen = b""  # The last bytes, for ACK markers split across reads.
        try:
            while data := await reader.read(65536):
                data = held + data
                held = _partial_suffix(data, self._old)
                if held:
                    data = data[:-len(held)]
                self._note_acks(seen + data)
                seen = data[-_TAIL:]
                writer.write(data.replace(self._old, self._new))
                await writer.drain()
        finally:
            if held:
                writer.write(held)
            writer.close()

    def _note_acks(self, data: bytes) -> None:
        if b'"BUFFERING"' in data:
            self.events.note("first-buffering")
        if b'"PERSISTED"' in data:
            self.events.note("first-persisted")

    def close(self) -> None:
        def stop():
            self._server.close()
            self._loop.stop()
        self._loop.call_soon_threadsafe(stop)
        self._thread.join(5)
        self._sock.close()
