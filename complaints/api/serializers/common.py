"""The API's own field types (text, ids and times checked as strictly as the staff forms
check them), the transition slugs, and the small read-only shapes other serializers nest."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from complaints import datebounds, services
from complaints.models import (
    Category,
    Department,
    RootCause,
)
from complaints.people import display_name

# Transition names as they appear in URLs (``follow-up``) and as the services know them.
TRANSITION_SLUGS: dict[str, str] = {name.replace("_", "-"): name for name in services.TRANSITIONS}
SERVICE_TO_SLUG: dict[str, str] = {name: slug for slug, name in TRANSITION_SLUGS.items()}

COMPLAINANT_FIELDS = (
    "complainant_name",
    "complainant_phone",
    "complainant_email",
    "complainant_id_number",
    "complainant_address",
)


def request_user(context: dict[str, Any]):
    request = context.get("request")
    return getattr(request, "user", None)


class StrictCharField(serializers.CharField):
    """A CharField that takes text only and refuses lone surrogates, which PostgreSQL cannot
    store: a JSON body may spell one as ``"\\ud800"``, and without this check the INSERT would
    fail (a 500)."""

    default_error_messages = {"surrogate": _("The text contains an invalid character.")}

    def to_internal_value(self, data: Any) -> str:
        # Text only: DRF would quietly turn a number into its digits.
        if not isinstance(data, str):
            self.fail("invalid")
        # The documented maxLength applies to what was sent, before whitespace is trimmed.
        if self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length, length=len(data))
        value = super().to_internal_value(data)
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            self.fail("surrogate")
        return value


class StrictPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """An id or null, as the schema says: DRF would quietly read an empty string as null."""

    def run_validation(self, data: Any = serializers.empty) -> Any:
        if isinstance(data, str) and data == "":
            self.fail("incorrect_type", data_type="str")
        return super().run_validation(data)


class BoundedDateTimeField(serializers.DateTimeField):
    """A time within the years complaints are handled in (``complaints.datebounds``: the same
    check and message as the staff forms). Far-off years are no real dates for a complaint,
    at the edge of the calendar the conversion to UTC overflows, and before 1900 the local
    zone's historical offsets (Shanghai's +08:05:43) would come back in a form RFC 3339 clients
    cannot parse."""

    default_validators = [datebounds.validate_year]

    def to_internal_value(self, value: Any) -> datetime:
        try:
            return super().to_internal_value(value)
        except OverflowError:
            # DRF's own time-zone check converts to UTC, which overflows at the calendar's
            # edges (year 1 in Shanghai): those are outside the bounds anyway.
            raise serializers.ValidationError(
                datebounds.out_of_range().messages, code="out_of_range"
            ) from None


# ---------------------------------------------------------------------------------------------
# Small read-only shapes used inside others
# ---------------------------------------------------------------------------------------------


class UserSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return display_name(user)


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "code", "name", "active"]
        read_only_fields = fields


class DepartmentSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "code", "name"]
        read_only_fields = fields


class CategorySerializer(serializers.ModelSerializer):
    path = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = Category
        fields = ["id", "code", "name", "parent", "path", "active"]
        read_only_fields = fields


class RootCauseSerializer(serializers.ModelSerializer):
    path = serializers.CharField(source="__str__", read_only=True)
    parent_code = serializers.SlugRelatedField(
        source="parent", slug_field="code", read_only=True, allow_null=True
    )

    class Meta:
        model = RootCause
        fields = ["id", "code", "name", "parent", "parent_code", "path", "active"]
        read_only_fields = fields


class CategorySummarySerializer(serializers.ModelSerializer):
    path = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = Category
        fields = ["id", "code", "name", "path"]
        read_only_fields = fields
