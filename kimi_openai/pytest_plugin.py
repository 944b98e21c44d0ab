"""``pytest_plugins = ["kimi_openai.pytest_plugin"]``: the plugin lives in :mod:`kimi_openai.testing.pytest_plugin`."""

from kimi_openai.testing.pytest_plugin import KIMI_BODY_MATCH as KIMI_BODY_MATCH
from kimi_openai.testing.pytest_plugin import KIMI_MATCH_ON as KIMI_MATCH_ON
from kimi_openai.testing.pytest_plugin import KimiRecording as KimiRecording

pytest_plugins = ["kimi_openai.testing.pytest_plugin"]
