"""`exactly(message)`: a `pytest.raises(match=...)` pattern that accepts that message and nothing else.

`match` searches, so `match="the table is empty"` also passes for "XXthe table is emptyXX" or a
message with its numbers wrong; a test that promises a clear message checks all of it.
"""

from __future__ import annotations

import re


def exactly(message: str) -> str:
    """The regular expression matching `message` exactly, for `pytest.raises(..., match=exactly(message))`.

    Example:
        >>> bool(re.search(exactly("n must be >= 1, got 0"), "n must be >= 1, got 0"))
        True
        >>> bool(re.search(exactly("n must be >= 1, got 0"), "n must be >= 1, got 0 (or 10)"))
        False
    """
    return rf"\A{re.escape(message)}\Z"
