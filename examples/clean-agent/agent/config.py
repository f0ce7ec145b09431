import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    redis_url: str
    model_name: str
    log_level: str


def load_settings() -> Settings:
    return Settings(
        redis_url=os.environ["REDIS_URL"],
        model_name=os.getenv("MODEL_NAME", "gpt-4o-mini"),
        log_level=os.getenv("LOG_LEVEL", "INFO"),
    )
