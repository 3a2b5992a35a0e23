from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "postroom.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from postroom.accounts import sessions

        sessions.connect()
