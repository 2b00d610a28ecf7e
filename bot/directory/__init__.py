"""The association directory: listings, their search, cards and review."""
