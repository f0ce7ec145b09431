"""Factor II — Dependencies: declared explicitly, pinned, isolated."""
