"""How the run launcher talks to the warm run worker: one JSON request per connection on a unix socket.

The socket is ``DAGSTER_HOME/run_worker.sock``: DAGSTER_HOME is owner-only (``ensure_private_dir``),
the socket itself is created with mode 0600 and the worker also refuses a peer whose uid is not its
own (``SO_PEERCRED``). Nothing listens on a network port, and no request names an executable, a
path or an instance: a request is an operation and a run id, and the worker executes that run of
its own DAGSTER_HOME with the code it loaded at start-up.

This module is imported by every Dagster process that loads the instance (webserver, daemon, CLI),
so it must stay cheap: standard library only.
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from pathlib import Path
from typing import Any

SOCKET_NAME = "run_worker.sock"
OPS = ("ping", "launch", "status", "terminate")
_MAX_MESSAGE = 64 * 1024
# sun_path holds 108 bytes on Linux; a longer path is reached through /proc/self/fd (see _address).
_MAX_SUN_PATH = 100
# A worker binds its socket before it warms up, so a request made meanwhile waits for the answer
# instead of falling back to a cold start; past this the launcher gives up and starts the run cold.
CLIENT_TIMEOUT_SECONDS = 150.0


class WorkerUnavailable(Exception):
    """No warm run worker answers on this DAGSTER_HOME's socket."""


def socket_path(dagster_home: str | Path) -> Path:
    return Path(dagster_home) / SOCKET_NAME


def valid_run_id(value: Any) -> bool:
    """Dagster run ids are UUIDs; anything else is refused before it reaches the instance."""
    try:
        return isinstance(value, str) and str(uuid.UUID(value)) == value
    except ValueError:
        return False


class _Address:
    """A socket path usable with bind/connect, however deep the folder is.

    A path longer than sun_path is reached through an open descriptor of its folder
    (``/proc/self/fd/N/run_worker.sock``), which needs no chdir (the daemon is multi-threaded).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._dir_fd: int | None = None

    def __enter__(self) -> str:
        if len(os.fsencode(self.path)) <= _MAX_SUN_PATH:
            return str(self.path)
        self._dir_fd = os.open(self.path.parent, os.O_RDONLY | os.O_DIRECTORY)
        return f"/proc/self/fd/{self._dir_fd}/{self.path.name}"

    def __exit__(self, *exc: object) -> None:
        if self._dir_fd is not None:
            os.close(self._dir_fd)


def bind_listener(path: Path) -> socket.socket:
    """Listen on ``path`` (mode 0600). A stale socket file of a dead worker is replaced."""
    if path.exists():
        if _someone_listens(path):  # another worker, perhaps still warming up
            raise RuntimeError(f"a run worker already listens on {path}")
        path.unlink()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old_umask = os.umask(0o177)  # the socket file is created 0600, never briefly wider
    try:
        with _Address(path) as address:
            listener.bind(address)
    finally:
        os.umask(old_umask)
    listener.listen(16)
    return listener


def _someone_listens(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe, _Address(path) as address:
        try:
            probe.connect(address)
        except (ConnectionRefusedError, FileNotFoundError):
            return False
    return True


def peer_is_owner(conn: socket.socket) -> bool:
    """The connecting process runs as this process's user (Linux SO_PEERCRED: pid, uid, gid)."""
    import struct

    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    return uid == os.getuid()


def read_message(conn: socket.socket) -> dict[str, Any]:
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
        if len(data) > _MAX_MESSAGE:
            raise ValueError("message too long")
    message = json.loads(data.decode("utf-8") or "null")
    if not isinstance(message, dict):
        raise ValueError("a message is a JSON object")
    return message


def write_message(conn: socket.socket, message: dict[str, Any]) -> None:
    conn.sendall(json.dumps(message).encode("utf-8") + b"\n")


def request(path: Path, message: dict[str, Any], *, timeout: float = CLIENT_TIMEOUT_SECONDS) -> dict[str, Any]:
    """Send one request to the worker listening on ``path`` and return its answer.

    Raises WorkerUnavailable when nobody listens (no socket file, connection refused, no answer).
    """
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn, _Address(path) as address:
            conn.settimeout(timeout)
            conn.connect(address)
            write_message(conn, message)
            answer = read_message(conn)
    except (FileNotFoundError, ConnectionRefusedError, ConnectionResetError, BrokenPipeError, TimeoutError,
            NotADirectoryError, ValueError) as exc:
        raise WorkerUnavailable(f"{type(exc).__name__}: {exc}") from exc
    if not answer.get("ok"):
        raise WorkerUnavailable(str(answer.get("error") or "the run worker refused the request"))
    return answer
