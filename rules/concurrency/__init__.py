"""Factor VIII — Concurrency: scale out through declared process types, one job per process."""
