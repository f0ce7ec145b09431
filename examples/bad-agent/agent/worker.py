import json
import os
import time

from agent.llm import answer
from agent.store import cache


def main() -> None:
    with open("/tmp/agent-worker.pid", "w") as fh:
        fh.write(str(os.getpid()))
    while True:
        job = cache.lpop("jobs")
        if job is None:
            time.sleep(1)
            continue
        task = json.loads(job)
        cache.set(task["id"], answer(task["question"], []))


if __name__ == "__main__":
    main()
