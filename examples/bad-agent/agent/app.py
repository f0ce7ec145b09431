import logging
import threading
import time

from fastapi import FastAPI

from agent.llm import answer
from agent.store import ingest_documents

logging.basicConfig(filename="agent.log", level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
time.sleep(2)  # give redis time to start
app = FastAPI()
conversations: dict[str, list[str]] = {}


@app.post("/chat/{session_id}")
def chat(session_id: str, message: str) -> dict:
    print(f"session {session_id}: {message}")
    history = conversations.setdefault(session_id, [])
    reply = answer(message, history)
    history.extend([message, reply])
    return {"reply": reply}


def refresh_forever() -> None:
    while True:
        conversations.clear()
        time.sleep(3600)


@app.on_event("startup")
def start_refresher() -> None:
    threading.Thread(target=refresh_forever, daemon=True).start()


@app.on_event("startup")
def load_knowledge() -> None:
    ingest_documents("docs")


@app.post("/admin/reindex")
def reindex() -> dict:
    ingest_documents("docs")
    return {"status": "done"}


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=8000)
