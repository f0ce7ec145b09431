"""tfa-lint: how far an LLM-agent repository is from twelve-factor practice, and what to change."""

__version__ = "0.2.0"

#: The project's home and its rules reference (also [project.urls] in pyproject.toml).
HOMEPAGE = "https://github.com/tfa-lint/tfa-lint"
DOCS_URL = f"{HOMEPAGE}/blob/main/docs/rules.md"
