"""The REST API (django-ninja) under /api/v1/: calls actions and queries only.

See docs/api.md. Authentication is a personal token (:mod:`postroom.api.auth`); objects
are fetched through :mod:`postroom.inbox.access`, so the API enforces exactly the web
app's rules; errors take the shapes in :mod:`postroom.api.errors`.
"""

from ninja import NinjaAPI

from postroom.api import (
    attachments,
    bulk,
    conversations,
    crm,
    customers,
    errors,
    fields,
    following,
    inboxes,
    knowledge,
    notes,
    ratings,
    replies,
    rules,
    saved_replies,
    schedules,
    search,
    tasks,
    triage,
)
from postroom.api.auth import BearerToken

api = NinjaAPI(
    title="Postroom API",
    version="1",
    description="A shared inbox for teams. Authenticate with `Authorization: Bearer <token>`.",
    auth=BearerToken(),
)
errors.install(api)
api.add_router("/inboxes", inboxes.router)
api.add_router("/conversations", bulk.router)  # before {conversation_id}
api.add_router("/conversations", conversations.router)
api.add_router("/conversations", triage.router)
api.add_router("/conversations", notes.router)
api.add_router("/conversations", following.router)
api.add_router("/conversations", replies.router)
api.add_router("/conversations", tasks.router)
api.add_router("/conversations", ratings.router)
api.add_router("/attachments", attachments.router)
api.add_router("/contacts", customers.contacts)
api.add_router("/companies", customers.companies)
api.add_router("/rules", rules.router)
api.add_router("/macros", rules.macros)
api.add_router("/sla-policies", rules.sla_policies)
api.add_router("", schedules.router)
api.add_router("/conversations", rules.applying)
api.add_router("/saved-replies", saved_replies.router)
api.add_router("/articles", knowledge.router)
api.add_router("/crm", crm.router)
api.add_router("/conversations", saved_replies.on_conversations)
api.add_router("/fields", fields.router)
api.add_router("/search", search.router)
api.add_router("/conversations", fields.on_conversations)
