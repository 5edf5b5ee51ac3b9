"""The CLI's small HTTP/1.1 client against a raw socket server: lengths, chunks and failures."""

from __future__ import annotations

import socket
import threading

import pytest

from sirf.cli.client import TransportError, stdlib_transport
from sirf.cli.plain_http import PlainHttpError, parse_answer


def test_a_content_length_answer_and_the_request_sent() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    seen: list[bytes] = []

    def serve() -> None:
        connection, _ = listener.accept()
        with connection:
            seen.append(connection.recv(65536))
            connection.sendall(b'HTTP/1.1 201 Created\r\nContent-Length: 7\r\nETag: "3"\r\n\r\n{"a":1}')

    thread = threading.Thread(target=serve)
    thread.start()
    answer = stdlib_transport("POST", f"http://127.0.0.1:{port}/api/v1/x?a=1", {"X-Test": "1"}, b"{}", 5)
    thread.join()
    listener.close()
    assert (answer.status, answer.reason, answer.body) == (201, "Created", b'{"a":1}')
    assert answer.headers["etag"] == '"3"'
    request = seen[0].decode()
    assert request.startswith("POST /api/v1/x?a=1 HTTP/1.1\r\n")
    assert f"Host: 127.0.0.1:{port}\r\n" in request
    assert "Content-Length: 2\r\n" in request
    assert request.endswith("\r\n\r\n{}")


def test_chunked_answers_are_reassembled() -> None:
    raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n6;x=y\r\npedia!\r\n0\r\n\r\n"
    assert parse_answer(raw) == (200, "OK", {"transfer-encoding": "chunked"}, b"Wikipedia!")


@pytest.mark.parametrize(
    "raw",
    [
        b"HTTP/1.1 200 OK\r\nContent-Le",  # cut before the end of the headers
        b"SMTP ready\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nshort",
    ],
)
def test_broken_answers_are_transport_errors(raw: bytes) -> None:
    with pytest.raises(PlainHttpError):
        parse_answer(raw)


def test_a_refused_connection_and_a_header_with_a_line_break_are_refused() -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now
    with pytest.raises(TransportError):
        stdlib_transport("GET", f"http://127.0.0.1:{port}/", {}, None, 2)
    with pytest.raises(TransportError, match="line break"):
        stdlib_transport("GET", f"http://127.0.0.1:{port}/", {"X-Bad": "a\r\nInjected: 1"}, None, 2)
