from django.apps import AppConfig


class SavedConfig(AppConfig):
    name = "postroom.saved"
    label = "saved"
    default_auto_field = "django.db.models.BigAutoField"
