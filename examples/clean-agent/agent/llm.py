from openai import OpenAI

from agent.config import Settings


def answer(settings: Settings, question: str, history: list[str]) -> str:
    client = OpenAI()  # reads OPENAI_API_KEY from the environment
    response = client.chat.completions.create(
        model=settings.model_name,
        messages=[{"role": "user", "content": "\n".join([*history, question])}],
    )
    return response.choices[0].message.content or ""
