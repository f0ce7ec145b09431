"""What several config rules share: the file kinds read as text for credentials, and a key
shape for their examples.
"""

from __future__ import annotations

from tfa_lint.model import FileKind

_TEXT_KINDS = (FileKind.PYTHON, FileKind.DOCKERFILE, FileKind.REQUIREMENTS, FileKind.PYPROJECT,
               FileKind.PROCFILE, FileKind.COMPOSE, FileKind.ENV)

# Key shapes for examples, assembled so that this file itself holds no key-shaped literal.
_OPENAI = "sk-proj-" + "Q3vT9xLm2Rk7Wp4Zs8Nd1Hf6Jy0Bc5Gt" + "Kp3Lw7Xa2"
