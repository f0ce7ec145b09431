"""tfa-lint: how far an LLM-agent repository is from twelve-factor practice, and what to change."""

__version__ = "0.1.0"
