"""``python -m tfa_lint``: the same as the ``tfa-lint`` command.

``python -m`` puts the working directory first on ``sys.path``; run inside the repository
being scanned, that would let its files (a ``click.py``, a ``yaml/`` package, a
``*.dist-info`` declaring tfa-lint rules) be imported in place of ours. It is dropped before
anything else is imported. (This package itself is already loaded by then: inside an
untrusted checkout, use the ``tfa-lint`` command, or ``python -P -m tfa_lint``.)
"""

import os
import sys

_cwd = os.path.realpath(os.getcwd())
sys.path[:] = [p for p in sys.path if os.path.realpath(p or ".") != _cwd]

from tfa_lint.cli import main

main()
