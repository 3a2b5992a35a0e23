"""Actions: the only code that writes domain data.

Each ``do_*`` function runs in one transaction, writes an :class:`Activity` row beside its
change and emits its events on commit. The actor is always a keyword argument. Before
writing, each asks the permission table (``postroom.inbox.access.require`` with its own
name as the key of ``POLICY``); ``check_*`` functions validate input.
"""

from postroom.inbox.actions.admin import (
    do_create_api_token,
    do_create_inbox,
    do_create_team,
    do_create_user,
    do_create_user_from_sign_on,
    do_disable_two_factor,
    do_enable_two_factor,
    do_grant_access,
    do_revoke_access,
    do_revoke_api_token,
    do_set_team_members,
    do_set_user_active,
    do_set_user_role,
    do_sign_out_sessions,
    do_unlock_sign_in,
    do_update_inbox,
    do_update_profile,
)
from postroom.inbox.actions.assign import do_assign, do_unassign
from postroom.inbox.actions.collision import Collision, Seen
from postroom.inbox.actions.contacts import do_add_contact_identity, do_forget_contact
from postroom.inbox.actions.crm import do_configure_crm
from postroom.inbox.actions.customers import (
    do_add_client_note,
    do_import_contacts,
    do_merge_companies,
    do_merge_contacts,
    do_remove_client_note,
    do_rename_company,
)
from postroom.inbox.actions.delivery import do_send_auto_reply
from postroom.inbox.actions.fields import (
    do_archive_field,
    do_save_field,
    do_set_client_fields,
    do_set_conversation_fields,
)
from postroom.inbox.actions.knowledge import (
    do_add_article_attachment,
    do_delete_article,
    do_remove_article_attachment,
    do_save_article,
    do_save_category,
    do_save_help_centre,
)
from postroom.inbox.actions.labels import (
    do_add_label,
    do_create_label,
    do_delete_label,
    do_remove_label,
    do_update_label,
)
from postroom.inbox.actions.macros import do_apply_macro, do_delete_macro, do_save_macro
from postroom.inbox.actions.messages import (
    InboundMessage,
    NewAttachment,
    do_forward,
    do_receive_message,
    do_reply,
    do_start_conversation,
)
from postroom.inbox.actions.notes import do_add_note
from postroom.inbox.actions.ratings import (
    do_record_rating,
    do_send_rating_request,
    do_set_rating_mode,
)
from postroom.inbox.actions.reading import do_mark_conversation_read, do_mark_conversation_unread
from postroom.inbox.actions.reminders import (
    do_cancel_reminder,
    do_fire_reminders,
    do_set_reminder,
)
from postroom.inbox.actions.reshape import (
    do_add_to_inbox,
    do_merge_conversations,
    do_move_conversation,
    do_split_message,
)
from postroom.inbox.actions.retention import (
    do_apply_retention,
    do_set_legal_hold,
    do_set_retention,
)
from postroom.inbox.actions.rules import do_delete_rule, do_save_rule
from postroom.inbox.actions.saved_replies import (
    do_delete_saved_reply,
    do_record_saved_reply_use,
    do_save_saved_reply,
)
from postroom.inbox.actions.schedules import (
    do_add_time_off,
    do_remove_time_off,
    do_reset_rota_token,
    do_set_away,
    do_set_business_hours,
    do_set_shifts,
)
from postroom.inbox.actions.searches import do_delete_search, do_save_search, do_share_search
from postroom.inbox.actions.security_keys import do_add_security_key, do_remove_security_key
from postroom.inbox.actions.sla import do_check_sla, do_delete_sla_policy, do_save_sla_policy
from postroom.inbox.actions.status import (
    do_change_status,
    do_purge_trash,
    do_set_priority,
    do_snooze,
    do_wake_snoozed,
)
from postroom.inbox.actions.tasks import (
    do_add_task,
    do_check_task,
    do_delete_task,
    do_fire_due_tasks,
    do_update_task,
)

__all__ = [
    "Collision",
    "InboundMessage",
    "NewAttachment",
    "Seen",
    "do_add_article_attachment",
    "do_add_client_note",
    "do_add_contact_identity",
    "do_add_label",
    "do_add_note",
    "do_add_security_key",
    "do_add_task",
    "do_add_time_off",
    "do_add_to_inbox",
    "do_apply_macro",
    "do_apply_retention",
    "do_archive_field",
    "do_assign",
    "do_cancel_reminder",
    "do_change_status",
    "do_check_sla",
    "do_check_task",
    "do_configure_crm",
    "do_create_api_token",
    "do_create_inbox",
    "do_create_label",
    "do_create_team",
    "do_create_user",
    "do_create_user_from_sign_on",
    "do_delete_article",
    "do_delete_label",
    "do_delete_macro",
    "do_delete_rule",
    "do_delete_saved_reply",
    "do_delete_search",
    "do_delete_sla_policy",
    "do_delete_task",
    "do_disable_two_factor",
    "do_enable_two_factor",
    "do_fire_due_tasks",
    "do_fire_reminders",
    "do_forget_contact",
    "do_forward",
    "do_grant_access",
    "do_import_contacts",
    "do_mark_conversation_read",
    "do_mark_conversation_unread",
    "do_merge_companies",
    "do_merge_contacts",
    "do_merge_conversations",
    "do_move_conversation",
    "do_purge_trash",
    "do_receive_message",
    "do_record_rating",
    "do_record_saved_reply_use",
    "do_remove_article_attachment",
    "do_remove_client_note",
    "do_remove_label",
    "do_remove_security_key",
    "do_remove_time_off",
    "do_rename_company",
    "do_reply",
    "do_reset_rota_token",
    "do_revoke_access",
    "do_revoke_api_token",
    "do_save_article",
    "do_save_category",
    "do_save_field",
    "do_save_help_centre",
    "do_save_macro",
    "do_save_rule",
    "do_save_saved_reply",
    "do_save_search",
    "do_save_sla_policy",
    "do_send_auto_reply",
    "do_send_rating_request",
    "do_set_away",
    "do_set_business_hours",
    "do_set_client_fields",
    "do_set_conversation_fields",
    "do_set_legal_hold",
    "do_set_priority",
    "do_set_rating_mode",
    "do_set_reminder",
    "do_set_retention",
    "do_set_shifts",
    "do_set_team_members",
    "do_set_user_active",
    "do_set_user_role",
    "do_share_search",
    "do_sign_out_sessions",
    "do_snooze",
    "do_split_message",
    "do_start_conversation",
    "do_unassign",
    "do_unlock_sign_in",
    "do_update_inbox",
    "do_update_label",
    "do_update_profile",
    "do_update_task",
    "do_wake_snoozed",
]
