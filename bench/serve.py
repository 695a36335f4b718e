"""The bench's feed site in its own process (so server threads do not share the client's GIL).

``python bench/serve.py FEEDS PER_FEED RELATED LATENCY`` prints one JSON line (port, feed URLs,
page URLs, counts), then serves until its standard input closes. ``GET /_stats`` answers the
request counters as JSON.
"""

from __future__ import annotations

import json
import sys
from http.server import BaseHTTPRequestHandler
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

import gen  # noqa: E402
from netserver import NetServer, _send  # noqa: E402


def main(argv: list[str]) -> int:
    feeds, per_feed, related = (int(a) for a in argv[:3])
    latency = float(argv[3])
    server = NetServer().start()
    site = gen.populate_site(server, feeds, per_feed, related_per_article=related)
    pages = [server.url(p) for p in server.routes if p.startswith(("/articles/", "/related/"))]

    @server.route("/_stats")
    def stats(req: BaseHTTPRequestHandler) -> None:
        body = json.dumps(
            {"hits": sum(server.hits.values()), "not_modified": sum(server.not_modified.values())}
        ).encode()
        _send(req, 200, body, "application/json")

    server.latency = latency
    print(
        json.dumps(
            {
                "port": server.port,
                "feeds": site.feeds,
                "pages": pages,
                "articles": site.articles,
                "related": site.related,
            }
        ),
        flush=True,
    )
    sys.stdin.read()  # serve until the bench closes the pipe
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
