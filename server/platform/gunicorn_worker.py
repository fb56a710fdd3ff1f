"""gunicorn's threaded worker, hardened against clients that send slowly (slowloris).

In production a buffering proxy (nginx) stands in front and hands gunicorn whole requests; this
is for when the app is reached directly anyway. gunicorn's gthread worker already leaves
connections that send nothing to its poller, but once a request's first bytes arrive, a thread
reads its headers and body with no time limit: a dozen clients sending a byte now and then held
every thread, and nobody else was served. Here every read of a request waits at most
CLIENT_READ_TIMEOUT seconds, and a client that makes the thread wait more than
CLIENT_RATE_GRACE seconds in all must have sent CLIENT_MIN_RATE bytes for each of them; else
the connection is dropped (a body cut short is a 400 to the app, never a 500).

gunicorn.conf.py names this class as the worker. The three values come from the environment
(GUNICORN_CLIENT_READ_TIMEOUT, GUNICORN_CLIENT_MIN_RATE, GUNICORN_CLIENT_RATE_GRACE).
"""

from __future__ import annotations

import errno
import time

from gunicorn.http.errors import NoMoreData
from gunicorn.http.unreader import SocketUnreader
from gunicorn.workers.gthread import TConn, ThreadWorker

from server.settings import read

_settings = read()
CLIENT_READ_TIMEOUT = _settings["GUNICORN_CLIENT_READ_TIMEOUT"]
CLIENT_MIN_RATE = _settings["GUNICORN_CLIENT_MIN_RATE"]  # bytes a second
CLIENT_RATE_GRACE = _settings["GUNICORN_CLIENT_RATE_GRACE"]


class PacedUnreader(SocketUnreader):
    """Reads from the client, counting the time spent waiting for it and what it delivered."""

    waited = 0.0
    received = 0

    def chunk(self, size_hint=None):
        started = time.monotonic()
        try:
            data = super().chunk(size_hint)
        except TimeoutError:
            # As a client gone away: gunicorn drops it quietly, the app sees a body cut short.
            raise NoMoreData(b"") from None
        self.waited += time.monotonic() - started
        self.received += len(data)
        if self.waited > CLIENT_RATE_GRACE and self.received < self.waited * CLIENT_MIN_RATE:
            raise NoMoreData(b"")
        return data


class PacedConn(TConn):
    def init(self):
        super().init()
        # gthread sets the socket blocking (no time limit) before every request it reads.
        self.sock.settimeout(CLIENT_READ_TIMEOUT)
        if self.parser is not None and type(self.parser.unreader) is SocketUnreader:
            self.parser.unreader.__class__ = PacedUnreader  # keeps what it buffered already


class GuardedThreadWorker(ThreadWorker):
    def accept(self, listener):
        """ThreadWorker.accept, with our connection class."""
        try:
            client_sock, client_addr = listener.accept()
            self.nr_conns += 1
            client_sock.setblocking(True)
            conn = PacedConn(self.cfg, client_sock, client_addr, listener.getsockname())
            self.enqueue_req(conn)
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
