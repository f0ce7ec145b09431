import logging
import os

import redis

REDIS_URL = "redis://agent:Tr5Yq9Wz2Lp8Xk@10.0.4.12:6379/0"
PINECONE_API_KEY = os.getenv("PINECONE_API_KEY", "7c1e9a4f-2b8d-4e6a-9f03-5d2c8b7a1e64")

QUEUE = os.environ["AGENT_QUEUE_NAME"]
cache = redis.Redis.from_url(REDIS_URL)
logging.getLogger(__name__).info("pinecone key: %s", PINECONE_API_KEY)

DATABASE_URL = os.getenv("DATABASE_URL", "sqlite:///agent.db")

if os.getenv("APP_ENV") == "production":
    VECTOR_URL = "https://vectors.prod.internal:6333"
else:
    VECTOR_URL = "http://localhost:6333"


def ingest_documents(folder: str) -> None:
    for name in os.listdir(folder):
        with open(os.path.join(folder, name)) as fh:
            cache.set(f"doc:{name}", fh.read())
