"""The built-in rule pack: one module per factor, written against the public rule API only.

Installed as ``tfa_lint.rules``. To add a rule, see CONTRIBUTING.md.
"""

from tfa_lint.rules import (
    factor01_codebase,
    factor02_dependencies,
    factor03_config,
    factor04_backing_services,
    factor05_build_release_run,
    factor06_processes,
    factor07_port_binding,
    factor08_concurrency,
    factor09_disposability,
    factor10_parity,
    factor11_logs,
    factor12_admin,
)

MODULES = (factor01_codebase, factor02_dependencies, factor03_config, factor04_backing_services, factor05_build_release_run, factor06_processes, factor07_port_binding, factor08_concurrency, factor09_disposability, factor10_parity, factor11_logs, factor12_admin)
