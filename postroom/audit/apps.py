from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "postroom.audit"
    label = "audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from postroom.audit import signins

        signins.connect()
