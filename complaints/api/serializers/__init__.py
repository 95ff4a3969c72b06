"""Serializers of the REST API: what a complaint looks like from outside, and the input of each
action.

Reading serializers are read-only through and through: the complaint's ``state`` is a protected
FSM field, and a writable one would raise ``AttributeError`` (a 500) on assignment. Writes go
through ``complaints.services`` only; the input serializers here validate the request (400) and
hand ``validated_data`` to the service as keyword arguments, exactly as the forms in
``complaints.forms`` do for the staff pages. Each transition serializer takes its querysets,
choices and limits from the form of the same action, so the API cannot accept a handler, a
category or a reason that the staff pages would refuse.

``common``: the strict field types and small nested shapes; ``complaints``: a complaint read and
registered; ``transitions``: the input of each lifecycle action; ``records``: history entries,
notes, attachments. Every name is importable from ``complaints.api.serializers``.
"""

from __future__ import annotations

from complaints.api.serializers.common import (
    COMPLAINANT_FIELDS,
    SERVICE_TO_SLUG,
    TRANSITION_SLUGS,
    BoundedDateTimeField,
    CategorySerializer,
    CategorySummarySerializer,
    DepartmentSerializer,
    DepartmentSummarySerializer,
    RootCauseSerializer,
    StrictCharField,
    StrictPrimaryKeyRelatedField,
    UserSummarySerializer,
    request_user,
)
from complaints.api.serializers.complaints import (
    DETAIL_RELATIONS,
    BuiltOnce,
    ComplaintCreateSerializer,
    ComplaintListSerializer,
    ComplaintSerializer,
    VisibleComplaintField,
    _staff_users,
)
from complaints.api.serializers.records import (
    AttachmentSerializer,
    AttachmentUploadSerializer,
    FieldChangeSerializer,
    HistoryEntrySerializer,
    NoteCreateSerializer,
    NoteSerializer,
    TokenSerializer,
)
from complaints.api.serializers.transitions import (
    TRANSITION_SERIALIZERS,
    ApproveRemedySerializer,
    AssignSerializer,
    CauseField,
    ClassifySerializer,
    FollowUpSerializer,
    OptionalReasonMixin,
    ReasonSerializer,
    RejectSerializer,
    ResolveSerializer,
    TransitionSerializer,
    WithdrawSerializer,
    form_choices,
    form_queryset,
)

__all__ = [
    "ApproveRemedySerializer",
    "AssignSerializer",
    "AttachmentSerializer",
    "AttachmentUploadSerializer",
    "BoundedDateTimeField",
    "BuiltOnce",
    "COMPLAINANT_FIELDS",
    "CategorySerializer",
    "CategorySummarySerializer",
    "CauseField",
    "ClassifySerializer",
    "ComplaintCreateSerializer",
    "ComplaintListSerializer",
    "ComplaintSerializer",
    "DETAIL_RELATIONS",
    "DepartmentSerializer",
    "DepartmentSummarySerializer",
    "FieldChangeSerializer",
    "FollowUpSerializer",
    "HistoryEntrySerializer",
    "NoteCreateSerializer",
    "NoteSerializer",
    "OptionalReasonMixin",
    "ReasonSerializer",
    "RejectSerializer",
    "ResolveSerializer",
    "RootCauseSerializer",
    "SERVICE_TO_SLUG",
    "StrictCharField",
    "StrictPrimaryKeyRelatedField",
    "TRANSITION_SERIALIZERS",
    "TRANSITION_SLUGS",
    "TokenSerializer",
    "TransitionSerializer",
    "UserSummarySerializer",
    "VisibleComplaintField",
    "WithdrawSerializer",
    "_staff_users",
    "form_choices",
    "form_queryset",
    "request_user",
]
