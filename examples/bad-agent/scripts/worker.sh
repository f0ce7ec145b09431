#!/bin/bash
# Echoes a secret into the log stream on every start (TFA1105).
echo "worker starting with key $OPENAI_API_KEY"
exec python -m agent.worker
