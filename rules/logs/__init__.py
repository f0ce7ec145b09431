"""Factor XI — Logs: an event stream on stdout, structured, never files or prints."""
