from django.urls import path

from postroom.web.views import (
    account,
    admin,
    auth,
    compose,
    conversation,
    files,
    inbox,
    mail_admin,
    notifications,
    outbox,
    search,
)

app_name = "web"
urlpatterns = [
    path("", auth.home, name="home"),
    path("login/", auth.login, name="login"),
    path("logout/", auth.logout, name="logout"),
    path("inbox/<slug:slug>/", inbox.inbox, name="inbox"),
    path("c/<int:pk>/", conversation.conversation, name="conversation"),
    path("c/<int:pk>/draft/", compose.autosave, name="autosave_draft"),
    path("preview/", conversation.preview, name="preview"),
    path("inbox/<slug:slug>/compose/", compose.new_conversation, name="compose"),
    path("addresses/", compose.suggest_addresses, name="suggest_addresses"),
    path("messages/<int:pk>/delivery/", outbox.message_delivery, name="message_delivery"),
    path("outbox/", outbox.outbox, name="outbox"),
    path("outbox/captured/<int:pk>/", outbox.captured, name="captured"),
    path("admin/inboxes/<slug:slug>/sending/", outbox.sending_settings, name="sending_settings"),
    path("attachments/<int:pk>/", files.attachment, name="attachment"),
    path("settings/", account.account, name="settings"),
    path("notifications/", notifications.notifications, name="notifications"),
    path("mentions/", notifications.mentions, name="mentions"),
    path("search/", search.search, name="search"),
    path("admin/people/", admin.people, name="admin_people"),
    path("admin/teams/", admin.teams, name="admin_teams"),
    path("admin/inboxes/", admin.inboxes, name="admin_inboxes"),
    path("admin/inboxes/<slug:slug>/", admin.inbox_settings, name="admin_inbox"),
    path("admin/labels/", admin.labels, name="admin_labels"),
    path("admin/mail/", mail_admin.mail_health, name="admin_mail"),
    path("admin/mail/raw/<int:pk>/", mail_admin.raw_download, name="admin_raw"),
]
