import os

from openai import AzureOpenAI, OpenAI

from agent import settings

USE_AZURE = False

if USE_AZURE:
    client = AzureOpenAI(azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"], api_version="2024-10-21")
else:
    client = OpenAI()

embedder = OpenAI(base_url=settings.EMBEDDINGS_BASE_URL)


def condense(text: str) -> str:
    response = client.chat.completions.create(
        model=settings.SUMMARY_MODEL,
        temperature=settings.SUMMARY_TEMPERATURE,
        messages=[{"role": "user", "content": f"Condense: {text}"}],
    )
    return response.choices[0].message.content or ""
