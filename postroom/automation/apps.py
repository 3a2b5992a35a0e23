from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "postroom.automation"
    label = "automation"
    default_auto_field = "django.db.models.BigAutoField"
