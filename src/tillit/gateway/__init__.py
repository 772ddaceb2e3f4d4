"""OpenAI-compatible API (/v1/models, /v1/chat/completions, /v1/embeddings) with policy, Runs,
audit and usage."""
