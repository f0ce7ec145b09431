"""Factor III — Config: configuration, and above all credentials, live in the environment.

Every rule here shows a secret only through ``redact``.
"""
