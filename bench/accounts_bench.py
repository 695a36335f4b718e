"""The ``accounts`` group of the bench: an account on the replay server (tests/feedservers.py, in
its own process, 50 ms added to each answer) with 5,000 entries over 100 feeds.

Figures: the first sync's entries per second, a sync with nothing new, and a sync that sends
1,000 queued changes (Miniflux's batch form, the kind the issue's targets are set for; Fever has
no batch form and sends one request per change).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent


def measure(work: Path, quick: bool) -> dict[str, Any]:
    """Run the scenario; returns the figures' values and what they rest on."""
    from termreader.accounts import queue, registry
    from termreader.accounts.sync import sync_accounts
    from termreader.library.store import Library

    feeds, per_feed = (20, 25) if quick else (100, 50)
    os.environ["TERMREADER_KEYRING"] = "off"
    os.environ["TERMREADER_CREDENTIALS"] = str(work / "credentials.json")
    server = subprocess.Popen(
        [sys.executable, str(BENCH / "serve_accounts.py"), str(feeds), str(per_feed), "0.05"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        port = json.loads(server.stdout.readline())["port"]
        library = Library.open(work / "lib-accounts")
        registry.add(
            library, "miniflux", f"http://127.0.0.1:{port}", "reader", "s3cret-pass", name="bench"
        )
        # The first sync in this process pays for importing the web stack; a warm-up account
        # sync against nothing would hide that, so it is left in (the CLI pays it too).
        cpu = time.process_time()
        first = asyncio.run(sync_accounts(library))[0]
        cpu = time.process_time() - cpu
        started = time.monotonic()
        again = asyncio.run(sync_accounts(library))[0]
        nothing_new = time.monotonic() - started
        ids = [k for k, v in library.kv_all(registry.ENTRIES).items() if v.get("a") == "bench"]
        library.set_states({key: {"unread": False} for key in ids[:1000]})
        waiting = queue.waiting(library, "bench")
        started = time.monotonic()
        sent = asyncio.run(sync_accounts(library))[0]
        sending = time.monotonic() - started
    finally:
        if server.stdin is not None:
            server.stdin.close()
        server.wait(30)
    return {
        "entries": feeds * per_feed,
        "feeds": feeds,
        "first": first.to_dict(),
        "first_rate": first.added / first.elapsed if first.elapsed else None,
        "first_cpu": cpu,
        "nothing_new": nothing_new,
        "again": again.to_dict(),
        "queued": waiting,
        "sent": sent.to_dict(),
        "sending": sending,
    }
