"""Postroom's own date formats (settings.FORMAT_MODULE_PATH), over Django's per language.

The templates name formats (``|date:"DATE_FORMAT"``) rather than spell them, so each
language shows dates its own way (Django's formats for it). For English these keep the
day-first, 24-hour way Postroom has always written them."""
