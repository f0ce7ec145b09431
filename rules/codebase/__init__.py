"""Factor I — Codebase: one codebase in version control, the same code in every deploy."""
