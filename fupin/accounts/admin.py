"""django-otp registers its devices in the Django admin; second factors are managed through our own pages and
command instead (``fupin.accounts.mfa``: audited, scoped), and the admin would show each user's TOTP secret."""

from __future__ import annotations

from django.contrib import admin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

for model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
