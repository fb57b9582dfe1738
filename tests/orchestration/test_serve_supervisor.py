"""The `jxc serve` supervisor stops every child (and its children) on Ctrl-C or when one dies."""

from __future__ import annotations

import os
import signal
import socket
import sys
import threading
import time

import pytest

from orchestration.errors import JxcError
from orchestration.serve import Service, Supervisor, port_in_use

SLEEPER = (sys.executable, "-c", "import signal, time; signal.signal(signal.SIGINT, signal.SIG_DFL); time.sleep(120)")
# A child that ignores SIGINT, like a server stuck in shutdown: must be escalated to SIGTERM.
STUBBORN = (sys.executable, "-c", "import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); time.sleep(120)")


def test_stop_ends_all_children_even_stubborn_ones() -> None:
    supervisor = Supervisor([Service("a", SLEEPER), Service("b", STUBBORN)])
    supervisor.start()
    time.sleep(0.5)
    started = time.monotonic()
    supervisor.stop(grace=1.0)
    assert all(child.poll() is not None for child in supervisor.children.values())
    assert time.monotonic() - started < 10


def test_a_dying_child_stops_the_others_and_is_reported() -> None:
    quitter = (sys.executable, "-c", "import sys; sys.exit(3)")
    supervisor = Supervisor([Service("sleeper", SLEEPER), Service("quitter", quitter)])
    with pytest.raises(JxcError, match="quitter exited with code 3"):
        supervisor.run()
    assert supervisor.children["sleeper"].poll() is not None


def test_busy_port_is_refused_before_starting_anything() -> None:
    with socket.socket() as sock:
        sock.bind(("0.0.0.0", 0))
        sock.listen()
        port = sock.getsockname()[1]
        assert port_in_use(port)
        supervisor = Supervisor([Service("web", SLEEPER, port=port)])
        with pytest.raises(JxcError, match=f"port already in use: {port}"):
            supervisor.start()
        assert supervisor.children == {}


def test_sigterm_to_the_supervisor_stops_the_children() -> None:
    supervisor = Supervisor([Service("a", SLEEPER), Service("b", SLEEPER)])
    before = signal.getsignal(signal.SIGTERM)
    threading.Timer(1.0, os.kill, args=(os.getpid(), signal.SIGTERM)).start()
    assert supervisor.run() == 0
    assert all(child.poll() is not None for child in supervisor.children.values())
    assert signal.getsignal(signal.SIGTERM) is before  # our handler is gone again
