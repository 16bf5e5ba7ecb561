#!/usr/bin/env python3
"""A stand-in OpenAI-compatible server that replays recorded traces as a live stream.

It is not a model: POST /v1/chat/completions answers with the tokens and top_logprobs of one
trace from a JSONL file of chat completions (the next one on each request), streamed as
server-sent events one token per chunk, the way OpenAI, vLLM and llama.cpp stream. Use it to try
the studio's live window without a GPU or an API key:

    scripts/openai-replay-server.py --traces assets/traces/sample-openai.jsonl --port 8000
    # in the studio: Run > Stream a live trace..., base URL http://127.0.0.1:8000/v1

With scripted timing it stands in for a loaded server in the serving benchmark: each request waits
for one of --slots slots (first come, first served), sends its first token --ttft-ms after it got
one and each further token --delay-ms after the one before:

    scripts/openai-replay-server.py --slots 2 --ttft-ms 80 --delay-ms 10 --port 8001
    latency-studio-cli run serving.benchmark --param url=http://127.0.0.1:8001/v1 --param rates=5,10,20,40 --out out/

Only the Python standard library is used.
"""
import argparse
import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def load_traces(path):
    traces = []
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            response = json.loads(line)
            content = response["choices"][0]["logprobs"]["content"]
            if not content:
                raise SystemExit(f"{path} line {number}: no tokens")
            traces.append(content)
    if not traces:
        raise SystemExit(f"{path}: no traces")
    return traces


class Slots:
    """N slots taken in order of arrival (a plain semaphore does not promise the order)."""

    def __init__(self, count):
        self.count, self.busy, self.next_ticket, self.serving = count, 0, 0, 0
        self.changed = threading.Condition()

    def __enter__(self):
        with self.changed:
            ticket = self.next_ticket
            self.next_ticket += 1
            self.changed.wait_for(lambda: ticket == self.serving and self.busy < self.count)
            self.busy += 1
            self.serving += 1
            self.changed.notify_all()

    def __exit__(self, *exc):
        with self.changed:
            self.busy -= 1
            self.changed.notify_all()


def make_handler(traces, delay_s, ttft_s, slots):
    order = itertools.cycle(range(len(traces)))
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"  # the connection closes when the stream ends

        def log_message(self, fmt, *args):  # requests are logged without headers (no keys)
            print(f"{self.address_string()} {fmt % args}", flush=True)

        def send_json(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            if self.path.rstrip("/").endswith("/models"):
                self.send_json(200, {"object": "list", "data": [{"id": "replay", "object": "model"}]})
            else:
                self.send_json(404, {"error": {"message": f"no route {self.path}"}})

        def do_POST(self):
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self.send_json(404, {"error": {"message": f"no route {self.path}"}})
                return
            try:
                request = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            except json.JSONDecodeError as error:
                self.send_json(400, {"error": {"message": f"invalid JSON body: {error}"}})
                return
            if not request.get("stream"):
                self.send_json(400, {"error": {"message": "this replay server only streams (set stream=true)"}})
                return
            k = int(request.get("top_logprobs") or 0)
            max_tokens = int(request.get("max_tokens") or 1 << 30)
            with lock:
                index = next(order)
            tokens = traces[index][:max_tokens]
            usage = bool((request.get("stream_options") or {}).get("include_usage"))
            rid = f"chatcmpl-replay-{index}-{int(time.time())}"
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()

            def send(chunk):
                self.wfile.write(b"data: " + json.dumps(chunk).encode() + b"\n\n")
                self.wfile.flush()

            def chunk(delta, logprobs, finish=None):
                return {"id": rid, "object": "chat.completion.chunk", "created": int(time.time()),
                        "model": request.get("model") or "replay",
                        "choices": [{"index": 0, "delta": delta, "logprobs": logprobs, "finish_reason": finish}]}

            try:
                with slots:
                    started = time.monotonic()
                    send(chunk({"role": "assistant", "content": ""}, None))
                    for number, entry in enumerate(tokens):
                        # Due times from the slot's start: a late wake-up does not push the rest back.
                        time.sleep(max(0.0, started + ttft_s + number * delay_s - time.monotonic()))
                        entry = dict(entry, top_logprobs=entry.get("top_logprobs", [])[:k])
                        send(chunk({"content": entry["token"]}, {"content": [entry]}))
                finish = "length" if len(tokens) < len(traces[index]) else "stop"
                send(chunk({}, None, finish))
                if usage:
                    send({"id": rid, "object": "chat.completion.chunk", "choices": [],
                          "usage": {"prompt_tokens": 0, "completion_tokens": len(tokens), "total_tokens": len(tokens)}})
                self.wfile.write(b"data: [DONE]\n\n")
            except (BrokenPipeError, ConnectionResetError):
                print(f"client went away after a partial stream of trace {index}", flush=True)

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--traces", default="assets/traces/sample-openai.jsonl", help="JSONL of chat completions with logprobs")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--delay-ms", type=float, default=25, help="pause between tokens (the TPOT)")
    parser.add_argument("--ttft-ms", type=float, default=0, help="time from getting a slot to the first token")
    parser.add_argument("--slots", type=int, default=64, help="requests served at once; later ones wait in order")
    args = parser.parse_args()
    if args.slots < 1:
        parser.error("--slots must be at least 1")
    traces = load_traces(args.traces)
    ThreadingHTTPServer.request_queue_size = 1024  # a load test opens many connections at once
    server = ThreadingHTTPServer((args.host, args.port),
                                 make_handler(traces, args.delay_ms / 1000, args.ttft_ms / 1000, Slots(args.slots)))
    print(f"Replaying {len(traces)} traces from {args.traces} at http://{args.host}:{server.server_port}/v1 "
          f"({args.ttft_ms:g} ms to the first token, {args.delay_ms:g} ms per token, {args.slots} slots). "
          "Ctrl+C stops.", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
