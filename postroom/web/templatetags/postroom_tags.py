"""Small template helpers, available in every template."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from postroom.accounts.models import User
from postroom.web import short_times

register = template.Library()


@register.filter
def short_time(moment: datetime | None) -> str:
    """A time the short way, in the reader's language's order (postroom/web/short_times)."""
    return short_times.short(moment) if moment is not None else ""


@register.filter
def get_item(mapping: dict | None, key: Any) -> Any:
    if not mapping:
        return ""
    return mapping.get(key, "")


@register.filter
def display_name(users: dict[int, str] | None, pk: Any) -> str:
    return (users or {}).get(pk, "")


@register.simple_tag
def actor_name(activity: Any) -> str:
    actor = activity.actor
    if isinstance(actor, User):
        return actor.name
    if activity.actor_kind == "rule" and activity.actor_name:
        return _("Rule “%(name)s”") % {"name": activity.actor_name}
    if activity.actor_kind == "system" and activity.actor_name:
        return _(activity.actor_name)
    return {"rule": _("A rule"), "system": "Postroom", "customer": _("The customer")}.get(
        activity.actor_kind, activity.actor_kind
    )


@register.simple_tag
def script_texts() -> str:
    """The few words the scripts write themselves (the rest come from data- attributes
    of the page), in the viewer's language: a JSON data block the scripts read by
    ``id`` (data, not code: the content security policy lets no inline script run)."""
    from django.utils.html import json_script

    texts = {
        "new_notification": _("You have a new notification"),
        "key_cancelled": _("Cancelled, or no key answered in time."),
        "key_added_already": _("This key is added already."),
        "key_failed": _("Something went wrong with the key."),
        "keys_unsupported": _("This browser cannot use security keys."),
    }
    return json_script(texts, "postroom-texts")


@register.filter
def bcp47(code: str) -> str:
    """A Django language code as HTML's ``lang`` and HTTP want it: ``zh-hans`` is
    ``zh-Hans``."""
    from postroom.core.languages import normalise_language

    return normalise_language(code or "") or "en"


@register.filter
def parse_iso(value: str | None) -> Any:
    from datetime import datetime

    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


@register.simple_tag(takes_context=True)
def email_html(context: Any, message: Any) -> str:
    """The message's HTML for its sandboxed frame, remote images only when asked (and
    then through the image proxy)."""
    from postroom.web.email_html import prepare_email_html

    request = context.get("request")
    load = request is not None and request.GET.get("images") == str(message.pk)
    return prepare_email_html(
        message.html, message.attachments.all(), message_id=message.pk, load_remote=load
    )


@register.filter
def has_remote_images(html: str) -> bool:
    from postroom.web.email_html import has_remote_images as check

    return check(html or "")


@register.filter
def score_label(value: str) -> str:
    """A rating's word (Good, Okay, Bad) in the viewer's language."""
    from postroom.ratings.models import Score

    return str(Score(value).label) if value in Score.values else value


def _name_list(pks: list[int], names: dict[int, str] | None) -> SafeString:
    """``Bob``, ``Bob and Carol``, ``Bob, Carol and Dan``: each name in bold."""
    bold = [format_html("<strong>{}</strong>", display_name(names, pk)) for pk in pks]
    if len(bold) < 2:
        return mark_safe("".join(bold))  # each part was escaped by format_html
    # Translators: the last two names of a list, as in "Bob, Carol and Dan".
    last = format_html(_("{first} and {second}"), first=bold[-2], second=bold[-1])
    return mark_safe(", ".join([*bold[:-2], last]))


@register.simple_tag
def assignment_sentence(activity: Any, names: dict[int, str] | None = None) -> SafeString:
    """The line for an assignment change, written from the actor's side: taking a
    conversation oneself reads "Alice took it", not "Alice assigned it to Alice"."""
    who = actor_name(activity)
    data = activity.data or {}
    me = activity.actor_id if activity.actor_kind == "user" else None
    if activity.verb == "conversation.unassigned":
        removed = list(data.get("removed") or [])
        others = [pk for pk in removed if pk != me]
        if removed and not others:
            return format_html(_("{who} gave it up"), who=who)
        if others and len(others) < len(removed):
            text = _("{who} gave it up and unassigned {people}")
        elif others:
            text = _("{who} unassigned {people}")
        else:
            return format_html(_("{who} removed the team"), who=who)
        return format_html(text, who=who, people=_name_list(others, names))
    added = list(data.get("added") or [])
    removed = list(data.get("removed") or [])
    others = [pk for pk in added if pk != me]
    took = me is not None and me in added
    if not added:
        if data.get("team"):
            return format_html(_("{who} assigned it to a team"), who=who)
        if removed:
            return format_html(
                _("{who} unassigned {people}"), who=who, people=_name_list(removed, names)
            )
        return format_html(_("{who} removed the team"), who=who)
    if removed:
        if took and not others:
            text = _("{who} took it over from {before}")
        else:
            text = _("{who} reassigned it from {before} to {people}")
            others = added
        return format_html(
            text,
            who=who,
            before=_name_list(removed, names),
            people=_name_list(others, names),
        )
    if took and not others:
        return format_html(_("{who} took it"), who=who)
    if took:
        return format_html(
            _("{who} took it with {people}"), who=who, people=_name_list(others, names)
        )
    return format_html(_("{who} assigned it to {people}"), who=who, people=_name_list(added, names))
