"""The built-in rule pack: one module per factor, written against the public rule API only.

Installed as ``tfa_lint.rules``. To add a rule, see CONTRIBUTING.md.
"""

from tfa_lint.rules import factor03_config, factor09_disposability

MODULES = (factor03_config, factor09_disposability)
