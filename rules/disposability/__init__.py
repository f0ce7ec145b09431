"""Factor IX — Disposability: fast start-up, graceful shutdown on SIGTERM."""
