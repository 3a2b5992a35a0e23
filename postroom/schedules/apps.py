from django.apps import AppConfig


class SchedulesConfig(AppConfig):
    name = "postroom.schedules"
    label = "schedules"
    default_auto_field = "django.db.models.BigAutoField"
