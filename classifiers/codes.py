"""Parse codes of the all-Russian topic classifier of citizens' appeals.

A code is four blocks of four digits, ``section.theme-group.theme.question``,
for example ``0002.0006.0064.0272``. The level of a code is the position of
its last non-zero block; its parent is the same code with that block zeroed.
The institution's form shows questions of the methodical list with zeros
above them (``0000.0000.0000.0272``): such a code is a question without a
parent. These helpers know no model, so that migrations can use them too.
"""

from __future__ import annotations

import re

BLOCKS = 4
QUESTION_LEVEL = 4
ZERO_BLOCK = "0000"
CODE_MAX_LENGTH = BLOCKS * 4 + BLOCKS - 1
TITLE_MAX_LENGTH = 500

# [0-9], not \d: \d also matches Arabic-Indic and other Unicode digits.
CODE_RE = re.compile(r"[0-9]{4}(?:\.[0-9]{4}){3}")


class TopicCodeError(ValueError):
    """Raised for a string that is not a valid topic code."""


def split_code(code: str) -> list[str]:
    """Return the four blocks of ``code``; raise TopicCodeError if it is malformed."""
    if not CODE_RE.fullmatch(code):
        raise TopicCodeError(f"malformed topic code: {code!r}")
    blocks = code.split(".")
    if all(block == ZERO_BLOCK for block in blocks):
        raise TopicCodeError(f"topic code of zeros only: {code!r}")
    return blocks


def is_valid_code(code: str) -> bool:
    """Tell whether ``code`` is a well-formed, non-zero topic code."""
    try:
        split_code(code)
    except TopicCodeError:
        return False
    return True


def code_level(code: str) -> int:
    """Return the level (1-4) of ``code``: the position of its last non-zero block."""
    blocks = split_code(code)
    return max(i for i, block in enumerate(blocks, start=1) if block != ZERO_BLOCK)


def parent_code(code: str) -> str | None:
    """Return the code of the parent of ``code``, or None at the top of the tree.

    The parent is ``code`` with its last non-zero block zeroed; when that
    leaves zeros only (a section, or a question of the methodical list
    ``0000.0000.0000.XXXX``) there is no parent.
    """
    blocks = split_code(code)
    blocks[code_level(code) - 1] = ZERO_BLOCK
    if all(block == ZERO_BLOCK for block in blocks):
        return None
    return ".".join(blocks)


def ancestor_codes(code: str) -> list[str]:
    """Return the codes of all ancestors of ``code``, nearest first."""
    ancestors = []
    current = parent_code(code)
    while current is not None:
        ancestors.append(current)
        current = parent_code(current)
    return ancestors
