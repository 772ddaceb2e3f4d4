"""A minimal, low-overhead OpenAI-compatible upstream for benchmarks.

A raw asyncio ``Protocol`` speaking just enough HTTP/1.1 (keep-alive, pipelining-safe,
Content-Length request bodies) to answer:

* ``GET /v1/models``
* ``POST /v1/chat/completions`` — a fixed completion; with ``"stream": true`` a fixed SSE stream
  (one chunk per word, a finish chunk, a usage chunk when ``stream_options.include_usage`` is set,
  then ``[DONE]``), sent with chunked transfer encoding, one HTTP chunk per SSE event
* ``POST /v1/embeddings`` — a fixed 3-dimensional vector per input

Responses are pre-rendered bytes, so the upstream costs a few microseconds per request and is
never the bottleneck when measuring what sits in front of it. The request body *is* parsed as
JSON (a real upstream would too) to decide between stream and non-stream.

Run: ``python -m bench.upstream_fast PORT``
"""

from __future__ import annotations

import asyncio
import json
import sys

REPLY = "Hej! Det här är ett fast svar från benchmarkens uppströmsserver."
REPLY_WORDS = REPLY.split(" ")
PROMPT_TOKENS = 12


def _json(payload: object) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def _response(body: bytes, content_type: bytes = b"application/json") -> bytes:
    return (
        b"HTTP/1.1 200 OK\r\ncontent-type: "
        + content_type
        + b"\r\ncontent-length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )


def _usage() -> dict[str, int]:
    completion = len(REPLY_WORDS)
    return {
        "prompt_tokens": PROMPT_TOKENS,
        "completion_tokens": completion,
        "total_tokens": PROMPT_TOKENS + completion,
    }


def _completion() -> bytes:
    return _response(
        _json(
            {
                "id": "chatcmpl-bench",
                "object": "chat.completion",
                "created": 0,
                "model": "bench-1",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": REPLY},
                        "finish_reason": "stop",
                    }
                ],
                "usage": _usage(),
            }
        )
    )


def _stream(include_usage: bool) -> bytes:
    base = {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 0}
    base["model"] = "bench-1"
    events = []
    for i, word in enumerate(REPLY_WORDS):
        delta = {"content": word if i == 0 else " " + word}
        events.append({**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
    events.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    if include_usage:
        events.append({**base, "choices": [], "usage": _usage()})
    out = [
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
        b"cache-control: no-cache\r\ntransfer-encoding: chunked\r\n\r\n"
    ]
    for data in [*(_json(e) for e in events), b"[DONE]"]:
        event = b"data: " + data + b"\n\n"
        out.append(f"{len(event):x}\r\n".encode() + event + b"\r\n")
    out.append(b"0\r\n\r\n")
    return b"".join(out)


MODELS = _response(_json({"object": "list", "data": [{"id": "bench-1", "object": "model"}]}))
COMPLETION = _completion()
STREAM = _stream(include_usage=False)
STREAM_USAGE = _stream(include_usage=True)
EMBEDDINGS = _response(
    _json(
        {
            "object": "list",
            "data": [{"object": "embedding", "index": 0, "embedding": [1.0, 0.0, 0.0]}],
            "model": "bench-1",
            "usage": {"prompt_tokens": 1, "total_tokens": 1},
        }
    )
)
NOT_FOUND = b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n"
BAD_REQUEST = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


def answer(method: bytes, path: bytes, body: bytes) -> bytes:
    if path.startswith(b"/v1/models") or path.startswith(b"/models"):
        return MODELS
    if method != b"POST":
        return NOT_FOUND
    if path.endswith(b"/chat/completions"):
        request = json.loads(body)
        if not request.get("stream"):
            return COMPLETION
        usage = bool((request.get("stream_options") or {}).get("include_usage"))
        return STREAM_USAGE if usage else STREAM
    if path.endswith(b"/embeddings"):
        return EMBEDDINGS
    return NOT_FOUND


class Upstream(asyncio.Protocol):
    def __init__(self) -> None:
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        out = []
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                break
            head = self.buffer[:end]
            try:
                length = _content_length(head)
            except ValueError:
                self.transport.write(BAD_REQUEST)  # type: ignore[union-attr]
                self.transport.close()  # type: ignore[union-attr]
                return
            if len(self.buffer) < end + 4 + length:
                break
            body = self.buffer[end + 4 : end + 4 + length]
            self.buffer = self.buffer[end + 4 + length :]
            method, path, _ = head.split(b"\r\n", 1)[0].split(b" ", 2)
            out.append(answer(method, path, body))
        if out:
            self.transport.write(b"".join(out))  # type: ignore[union-attr]


async def serve(port: int, host: str = "127.0.0.1") -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Upstream, host, port, backlog=1024)
    async with server:
        await server.serve_forever()


def main() -> None:
    port = int(sys.argv[1])
    try:
        import uvloop
    except ImportError:
        asyncio.run(serve(port))
        return
    uvloop.run(serve(port))


if __name__ == "__main__":
    main()
