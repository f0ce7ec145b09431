"""Factor X — Dev/prod parity: the same backing services, server and runtime everywhere."""
