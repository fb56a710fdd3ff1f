"""gunicorn settings: read from the working directory by `gunicorn server.wsgi:app` (and so by
./scripts/run); options on the command line win over these.

Production puts a buffering reverse proxy (nginx) in front: it takes whole requests from slow
phones and hands them over at once (README, "Deploying"). Reached directly, gunicorn itself must
not let a few slow clients hold every thread, hence a threaded worker (a connection that sends
nothing waits in the poller, not in a thread) whose reads have a time limit and a minimum pace
(server/platform/gunicorn_worker.py), and small limits on the request line and headers. Not an
async worker class (gevent, eventlet): the app's database and Redis clients block, and would need
monkey-patching to share one thread.
"""

from server.settings import read

_settings = read()
worker_class = "server.platform.gunicorn_worker.GuardedThreadWorker"
workers = _settings["WEB_CONCURRENCY"]
threads = _settings["GUNICORN_THREADS"]
# A worker that stops answering its heartbeat for this long is replaced; gthread's main loop
# keeps beating while request threads wait, so this bounds only a stuck worker.
timeout = 30
graceful_timeout = 30
keepalive = 5  # seconds an idle kept-alive connection stays open
limit_request_line = 4094  # GET with filters is well below; a query of megabytes is not a link
limit_request_fields = 50
limit_request_field_size = 8190

# Access log: request lines without the secrets some URLs carry (server/platform/accesslog.py).
logger_class = "server.platform.accesslog.RedactingLogger"
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'
