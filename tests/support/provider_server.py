"""A local HTTP server standing in for an SMS or WeChat provider (the boundary we may fake): it
records every request and answers from the test's script, on 127.0.0.1 and a free port."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class StandIn:
    """`answer(call) -> (status, dict)` decides each reply; `calls` holds what the server saw:
    {"method", "path", "query", "form", "json", "headers"} per request, in order."""

    def __init__(self, answer):
        self.answer = answer
        self.calls = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self.reply()

            def do_POST(self):
                self.reply()

            def reply(self):
                url = urlsplit(self.path)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8")
                call = {
                    "method": self.command,
                    "path": url.path,
                    "query": {k: v[0] for k, v in parse_qs(url.query).items()},
                    "form": {},
                    "json": None,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                }
                if raw.startswith("{"):
                    call["json"] = json.loads(raw)
                elif raw:
                    call["form"] = {k: v[0] for k, v in parse_qs(raw).items()}
                stand_in.calls.append(call)
                status, body = stand_in.answer(call)
                data = json.dumps(body).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def address(self) -> str:
        host, port = self.server.server_address[:2]
        return f"{host}:{port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def scripted(*replies):
    """An answer that plays the replies in order, then repeats the last one."""
    queue = list(replies)

    def answer(call):
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return answer
