"""The account bench's server, in its own process (so serving does not share the bench's GIL):
the replay server of tests/feedservers.py with FEEDS feeds of PER_FEED entries each, full
content, and LATENCY seconds added to each answer. Prints ``{"port": N}`` and serves until its
stdin closes: ``python bench/serve_accounts.py FEEDS PER_FEED LATENCY``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from feedservers import FeedServer  # noqa: E402

PARAGRAPH = (
    "Feed servers keep subscriptions in one place; a terminal reader syncs with them and keeps "
    "reading when they are away. "
)
CJK = "离线阅读的时候，服务器不在也没有关系，回来以后再同步。"


def main() -> None:
    feeds, per_feed, latency = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    server = FeedServer()
    for f in range(feeds):
        feed = server.add_feed(f"Feed {f}" if f % 2 else f"订阅 {f}")
        for n in range(per_feed):
            text = PARAGRAPH * 14 if f % 2 else CJK * 60
            html = "".join(f"<p>{text} ({n}.{p})</p>" for p in range(3))
            item = server.add_item(
                feed, f"Entry {f}.{n}", html, url=f"https://bench.invalid/{f}/{n}"
            )
            # Entries last changed long ago, as on a server in use (not all this second).
            server.items[item].changed = 1_700_000_000 + item
    server.latency = latency
    server.start()
    print(json.dumps({"port": server.port}), flush=True)
    sys.stdin.read()
    server.stop()


if __name__ == "__main__":
    main()
