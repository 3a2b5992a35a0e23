"""Customer satisfaction ratings of replies (docs/ratings.md)."""
