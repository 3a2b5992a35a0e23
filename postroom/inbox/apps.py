from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "postroom.inbox"
    label = "inbox"
    default_auto_field = "django.db.models.BigAutoField"
