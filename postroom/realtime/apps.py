from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "postroom.realtime"
    label = "realtime"

    def ready(self) -> None:
        # Domain events reach connected browsers through the channel layer.
        from postroom.inbox.events import subscribe
        from postroom.realtime.publish import publish_event

        subscribe(publish_event)
