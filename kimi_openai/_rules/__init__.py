"""Kimi's rules as data and pure functions: where "what does Moonshot accept for X" is answered.

Nothing here sends a request or holds a client; everything above (the request pipeline, the
resources, the clients) reads these modules.
"""
