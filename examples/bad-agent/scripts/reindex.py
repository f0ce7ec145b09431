#!/usr/bin/python3
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from agent.store import ingest_documents  # noqa: E402

ingest_documents("docs")
