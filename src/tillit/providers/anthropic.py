"""Anthropic Messages API — being written (see helper)."""

from tillit.providers.openai_compat import OpenAICompatProvider as AnthropicProvider  # noqa: F401
