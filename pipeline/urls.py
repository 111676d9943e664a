"""Passwords in URLs (`http://user:password@host/`): kept out of what the pipeline stores and prints."""
from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit, urlunsplit

# scheme://user:password@ in any text; the password runs to the last @ before the path,
# query or fragment, which is where urlsplit ends the userinfo too.
_PASSWORD = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://[^/?#\s:@]*):[^/?#\s]*@")


def redact(text: str) -> str:
    """`text` with every URL password replaced by ***; the user name stays, to tell accounts apart."""
    return _PASSWORD.sub(r"\1:***@", text)


def split_userinfo(url: str) -> tuple[str, tuple[str, str] | None]:
    """The URL without `user:password@`, and the (user, password) it carried, if any."""
    parts = urlsplit(url)
    if parts.username is None:
        return url, None
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=host)), (unquote(parts.username), unquote(parts.password or ""))
