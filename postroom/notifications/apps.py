from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "postroom.notifications"
    label = "notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from postroom.inbox.events import subscribe
        from postroom.notifications.reactor import on_event

        subscribe(on_event)
