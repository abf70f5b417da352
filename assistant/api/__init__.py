"""Offgrid's local API (``assistant serve``): the OpenAI wire format over the library."""
