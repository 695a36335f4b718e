"""A real coldsweat (a Fever API server, from PyPI) for the account tests, run as a subprocess on
127.0.0.1 from its own virtual environment: its pins (urllib3<2, MarkupSafe<3) would downgrade
packages of the project's environment.

The environment is ``.venv-coldsweat`` at the repository's root (``.ci/run`` makes it), or
``$TERMREADER_COLDSWEAT_VENV``; when it is missing the fixture makes it, and the tests skip, with
the reason, only if coldsweat cannot be installed or started.
"""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
from helpers import wait_until

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENT = "coldsweat>=0.10.2,<0.11"


def venv() -> Path:
    return Path(os.environ.get("TERMREADER_COLDSWEAT_VENV") or ROOT / ".venv-coldsweat")


def ensure_installed() -> str:
    """The ``coldsweat`` program, installing it first if needed; "" with the reason printed
    when it cannot be had."""
    program = venv() / "bin" / "coldsweat"
    if program.exists():
        return str(program)
    try:
        subprocess.run(
            [sys.executable, "-m", "venv", str(venv())],
            check=True,
            capture_output=True,
            timeout=300,
        )
        subprocess.run(
            [str(venv() / "bin" / "python"), "-m", "pip", "install", "-q", REQUIREMENT],
            check=True,
            capture_output=True,
            timeout=600,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return str(program) if program.exists() else ""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Coldsweat:
    """One coldsweat: a database in ``home``, a user, the Fever API at :attr:`fever_url`."""

    def __init__(self, program: str, home: Path, email: str, password: str) -> None:
        self.program = program
        self.home = home
        self.email = email
        self.password = password
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.env = dict(
            os.environ,
            FLASK_DATABASE_URL=f"sqlite:///{home / 'coldsweat.db'}",
            FLASK_SECRET_KEY="tests only",
        )
        self.key = hashlib.md5(f"{email}:{password}".encode()).hexdigest()

    @property
    def fever_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/fever/"

    def command(self, *args: str) -> str:
        done = subprocess.run(
            [self.program, *args], env=self.env, cwd=self.home, capture_output=True, timeout=300
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"coldsweat {args[0]} failed: {done.stderr.decode(errors='replace')[-500:]}"
            )
        return done.stdout.decode(errors="replace")

    def setup(self, opml: Path) -> None:
        self.command("setup", self.email, "-p", self.password)
        self.command("import", str(opml), self.email, "-f")

    def fetch_now(self) -> None:
        """Fetch every feed now: coldsweat skips a feed fetched in the last 3 minutes, so its
        fetch times (and validators) are cleared first, as if that much time had passed."""
        import sqlite3

        with sqlite3.connect(self.home / "coldsweat.db") as db:
            db.execute("UPDATE feeds SET last_checked_on = NULL, last_updated_on = NULL, etag = ''")
        db.close()
        self.command("fetch")

    def start(self) -> None:
        log = open(self.home / "server.log", "ab")  # noqa: SIM115 - kept open by the child
        self.process = subprocess.Popen(
            [self.program, "run", "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env,
            cwd=self.home,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        wait_until(self.answers, 60, message="coldsweat to answer")

    def answers(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise RuntimeError("coldsweat exited: " + (self.home / "server.log").read_text()[-500:])
        try:
            return (
                httpx.post(
                    self.fever_url + "?api", data={"api_key": self.key}, timeout=2
                ).status_code
                == 200
            )
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None

    # --- the Fever API, as another client of the same user would use it ---------------------------
    def fever(self, query: str, **form: str) -> dict:
        answer = httpx.post(
            f"{self.fever_url}?api&{query}", data={"api_key": self.key, **form}, timeout=30
        )
        answer.raise_for_status()
        return answer.json()

    def ids(self, which: str) -> set[str]:
        text = self.fever(which)[which]
        return {i for i in str(text).split(",") if i}

    def items(self) -> dict[str, dict]:
        found: dict[str, dict] = {}
        since = 0
        while True:
            items = self.fever(f"items&since_id={since}").get("items") or []
            new = [i for i in items if int(i["id"]) > since]
            if not new:
                return found
            for item in new:
                found[str(item["id"])] = item
            since = max(int(i["id"]) for i in new)

    def mark(self, item: str, status: str) -> None:
        self.fever("mark", mark="item", **{"as": status}, id=item)


def wait_port_closed(port: int) -> None:
    def closed() -> bool:
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", port)) != 0

    wait_until(closed, 30)
