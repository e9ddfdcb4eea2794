"""A tiny real HTTP server that accepts `PATCH /api/v4/leads` like amoCRM (amocrm-api.md §5.1).

Used until the lead re-points the write-back tests at the real amoCRM emulator. It applies a batch
only when every item is valid, answers with `_embedded.leads[{id, updated_at, request_id}]`, and can
be told to fail batches containing given ids (504, as amoCRM does on too many mutations).
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

TOKEN = "test-token-not-secret"


class AmoLeadsServer:
    def __init__(self, leads: dict[int, dict[str, int]]) -> None:
        self.leads = {k: dict(v) for k, v in leads.items()}
        self.requests: list[list[dict[str, Any]]] = []
        self.notes: list[list[dict[str, Any]]] = []
        self.fail_ids: set[int] = set()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _answer(self, code: int, body: dict, kind: str = "application/hal+json") -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _body(self):
                return json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))

            def do_PATCH(self):
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    return self._answer(401, {"title": "Unauthorized", "status": 401}, "application/problem+json")
                if self.path != "/api/v4/leads":
                    return self._answer(404, {"title": "Not Found", "status": 404}, "application/problem+json")
                items = self._body()
                server.requests.append(items)
                if len(items) > 50:
                    return self._answer(400, {"title": "Bad Request", "detail": "too many"}, "application/problem+json")
                if any(i["id"] in server.fail_ids for i in items):
                    return self._answer(504, {"title": "Gateway Timeout", "status": 504}, "application/problem+json")
                bad = [str(n) for n, i in enumerate(items) if i["id"] not in server.leads]
                if bad:
                    return self._answer(400, {"title": "Bad Request", "status": 400, "validation-errors": [
                        {"request_id": b, "errors": [{"code": "NotFound", "path": "id"}]} for b in bad]},
                        "application/problem+json")
                out = []
                for n, item in enumerate(items):
                    server.leads[item["id"]].update({k: v for k, v in item.items() if k != "id"})
                    out.append({"id": item["id"], "updated_at": int(time.time()), "request_id": str(n)})
                return self._answer(200, {"_embedded": {"leads": out}})

            def do_POST(self):
                if self.path != "/api/v4/leads/notes":
                    return self._answer(404, {"title": "Not Found"}, "application/problem+json")
                notes = self._body()
                server.notes.append(notes)
                return self._answer(200, {"_embedded": {"notes": [{"id": n + 1} for n in range(len(notes))]}})

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> AmoLeadsServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class HttpLeadsWriter:
    """A minimal LeadsWriter over HTTP (the connector's client replaces it after the merge)."""

    def __init__(self, base_url: str, token: str = TOKEN) -> None:
        self.http = httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=10)

    def patch_leads(self, updates: list[dict[str, Any]]) -> list[dict[str, Any]]:
        r = self.http.patch("/api/v4/leads", json=updates)
        r.raise_for_status()
        return r.json()["_embedded"]["leads"]

    def add_notes(self, notes: list[dict[str, Any]]) -> list[dict[str, Any]]:
        r = self.http.post("/api/v4/leads/notes", json=notes)
        r.raise_for_status()
        return r.json()["_embedded"]["notes"]
