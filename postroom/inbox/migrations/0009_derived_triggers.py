"""Derived-data triggers generated from postroom.inbox.derived, frozen here as text.

The first such migration: it replaces the hand-built triggers of inbox ``0003``–``0006``
and notifications ``0003`` (view counts, list-order copies, page versions) with the
generated ones, which do the same. Only one name changes:
``inbox_conversation_notified_pageversion`` becomes
``inbox_conversation_notified_pageversion_update``, like every other update trigger.
Going back recreates the hand-built set with those migrations' own builders.

Never edit the SQL by hand: change the declaration and write a new migration
(``python -m postroom.inbox.triggers NNNN_name``).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.db import migrations

# The hand-built set this replaces, and the builders that recreate it.
PREVIOUS = (
    ("postroom.inbox.migrations.0003_viewcount", "create_triggers", {}),
    ("postroom.inbox.migrations.0004_viewcount_copy_inbox", "_rebuild", {"with_inbox": True}),
    ("postroom.inbox.migrations.0005_pageversion", "create_triggers", {}),
    ("postroom.notifications.migrations.0003_pageversion", "create_triggers", {}),
)

DROP = {
    'sqlite': (
        'DROP TRIGGER IF EXISTS inbox_conversation_viewcount_insert',
        'DROP TRIGGER IF EXISTS inbox_conversation_viewcount_delete',
        'DROP TRIGGER IF EXISTS inbox_conversation_viewcount_update',
        'DROP TRIGGER IF EXISTS inbox_conversationassignee_viewcount_insert',
        'DROP TRIGGER IF EXISTS inbox_conversationassignee_viewcount_delete',
        'DROP TRIGGER IF EXISTS inbox_conversationassignee_viewcount_update',
        'DROP TRIGGER IF EXISTS inbox_conversationlabel_viewcount_insert',
        'DROP TRIGGER IF EXISTS inbox_conversationlabel_viewcount_delete',
        'DROP TRIGGER IF EXISTS inbox_conversationlabel_viewcount_update',
        'DROP TRIGGER IF EXISTS inbox_conversation_copies',
        'DROP TRIGGER IF EXISTS inbox_conversationassignee_copies_insert',
        'DROP TRIGGER IF EXISTS inbox_conversationassignee_copies_update',
        'DROP TRIGGER IF EXISTS inbox_conversationlabel_copies_insert',
        'DROP TRIGGER IF EXISTS inbox_conversationlabel_copies_update',
        'DROP TRIGGER IF EXISTS inbox_conversation_pageversion_update',
        'DROP TRIGGER IF EXISTS inbox_conversation_pageversion_insert',
        'DROP TRIGGER IF EXISTS inbox_conversation_pageversion_delete',
        'DROP TRIGGER IF EXISTS inbox_conversationassignee_pageversion_update',
        'DROP TRIGGER IF EXISTS inbox_conversationassignee_pageversion_insert',
        'DROP TRIGGER IF EXISTS inbox_conversationassignee_pageversion_delete',
        'DROP TRIGGER IF EXISTS inbox_conversationlabel_pageversion_update',
        'DROP TRIGGER IF EXISTS inbox_conversationlabel_pageversion_insert',
        'DROP TRIGGER IF EXISTS inbox_conversationlabel_pageversion_delete',
        'DROP TRIGGER IF EXISTS accounts_user_pageversion_update',
        'DROP TRIGGER IF EXISTS accounts_team_pageversion_update',
        'DROP TRIGGER IF EXISTS accounts_team_pageversion_insert',
        'DROP TRIGGER IF EXISTS accounts_team_pageversion_delete',
        'DROP TRIGGER IF EXISTS accounts_team_members_pageversion_update',
        'DROP TRIGGER IF EXISTS accounts_team_members_pageversion_insert',
        'DROP TRIGGER IF EXISTS accounts_team_members_pageversion_delete',
        'DROP TRIGGER IF EXISTS inbox_contact_pageversion_update',
        'DROP TRIGGER IF EXISTS inbox_label_pageversion_update',
        'DROP TRIGGER IF EXISTS inbox_label_pageversion_insert',
        'DROP TRIGGER IF EXISTS inbox_label_pageversion_delete',
        'DROP TRIGGER IF EXISTS inbox_label_teams_pageversion_update',
        'DROP TRIGGER IF EXISTS inbox_label_teams_pageversion_insert',
        'DROP TRIGGER IF EXISTS inbox_label_teams_pageversion_delete',
        'DROP TRIGGER IF EXISTS inbox_inbox_pageversion_update',
        'DROP TRIGGER IF EXISTS inbox_inbox_pageversion_insert',
        'DROP TRIGGER IF EXISTS inbox_inbox_pageversion_delete',
        'DROP TRIGGER IF EXISTS notifications_notification_pageversion_insert',
        'DROP TRIGGER IF EXISTS notifications_notification_pageversion_delete',
        'DROP TRIGGER IF EXISTS notifications_notification_pageversion_update',
        'DROP TRIGGER IF EXISTS notifications_preference_pageversion_insert',
        'DROP TRIGGER IF EXISTS notifications_preference_pageversion_delete',
        'DROP TRIGGER IF EXISTS notifications_preference_pageversion_update',
        'DROP TRIGGER IF EXISTS inbox_conversation_notified_pageversion',
    ),
    'postgresql': (
        'DROP FUNCTION IF EXISTS inbox_conversation_viewcount() CASCADE',
        'DROP FUNCTION IF EXISTS inbox_conversationassignee_viewcount() CASCADE',
        'DROP FUNCTION IF EXISTS inbox_conversationlabel_viewcount() CASCADE',
        'DROP FUNCTION IF EXISTS inbox_conversation_copies() CASCADE',
        'DROP FUNCTION IF EXISTS inbox_conversationassignee_copies() CASCADE',
        'DROP FUNCTION IF EXISTS inbox_conversationlabel_copies() CASCADE',
        'DROP FUNCTION IF EXISTS inbox_conversation_pageversion() CASCADE',
        'DROP FUNCTION IF EXISTS inbox_conversationassignee_pageversion() CASCADE',
        'DROP FUNCTION IF EXISTS inbox_conversationlabel_pageversion() CASCADE',
        'DROP FUNCTION IF EXISTS accounts_user_pageversion() CASCADE',
        'DROP FUNCTION IF EXISTS accounts_team_pageversion() CASCADE',
        'DROP FUNCTION IF EXISTS accounts_team_members_pageversion() CASCADE',
        'DROP FUNCTION IF EXISTS inbox_contact_pageversion() CASCADE',
        'DROP FUNCTION IF EXISTS inbox_label_pageversion() CASCADE',
        'DROP FUNCTION IF EXISTS inbox_label_teams_pageversion() CASCADE',
        'DROP FUNCTION IF EXISTS inbox_inbox_pageversion() CASCADE',
        'DROP FUNCTION IF EXISTS notifications_notification_pageversion() CASCADE',
        'DROP FUNCTION IF EXISTS notifications_preference_pageversion() CASCADE',
        'DROP FUNCTION IF EXISTS inbox_conversation_notified_pageversion() CASCADE',
    ),
}

CREATE = {
    'sqlite': (
        "CREATE TRIGGER inbox_conversation_viewcount_insert AFTER INSERT ON inbox_conversation BEGIN INSERT INTO inbox_viewcount (inbox_id, view, ref, total) SELECT inbox_id, view, ref, SUM(delta) FROM (SELECT NEW.inbox_id AS inbox_id, NEW.status AS view, 0 AS ref, 1 AS delta UNION ALL SELECT NEW.inbox_id, 'unassigned', 0, 1 WHERE NEW.status = 'open' AND NOT NEW.is_assigned UNION ALL SELECT NEW.inbox_id, 'mine', a.user_id, 1 FROM inbox_conversationassignee a WHERE a.conversation_id = NEW.id AND NEW.status = 'open' UNION ALL SELECT NEW.inbox_id, 'label', l.label_id, 1 FROM inbox_conversationlabel l WHERE l.conversation_id = NEW.id AND NEW.status IN ('open', 'pending', 'snoozed', 'closed')) AS d GROUP BY inbox_id, view, ref HAVING SUM(delta) <> 0 ORDER BY inbox_id, view, ref ON CONFLICT (inbox_id, view, ref) DO UPDATE SET total = inbox_viewcount.total + excluded.total; END",
        "CREATE TRIGGER inbox_conversation_viewcount_delete AFTER DELETE ON inbox_conversation BEGIN INSERT INTO inbox_viewcount (inbox_id, view, ref, total) SELECT inbox_id, view, ref, SUM(delta) FROM (SELECT OLD.inbox_id AS inbox_id, OLD.status AS view, 0 AS ref, -1 AS delta UNION ALL SELECT OLD.inbox_id, 'unassigned', 0, -1 WHERE OLD.status = 'open' AND NOT OLD.is_assigned UNION ALL SELECT OLD.inbox_id, 'mine', a.user_id, -1 FROM inbox_conversationassignee a WHERE a.conversation_id = OLD.id AND OLD.status = 'open' UNION ALL SELECT OLD.inbox_id, 'label', l.label_id, -1 FROM inbox_conversationlabel l WHERE l.conversation_id = OLD.id AND OLD.status IN ('open', 'pending', 'snoozed', 'closed')) AS d GROUP BY inbox_id, view, ref HAVING SUM(delta) <> 0 ORDER BY inbox_id, view, ref ON CONFLICT (inbox_id, view, ref) DO UPDATE SET total = inbox_viewcount.total + excluded.total; END",
        "CREATE TRIGGER inbox_conversation_viewcount_update AFTER UPDATE OF status, is_assigned, inbox_id ON inbox_conversation WHEN OLD.status IS NOT NEW.status OR OLD.is_assigned IS NOT NEW.is_assigned OR OLD.inbox_id IS NOT NEW.inbox_id BEGIN INSERT INTO inbox_viewcount (inbox_id, view, ref, total) SELECT inbox_id, view, ref, SUM(delta) FROM (SELECT OLD.inbox_id AS inbox_id, OLD.status AS view, 0 AS ref, -1 AS delta UNION ALL SELECT OLD.inbox_id, 'unassigned', 0, -1 WHERE OLD.status = 'open' AND NOT OLD.is_assigned UNION ALL SELECT OLD.inbox_id, 'mine', a.user_id, -1 FROM inbox_conversationassignee a WHERE a.conversation_id = OLD.id AND OLD.status = 'open' UNION ALL SELECT OLD.inbox_id, 'label', l.label_id, -1 FROM inbox_conversationlabel l WHERE l.conversation_id = OLD.id AND OLD.status IN ('open', 'pending', 'snoozed', 'closed') UNION ALL SELECT NEW.inbox_id AS inbox_id, NEW.status AS view, 0 AS ref, 1 AS delta UNION ALL SELECT NEW.inbox_id, 'unassigned', 0, 1 WHERE NEW.status = 'open' AND NOT NEW.is_assigned UNION ALL SELECT NEW.inbox_id, 'mine', a.user_id, 1 FROM inbox_conversationassignee a WHERE a.conversation_id = NEW.id AND NEW.status = 'open' UNION ALL SELECT NEW.inbox_id, 'label', l.label_id, 1 FROM inbox_conversationlabel l WHERE l.conversation_id = NEW.id AND NEW.status IN ('open', 'pending', 'snoozed', 'closed')) AS d GROUP BY inbox_id, view, ref HAVING SUM(delta) <> 0 ORDER BY inbox_id, view, ref ON CONFLICT (inbox_id, view, ref) DO UPDATE SET total = inbox_viewcount.total + excluded.total; END",
        "CREATE TRIGGER inbox_conversationassignee_viewcount_insert AFTER INSERT ON inbox_conversationassignee BEGIN INSERT INTO inbox_viewcount (inbox_id, view, ref, total) SELECT inbox_id, view, ref, SUM(delta) FROM (SELECT c.inbox_id AS inbox_id, 'mine' AS view, NEW.user_id AS ref, 1 AS delta FROM inbox_conversation c WHERE c.id = NEW.conversation_id AND c.status = 'open') AS d GROUP BY inbox_id, view, ref HAVING SUM(delta) <> 0 ORDER BY inbox_id, view, ref ON CONFLICT (inbox_id, view, ref) DO UPDATE SET total = inbox_viewcount.total + excluded.total; END",
        "CREATE TRIGGER inbox_conversationassignee_viewcount_delete AFTER DELETE ON inbox_conversationassignee BEGIN INSERT INTO inbox_viewcount (inbox_id, view, ref, total) SELECT inbox_id, view, ref, SUM(delta) FROM (SELECT c.inbox_id AS inbox_id, 'mine' AS view, OLD.user_id AS ref, -1 AS delta FROM inbox_conversation c WHERE c.id = OLD.conversation_id AND c.status = 'open') AS d GROUP BY inbox_id, view, ref HAVING SUM(delta) <> 0 ORDER BY inbox_id, view, ref ON CONFLICT (inbox_id, view, ref) DO UPDATE SET total = inbox_viewcount.total + excluded.total; END",
        "CREATE TRIGGER inbox_conversationassignee_viewcount_update AFTER UPDATE OF conversation_id, user_id ON inbox_conversationassignee WHEN OLD.conversation_id IS NOT NEW.conversation_id OR OLD.user_id IS NOT NEW.user_id BEGIN INSERT INTO inbox_viewcount (inbox_id, view, ref, total) SELECT inbox_id, view, ref, SUM(delta) FROM (SELECT c.inbox_id AS inbox_id, 'mine' AS view, OLD.user_id AS ref, -1 AS delta FROM inbox_conversation c WHERE c.id = OLD.conversation_id AND c.status = 'open' UNION ALL SELECT c.inbox_id AS inbox_id, 'mine' AS view, NEW.user_id AS ref, 1 AS delta FROM inbox_conversation c WHERE c.id = NEW.conversation_id AND c.status = 'open') AS d GROUP BY inbox_id, view, ref HAVING SUM(delta) <> 0 ORDER BY inbox_id, view, ref ON CONFLICT (inbox_id, view, ref) DO UPDATE SET total = inbox_viewcount.total + excluded.total; END",
        "CREATE TRIGGER inbox_conversationlabel_viewcount_insert AFTER INSERT ON inbox_conversationlabel BEGIN INSERT INTO inbox_viewcount (inbox_id, view, ref, total) SELECT inbox_id, view, ref, SUM(delta) FROM (SELECT c.inbox_id AS inbox_id, 'label' AS view, NEW.label_id AS ref, 1 AS delta FROM inbox_conversation c WHERE c.id = NEW.conversation_id AND c.status IN ('open', 'pending', 'snoozed', 'closed')) AS d GROUP BY inbox_id, view, ref HAVING SUM(delta) <> 0 ORDER BY inbox_id, view, ref ON CONFLICT (inbox_id, view, ref) DO UPDATE SET total = inbox_viewcount.total + excluded.total; END",
        "CREATE TRIGGER inbox_conversationlabel_viewcount_delete AFTER DELETE ON inbox_conversationlabel BEGIN INSERT INTO inbox_viewcount (inbox_id, view, ref, total) SELECT inbox_id, view, ref, SUM(delta) FROM (SELECT c.inbox_id AS inbox_id, 'label' AS view, OLD.label_id AS ref, -1 AS delta FROM inbox_conversation c WHERE c.id = OLD.conversation_id AND c.status IN ('open', 'pending', 'snoozed', 'closed')) AS d GROUP BY inbox_id, view, ref HAVING SUM(delta) <> 0 ORDER BY inbox_id, view, ref ON CONFLICT (inbox_id, view, ref) DO UPDATE SET total = inbox_viewcount.total + excluded.total; END",
        "CREATE TRIGGER inbox_conversationlabel_viewcount_update AFTER UPDATE OF conversation_id, label_id ON inbox_conversationlabel WHEN OLD.conversation_id IS NOT NEW.conversation_id OR OLD.label_id IS NOT NEW.label_id BEGIN INSERT INTO inbox_viewcount (inbox_id, view, ref, total) SELECT inbox_id, view, ref, SUM(delta) FROM (SELECT c.inbox_id AS inbox_id, 'label' AS view, OLD.label_id AS ref, -1 AS delta FROM inbox_conversation c WHERE c.id = OLD.conversation_id AND c.status IN ('open', 'pending', 'snoozed', 'closed') UNION ALL SELECT c.inbox_id AS inbox_id, 'label' AS view, NEW.label_id AS ref, 1 AS delta FROM inbox_conversation c WHERE c.id = NEW.conversation_id AND c.status IN ('open', 'pending', 'snoozed', 'closed')) AS d GROUP BY inbox_id, view, ref HAVING SUM(delta) <> 0 ORDER BY inbox_id, view, ref ON CONFLICT (inbox_id, view, ref) DO UPDATE SET total = inbox_viewcount.total + excluded.total; END",
        "CREATE TRIGGER inbox_conversation_copies AFTER UPDATE OF inbox_id, status, last_activity_at ON inbox_conversation WHEN OLD.inbox_id IS NOT NEW.inbox_id OR OLD.status IS NOT NEW.status OR OLD.last_activity_at IS NOT NEW.last_activity_at BEGIN UPDATE inbox_conversationassignee SET inbox_id = NEW.inbox_id, status = NEW.status, last_activity_at = NEW.last_activity_at WHERE conversation_id = NEW.id; UPDATE inbox_conversationlabel SET inbox_id = NEW.inbox_id, live = NEW.status IN ('open', 'pending', 'snoozed', 'closed'), last_activity_at = NEW.last_activity_at WHERE conversation_id = NEW.id; END",
        'CREATE TRIGGER inbox_conversationassignee_copies_insert AFTER INSERT ON inbox_conversationassignee BEGIN UPDATE inbox_conversationassignee SET (inbox_id, status, last_activity_at) = (SELECT c.inbox_id, c.status, c.last_activity_at FROM inbox_conversation c WHERE c.id = NEW.conversation_id) WHERE id = NEW.id; END',
        'CREATE TRIGGER inbox_conversationassignee_copies_update AFTER UPDATE OF conversation_id ON inbox_conversationassignee BEGIN UPDATE inbox_conversationassignee SET (inbox_id, status, last_activity_at) = (SELECT c.inbox_id, c.status, c.last_activity_at FROM inbox_conversation c WHERE c.id = NEW.conversation_id) WHERE id = NEW.id; END',
        "CREATE TRIGGER inbox_conversationlabel_copies_insert AFTER INSERT ON inbox_conversationlabel BEGIN UPDATE inbox_conversationlabel SET (inbox_id, live, last_activity_at) = (SELECT c.inbox_id, c.status IN ('open', 'pending', 'snoozed', 'closed'), c.last_activity_at FROM inbox_conversation c WHERE c.id = NEW.conversation_id) WHERE id = NEW.id; END",
        "CREATE TRIGGER inbox_conversationlabel_copies_update AFTER UPDATE OF conversation_id ON inbox_conversationlabel BEGIN UPDATE inbox_conversationlabel SET (inbox_id, live, last_activity_at) = (SELECT c.inbox_id, c.status IN ('open', 'pending', 'snoozed', 'closed'), c.last_activity_at FROM inbox_conversation c WHERE c.id = NEW.conversation_id) WHERE id = NEW.id; END",
        "CREATE TRIGGER inbox_conversation_pageversion_update AFTER UPDATE ON inbox_conversation BEGIN INSERT INTO inbox_pageversion (scope, version) SELECT scope, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER) FROM (SELECT OLD.inbox_id AS scope UNION SELECT NEW.inbox_id AS scope) AS s WHERE scope IS NOT NULL ORDER BY scope ON CONFLICT (scope) DO UPDATE SET version = max(inbox_pageversion.version + 1, excluded.version); END",
        "CREATE TRIGGER inbox_conversation_pageversion_insert AFTER INSERT ON inbox_conversation BEGIN INSERT INTO inbox_pageversion (scope, version) SELECT scope, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER) FROM (SELECT NEW.inbox_id AS scope) AS s WHERE scope IS NOT NULL ORDER BY scope ON CONFLICT (scope) DO UPDATE SET version = max(inbox_pageversion.version + 1, excluded.version); END",
        "CREATE TRIGGER inbox_conversation_pageversion_delete AFTER DELETE ON inbox_conversation BEGIN INSERT INTO inbox_pageversion (scope, version) SELECT scope, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER) FROM (SELECT OLD.inbox_id AS scope) AS s WHERE scope IS NOT NULL ORDER BY scope ON CONFLICT (scope) DO UPDATE SET version = max(inbox_pageversion.version + 1, excluded.version); END",
        "CREATE TRIGGER inbox_conversationassignee_pageversion_update AFTER UPDATE OF conversation_id, user_id ON inbox_conversationassignee WHEN OLD.conversation_id IS NOT NEW.conversation_id OR OLD.user_id IS NOT NEW.user_id BEGIN INSERT INTO inbox_pageversion (scope, version) SELECT scope, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER) FROM (SELECT (SELECT c.inbox_id FROM inbox_conversation c WHERE c.id = OLD.conversation_id) AS scope UNION SELECT (SELECT c.inbox_id FROM inbox_conversation c WHERE c.id = NEW.conversation_id) AS scope) AS s WHERE scope IS NOT NULL ORDER BY scope ON CONFLICT (scope) DO UPDATE SET version = max(inbox_pageversion.version + 1, excluded.version); END",
        "CREATE TRIGGER inbox_conversationassignee_pageversion_insert AFTER INSERT ON inbox_conversationassignee BEGIN INSERT INTO inbox_pageversion (scope, version) SELECT scope, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER) FROM (SELECT (SELECT c.inbox_id FROM inbox_conversation c WHERE c.id = NEW.conversation_id) AS scope) AS s WHERE scope IS NOT NULL ORDER BY scope ON CONFLICT (scope) DO UPDATE SET version = max(inbox_pageversion.version + 1, excluded.version); END",
        "CREATE TRIGGER inbox_conversationassignee_pageversion_delete AFTER DELETE ON inbox_conversationassignee BEGIN INSERT INTO inbox_pageversion (scope, version) SELECT scope, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER) FROM (SELECT (SELECT c.inbox_id FROM inbox_conversation c WHERE c.id = OLD.conversation_id) AS scope) AS s WHERE scope IS NOT NULL ORDER BY scope ON CONFLICT (scope) DO UPDATE SET version = max(inbox_pageversion.version + 1, excluded.version); END",
        "CREATE TRIGGER inbox_conversationlabel_pageversion_update AFTER UPDATE OF conversation_id, label_id ON inbox_conversationlabel WHEN OLD.conversation_id IS NOT NEW.conversation_id OR OLD.label_id IS NOT NEW.label_id BEGIN INSERT INTO inbox_pageversion (scope, version) SELECT scope, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER) FROM (SELECT (SELECT c.inbox_id FROM inbox_conversation c WHERE c.id = OLD.conversation_id) AS scope UNION SELECT (SELECT c.inbox_id FROM inbox_conversation c WHERE c.id = NEW.conversation_id) AS scope) AS s WHERE scope IS NOT NULL ORDER BY scope ON CONFLICT (scope) DO UPDATE SET version = max(inbox_pageversion.version + 1, excluded.version); END",
        "CREATE TRIGGER inbox_conversationlabel_pageversion_insert AFTER INSERT ON inbox_conversationlabel BEGIN INSERT INTO inbox_pageversion (scope, version) SELECT scope, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER) FROM (SELECT (SELECT c.inbox_id FROM inbox_conversation c WHERE c.id = NEW.conversation_id) AS scope) AS s WHERE scope IS NOT NULL ORDER BY scope ON CONFLICT (scope) DO UPDATE SET version = max(inbox_pageversion.version + 1, excluded.version); END",
        "CREATE TRIGGER inbox_conversationlabel_pageversion_delete AFTER DELETE ON inbox_conversationlabel BEGIN INSERT INTO inbox_pageversion (scope, version) SELECT scope, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER) FROM (SELECT (SELECT c.inbox_id FROM inbox_conversation c WHERE c.id = OLD.conversation_id) AS scope) AS s WHERE scope IS NOT NULL ORDER BY scope ON CONFLICT (scope) DO UPDATE SET version = max(inbox_pageversion.version + 1, excluded.version); END",
        "CREATE TRIGGER accounts_user_pageversion_update AFTER UPDATE OF name, is_active ON accounts_user WHEN OLD.name IS NOT NEW.name OR OLD.is_active IS NOT NEW.is_active BEGIN INSERT INTO inbox_pageversion (scope, version) SELECT scope, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER) FROM (SELECT 0 AS scope UNION SELECT 0 AS scope) AS s WHERE scope IS NOT NULL ORDER BY scope ON CONFLICT (scope) DO UPDATE SET version = max(inbox_pageversion.version + 1, excluded.version); END",
        "CREATE TRIGGER accounts_team_pageversion_update AFTER UPDATE OF name ON accounts_team WHEN OLD.name IS NOT NEW.name BEGIN INSERT INTO inbox_pageversion (scope, version) SELECT scope, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER) FROM (SELECT 0 AS scope UNION SELECT 0 AS scope) AS s WHERE scope IS NOT NULL ORDER BY scope ON CONFLICT (scope) DO UPDATE SET version = max(inbox_pageversion.version + 1, excluded.version); END",
        "CREATE TRIGGER accounts_team_pageversion_insert AFTER INSERT ON accounts_team BEGIN INSERT INTO inbox_pageversion (scope, version) SELECT scope, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER) FROM (SELECT 0 AS scope) AS s WHERE scope IS NOT NULL ORDER BY scope ON CONFLICT (scope) DO UPDATE SET version = max(inbox_pageversion.version + 1, excluded.version); END",
        "CREATE TRIGGER accounts_team_pageversion_delete AFTER DELETE ON accounts_team BEGIN INSERT INTO inbox_pageversion (scope, version) SELECT scope, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER) FROM (SELECT 0 AS scope) AS s WHERE scope IS NOT NULL ORDER BY scope ON CONFLICT (scope) DO UPDATE SET version = max(inbox_pageversion.version + 1, excluded.version); END",
        "CREATE TRIGGER accounts_team_members_pageversion_update AFTER UPDATE OF team_id, user_id ON accounts_team_members WHEN OLD.team_id IS NOT NEW.team_id OR OLD.user_id IS NOT NEW.user_id BEGIN INSERT INTO inbox_pageversion (scope, version) SELECT scope, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER) FROM (SELECT 0 AS scope UNION SELECT 0 AS scope) AS s WHERE scope IS NOT NULL ORDER BY scope ON CONFLICT (scope) DO UPDATE SET version = max(inbox_pageversion.version + 1, excluded.version); END",
        "CREATE TRIGGER accounts_team_members_pageversion_insert AFTER INSERT ON accounts_team_members BEGIN INSERT INTO inbox_pageversion (scope, version) SELECT scope, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER) FROM (SELECT 0 AS scope) AS s WHERE scope IS NOT NULL ORDER BY scope ON CONFLICT (scope) DO UPDATE SET version = max(inbox_pageversion.version + 1, excluded.version); END",
        "CREATE TRIGGER accounts_team_members_pageversion_delete AFTER DELETE ON accounts_team_members BEGIN INSERT INTO inbox_pageversion (scope, version) SELECT scope, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER) FROM (SELECT 0 AS scope) AS s WHERE scope IS NOT NULL ORDER BY scope ON CONFLICT (scope) DO UPDATE SET version = max(inbox_pageversion.version + 1, excluded.version); END",
        "CREATE TRIGGER inbox_contact_pageversion_update AFTER UPDATE OF name, email ON inbox_contact WHEN OLD.name IS NOT NEW.name OR OLD.email IS NOT NEW.email BEGIN INSERT INTO inbox_pageversion (scope, version) SELECT scope, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER) FROM (SELECT 0 AS scope UNION SELECT 0 AS scope) AS s WHERE scope IS NOT NULL ORDER BY scope ON CONFLICT (scope) DO UPDATE SET version = max(inbox_pageversion.version + 1, excluded.version); END",
        "CREATE TRIGGER inbox_label_pageversion_update AFTER UPDATE ON inbox_label BEGIN INSERT INTO inbox_pageversion (scope, version) SELECT scope, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER) FROM (SELECT 0 AS scope UNION SELECT 0 AS scope) AS s WHERE scope IS NOT NULL ORDER BY scope ON CONFLICT (scope) DO UPDATE SET version = max(inbox_pageversion.version + 1, excluded.version); END",
        "CREATE TRIGGER inbox_label_pageversion_insert AFTER INSERT ON inbox_label BEGIN INSERT INTO inbox_pageversion (scope, version) SELECT scope, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER) FROM (SELECT 0 AS scope) AS s WHERE scope IS NOT NULL ORDER BY scope ON CONFLICT (scope) DO UPDATE SET version = max(inbox_pageversion.version + 1, excluded.version); END",
        "CREATE TRIGGER inbox_label_pageversion_delete AFTER DELETE ON inbox_label BEGIN INSERT INTO inbox_pageversion (scope, version) SELECT scope, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER) FROM (SELECT 0 AS scope) AS s WHERE scope IS NOT NULL ORDER BY scope ON CONFLICT (scope) DO UPDATE SET version = max(inbox_pageversion.version + 1, excluded.version); END",
        "CREATE TRIGGER inbox_label_teams_pageversion_update AFTER UPDATE OF label_id, team_id ON inbox_label_teams WHEN OLD.label_id IS NOT NEW.label_id OR OLD.team_id IS NOT NEW.team_id BEGIN INSERT INTO inbox_pageversion (scope, version) SELECT scope, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER) FROM (SELECT 0 AS scope UNION SELECT 0 AS scope) AS s WHERE scope IS NOT NULL ORDER BY scope ON CONFLICT (scope) DO UPDATE SET version = max(inbox_pageversion.version + 1, excluded.version); END",
        "CREATE TRIGGER inbox_label_teams_pageversion_insert AFTER INSERT ON inbox_label_teams BEGIN INSERT INTO inbox_pageversion (scope, version) SELECT scope, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER) FROM (SELECT 0 AS scope) AS s WHERE scope IS NOT NULL ORDER BY scope ON CONFLICT (scope) DO UPDATE SET version = max(inbox_pageversion.version + 1, excluded.version); END",
        "CREATE TRIGGER inbox_label_teams_pageversion_delete AFTER DELETE ON inbox_label_teams BEGIN INSERT INTO inbox_pageversion (scope, version) SELECT scope, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER) FROM (SELECT 0 AS scope) AS s WHERE scope IS NOT NULL ORDER BY scope ON CONFLICT (scope) DO UPDATE SET version = max(inbox_pageversion.version + 1, excluded.version); END",
        "CREATE TRIGGER inbox_inbox_pageversion_update AFTER UPDATE OF name, slug ON inbox_inbox WHEN OLD.name IS NOT NEW.name OR OLD.slug IS NOT NEW.slug BEGIN INSERT INTO inbox_pageversion (scope, version) SELECT scope, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER) FROM (SELECT 0 AS scope UNION SELECT 0 AS scope) AS s WHERE scope IS NOT NULL ORDER BY scope ON CONFLICT (scope) DO UPDATE SET version = max(inbox_pageversion.version + 1, excluded.version); END",
        "CREATE TRIGGER inbox_inbox_pageversion_insert AFTER INSERT ON inbox_inbox BEGIN INSERT INTO inbox_pageversion (scope, version) SELECT scope, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER) FROM (SELECT 0 AS scope) AS s WHERE scope IS NOT NULL ORDER BY scope ON CONFLICT (scope) DO UPDATE SET version = max(inbox_pageversion.version + 1, excluded.version); END",
        "CREATE TRIGGER inbox_inbox_pageversion_delete AFTER DELETE ON inbox_inbox BEGIN INSERT INTO inbox_pageversion (scope, version) SELECT scope, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER) FROM (SELECT 0 AS scope) AS s WHERE scope IS NOT NULL ORDER BY scope ON CONFLICT (scope) DO UPDATE SET version = max(inbox_pageversion.version + 1, excluded.version); END",
        "CREATE TRIGGER notifications_notification_pageversion_update AFTER UPDATE OF read_at, user_id, conversation_id ON notifications_notification WHEN OLD.read_at IS NOT NEW.read_at OR OLD.user_id IS NOT NEW.user_id OR OLD.conversation_id IS NOT NEW.conversation_id BEGIN INSERT INTO inbox_pageversion (scope, version) SELECT scope, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER) FROM (SELECT -OLD.user_id AS scope UNION SELECT -NEW.user_id AS scope) AS s WHERE scope IS NOT NULL ORDER BY scope ON CONFLICT (scope) DO UPDATE SET version = max(inbox_pageversion.version + 1, excluded.version); END",
        "CREATE TRIGGER notifications_notification_pageversion_insert AFTER INSERT ON notifications_notification BEGIN INSERT INTO inbox_pageversion (scope, version) SELECT scope, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER) FROM (SELECT -NEW.user_id AS scope) AS s WHERE scope IS NOT NULL ORDER BY scope ON CONFLICT (scope) DO UPDATE SET version = max(inbox_pageversion.version + 1, excluded.version); END",
        "CREATE TRIGGER notifications_notification_pageversion_delete AFTER DELETE ON notifications_notification BEGIN INSERT INTO inbox_pageversion (scope, version) SELECT scope, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER) FROM (SELECT -OLD.user_id AS scope) AS s WHERE scope IS NOT NULL ORDER BY scope ON CONFLICT (scope) DO UPDATE SET version = max(inbox_pageversion.version + 1, excluded.version); END",
        "CREATE TRIGGER notifications_preference_pageversion_update AFTER UPDATE OF desktop, user_id ON notifications_preference WHEN OLD.desktop IS NOT NEW.desktop OR OLD.user_id IS NOT NEW.user_id BEGIN INSERT INTO inbox_pageversion (scope, version) SELECT scope, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER) FROM (SELECT -OLD.user_id AS scope UNION SELECT -NEW.user_id AS scope) AS s WHERE scope IS NOT NULL ORDER BY scope ON CONFLICT (scope) DO UPDATE SET version = max(inbox_pageversion.version + 1, excluded.version); END",
        "CREATE TRIGGER notifications_preference_pageversion_insert AFTER INSERT ON notifications_preference BEGIN INSERT INTO inbox_pageversion (scope, version) SELECT scope, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER) FROM (SELECT -NEW.user_id AS scope) AS s WHERE scope IS NOT NULL ORDER BY scope ON CONFLICT (scope) DO UPDATE SET version = max(inbox_pageversion.version + 1, excluded.version); END",
        "CREATE TRIGGER notifications_preference_pageversion_delete AFTER DELETE ON notifications_preference BEGIN INSERT INTO inbox_pageversion (scope, version) SELECT scope, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER) FROM (SELECT -OLD.user_id AS scope) AS s WHERE scope IS NOT NULL ORDER BY scope ON CONFLICT (scope) DO UPDATE SET version = max(inbox_pageversion.version + 1, excluded.version); END",
        "CREATE TRIGGER inbox_conversation_notified_pageversion_update AFTER UPDATE OF inbox_id ON inbox_conversation WHEN OLD.inbox_id IS NOT NEW.inbox_id BEGIN INSERT INTO inbox_pageversion (scope, version) SELECT scope, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER) FROM (SELECT DISTINCT -n.user_id AS scope FROM notifications_notification n WHERE n.conversation_id = NEW.id) AS s WHERE scope IS NOT NULL ORDER BY scope ON CONFLICT (scope) DO UPDATE SET version = max(inbox_pageversion.version + 1, excluded.version); END",
    ),
    'postgresql': (
        "CREATE FUNCTION inbox_conversation_viewcount() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO inbox_viewcount (inbox_id, view, ref, total) SELECT inbox_id, view, ref, SUM(delta) FROM (SELECT OLD.inbox_id AS inbox_id, OLD.status AS view, 0 AS ref, -1 AS delta WHERE TG_OP <> 'INSERT' UNION ALL SELECT OLD.inbox_id, 'unassigned', 0, -1 WHERE TG_OP <> 'INSERT' AND OLD.status = 'open' AND NOT OLD.is_assigned UNION ALL SELECT OLD.inbox_id, 'mine', a.user_id, -1 FROM inbox_conversationassignee a WHERE TG_OP <> 'INSERT' AND a.conversation_id = OLD.id AND OLD.status = 'open' UNION ALL SELECT OLD.inbox_id, 'label', l.label_id, -1 FROM inbox_conversationlabel l WHERE TG_OP <> 'INSERT' AND l.conversation_id = OLD.id AND OLD.status IN ('open', 'pending', 'snoozed', 'closed') UNION ALL SELECT NEW.inbox_id AS inbox_id, NEW.status AS view, 0 AS ref, 1 AS delta WHERE TG_OP <> 'DELETE' UNION ALL SELECT NEW.inbox_id, 'unassigned', 0, 1 WHERE TG_OP <> 'DELETE' AND NEW.status = 'open' AND NOT NEW.is_assigned UNION ALL SELECT NEW.inbox_id, 'mine', a.user_id, 1 FROM inbox_conversationassignee a WHERE TG_OP <> 'DELETE' AND a.conversation_id = NEW.id AND NEW.status = 'open' UNION ALL SELECT NEW.inbox_id, 'label', l.label_id, 1 FROM inbox_conversationlabel l WHERE TG_OP <> 'DELETE' AND l.conversation_id = NEW.id AND NEW.status IN ('open', 'pending', 'snoozed', 'closed')) AS d GROUP BY inbox_id, view, ref HAVING SUM(delta) <> 0 ORDER BY inbox_id, view, ref ON CONFLICT (inbox_id, view, ref) DO UPDATE SET total = inbox_viewcount.total + excluded.total; RETURN NULL; END $$",
        'CREATE TRIGGER inbox_conversation_viewcount_write AFTER INSERT OR DELETE ON inbox_conversation FOR EACH ROW EXECUTE FUNCTION inbox_conversation_viewcount()',
        'CREATE TRIGGER inbox_conversation_viewcount_update AFTER UPDATE OF status, is_assigned, inbox_id ON inbox_conversation FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.is_assigned IS DISTINCT FROM NEW.is_assigned OR OLD.inbox_id IS DISTINCT FROM NEW.inbox_id) EXECUTE FUNCTION inbox_conversation_viewcount()',
        "CREATE FUNCTION inbox_conversationassignee_viewcount() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO inbox_viewcount (inbox_id, view, ref, total) SELECT inbox_id, view, ref, SUM(delta) FROM (SELECT c.inbox_id AS inbox_id, 'mine' AS view, OLD.user_id AS ref, -1 AS delta FROM inbox_conversation c WHERE TG_OP <> 'INSERT' AND c.id = OLD.conversation_id AND c.status = 'open' UNION ALL SELECT c.inbox_id AS inbox_id, 'mine' AS view, NEW.user_id AS ref, 1 AS delta FROM inbox_conversation c WHERE TG_OP <> 'DELETE' AND c.id = NEW.conversation_id AND c.status = 'open') AS d GROUP BY inbox_id, view, ref HAVING SUM(delta) <> 0 ORDER BY inbox_id, view, ref ON CONFLICT (inbox_id, view, ref) DO UPDATE SET total = inbox_viewcount.total + excluded.total; RETURN NULL; END $$",
        'CREATE TRIGGER inbox_conversationassignee_viewcount_write AFTER INSERT OR DELETE ON inbox_conversationassignee FOR EACH ROW EXECUTE FUNCTION inbox_conversationassignee_viewcount()',
        'CREATE TRIGGER inbox_conversationassignee_viewcount_update AFTER UPDATE OF conversation_id, user_id ON inbox_conversationassignee FOR EACH ROW WHEN (OLD.conversation_id IS DISTINCT FROM NEW.conversation_id OR OLD.user_id IS DISTINCT FROM NEW.user_id) EXECUTE FUNCTION inbox_conversationassignee_viewcount()',
        "CREATE FUNCTION inbox_conversationlabel_viewcount() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO inbox_viewcount (inbox_id, view, ref, total) SELECT inbox_id, view, ref, SUM(delta) FROM (SELECT c.inbox_id AS inbox_id, 'label' AS view, OLD.label_id AS ref, -1 AS delta FROM inbox_conversation c WHERE TG_OP <> 'INSERT' AND c.id = OLD.conversation_id AND c.status IN ('open', 'pending', 'snoozed', 'closed') UNION ALL SELECT c.inbox_id AS inbox_id, 'label' AS view, NEW.label_id AS ref, 1 AS delta FROM inbox_conversation c WHERE TG_OP <> 'DELETE' AND c.id = NEW.conversation_id AND c.status IN ('open', 'pending', 'snoozed', 'closed')) AS d GROUP BY inbox_id, view, ref HAVING SUM(delta) <> 0 ORDER BY inbox_id, view, ref ON CONFLICT (inbox_id, view, ref) DO UPDATE SET total = inbox_viewcount.total + excluded.total; RETURN NULL; END $$",
        'CREATE TRIGGER inbox_conversationlabel_viewcount_write AFTER INSERT OR DELETE ON inbox_conversationlabel FOR EACH ROW EXECUTE FUNCTION inbox_conversationlabel_viewcount()',
        'CREATE TRIGGER inbox_conversationlabel_viewcount_update AFTER UPDATE OF conversation_id, label_id ON inbox_conversationlabel FOR EACH ROW WHEN (OLD.conversation_id IS DISTINCT FROM NEW.conversation_id OR OLD.label_id IS DISTINCT FROM NEW.label_id) EXECUTE FUNCTION inbox_conversationlabel_viewcount()',
        "CREATE FUNCTION inbox_conversation_copies() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE inbox_conversationassignee SET inbox_id = NEW.inbox_id, status = NEW.status, last_activity_at = NEW.last_activity_at WHERE conversation_id = NEW.id; UPDATE inbox_conversationlabel SET inbox_id = NEW.inbox_id, live = NEW.status IN ('open', 'pending', 'snoozed', 'closed'), last_activity_at = NEW.last_activity_at WHERE conversation_id = NEW.id; RETURN NULL; END $$",
        'CREATE TRIGGER inbox_conversation_copies AFTER UPDATE OF inbox_id, status, last_activity_at ON inbox_conversation FOR EACH ROW WHEN (OLD.inbox_id IS DISTINCT FROM NEW.inbox_id OR OLD.status IS DISTINCT FROM NEW.status OR OLD.last_activity_at IS DISTINCT FROM NEW.last_activity_at) EXECUTE FUNCTION inbox_conversation_copies()',
        'CREATE FUNCTION inbox_conversationassignee_copies() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN SELECT c.inbox_id, c.status, c.last_activity_at INTO NEW.inbox_id, NEW.status, NEW.last_activity_at FROM inbox_conversation c WHERE c.id = NEW.conversation_id; RETURN NEW; END $$',
        'CREATE TRIGGER inbox_conversationassignee_copies BEFORE INSERT OR UPDATE OF conversation_id ON inbox_conversationassignee FOR EACH ROW EXECUTE FUNCTION inbox_conversationassignee_copies()',
        "CREATE FUNCTION inbox_conversationlabel_copies() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN SELECT c.inbox_id, c.status IN ('open', 'pending', 'snoozed', 'closed'), c.last_activity_at INTO NEW.inbox_id, NEW.live, NEW.last_activity_at FROM inbox_conversation c WHERE c.id = NEW.conversation_id; RETURN NEW; END $$",
        'CREATE TRIGGER inbox_conversationlabel_copies BEFORE INSERT OR UPDATE OF conversation_id ON inbox_conversationlabel FOR EACH ROW EXECUTE FUNCTION inbox_conversationlabel_copies()',
        "CREATE FUNCTION inbox_conversation_pageversion() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO inbox_pageversion (scope, version) SELECT scope, (EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::bigint FROM (SELECT CASE WHEN TG_OP <> 'INSERT' THEN OLD.inbox_id END AS scope UNION SELECT CASE WHEN TG_OP <> 'DELETE' THEN NEW.inbox_id END AS scope) AS s WHERE scope IS NOT NULL ORDER BY scope ON CONFLICT (scope) DO UPDATE SET version = GREATEST(inbox_pageversion.version + 1, excluded.version); RETURN NULL; END $$",
        'CREATE TRIGGER inbox_conversation_pageversion_write AFTER INSERT OR DELETE ON inbox_conversation FOR EACH ROW EXECUTE FUNCTION inbox_conversation_pageversion()',
        'CREATE TRIGGER inbox_conversation_pageversion_update AFTER UPDATE ON inbox_conversation FOR EACH ROW EXECUTE FUNCTION inbox_conversation_pageversion()',
        "CREATE FUNCTION inbox_conversationassignee_pageversion() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO inbox_pageversion (scope, version) SELECT scope, (EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::bigint FROM (SELECT CASE WHEN TG_OP <> 'INSERT' THEN (SELECT c.inbox_id FROM inbox_conversation c WHERE c.id = OLD.conversation_id) END AS scope UNION SELECT CASE WHEN TG_OP <> 'DELETE' THEN (SELECT c.inbox_id FROM inbox_conversation c WHERE c.id = NEW.conversation_id) END AS scope) AS s WHERE scope IS NOT NULL ORDER BY scope ON CONFLICT (scope) DO UPDATE SET version = GREATEST(inbox_pageversion.version + 1, excluded.version); RETURN NULL; END $$",
        'CREATE TRIGGER inbox_conversationassignee_pageversion_write AFTER INSERT OR DELETE ON inbox_conversationassignee FOR EACH ROW EXECUTE FUNCTION inbox_conversationassignee_pageversion()',
        'CREATE TRIGGER inbox_conversationassignee_pageversion_update AFTER UPDATE OF conversation_id, user_id ON inbox_conversationassignee FOR EACH ROW WHEN (OLD.conversation_id IS DISTINCT FROM NEW.conversation_id OR OLD.user_id IS DISTINCT FROM NEW.user_id) EXECUTE FUNCTION inbox_conversationassignee_pageversion()',
        "CREATE FUNCTION inbox_conversationlabel_pageversion() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO inbox_pageversion (scope, version) SELECT scope, (EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::bigint FROM (SELECT CASE WHEN TG_OP <> 'INSERT' THEN (SELECT c.inbox_id FROM inbox_conversation c WHERE c.id = OLD.conversation_id) END AS scope UNION SELECT CASE WHEN TG_OP <> 'DELETE' THEN (SELECT c.inbox_id FROM inbox_conversation c WHERE c.id = NEW.conversation_id) END AS scope) AS s WHERE scope IS NOT NULL ORDER BY scope ON CONFLICT (scope) DO UPDATE SET version = GREATEST(inbox_pageversion.version + 1, excluded.version); RETURN NULL; END $$",
        'CREATE TRIGGER inbox_conversationlabel_pageversion_write AFTER INSERT OR DELETE ON inbox_conversationlabel FOR EACH ROW EXECUTE FUNCTION inbox_conversationlabel_pageversion()',
        'CREATE TRIGGER inbox_conversationlabel_pageversion_update AFTER UPDATE OF conversation_id, label_id ON inbox_conversationlabel FOR EACH ROW WHEN (OLD.conversation_id IS DISTINCT FROM NEW.conversation_id OR OLD.label_id IS DISTINCT FROM NEW.label_id) EXECUTE FUNCTION inbox_conversationlabel_pageversion()',
        "CREATE FUNCTION accounts_user_pageversion() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO inbox_pageversion (scope, version) SELECT scope, (EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::bigint FROM (SELECT CASE WHEN TG_OP <> 'INSERT' THEN 0 END AS scope UNION SELECT CASE WHEN TG_OP <> 'DELETE' THEN 0 END AS scope) AS s WHERE scope IS NOT NULL ORDER BY scope ON CONFLICT (scope) DO UPDATE SET version = GREATEST(inbox_pageversion.version + 1, excluded.version); RETURN NULL; END $$",
        'CREATE TRIGGER accounts_user_pageversion_update AFTER UPDATE OF name, is_active ON accounts_user FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.is_active IS DISTINCT FROM NEW.is_active) EXECUTE FUNCTION accounts_user_pageversion()',
        "CREATE FUNCTION accounts_team_pageversion() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO inbox_pageversion (scope, version) SELECT scope, (EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::bigint FROM (SELECT CASE WHEN TG_OP <> 'INSERT' THEN 0 END AS scope UNION SELECT CASE WHEN TG_OP <> 'DELETE' THEN 0 END AS scope) AS s WHERE scope IS NOT NULL ORDER BY scope ON CONFLICT (scope) DO UPDATE SET version = GREATEST(inbox_pageversion.version + 1, excluded.version); RETURN NULL; END $$",
        'CREATE TRIGGER accounts_team_pageversion_write AFTER INSERT OR DELETE ON accounts_team FOR EACH ROW EXECUTE FUNCTION accounts_team_pageversion()',
        'CREATE TRIGGER accounts_team_pageversion_update AFTER UPDATE OF name ON accounts_team FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION accounts_team_pageversion()',
        "CREATE FUNCTION accounts_team_members_pageversion() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO inbox_pageversion (scope, version) SELECT scope, (EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::bigint FROM (SELECT CASE WHEN TG_OP <> 'INSERT' THEN 0 END AS scope UNION SELECT CASE WHEN TG_OP <> 'DELETE' THEN 0 END AS scope) AS s WHERE scope IS NOT NULL ORDER BY scope ON CONFLICT (scope) DO UPDATE SET version = GREATEST(inbox_pageversion.version + 1, excluded.version); RETURN NULL; END $$",
        'CREATE TRIGGER accounts_team_members_pageversion_write AFTER INSERT OR DELETE ON accounts_team_members FOR EACH ROW EXECUTE FUNCTION accounts_team_members_pageversion()',
        'CREATE TRIGGER accounts_team_members_pageversion_update AFTER UPDATE OF team_id, user_id ON accounts_team_members FOR EACH ROW WHEN (OLD.team_id IS DISTINCT FROM NEW.team_id OR OLD.user_id IS DISTINCT FROM NEW.user_id) EXECUTE FUNCTION accounts_team_members_pageversion()',
        "CREATE FUNCTION inbox_contact_pageversion() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO inbox_pageversion (scope, version) SELECT scope, (EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::bigint FROM (SELECT CASE WHEN TG_OP <> 'INSERT' THEN 0 END AS scope UNION SELECT CASE WHEN TG_OP <> 'DELETE' THEN 0 END AS scope) AS s WHERE scope IS NOT NULL ORDER BY scope ON CONFLICT (scope) DO UPDATE SET version = GREATEST(inbox_pageversion.version + 1, excluded.version); RETURN NULL; END $$",
        'CREATE TRIGGER inbox_contact_pageversion_update AFTER UPDATE OF name, email ON inbox_contact FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.email IS DISTINCT FROM NEW.email) EXECUTE FUNCTION inbox_contact_pageversion()',
        "CREATE FUNCTION inbox_label_pageversion() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO inbox_pageversion (scope, version) SELECT scope, (EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::bigint FROM (SELECT CASE WHEN TG_OP <> 'INSERT' THEN 0 END AS scope UNION SELECT CASE WHEN TG_OP <> 'DELETE' THEN 0 END AS scope) AS s WHERE scope IS NOT NULL ORDER BY scope ON CONFLICT (scope) DO UPDATE SET version = GREATEST(inbox_pageversion.version + 1, excluded.version); RETURN NULL; END $$",
        'CREATE TRIGGER inbox_label_pageversion_write AFTER INSERT OR DELETE ON inbox_label FOR EACH ROW EXECUTE FUNCTION inbox_label_pageversion()',
        'CREATE TRIGGER inbox_label_pageversion_update AFTER UPDATE ON inbox_label FOR EACH ROW EXECUTE FUNCTION inbox_label_pageversion()',
        "CREATE FUNCTION inbox_label_teams_pageversion() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO inbox_pageversion (scope, version) SELECT scope, (EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::bigint FROM (SELECT CASE WHEN TG_OP <> 'INSERT' THEN 0 END AS scope UNION SELECT CASE WHEN TG_OP <> 'DELETE' THEN 0 END AS scope) AS s WHERE scope IS NOT NULL ORDER BY scope ON CONFLICT (scope) DO UPDATE SET version = GREATEST(inbox_pageversion.version + 1, excluded.version); RETURN NULL; END $$",
        'CREATE TRIGGER inbox_label_teams_pageversion_write AFTER INSERT OR DELETE ON inbox_label_teams FOR EACH ROW EXECUTE FUNCTION inbox_label_teams_pageversion()',
        'CREATE TRIGGER inbox_label_teams_pageversion_update AFTER UPDATE OF label_id, team_id ON inbox_label_teams FOR EACH ROW WHEN (OLD.label_id IS DISTINCT FROM NEW.label_id OR OLD.team_id IS DISTINCT FROM NEW.team_id) EXECUTE FUNCTION inbox_label_teams_pageversion()',
        "CREATE FUNCTION inbox_inbox_pageversion() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO inbox_pageversion (scope, version) SELECT scope, (EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::bigint FROM (SELECT CASE WHEN TG_OP <> 'INSERT' THEN 0 END AS scope UNION SELECT CASE WHEN TG_OP <> 'DELETE' THEN 0 END AS scope) AS s WHERE scope IS NOT NULL ORDER BY scope ON CONFLICT (scope) DO UPDATE SET version = GREATEST(inbox_pageversion.version + 1, excluded.version); RETURN NULL; END $$",
        'CREATE TRIGGER inbox_inbox_pageversion_write AFTER INSERT OR DELETE ON inbox_inbox FOR EACH ROW EXECUTE FUNCTION inbox_inbox_pageversion()',
        'CREATE TRIGGER inbox_inbox_pageversion_update AFTER UPDATE OF name, slug ON inbox_inbox FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.slug IS DISTINCT FROM NEW.slug) EXECUTE FUNCTION inbox_inbox_pageversion()',
        "CREATE FUNCTION notifications_notification_pageversion() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO inbox_pageversion (scope, version) SELECT scope, (EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::bigint FROM (SELECT CASE WHEN TG_OP <> 'INSERT' THEN -OLD.user_id END AS scope UNION SELECT CASE WHEN TG_OP <> 'DELETE' THEN -NEW.user_id END AS scope) AS s WHERE scope IS NOT NULL ORDER BY scope ON CONFLICT (scope) DO UPDATE SET version = GREATEST(inbox_pageversion.version + 1, excluded.version); RETURN NULL; END $$",
        'CREATE TRIGGER notifications_notification_pageversion_write AFTER INSERT OR DELETE ON notifications_notification FOR EACH ROW EXECUTE FUNCTION notifications_notification_pageversion()',
        'CREATE TRIGGER notifications_notification_pageversion_update AFTER UPDATE OF read_at, user_id, conversation_id ON notifications_notification FOR EACH ROW WHEN (OLD.read_at IS DISTINCT FROM NEW.read_at OR OLD.user_id IS DISTINCT FROM NEW.user_id OR OLD.conversation_id IS DISTINCT FROM NEW.conversation_id) EXECUTE FUNCTION notifications_notification_pageversion()',
        "CREATE FUNCTION notifications_preference_pageversion() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO inbox_pageversion (scope, version) SELECT scope, (EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::bigint FROM (SELECT CASE WHEN TG_OP <> 'INSERT' THEN -OLD.user_id END AS scope UNION SELECT CASE WHEN TG_OP <> 'DELETE' THEN -NEW.user_id END AS scope) AS s WHERE scope IS NOT NULL ORDER BY scope ON CONFLICT (scope) DO UPDATE SET version = GREATEST(inbox_pageversion.version + 1, excluded.version); RETURN NULL; END $$",
        'CREATE TRIGGER notifications_preference_pageversion_write AFTER INSERT OR DELETE ON notifications_preference FOR EACH ROW EXECUTE FUNCTION notifications_preference_pageversion()',
        'CREATE TRIGGER notifications_preference_pageversion_update AFTER UPDATE OF desktop, user_id ON notifications_preference FOR EACH ROW WHEN (OLD.desktop IS DISTINCT FROM NEW.desktop OR OLD.user_id IS DISTINCT FROM NEW.user_id) EXECUTE FUNCTION notifications_preference_pageversion()',
        'CREATE FUNCTION inbox_conversation_notified_pageversion() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO inbox_pageversion (scope, version) SELECT scope, (EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::bigint FROM (SELECT DISTINCT -n.user_id AS scope FROM notifications_notification n WHERE n.conversation_id = NEW.id) AS s WHERE scope IS NOT NULL ORDER BY scope ON CONFLICT (scope) DO UPDATE SET version = GREATEST(inbox_pageversion.version + 1, excluded.version); RETURN NULL; END $$',
        'CREATE TRIGGER inbox_conversation_notified_pageversion_update AFTER UPDATE OF inbox_id ON inbox_conversation FOR EACH ROW WHEN (OLD.inbox_id IS DISTINCT FROM NEW.inbox_id) EXECUTE FUNCTION inbox_conversation_notified_pageversion()',
    ),
}


# What going back drops: everything CREATE made.
UNDO = {
    'sqlite': (
        'DROP TRIGGER IF EXISTS inbox_conversation_viewcount_insert',
        'DROP TRIGGER IF EXISTS inbox_conversation_viewcount_delete',
        'DROP TRIGGER IF EXISTS inbox_conversation_viewcount_update',
        'DROP TRIGGER IF EXISTS inbox_conversationassignee_viewcount_insert',
        'DROP TRIGGER IF EXISTS inbox_conversationassignee_viewcount_delete',
        'DROP TRIGGER IF EXISTS inbox_conversationassignee_viewcount_update',
        'DROP TRIGGER IF EXISTS inbox_conversationlabel_viewcount_insert',
        'DROP TRIGGER IF EXISTS inbox_conversationlabel_viewcount_delete',
        'DROP TRIGGER IF EXISTS inbox_conversationlabel_viewcount_update',
        'DROP TRIGGER IF EXISTS inbox_conversation_copies',
        'DROP TRIGGER IF EXISTS inbox_conversationassignee_copies_insert',
        'DROP TRIGGER IF EXISTS inbox_conversationassignee_copies_update',
        'DROP TRIGGER IF EXISTS inbox_conversationlabel_copies_insert',
        'DROP TRIGGER IF EXISTS inbox_conversationlabel_copies_update',
        'DROP TRIGGER IF EXISTS inbox_conversation_pageversion_update',
        'DROP TRIGGER IF EXISTS inbox_conversation_pageversion_insert',
        'DROP TRIGGER IF EXISTS inbox_conversation_pageversion_delete',
        'DROP TRIGGER IF EXISTS inbox_conversationassignee_pageversion_update',
        'DROP TRIGGER IF EXISTS inbox_conversationassignee_pageversion_insert',
        'DROP TRIGGER IF EXISTS inbox_conversationassignee_pageversion_delete',
        'DROP TRIGGER IF EXISTS inbox_conversationlabel_pageversion_update',
        'DROP TRIGGER IF EXISTS inbox_conversationlabel_pageversion_insert',
        'DROP TRIGGER IF EXISTS inbox_conversationlabel_pageversion_delete',
        'DROP TRIGGER IF EXISTS accounts_user_pageversion_update',
        'DROP TRIGGER IF EXISTS accounts_team_pageversion_update',
        'DROP TRIGGER IF EXISTS accounts_team_pageversion_insert',
        'DROP TRIGGER IF EXISTS accounts_team_pageversion_delete',
        'DROP TRIGGER IF EXISTS accounts_team_members_pageversion_update',
        'DROP TRIGGER IF EXISTS accounts_team_members_pageversion_insert',
        'DROP TRIGGER IF EXISTS accounts_team_members_pageversion_delete',
        'DROP TRIGGER IF EXISTS inbox_contact_pageversion_update',
        'DROP TRIGGER IF EXISTS inbox_label_pageversion_update',
        'DROP TRIGGER IF EXISTS inbox_label_pageversion_insert',
        'DROP TRIGGER IF EXISTS inbox_label_pageversion_delete',
        'DROP TRIGGER IF EXISTS inbox_label_teams_pageversion_update',
        'DROP TRIGGER IF EXISTS inbox_label_teams_pageversion_insert',
        'DROP TRIGGER IF EXISTS inbox_label_teams_pageversion_delete',
        'DROP TRIGGER IF EXISTS inbox_inbox_pageversion_update',
        'DROP TRIGGER IF EXISTS inbox_inbox_pageversion_insert',
        'DROP TRIGGER IF EXISTS inbox_inbox_pageversion_delete',
        'DROP TRIGGER IF EXISTS notifications_notification_pageversion_update',
        'DROP TRIGGER IF EXISTS notifications_notification_pageversion_insert',
        'DROP TRIGGER IF EXISTS notifications_notification_pageversion_delete',
        'DROP TRIGGER IF EXISTS notifications_preference_pageversion_update',
        'DROP TRIGGER IF EXISTS notifications_preference_pageversion_insert',
        'DROP TRIGGER IF EXISTS notifications_preference_pageversion_delete',
        'DROP TRIGGER IF EXISTS inbox_conversation_notified_pageversion_update',
    ),
    'postgresql': (
        'DROP FUNCTION IF EXISTS inbox_conversation_viewcount() CASCADE',
        'DROP FUNCTION IF EXISTS inbox_conversationassignee_viewcount() CASCADE',
        'DROP FUNCTION IF EXISTS inbox_conversationlabel_viewcount() CASCADE',
        'DROP FUNCTION IF EXISTS inbox_conversation_copies() CASCADE',
        'DROP FUNCTION IF EXISTS inbox_conversationassignee_copies() CASCADE',
        'DROP FUNCTION IF EXISTS inbox_conversationlabel_copies() CASCADE',
        'DROP FUNCTION IF EXISTS inbox_conversation_pageversion() CASCADE',
        'DROP FUNCTION IF EXISTS inbox_conversationassignee_pageversion() CASCADE',
        'DROP FUNCTION IF EXISTS inbox_conversationlabel_pageversion() CASCADE',
        'DROP FUNCTION IF EXISTS accounts_user_pageversion() CASCADE',
        'DROP FUNCTION IF EXISTS accounts_team_pageversion() CASCADE',
        'DROP FUNCTION IF EXISTS accounts_team_members_pageversion() CASCADE',
        'DROP FUNCTION IF EXISTS inbox_contact_pageversion() CASCADE',
        'DROP FUNCTION IF EXISTS inbox_label_pageversion() CASCADE',
        'DROP FUNCTION IF EXISTS inbox_label_teams_pageversion() CASCADE',
        'DROP FUNCTION IF EXISTS inbox_inbox_pageversion() CASCADE',
        'DROP FUNCTION IF EXISTS notifications_notification_pageversion() CASCADE',
        'DROP FUNCTION IF EXISTS notifications_preference_pageversion() CASCADE',
        'DROP FUNCTION IF EXISTS inbox_conversation_notified_pageversion() CASCADE',
    ),
}

def _run(schema_editor: Any, statements: tuple[str, ...]) -> None:
    for sql in statements:
        schema_editor.execute(sql, params=None)


def forwards(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    _run(schema_editor, DROP[vendor] + CREATE[vendor])


def backwards(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    _run(schema_editor, UNDO[vendor])
    for module, builder, options in PREVIOUS:
        getattr(import_module(module), builder)(schema_editor, **options)


class Migration(migrations.Migration):
    dependencies = [('inbox', '0008_inbox_reply_rules'), ('notifications', '0003_pageversion')]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
