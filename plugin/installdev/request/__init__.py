"""What the user asked for, typed: options, settings, env flags, and what the project itself declares. Never writes."""
