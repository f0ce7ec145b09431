import logging

from fastapi import FastAPI

from agent.llm import answer

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
app = FastAPI()
conversations: dict[str, list[str]] = {}


@app.post("/chat/{session_id}")
def chat(session_id: str, message: str) -> dict:
    print(f"session {session_id}: {message}")
    history = conversations.setdefault(session_id, [])
    reply = answer(message, history)
    history.extend([message, reply])
    return {"reply": reply}
