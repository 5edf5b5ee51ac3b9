"""F8 communication templates: a typed context in, handbook-shaped Markdown out (pure: stdlib + domain)."""
