"""Factor XII — Admin processes: migrations, ingestion and other one-off tasks run as one-off
processes, in the app's environment, against its release — not inside the serving process.
"""
