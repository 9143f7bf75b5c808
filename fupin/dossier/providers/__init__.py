"""Section providers: each module here registers the household-file sections of one domain module.

Every module in this package is imported at start-up (``sections.discover_providers``).
"""
