"""Saved searches: a person keeps a search as a view in their sidebar; an owner or admin
shares one with everyone (docs/search.md). Each person's results, counts included,
are what their own access finds: sharing a view shares the words, never the access."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from postroom.accounts.models import User
from postroom.core import clock
from postroom.inbox.access import require
from postroom.inbox.actions.activity import record
from postroom.search.models import MAX_NAME, MAX_QUERY, SavedSearch
from postroom.search.queries import parse

MAX_PER_PERSON = 30


def _check(actor: User, name: str, query: str) -> tuple[str, str]:
    name, query = name.strip(), " ".join(query.split())
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = _("Give the view a name.")
    elif len(name) > MAX_NAME:
        errors["name"] = _("Keep the name to %(n)s characters.") % {"n": MAX_NAME}
    if not query:
        errors["query"] = _("Type what the view searches for.")
    elif len(query) > MAX_QUERY:
        errors["query"] = _("Keep the search to %(n)s characters.") % {"n": MAX_QUERY}
    if errors:
        raise ValidationError(errors)
    try:
        parse(actor, query)
    except ValidationError as error:
        raise ValidationError({"query": " ".join(error.messages)}) from None
    return name, query


def _log(verb: str, saved: SavedSearch, actor: User) -> None:
    record(
        verb,
        actor=actor,
        target=saved,
        data={"search": saved.pk, "name": saved.name, "shared": saved.shared},
    )


@transaction.atomic
def do_save_search(saved: SavedSearch | None, *, name: str, query: str, actor: User) -> SavedSearch:
    """Keep ``query`` as a view named ``name`` in ``actor``'s sidebar (or change one of
    theirs). A name is unique among one person's views."""
    require(actor, "do_save_search", account=saved.owner if saved else actor)
    name, query = _check(actor, name, query)
    if saved is None:
        if SavedSearch.objects.filter(owner=actor).count() >= MAX_PER_PERSON:
            raise ValidationError(
                {"name": _("Keep at most %(n)s saved searches.") % {"n": MAX_PER_PERSON}}
            )
        saved = SavedSearch(owner=actor, created_at=clock.now())
    saved.name, saved.query = name, query
    try:
        with transaction.atomic():
            saved.save()
    except IntegrityError:
        raise ValidationError({"name": _("You have a view with this name.")}) from None
    _log("search.saved", saved, actor)
    return saved


@transaction.atomic
def do_share_search(saved: SavedSearch, *, shared: bool, actor: User) -> SavedSearch:
    """Show ``saved`` to everyone (``shared``) or to its owner only: owners and admins."""
    require(actor, "do_share_search")
    if saved.shared != shared:
        saved.shared = shared
        saved.save(update_fields=["shared"])
        _log("search.shared", saved, actor)
    return saved


@transaction.atomic
def do_delete_search(saved: SavedSearch, *, actor: User) -> None:
    """Its owner deletes a view (shared or not)."""
    require(actor, "do_delete_search", account=saved.owner)
    _log("search.deleted", saved, actor)
    saved.delete()
