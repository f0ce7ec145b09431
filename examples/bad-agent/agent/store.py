import os

import redis

REDIS_URL = "redis://agent:Tr5Yq9Wz2Lp8Xk@10.0.4.12:6379/0"
PINECONE_API_KEY = os.getenv("PINECONE_API_KEY", "7c1e9a4f-2b8d-4e6a-9f03-5d2c8b7a1e64")

cache = redis.Redis.from_url(REDIS_URL)
