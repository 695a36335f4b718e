"""First paint in a real terminal: run a command in a tmux pane and poll the screen for a marker."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

WIDTH, HEIGHT = 120, 40
POLL = 0.01


def have_tmux() -> bool:
    """Whether tmux (and GNU time, for peak memory) can be used."""
    return shutil.which("tmux") is not None


@dataclass(slots=True)
class Paint:
    """One launch: seconds to the marker (None: not seen in time), peak RSS in MB (None: unknown)."""

    seconds: float | None
    rss_mb: float | None
    screen: str


class Tmux:
    """A private tmux server (its own socket) with one pane the bench respawns for each launch."""

    def __init__(self, name: str = "") -> None:
        self.socket = name or f"trbench{os.getpid()}"
        self.session = "bench"
        self._started = False

    def _tmux(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=check
        )

    def start(self) -> Tmux:
        self._tmux(
            "new-session",
            "-d",
            "-s",
            self.session,
            "-x",
            str(WIDTH),
            "-y",
            str(HEIGHT),
            "sleep 100000",
        )
        self._tmux("set-option", "-t", self.session, "remain-on-exit", "on")
        # A large pane must keep its size even with no client attached.
        self._tmux("set-option", "-t", self.session, "window-size", "manual", check=False)
        self._tmux(
            "resize-window", "-t", self.session, "-x", str(WIDTH), "-y", str(HEIGHT), check=False
        )
        self._started = True
        return self

    def stop(self) -> None:
        if self._started:
            self._tmux("kill-server", check=False)
            self._started = False
            # tmux may leave its socket file behind; it is ours (a private -L name).
            folder = Path(os.environ.get("TMUX_TMPDIR", "/tmp")) / f"tmux-{os.getuid()}"
            (folder / self.socket).unlink(missing_ok=True)

    def __enter__(self) -> Tmux:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def capture(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", self.session, check=False).stdout

    def send(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", self.session, *keys, check=False)

    def pane_dead(self) -> bool:
        out = self._tmux(
            "display-message", "-p", "-t", self.session, "#{pane_dead}", check=False
        ).stdout
        return out.strip() == "1"

    def launch(
        self,
        argv: list[str],
        marker: str,
        *,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        timeout: float = 30.0,
        after: list[tuple[str, float]] | None = None,
        quit_keys: tuple[str, ...] = ("q",),
        rss_file: Path | None = None,
    ) -> Paint:
        """Respawn the pane with ``argv``; time until ``marker`` shows on screen.

        Then sends each ``(key, wait)`` of ``after`` (e.g. ``G`` to touch the whole article),
        quits with ``quit_keys`` and reads the peak RSS GNU time recorded.
        """
        rss_file = rss_file or Path(f"/tmp/trbench-rss-{os.getpid()}")
        rss_file.unlink(missing_ok=True)
        parts = ["env", *(f"{k}={v}" for k, v in (env or {}).items())]
        if shutil.which("time") or Path("/usr/bin/time").exists():
            parts += ["/usr/bin/time", "-f", "%M", "-o", str(rss_file)]
        parts += argv
        command = " ".join(shlex.quote(p) for p in parts)
        if cwd is not None:
            command = f"cd {shlex.quote(str(cwd))} && exec {command}"
        # Clear the pane's history so a marker left by the previous launch cannot match.
        self._tmux("clear-history", "-t", self.session, check=False)
        start = time.perf_counter()
        self._tmux("respawn-pane", "-k", "-t", self.session, command)
        seconds: float | None = None
        screen = ""
        deadline = start + timeout
        while time.perf_counter() < deadline:
            screen = self.capture()
            if marker in screen:
                seconds = time.perf_counter() - start
                break
            time.sleep(POLL)
        if seconds is not None:
            for key, wait in after or []:
                self.send(key)
                time.sleep(wait)
        for key in quit_keys:
            self.send(key)
        # Wait for the program to exit (GNU time writes the file then).
        end = time.perf_counter() + 15
        while time.perf_counter() < end and not self.pane_dead():
            time.sleep(0.05)
        if not self.pane_dead():
            self._tmux("respawn-pane", "-k", "-t", self.session, "sleep 100000", check=False)
        rss: float | None = None
        try:
            text = rss_file.read_text().strip().splitlines()
            rss = int(text[-1]) / 1024 if text else None
        except (OSError, ValueError):
            rss = None
        return Paint(seconds, rss, screen)
