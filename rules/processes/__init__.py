"""Factor VI — Processes: stateless, share-nothing; state lives in backing services."""
