import json
import logging

import redis
from fastapi import FastAPI

from agent.config import load_settings
from agent.llm import answer
from agent.logs import configure_logging

settings = load_settings()
configure_logging(settings.log_level)
logger = logging.getLogger(__name__)
store = redis.Redis.from_url(settings.redis_url)
app = FastAPI()


@app.post("/chat/{session_id}")
def chat(session_id: str, message: str) -> dict:
    key = f"history:{session_id}"
    history = [item.decode() for item in store.lrange(key, 0, -1)]
    reply = answer(settings, message, history)
    store.rpush(key, message, reply)
    logger.info("chat_turn", extra={"session_id": session_id, "turns": len(history) // 2 + 1})
    return {"reply": reply, "history": json.dumps(history)}
