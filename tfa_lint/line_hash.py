"""GitHub's ``primaryLocationLineHash`` partial fingerprint, ported to Python.

Source: the ``hash`` function in ``src/fingerprints.ts`` of github/codeql-action
(ported from commit f3f1edbedfb4a1d188d344570834df2996d45d39), which the
upload-sarif action runs over each file that a SARIF result points into.

Why: GitHub code scanning matches an alert across commits by this value. When a
SARIF result already carries ``primaryLocationLineHash`` the action keeps it, and
if it differs from what the action computes itself the action logs a warning
about an inconsistent fingerprint. Supplying exactly the action's value lets
tfa-lint's SARIF be uploaded with or without the action's fingerprinting step.

The port follows the TS function step by step so the two can be compared side by
side: a rolling polynomial hash (base 37, wrapping 64-bit arithmetic) over a
window of 100 UTF-16 code units, ignoring spaces and tabs, with CR and CRLF read
as LF. A line's hash covers the 100 code units starting at its first one, so it
depends on the lines that follow but not on those above it.
"""

from __future__ import annotations

import sys
from array import array
from collections import Counter

TAB = ord("\t")
SPACE = ord(" ")
LF = ord("\n")
CR = ord("\r")
# Fed once after the last character, so that the empty line after a final
# newline (and line 1 of an empty file) has a character of its own.
EOF = 0xFFFF
BLOCK_SIZE = 100
MOD = 37
# The TS version uses Long: signed 64-bit with wrap-around, printed through
# toUnsigned(). Reducing modulo 2**64 after each step gives the same bits.
MASK = (1 << 64) - 1
FIRST_MOD = pow(MOD, BLOCK_SIZE, 1 << 64)

# array("H") reads code units in native byte order.
_UTF16 = "utf-16-le" if sys.byteorder == "little" else "utf-16-be"


def line_hashes(text: str) -> dict[int, str]:
    """Map each 1-based line number of ``text`` to its ``primaryLocationLineHash``.

    Every line gets a hash, including the empty line after a final newline, as in
    the TS version. ``text`` should be what Node reads for the action: the file's
    bytes decoded as UTF-8 with ``errors="replace"``, a leading BOM kept, and no
    newline translation.
    """
    window = [0] * BLOCK_SIZE
    # The line number of the line that starts at each window slot, or -1.
    line_numbers = [-1] * BLOCK_SIZE
    hash_raw = 0
    index = 0
    line_number = 0
    line_start = True
    prev_cr = False
    # Lines with identical hashes are told apart by their rank in the file.
    hash_counts: Counter[str] = Counter()
    hashes: dict[int, str] = {}

    def output_hash() -> None:
        value = format(hash_raw, "x")
        hash_counts[value] += 1
        hashes[line_numbers[index]] = f"{value}:{hash_counts[value]}"
        line_numbers[index] = -1

    def update_hash(current: int) -> None:
        nonlocal hash_raw, index
        begin = window[index]
        window[index] = current
        hash_raw = (MOD * hash_raw + current - FIRST_MOD * begin) & MASK
        index = (index + 1) % BLOCK_SIZE

    def process_character(current: int) -> None:
        nonlocal line_number, line_start, prev_cr
        if current == SPACE or current == TAB or (prev_cr and current == LF):
            prev_cr = False
            return
        if current == CR:
            current = LF
            prev_cr = True
        else:
            prev_cr = False
        # Coming back to a slot where a line started means that line's window
        # of BLOCK_SIZE code units is complete.
        if line_numbers[index] != -1:
            output_hash()
        if line_start:
            line_start = False
            line_number += 1
            line_numbers[index] = line_number
        if current == LF:
            line_start = True
        update_hash(current)

    # JS strings are UTF-16, and the TS version hashes charCodeAt values, so an
    # astral character counts as two code units. surrogatepass keeps a lone
    # surrogate as the single code unit JS would see instead of raising.
    for current in array("H", text.encode(_UTF16, "surrogatepass")):
        process_character(current)
    process_character(EOF)

    # Pad with zeros until every line still in the window has had its full
    # BLOCK_SIZE code units and been output.
    for _ in range(BLOCK_SIZE):
        if line_numbers[index] != -1:
            output_hash()
        update_hash(0)
    return hashes
