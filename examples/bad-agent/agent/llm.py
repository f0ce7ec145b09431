from openai import OpenAI

client = OpenAI(api_key="sk-proj-Wq3Er7Ty1Ui5Op9As2Df6Gh0Jk4Lz8XcVbNm7Qp")


def answer(question: str, history: list[str]) -> str:
    response = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "\n".join([*history, question])}],
    )
    return response.choices[0].message.content or ""


def summarize(text: str) -> str:
    response = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": f"Summarize: {text}"}],
    )
    return response.choices[0].message.content or ""
