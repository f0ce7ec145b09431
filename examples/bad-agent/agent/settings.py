"""Deploy settings, written into the code: every deploy gets the same ones."""

EMBEDDINGS_BASE_URL = "http://10.0.3.7:8080/v1"
SUMMARY_MODEL = "gpt-4o-mini"
SUMMARY_TEMPERATURE = 0.2
