import json
import subprocess
import sys

from langgraph.checkpoint.memory import MemorySaver

try:
    import chromadb
except ImportError:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "chromadb"])
    import chromadb

checkpointer = MemorySaver()
vectors = chromadb.PersistentClient(path="./chroma_db")


def save_history(session_id: str, history: list[str]) -> None:
    with open(f"sessions/{session_id}.json", "w") as fh:
        json.dump(history, fh)
