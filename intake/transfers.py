"""Complaints transferred to us by a regulator or a hotline platform (12345, a market regulator's
complaint system): ``import_transfer`` is the one way in, used by ``POST /api/v1/transfers/``
and the ``import_transfers`` command.

- The platform's reference is kept (``external_platform`` + ``external_reference``, unique when
  set): a transfer sent again returns the complaint the first one created, unchanged
  (``created`` False → 200), also when two copies arrive at once (the unique constraint
  decides, and the loser reads the winner's complaint).
- Channel ``transfer``; the platform's reply deadline (``external_due_at``) bounds our clocks:
  ``escalation.deadlines.platform_capped`` makes acceptance, first response and resolution due
  no later than it.
- Bad input is refused as a whole with a message per field (``TransferSerializer``), and
  registration is one transaction: nothing is half saved.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from complaints import phones
from complaints.api.serializers import BoundedDateTimeField, StrictCharField
from complaints.models import Category, Channel, Complaint, Department, Priority
from intake import services

PLATFORM_HELP = _("The platform's short code, e.g. 12345 or samr (letters, digits, - and _).")


class TransferSerializer(serializers.Serializer):
    """What a platform sends: its reference and deadline, the complainant and the complaint."""

    platform = serializers.RegexField(r"^[A-Za-z0-9_-]+$", max_length=40, help_text=PLATFORM_HELP)
    platform_reference = StrictCharField(max_length=64)
    received_at = BoundedDateTimeField(help_text=_("When the platform received the complaint."))
    platform_due_at = BoundedDateTimeField(
        required=False, allow_null=True, help_text=_("The platform's deadline for our answer.")
    )
    complainant_name = StrictCharField(max_length=120, required=False, allow_blank=True)
    complainant_phone = StrictCharField(max_length=40, required=False, allow_blank=True)
    complainant_email = serializers.EmailField(required=False, allow_blank=True)
    description = StrictCharField(max_length=20_000)
    request = StrictCharField(max_length=20_000, required=False, allow_blank=True)
    category = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Category.objects.filter(active=True, parent__isnull=False),
        required=False,
        allow_null=True,
        help_text=_("Code of a second-level category; may be left for classification."),
    )
    department = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Department.objects.filter(active=True),
        required=False,
        allow_null=True,
        help_text=_("Code of the handling department; default: the importing user's."),
    )
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)

    def validate_received_at(self, value):
        if value > timezone.now() + timedelta(minutes=5):
            raise serializers.ValidationError(_("The time received cannot be in the future."))
        return value

    def validate_complainant_phone(self, value: str) -> str:
        return phones.clean_phone(value)

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        due = data.get("platform_due_at")
        if due is not None and due <= data["received_at"]:
            raise serializers.ValidationError(
                {"platform_due_at": [_("The platform's deadline must be after it received it.")]}
            )
        return data


def existing(platform: str, reference: str) -> Complaint | None:
    """The complaint a platform's reference names (index: cmp_external_reference_uniq)."""
    return Complaint.objects.filter(
        external_platform=platform, external_reference=reference
    ).first()


def import_transfer(data: dict[str, Any], *, by) -> tuple[Complaint, bool]:
    """Register the complaint a platform transferred, or return the one it already names.

    Preconditions: ``by`` may register complaints (the caller checks ``may_write``).
    Raises ``rest_framework.serializers.ValidationError`` (field → messages) on bad input.
    Side effects: a complaint in ``received`` on channel ``transfer`` with the platform's
    reference and deadline, its deadlines capped at the platform's; one "register" history row
    by ``by`` with the platform named in the reason. Returns ``(complaint, created)``.
    """
    serializer = TransferSerializer(data=data)
    serializer.is_valid(raise_exception=True)
    values = dict(serializer.validated_data)
    platform, reference = values.pop("platform"), values.pop("platform_reference")
    found = existing(platform, reference)
    if found is not None:
        return found, False
    fields = {key: value for key, value in values.items() if value not in (None, "")}
    fields["external_due_at"] = fields.pop("platform_due_at", None)
    try:
        with transaction.atomic():
            return services.register(
                by=by,
                channel=Channel.TRANSFER,
                external_platform=platform,
                external_reference=reference,
                reason=_("Transferred from %(platform)s as %(reference)s")
                % {"platform": platform, "reference": reference},
                **fields,
            )
    except IntegrityError:
        # The same transfer arrived twice at once: the other copy won the unique reference.
        found = existing(platform, reference)
        if found is None:
            raise
        return found, False
