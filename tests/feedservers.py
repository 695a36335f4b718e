"""Local replay servers for the feed-server APIs termreader syncs with: Fever, Miniflux's REST
API and the Google Reader API as FreshRSS serves it, written from their documentation, over one
in-memory set of feeds and entries (so a test marks on "the server" by changing ``entries``).

Quirks kept on purpose (users reported them): Miniflux's entry lists carry no enclosures;
FreshRSS gives item ids in two forms, long hex in ``stream/contents``
(``tag:google.com,2005:reader/item/<16 hex>``) and decimal in ``stream/items/ids``, and takes
either in ``edit-tag``.

Paths: ``/fever/`` (Fever), ``/v1/...`` (Miniflux), ``/api/greader.php/...`` (FreshRSS).
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, parse_qsl, urlsplit

READ = "user/-/state/com.google/read"
STARRED = "user/-/state/com.google/starred"
READING_LIST = "user/-/state/com.google/reading-list"


@dataclass
class RemoteItem:
    id: int
    feed_id: int
    title: str
    url: str
    html: str
    published: int
    read: bool = False
    starred: bool = False
    changed: float = field(default_factory=time.time)
    crawled: int = 0
    """When the server took the item in (FreshRSS's ``ot`` compares this); 0: ``published``."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request: object, client_address: object) -> None:
        pass


class FeedServer:
    """One server speaking the three APIs over the same data. ``user``/``password`` are the
    credentials every API checks; ``token`` is Miniflux's API token."""

    def __init__(self, user: str = "reader", password: str = "s3cret-pass", token: str = "tok-123"):
        self.user = user
        self.password = password
        self.token = token
        self.feeds: dict[int, dict[str, str]] = {}
        self.items: dict[int, RemoteItem] = {}
        self.hits: Counter[str] = Counter()
        self.latency = 0.0
        self.down = False
        """When set, every request answers 503."""
        self.fail_after: int | None = None
        """Answer 500 to every request after this many more (then it stays broken)."""
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                owner.handle(self)

            do_POST = do_PUT = do_GET

        self.httpd = _Server(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread: threading.Thread | None = None

    # --- lifecycle and data ----------------------------------------------------------------------
    def start(self) -> FeedServer:
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.thread is not None:
            self.httpd.shutdown()
            self.thread.join(5)
            self.thread = None
        self.httpd.server_close()

    def url(self, kind: str) -> str:
        base = f"http://127.0.0.1:{self.port}"
        return {"fever": f"{base}/fever/", "miniflux": base, "greader": f"{base}/api/greader.php"}[
            kind
        ]

    def add_feed(self, title: str, url: str = "") -> int:
        feed_id = len(self.feeds) + 1
        self.feeds[feed_id] = {"title": title, "url": url or f"http://feeds.invalid/{feed_id}"}
        return feed_id

    def add_item(self, feed_id: int, title: str, html: str, url: str = "", **kw: object) -> int:
        item_id = len(self.items) + 1
        self.items[item_id] = RemoteItem(
            item_id, feed_id, title, url, html, int(kw.pop("published", 1_700_000_000 + item_id))
        )
        for key, value in kw.items():
            setattr(self.items[item_id], key, value)
        return item_id

    def set(self, item_id: int, *, read: bool | None = None, starred: bool | None = None) -> None:
        item = self.items[item_id]
        if read is not None:
            item.read = read
        if starred is not None:
            item.starred = starred
        item.changed = time.time()

    # --- dispatch ----------------------------------------------------------------------------------
    def handle(self, req: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(req.path)
        length = int(req.headers.get("Content-Length") or 0)
        body = req.rfile.read(length) if length else b""
        with self.lock:
            self.hits[parts.path] += 1
            if self.fail_after is not None:
                if self.fail_after <= 0:
                    self.send(req, 500, b"broken")
                    return
                self.fail_after -= 1
        if self.latency:
            time.sleep(self.latency)
        if self.down:
            self.send(req, 503, b"down for maintenance")
            return
        try:
            with self.lock:
                if parts.path.startswith("/fever"):
                    self.fever(req, parts.query, body)
                elif parts.path.startswith("/v1/"):
                    self.miniflux(req, parts.path, parts.query, body)
                elif parts.path.startswith("/api/greader.php"):
                    self.greader(req, parts.path[len("/api/greader.php") :], parts.query, body)
                else:
                    self.send(req, 404, b"not found")
        except (BrokenPipeError, ConnectionResetError):
            req.close_connection = True

    @staticmethod
    def send(
        req: BaseHTTPRequestHandler, status: int, body: bytes, ctype: str = "text/plain"
    ) -> None:
        req.send_response(status)
        req.send_header("Content-Type", ctype)
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        req.wfile.write(body)

    def json(self, req: BaseHTTPRequestHandler, data: object, status: int = 200) -> None:
        self.send(req, status, json.dumps(data).encode(), "application/json")

    # --- Fever ---------------------------------------------------------------------------------------
    def fever(self, req: BaseHTTPRequestHandler, query: str, body: bytes) -> None:
        args = dict(parse_qsl(query, keep_blank_values=True))
        form = dict(parse_qsl(body.decode(), keep_blank_values=True))
        values = {**args, **form}
        key = hashlib.md5(f"{self.user}:{self.password}".encode()).hexdigest()
        out: dict[str, object] = {"api_version": 3, "auth": 0}
        if "api" not in args:
            self.send(req, 400, b"bad request")
            return
        if form.get("api_key", "").lower() != key:
            self.json(req, out)
            return
        out["auth"] = 1
        if "feeds" in values:
            out["feeds"] = [
                {"id": i, "title": f["title"], "url": f["url"], "site_url": ""}
                for i, f in self.feeds.items()
            ]
        if "items" in values:
            since = int(args.get("since_id") or 0)
            chosen = [i for i in sorted(self.items) if i > since][:50]
            out["items"] = [self.fever_item(self.items[i]) for i in chosen]
            out["total_items"] = len(self.items)
        if "unread_item_ids" in values:
            out["unread_item_ids"] = ",".join(str(i) for i, x in self.items.items() if not x.read)
        if "saved_item_ids" in values:
            out["saved_item_ids"] = ",".join(str(i) for i, x in self.items.items() if x.starred)
        if "mark" in values:
            item = self.items.get(int(form.get("id") or 0))
            if item is None:
                self.send(req, 404, b"no such item")
                return
            status = form.get("as")
            if status in ("read", "unread"):
                self.set(item.id, read=status == "read")
            elif status in ("saved", "unsaved"):
                self.set(item.id, starred=status == "saved")
        self.json(req, out)

    @staticmethod
    def fever_item(item: RemoteItem) -> dict[str, object]:
        return {
            "id": item.id,
            "feed_id": item.feed_id,
            "title": item.title,
            "author": "",
            "html": item.html,
            "url": item.url,
            "is_saved": int(item.starred),
            "is_read": int(item.read),
            "created_on_time": item.published,
        }

    # --- Miniflux --------------------------------------------------------------------------------------
    def miniflux(self, req: BaseHTTPRequestHandler, path: str, query: str, body: bytes) -> None:
        token_ok = req.headers.get("X-Auth-Token") == self.token
        basic = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        if not token_ok and req.headers.get("Authorization") != f"Basic {basic}":
            self.json(req, {"error_message": "Access Unauthorized"}, 401)
            return
        args = parse_qs(query)
        one = {k: v[-1] for k, v in args.items()}
        if path == "/v1/feeds" and req.command == "GET":
            self.json(
                req,
                [
                    {"id": i, "title": f["title"], "feed_url": f["url"], "site_url": ""}
                    for i, f in self.feeds.items()
                ],
            )
        elif path == "/v1/entries" and req.command == "GET":
            chosen = sorted(self.items.values(), key=lambda x: x.id)
            if "after_entry_id" in one:
                chosen = [x for x in chosen if x.id > int(one["after_entry_id"])]
            if "changed_after" in one:
                chosen = [x for x in chosen if x.changed > float(one["changed_after"])]
            if "status" in one:
                chosen = [x for x in chosen if ("read" if x.read else "unread") == one["status"]]
            if one.get("starred") == "true":
                chosen = [x for x in chosen if x.starred]
            if one.get("direction") == "desc":
                chosen.reverse()
            total = len(chosen)
            offset = int(one.get("offset") or 0)
            limit = int(one.get("limit") or 100)
            page = chosen[offset : offset + limit] if limit else chosen[offset:]
            self.json(req, {"total": total, "entries": [self.mf_entry(x) for x in page]})
        elif path == "/v1/entries" and req.command == "PUT":
            data = json.loads(body or b"{}")
            if data.get("status") not in ("read", "unread") or not data.get("entry_ids"):
                self.json(req, {"error_message": "invalid request"}, 400)
                return
            for entry_id in data["entry_ids"]:
                if int(entry_id) in self.items:
                    self.set(int(entry_id), read=data["status"] == "read")
            self.send(req, 204, b"")
        elif (
            path.startswith("/v1/entries/") and path.endswith("/bookmark") and req.command == "PUT"
        ):
            item = self.items.get(int(path.split("/")[3]))
            if item is None:
                self.json(req, {"error_message": "not found"}, 404)
                return
            self.set(item.id, starred=not item.starred)  # Miniflux toggles
            self.send(req, 204, b"")
        elif path.startswith("/v1/entries/") and req.command == "GET":
            item = self.items.get(int(path.split("/")[3]))
            if item is None:
                self.json(req, {"error_message": "not found"}, 404)
                return
            self.json(req, self.mf_entry(item))
        else:
            self.json(req, {"error_message": "not found"}, 404)

    def mf_entry(self, item: RemoteItem) -> dict[str, object]:
        feed = self.feeds.get(item.feed_id, {})
        return {
            "id": item.id,
            "feed_id": item.feed_id,
            "status": "read" if item.read else "unread",
            "title": item.title,
            "url": item.url,
            "content": item.html,
            "author": "",
            "published_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(item.published)),
            "changed_at": time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime(item.changed)),
            "starred": item.starred,
            "feed": {
                "id": item.feed_id,
                "title": feed.get("title", ""),
                "feed_url": feed.get("url", ""),
            },
            # Miniflux leaves enclosures out of entry lists.
        }

    # --- Google Reader (FreshRSS) ------------------------------------------------------------------------
    def greader(self, req: BaseHTTPRequestHandler, path: str, query: str, body: bytes) -> None:
        if path == "/accounts/ClientLogin":
            form = dict(parse_qsl(body.decode() or query))
            if form.get("Email") == self.user and form.get("Passwd") == self.password:
                auth = f"{self.user}/{hashlib.sha1(self.password.encode()).hexdigest()}"
                self.send(req, 200, f"SID={auth}\nLSID=null\nAuth={auth}\n".encode())
            else:
                self.send(req, 401, b"Error=BadAuthentication\n")
            return
        auth = f"{self.user}/{hashlib.sha1(self.password.encode()).hexdigest()}"
        if req.headers.get("Authorization") != f"GoogleLogin auth={auth}":
            self.send(req, 401, b"Unauthorized!")
            return
        pairs = parse_qsl(query, keep_blank_values=True) + parse_qsl(
            body.decode(), keep_blank_values=True
        )
        one = dict(pairs)
        if path == "/reader/api/0/token":
            self.send(req, 200, b"TOKEN0123456789ABCDEF\n")
        elif path == "/reader/api/0/subscription/list":
            self.json(
                req,
                {
                    "subscriptions": [
                        {"id": f"feed/{i}", "title": f["title"], "url": f["url"], "htmlUrl": ""}
                        for i, f in self.feeds.items()
                    ]
                },
            )
        elif path.startswith("/reader/api/0/stream/contents"):
            chosen = sorted(self.items.values(), key=lambda x: x.id)
            if "ot" in one:
                chosen = [x for x in chosen if (x.crawled or x.published) > int(one["ot"])]
            start = int(one.get("c") or 0)
            n = int(one.get("n") or 20)
            page = chosen[start : start + n]
            out: dict[str, object] = {"items": [self.gr_item(x) for x in page]}
            if start + n < len(chosen):
                out["continuation"] = str(start + n)
            self.json(req, out)
        elif path == "/reader/api/0/stream/items/ids":
            stream = one.get("s")
            chosen = sorted(self.items.values(), key=lambda x: x.id)
            if stream == STARRED:
                chosen = [x for x in chosen if x.starred]
            if one.get("xt") == READ:
                chosen = [x for x in chosen if not x.read]
            start = int(one.get("c") or 0)
            n = int(one.get("n") or 1000)
            page = chosen[start : start + n]
            out = {"itemRefs": [{"id": str(x.id)} for x in page]}
            if start + n < len(chosen):
                out["continuation"] = str(start + n)
            self.json(req, out)
        elif path == "/reader/api/0/edit-tag":
            if one.get("T") != "TOKEN0123456789ABCDEF":
                self.send(req, 401, b"Unauthorized!")
                return
            ids = [v for k, v in pairs if k == "i"]
            add = [v for k, v in pairs if k == "a"]
            remove = [v for k, v in pairs if k == "r"]
            for raw in ids:
                if raw.startswith("tag:google.com,2005:reader/item/"):
                    item_id = int(raw.rsplit("/", 1)[1], 16)
                else:
                    item_id = int(raw)
                if item_id not in self.items:
                    continue
                for tag in add:
                    if tag == READ:
                        self.set(item_id, read=True)
                    elif tag == STARRED:
                        self.set(item_id, starred=True)
                for tag in remove:
                    if tag == READ:
                        self.set(item_id, read=False)
                    elif tag == STARRED:
                        self.set(item_id, starred=False)
            self.send(req, 200, b"OK")
        else:
            self.send(req, 404, b"not found")

    def gr_item(self, item: RemoteItem) -> dict[str, object]:
        categories = (
            [READING_LIST] + ([READ] if item.read else []) + ([STARRED] if item.starred else [])
        )
        feed = self.feeds.get(item.feed_id, {})
        return {
            "id": f"tag:google.com,2005:reader/item/{item.id:016x}",
            "crawlTimeMsec": str((item.crawled or item.published) * 1000),
            "timestampUsec": str((item.crawled or item.published) * 1_000_000),
            "published": item.published,
            "title": item.title,
            "canonical": [{"href": item.url}] if item.url else [],
            "alternate": [{"href": item.url}] if item.url else [],
            "categories": categories,
            "origin": {"streamId": f"feed/{item.feed_id}", "title": feed.get("title", "")},
            "summary": {"content": item.html},
            "author": "",
        }
