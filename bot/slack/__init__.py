"""Hotline on Slack: rendering, modals and editors (the listeners come with the shared runtime)."""
