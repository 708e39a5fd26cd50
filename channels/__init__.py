"""Channel adapters: thin translations between a medium (terminal, Telegram) and the engine."""
