import os

from openai import AzureOpenAI, OpenAI

USE_AZURE = False

if USE_AZURE:
    client = AzureOpenAI(azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"], api_version="2024-10-21")
else:
    client = OpenAI()
