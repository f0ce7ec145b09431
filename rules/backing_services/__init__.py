"""Factor IV — Backing services: databases, queues, vector stores and model endpoints are
attached resources, located by configuration and swappable without a code change.
"""
