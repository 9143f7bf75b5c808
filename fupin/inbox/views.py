"""The signed-in user's inbox: messages newest first; opening one marks it read and follows its link."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from fupin.core.actors import acting_user
from fupin.inbox import selectors, services
from fupin.inbox.filters import MessageFilter


def message_list(request: HttpRequest) -> HttpResponse:
    qs = MessageFilter(request.GET, queryset=selectors.messages_of(request.user)).qs
    return render(request, "inbox/list.html", {"page": Paginator(qs, 25).get_page(request.GET.get("page")),
                                               "params": request.GET})


@require_POST
def message_open(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_object_or_404(selectors.messages_of(request.user), pk=pk)
    services.message_mark_read(message)
    if message.link and url_has_allowed_host_and_scheme(message.link, allowed_hosts=None):
        return redirect(message.link)
    return redirect("inbox:message-list")


@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    services.inbox_mark_all_read(acting_user(request))
    return redirect("inbox:message-list")
