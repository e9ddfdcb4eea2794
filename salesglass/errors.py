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


def redact_message(text: str, url: str) -> str:
    """A driver's message about `url` fit to show: the URL's password masked in every form a driver may
    quote it — the URL whole (libpq quotes a URI it cannot parse, password and all), or the password alone,
    as written or percent-decoded/encoded."""
    from urllib.parse import quote, quote_plus, unquote

    text = text.replace(url, redact_url(url))
    for secret in _passwords(url):
        for form in sorted({secret, unquote(secret), quote(unquote(secret), safe=""), quote_plus(unquote(secret))}):
            if form:
                text = text.replace(form, "***")
    return text


def _passwords(url: str) -> list[str]:
    """Every password `url` carries, found as `redact_url` finds them."""
    import re

    found = []
    if "://" in url:
        start = url.find("://") + 3
        at = url.rfind("@", start)
        if at >= 0:
            _, has_password, password = url[start:at].partition(":")
            if has_password:
                found.append(password)
    found += re.findall(r"(?i)[?&](?:password|passwd|pwd)=([^&#]*)", url)
    for quoted, bare in re.findall(r"(?i)\bpassword\s*=\s*(?:'((?:[^'\\]|\\.)*)'|([^\s&]+))", url):
        found.append(quoted or bare)
    return [p for p in found if p]
