"""Which way a notice goes: one choice per notice, made when it is written.

FALLBACK is the order: a mini-program subscribe message while the recipient has a credit for its
template (or a long-term consent), else a template message on the official account if one is
configured and the recipient follows it (deputies get every new item and reminder there without
per-message consent; citizens get what no credit is left for), else nothing: the notice is
recorded as not notified and the person reads it in the mini-program.

Each way is asked lazily and in order, so a notice that has a credit costs exactly what it cost
before the official account existed (one conditional UPDATE), and a deployment with no official
account never looks for followers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

FALLBACK: tuple[str, ...] = ("mp", "oa")


def choose(probes: Mapping[str, Callable[[], bool] | None]) -> str | None:
    """The first channel in FALLBACK whose probe says it reaches the person; probes after it are
    not called (the mini-program's probe spends the credit it finds). A channel whose probe is
    None is not configured."""
    for channel in FALLBACK:
        probe = probes.get(channel)
        if probe is not None and probe():
            return channel
    return None
