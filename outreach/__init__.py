"""Outreach domain: tables, use cases, travel times, imports, exports and the CLI."""
