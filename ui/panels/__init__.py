"""What the window shows: the chat, sources, document, conversations, library, model bar,
question box and status bar. Panels display and ask; they never call the core."""
