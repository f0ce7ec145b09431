"""Run at the start of the tfa-lint subprocesses the suite starts (conftest puts this directory
on their PYTHONPATH): ``tfa_lint.rules`` is this checkout's ``rules/``, as in the suite itself.

An editable install of another checkout maps ``tfa_lint.rules`` to *its* rules, so without
this a subprocess would run this checkout's engine over another checkout's rule pack."""

import importlib.util
import os
import sys
from pathlib import Path

_RULES = Path(os.environ["TFA_LINT_CHECKOUT_RULES"])


class _ThisCheckoutsRules:
    """Finds ``tfa_lint.rules`` here; its submodules follow from its ``__path__``."""

    @classmethod
    def find_spec(cls, name: str, path: object = None, target: object = None) -> object:
        if name != "tfa_lint.rules":
            return None
        return importlib.util.spec_from_file_location(name, _RULES / "__init__.py",
                                                      submodule_search_locations=[str(_RULES)])


sys.meta_path.insert(0, _ThisCheckoutsRules)
