from django.apps import AppConfig


class OutboundConfig(AppConfig):
    name = "postroom.outbound"
    label = "outbound"
    default_auto_field = "django.db.models.BigAutoField"
