"""gunicorn settings: read from the working directory by `gunicorn server.wsgi:app` (and so by
./scripts/run); options on the command line win over these.

Access log: request lines without the secrets some URLs carry (server/accesslog.py).
"""

logger_class = "server.accesslog.RedactingLogger"
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'
