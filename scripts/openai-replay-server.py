#!/usr/bin/env python3
"""A stand-in OpenAI-compatible server that replays recorded traces as a live stream.

It is not a model: POST /v1/chat/completions answers with the tokens and top_logprobs of one
trace from a JSONL file of chat completions (the next one on each request), streamed as
server-sent events one token per chunk, the way OpenAI, vLLM and llama.cpp stream. Use it to try
the studio's live window without a GPU or an API key:

    scripts/openai-replay-server.py --traces assets/traces/sample-openai.jsonl --port 8000
    # in the studio: Run > Stream a live trace..., base URL http://127.0.0.1:8000/v1

Only the Python standard library is used.
"""
import argparse
import itertools
import json
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


def make_handler(traces, delay_s):
    order = itertools.cycle(range(len(traces)))

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
            index = next(order)
            tokens = traces[index][:max_tokens]
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
                send(chunk({"role": "assistant", "content": ""}, None))
                for entry in tokens:
                    entry = dict(entry, top_logprobs=entry.get("top_logprobs", [])[:k])
                    send(chunk({"content": entry["token"]}, {"content": [entry]}))
                    time.sleep(delay_s)
                finish = "length" if len(tokens) < len(traces[index]) else "stop"
                send(chunk({}, None, finish))
                self.wfile.write(b"data: [DONE]\n\n")
            except (BrokenPipeError, ConnectionResetError):
                print(f"client went away after a partial stream of trace {index}", flush=True)

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--traces", default="assets/traces/sample-openai.jsonl", help="JSONL of chat completions with logprobs")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--delay-ms", type=float, default=25, help="pause between tokens")
    args = parser.parse_args()
    traces = load_traces(args.traces)
    server = ThreadingHTTPServer((args.host, args.port), make_handler(traces, args.delay_ms / 1000))
    print(f"Replaying {len(traces)} traces from {args.traces} at http://{args.host}:{server.server_port}/v1 "
          f"({args.delay_ms:g} ms per token). Ctrl+C stops.", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
