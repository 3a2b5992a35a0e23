"""Function-based views. Each page view also handles its own form posts."""
