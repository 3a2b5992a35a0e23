# English as Postroom writes it (Django's own English is month-first with a.m./p.m.).
DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATETIME_FORMAT = "D j M, H:i"
