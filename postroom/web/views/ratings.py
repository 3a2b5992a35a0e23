"""Satisfaction ratings (docs/ratings.md): the public page a rating link opens (no
sign-in: the signed token is the key) and an inbox's rating setting."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods

from postroom.inbox.access import access_inbox, require
from postroom.inbox.actions.ratings import do_record_rating, do_set_rating_mode
from postroom.inbox.actors import contact_actor
from postroom.ratings.links import mode_of, rateable
from postroom.ratings.models import Rating, RatingMode, Score
from postroom.web.context import page_context, signed_in_user


def _choices() -> list[tuple[str, str]]:
    return [(str(score.value), str(score.label)) for score in Score]


@csrf_protect
@require_http_methods(["GET", "POST"])
def rate(request: HttpRequest, token: str) -> HttpResponse:
    """The customer's page for rating one of our messages. A link that was not made
    here, or has expired, or names a message that is gone, is a 404 page."""
    message = rateable(token)
    if message is None:
        return render(request, "web/rate_missing.html", status=404)
    conversation = message.conversation
    existing = Rating.objects.filter(message=message).first()
    chosen = request.GET.get("r", "")
    comment = existing.comment if existing is not None else ""
    if chosen not in Score.values:
        chosen = existing.score if existing is not None else ""
    error = ""
    status = 200
    if request.method == "POST":
        chosen = request.POST.get("score", "")
        comment = request.POST.get("comment", "")
        try:
            rating = do_record_rating(
                message, chosen, comment, actor=contact_actor(conversation.contact)
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
            status = 400
        else:
            return render(
                request,
                "web/rate.html",
                {"inbox": conversation.inbox, "thanks": True, "rating": rating},
            )
    return render(
        request,
        "web/rate.html",
        {
            "inbox": conversation.inbox,
            "choices": _choices(),
            "chosen": chosen,
            "comment": comment,
            "error": error,
            "token": token,
        },
        status=status,
    )


@login_required
def inbox_ratings(request: HttpRequest, slug: str) -> HttpResponse:
    """How the inbox asks customers for ratings: its managers (404 without access, 403
    below manage)."""
    me = signed_in_user(request)
    inbox = access_inbox(me, slug)
    require(me, "do_set_rating_mode", inbox.pk)
    if request.method == "POST":
        try:
            do_set_rating_mode(inbox, request.POST.get("mode", ""), actor=me)
        except ValidationError as exc:
            for text in exc.messages:
                messages.error(request, text)
        else:
            messages.success(request, _("Rating settings saved."))
        return redirect("web:inbox_ratings", slug=inbox.slug)
    context = page_context(
        request, inbox, managed=inbox, mode=mode_of(inbox), modes=RatingMode.choices
    )
    return render(request, "web/inbox_ratings.html", context)
