from openai import OpenAI

client = OpenAI(base_url="http://localhost:11434/v1")


def answer(question: str, history: list[str]) -> str:
    response = client.chat.completions.create(model="llama3", messages=[{"role": "user", "content": question}])
    return response.choices[0].message.content or ""
