"""The built-in rule pack: one module per factor, written against the public rule API only.

Installed as ``tfa_lint.rules``. To add a rule, see CONTRIBUTING.md.
"""

from tfa_lint.rules import (
    factor02_dependencies,
    factor03_config,
    factor06_processes,
    factor09_disposability,
    factor11_logs,
)

MODULES = (factor02_dependencies, factor03_config, factor06_processes, factor09_disposability, factor11_logs)
