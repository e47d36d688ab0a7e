"""The chat-style terminal app (`qa` / `qa chat`). Start with :func:`qa.tui.app.run`."""
