"""Redaction: the only form in which a secret may appear in any output."""

from __future__ import annotations


def redact(secret: str) -> str:
    """A recognisable but useless form of ``secret``: ``sk-p…9Xa2``.

    Long secrets keep their first and last four characters (the prefix names the provider
    and is not secret); shorter ones keep less, and short ones keep nothing but their length,
    so that no more than a fifth of a secret is ever shown.
    """
    n = len(secret)
    if n >= 40:
        keep = 4
    elif n >= 20:
        keep = 2
    else:
        return f"…({n} chars)"
    return f"{secret[:keep]}…{secret[-keep:]}"
