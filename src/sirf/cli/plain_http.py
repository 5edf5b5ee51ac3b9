"""HTTP/1.1 over a plain socket, for the CLI talking to a sirf server on ``http://``.

Why not ``http.client``: importing it pulls in the e-mail parser and ``ssl`` (about 25 ms), a
sixth of the CLI's start-up budget, for what is one request and one answer per command. This
sends one request with ``Connection: close`` and reads until the server closes, understanding
``Content-Length`` and chunked bodies. ``https://`` servers still go through ``http.client``.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping

MAX_ANSWER = 64 * 1024 * 1024


class PlainHttpError(Exception):
    def __init__(self, message: str, *, timeout: bool = False) -> None:
        super().__init__(message)
        self.timeout = timeout


def exchange(
    method: str,
    host: str,
    port: int,
    target: str,
    headers: Mapping[str, str],
    body: bytes | None,
    timeout: float,
) -> tuple[int, str, dict[str, str], bytes]:
    """Send one request; return (status, reason, headers with lower-case names, body)."""
    request = _request_bytes(method, host, port, target, headers, body)
    try:
        with socket.create_connection((host, port), timeout=timeout) as connection:
            connection.sendall(request)
            raw = _read_all(connection)
    except TimeoutError as exc:
        raise PlainHttpError("timed out", timeout=True) from exc
    except OSError as exc:
        raise PlainHttpError(str(exc) or type(exc).__name__) from exc
    return parse_answer(raw)


def _request_bytes(
    method: str, host: str, port: int, target: str, headers: Mapping[str, str], body: bytes | None
) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
    for name, value in headers.items():
        if any(c in f"{name}{value}" for c in "\r\n\0"):
            raise PlainHttpError(f"header {name!r} contains a line break")
        lines.append(f"{name}: {value}")
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")


def _read_all(connection: socket.socket) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while data := connection.recv(65536):
        chunks.append(data)
        size += len(data)
        if size > MAX_ANSWER:
            raise PlainHttpError("the answer is too large")
    return b"".join(chunks)


def parse_answer(raw: bytes) -> tuple[int, str, dict[str, str], bytes]:
    head, separator, rest = raw.partition(b"\r\n\r\n")
    if not separator:
        raise PlainHttpError("the server closed the connection before a complete answer")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise PlainHttpError(f"not an HTTP answer: {status_line[:80]!r}")
    headers: dict[str, str] = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = _dechunk(rest)
    elif headers.get("content-length", "").isdigit():
        body = rest[: int(headers["content-length"])]
    else:
        body = rest
    return int(parts[1]), parts[2] if len(parts) > 2 else "", headers, body


def _dechunk(data: bytes) -> bytes:
    body = bytearray()
    position = 0
    while True:
        line_end = data.find(b"\r\n", position)
        if line_end < 0:
            raise PlainHttpError("a chunked answer ended early")
        size_text = data[position:line_end].split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise PlainHttpError("a chunked answer has a bad chunk size") from None
        if size == 0:
            return bytes(body)
        start = line_end + 2
        if start + size > len(data):
            raise PlainHttpError("a chunked answer ended early")
        body += data[start : start + size]
        position = start + size + 2
