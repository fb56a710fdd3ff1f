"""gunicorn's access log without the secrets some URLs carry (gunicorn.conf.py uses it).

A signed push-verification query (signature, timestamp, nonce, echostr) is a credential for a few
minutes, and a photo link's `sig` opens the photo for a day: a log line is read by more people
than the URL was meant for. Their values are replaced by "…"; the path, the other parameters and
everything else in the line stay as gunicorn writes them.
"""

from __future__ import annotations

from urllib.parse import unquote_plus

from gunicorn.glogging import Logger

SECRET_PARAMETERS = frozenset(
    {"signature", "msg_signature", "nonce", "echostr", "sig", "openid", "access_token"}
)


def redact_query(query: str) -> str:
    """`a=1&sig=xyz` -> `a=1&sig=…`, parameter names compared case-insensitively."""
    if not query:
        return query
    parts = []
    for pair in query.split("&"):
        name = pair.split("=", 1)[0]
        # As the app reads it: `si%67=` is `sig=` too.
        secret = unquote_plus(name).strip().lower() in SECRET_PARAMETERS
        parts.append(f"{name}=…" if secret else pair)
    return "&".join(parts)


def redact_url(url: str) -> str:
    path, mark, query = url.partition("?")
    return f"{path}?{redact_query(query)}" if mark else url


def redact_request_line(line: str) -> str:
    """`GET /x?sig=1 HTTP/1.1` -> `GET /x?sig=… HTTP/1.1`."""
    method, space, rest = line.partition(" ")
    target, space2, protocol = rest.rpartition(" ")
    if not space or not space2:
        return redact_url(line)
    return f"{method} {redact_url(target)} {protocol}"


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["r"] = redact_request_line(atoms.get("r", ""))
        atoms["q"] = redact_query(atoms.get("q", ""))
        atoms["f"] = redact_url(atoms.get("f", ""))
        # The same values as environ and header atoms, for formats that name them.
        for key, redact in (
            ("{raw_uri}e", redact_url),
            ("{query_string}e", redact_query),
            ("{referer}i", redact_url),
        ):
            if isinstance(atoms.get(key), str):
                atoms[key] = redact(atoms[key])
        return atoms
