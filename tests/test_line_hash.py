from __future__ import annotations

import re

import pytest

from tfa_lint.line_hash import line_hashes

# Test vectors copied from the "hash" test in src/fingerprints.test.ts of
# github/codeql-action at commit f3f1edbedfb4a1d188d344570834df2996d45d39.
# The TS test writes each input to a file and collects the callback's
# (lineNumber, hash) pairs; here the pairs are the returned dict.
EMPTY_LINE = "c129715d7a2bc9a3:1"
GREETINGS = [
    "e9496ae3ebfced30:1",
    "fb7c023a8b9ccb3f:1",
    "ce8ba1a563dcdaca:1",
    "e20e36e16fcb0cc8:1",
    "b3edc88f2938467e:1",
    "c8e28b0b4002a3a0:1",
    EMPTY_LINE,
]
TS_VECTORS = [
    pytest.param("", [EMPTY_LINE], id="empty"),
    pytest.param(
        " a\nb\n  \t\tc\n d",
        ["271789c17abda88f:1", "54703d4cd895b18:1", "180aee12dab6264:1", "a23a3dc5e078b07b:1"],
        id="indented",
    ),
    pytest.param(
        " hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End",
        [
            "8b7cf3e952e7aeb2:1",
            "b1ae1287ec4718d9:1",
            "bff680108adb0fcc:1",
            "c6805c5e1288b612:1",
            "b86d3392aea1be30:1",
            "e6ceba753e1a442:1",
        ],
        id="no-final-newline",
    ),
    pytest.param(" hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End\n", GREETINGS, id="lf"),
    pytest.param(" hello; \t\nworld!!!\r\r\r  \t\tGreetings\r End\r", GREETINGS, id="cr"),
    pytest.param(" hello; \t\r\nworld!!!\r\n\r\n\r\n  \t\tGreetings\r\n End\r\n", GREETINGS, id="crlf"),
    pytest.param(" hello; \t\nworld!!!\r\n\n\r  \t\tGreetings\r End\r\n", GREETINGS, id="mixed-newlines"),
    pytest.param(
        "Lorem ipsum dolor sit amet.\n" * 10,
        [
            "a7f2ff13bc495cf2:1",
            "a7f2ff13bc495cf2:2",
            "a7f2ff13bc495cf2:3",
            "a7f2ff13bc495cf2:4",
            "a7f2ff13bc495cf2:5",
            "a7f2ff13bc495cf2:6",
            "a7f2ff1481e87703:1",
            "a9cf91f7bbf1862b:1",
            "55ec222b86bcae53:1",
            "cc97dc7b1d7d8f7b:1",
            EMPTY_LINE,
        ],
        id="repeated-line",
    ),
    pytest.param(
        "x = 2\nx = 1\nprint(x)\nx = 3\nprint(x)\nx = 4\nprint(x)\n",
        [
            "e54938cc54b302f1:1",
            "bb609acbe9138d60:1",
            "1131fd5871777f34:1",
            "5c482a0f8b35ea28:1",
            "54517377da7028d2:1",
            "2c644846cb18d53e:1",
            "f1b89f20de0d133:1",
            EMPTY_LINE,
        ],
        id="python-like",
    ),
]


@pytest.mark.parametrize(("text", "expected"), TS_VECTORS)
def test_matches_codeql_action_vectors(text: str, expected: list[str]) -> None:
    assert line_hashes(text) == {number: value for number, value in enumerate(expected, start=1)}
    # The TS test also checks that every line, as JS splits them, got a hash.
    assert len(line_hashes(text)) == len(re.split(r"\r\n|\r|\n", text))


# The "addFingerprints" test of the same file hashes src/testdata/testFile1.js and
# testFile2.js; these are their contents and the hashes expected for the lines that
# src/testdata/fingerprinting.expected.sarif points at.
@pytest.mark.parametrize(
    ("text", "line", "expected"),
    [
        pytest.param("var a = 0;\nvar b = 0;\nvar c = 0;\nvar d = 0;\n", 1, "5e4d5a9cf1294ad9:1", id="testFile1.js"),
        pytest.param("var foo = 0;\nvar bar = 0;\nvar baz = 0;\nvar qux = 0;\n", 2, "f7592a95a9381ac0:1", id="testFile2.js"),
    ],
)
def test_matches_codeql_action_sarif_testdata(text: str, line: int, expected: str) -> None:
    assert line_hashes(text)[line] == expected


def test_counts_utf16_code_units_like_js() -> None:
    # The window is 100 code units. An astral character takes two, which pushes
    # the 100th character out of line 1's window; a BMP character takes one.
    astral = "\U0001f600" + "a" * 98
    bmp = "\u00e9" + "a" * 98
    assert line_hashes(astral + "b")[1] == line_hashes(astral + "c")[1]
    assert line_hashes(bmp + "b")[1] != line_hashes(bmp + "c")[1]


SOURCE = "import os\n\n\ndef main():\n    return os.getcwd()\n"


def test_lines_inserted_above_keep_the_hash() -> None:
    before = line_hashes(SOURCE)
    after = line_hashes("# a new comment\nimport sys\n" + SOURCE)
    assert after[4 + 2] == before[4]
    assert after[5 + 2] == before[5]


def test_changing_the_line_changes_the_hash() -> None:
    before = line_hashes(SOURCE)
    after = line_hashes(SOURCE.replace("os.getcwd()", "os.getcwdb()"))
    assert after[5] != before[5]
    assert after[1] != before[1]  # line 1's window of 100 code units reaches line 5
