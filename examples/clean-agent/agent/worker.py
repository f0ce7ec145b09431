import json
import logging
import signal
import time

import redis

from agent.config import load_settings
from agent.llm import answer
from agent.logs import configure_logging

logger = logging.getLogger(__name__)


class Worker:
    def __init__(self) -> None:
        self.settings = load_settings()
        self.queue = redis.Redis.from_url(self.settings.redis_url)
        self.running = True
        signal.signal(signal.SIGTERM, self.stop)

    def stop(self, signum: int, frame: object) -> None:
        logger.info("shutdown_requested", extra={"signal": signum})
        self.running = False

    def run(self) -> None:
        while self.running:
            job = self.queue.lpop("jobs")
            if job is None:
                time.sleep(1)
                continue
            task = json.loads(job)
            self.queue.set(task["id"], answer(self.settings, task["question"], []))
            logger.info("job_done", extra={"job_id": task["id"]})


if __name__ == "__main__":
    configure_logging(load_settings().log_level)
    Worker().run()
