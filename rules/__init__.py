"""The built-in rule pack: one module per factor, written against the public rule API only.

Installed as ``tfa_lint.rules``. To add a rule, see CONTRIBUTING.md.
"""

MODULES: tuple = ()
