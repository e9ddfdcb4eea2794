"""Errors a user can act on. The CLI prints them as one clear message, never as a traceback."""


class SalesglassError(Exception):
    """Base class: the message is meant for the person running the command."""


class ConfigError(SalesglassError):
    """The config file is wrong: the message names the key and what is expected."""


def redact_url(url: str) -> str:
    """A database URL or connection string fit for a message: its password masked wherever it is written —
    after `user:` (found by position, so a password with a raw `@` or `/` is masked whole), as a `password=`
    query parameter (`postgresql://u@h/db?password=…`, which libpq and SQLAlchemy both accept), or as a
    libpq `key=value` string's `password=…`."""
    import re

    if "://" in url:
        start = url.find("://") + 3
        at = url.rfind("@", start)
        if at >= 0:
            user, has_password, _ = url[start:at].partition(":")
            url = f"{url[:start]}{user}{':***' if has_password else ''}{url[at:]}"
    url = re.sub(r"(?i)([?&](?:password|passwd|pwd)=)[^&#]*", r"\1***", url)
    return re.sub(r"(?i)(\bpassword\s*=\s*)(?:'(?:[^'\\]|\\.)*'|[^\s&]+)", r"\1***", url)
