from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "fupin.inbox"
    label = "inbox"
    verbose_name = "站内消息 / Inbox"
