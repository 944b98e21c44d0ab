"""Benchmarks of kimi_openai against openai and raw HTTP, on a local Moonshot-shaped server.

Run ``python -m benchmarks`` (see ``benchmarks/README.md``).
"""
