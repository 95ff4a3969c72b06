"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) under ``/open311/v2/``.

Services are our active leaf categories; a service request is a complaint on the ``web``
channel (``app`` when the client sends a ``device_id``), its ``service_request_id`` the complaint
reference. Every resource answers in XML and JSON (by the URL suffix), errors in the spec's
shape with 400 (bad request), 403 (api_key) or 404 (unknown resource). Plain Django views: the
spec's exact element names and its XML are easier to keep right by hand than through a
serializer framework.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
from datetime import timedelta
from xml.etree import ElementTree as ET  # noqa: S405 - we only build XML, never parse it

from django import forms
from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt

from complaints import phones
from complaints.models import Channel, Complaint, State
from intake import selectors
from intake import services as intake_services
from intake.forms import leaf_categories
from intake.models import Open311Request

CONTENT_TYPES = {
    "json": "application/json; charset=utf-8",
    "xml": "text/xml; charset=utf-8",
}
SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
# Plural element → its items' element, for the XML mapping of lists (Spark convention).
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}
# "closed" in GeoReport means "it has been resolved": answered, followed up, closed, or ended.
OPEN_STATUS_STATES = [State.RECEIVED, State.CLASSIFIED, State.ASSIGNED]
CLOSED_STATUS_STATES = [
    State.RESOLVED,
    State.FOLLOWED_UP,
    State.CLOSED,
    State.REJECTED,
    State.WITHDRAWN,
]
MAX_SPAN = timedelta(days=90)
MAX_RESULTS = 1000
DESCRIPTION_LIMIT = 4000  # the spec's limit for description

# The service definition: optional attributes mapped onto registration fields.
ATTRIBUTES = [
    {
        "variable": True,
        "code": "request",
        "datatype": "text",
        "required": False,
        "datatype_description": None,
        "order": 1,
        "description": gettext_lazy("What the complainant asks the organisation to do."),
    },
    {
        "variable": True,
        "code": "subject",
        "datatype": "string",
        "required": False,
        "datatype_description": None,
        "order": 2,
        "description": gettext_lazy("The unit or staff member the complaint is about."),
    },
    {
        "variable": True,
        "code": "confidential",
        "datatype": "singlevaluelist",
        "required": False,
        "datatype_description": None,
        "order": 3,
        "description": gettext_lazy(
            "Keep the complainant's identity from the unit complained about."
        ),
        "values": [("no", gettext_lazy("No")), ("yes", gettext_lazy("Yes"))],
    },
]
ATTRIBUTE_LIMITS = {"request": 2000, "subject": 200}


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    # Characters XML 1.0 cannot carry would make the whole document unreadable.
    return _XML_INVALID.sub("", str(value))


def _xml_fill(parent: ET.Element, payload: dict) -> None:
    for key, value in payload.items():
        child = ET.SubElement(parent, key)
        if isinstance(value, list):
            for item in value:
                node = ET.SubElement(child, ITEM_NAMES[key])
                if isinstance(item, dict):
                    _xml_fill(node, item)
                else:
                    node.text = _text(item)
        elif isinstance(value, dict):
            _xml_fill(child, value)
        else:
            child.text = _text(value)


def render(fmt: str, payload, *, root: str, status: int = 200) -> HttpResponse:
    """JSON as is; XML with ``root`` as the root element and the Spark mapping of lists."""
    if fmt == "json":
        body = json.dumps(payload, ensure_ascii=False, default=str)
    else:
        element = ET.Element(root)
        if isinstance(payload, list):
            for item in payload:
                _xml_fill(ET.SubElement(element, ITEM_NAMES[root]), item)
        else:
            _xml_fill(element, payload)
        body = '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, "unicode")
    return HttpResponse(body.encode("utf-8"), content_type=CONTENT_TYPES[fmt], status=status)


def error(fmt: str, status: int, *descriptions: str) -> HttpResponse:
    payload = [{"code": status, "description": str(d)} for d in descriptions]
    return render(fmt, payload, root="errors", status=status)


def _w3c(value) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _jurisdiction_error(request, fmt: str) -> HttpResponse | None:
    """One jurisdiction per endpoint: the parameter is optional, a different one is not found."""
    given = (
        request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id") or ""
    ).strip()
    ours = settings.REDRESS_OPEN311_JURISDICTION_ID
    if given and ours and given != ours:
        return error(
            fmt, 404, _("jurisdiction_id %(given)s was not found.") % {"given": given[:100]}
        )
    return None


def _method_error(request, fmt: str, allowed: tuple[str, ...]) -> HttpResponse | None:
    if request.method in allowed:
        return None
    response = error(
        fmt, 405, _("This resource does not accept %(method)s.") % {"method": request.method}
    )
    response["Allow"] = ", ".join(allowed)
    return response


# ---------------------------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------------------------


@csrf_exempt
def discovery(request, fmt: str) -> HttpResponse:
    if problem := _method_error(request, fmt, ("GET", "HEAD")):
        return problem
    changeset = "2026-01-01T00:00:00Z"
    return render(
        fmt,
        {
            "changeset": changeset,
            "contact": settings.DEFAULT_FROM_EMAIL,
            "key_service": _("Ask the organisation's complaint office for an API key."),
            "endpoints": [
                {
                    "specification": SPEC_URL,
                    "url": f"{settings.REDRESS_PUBLIC_BASE_URL}/open311/v2",
                    "changeset": changeset,
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
        root="discovery",
    )


@csrf_exempt
def service_list(request, fmt: str) -> HttpResponse:
    if problem := _method_error(request, fmt, ("GET", "HEAD")) or _jurisdiction_error(request, fmt):
        return problem
    payload = [
        {
            "service_code": category.code,
            "service_name": category.name,
            "description": str(category),
            "metadata": True,
            "type": "realtime",
            "keywords": f"{category.parent.code}, {category.code}",
            "group": category.parent.name,
        }
        for category in leaf_categories().order_by("parent__name", "name")
    ]
    return render(fmt, payload, root="services")


def _attribute_payload(attribute: dict) -> dict:
    payload = {k: (str(v) if k == "description" else v) for k, v in attribute.items()}
    if "values" in attribute:
        payload["values"] = [{"key": key, "name": str(name)} for key, name in attribute["values"]]
    return payload


@csrf_exempt
def service_definition(request, service_code: str, fmt: str) -> HttpResponse:
    if problem := _method_error(request, fmt, ("GET", "HEAD")) or _jurisdiction_error(request, fmt):
        return problem
    if not leaf_categories().filter(code=service_code).exists():
        return error(
            fmt, 404, _("service_code %(code)s was not found.") % {"code": service_code[:100]}
        )
    return render(
        fmt,
        {
            "service_code": service_code,
            "attributes": [_attribute_payload(a) for a in ATTRIBUTES],
        },
        root="service_definition",
    )


# ---------------------------------------------------------------------------------------------
# Service requests
# ---------------------------------------------------------------------------------------------


class ServiceRequestForm(forms.Form):
    """The POST arguments of the spec (api_key, service_code and attributes handled apart)."""

    lat = forms.FloatField(required=False, min_value=-90, max_value=90)
    long = forms.FloatField(required=False, min_value=-180, max_value=180)
    address_string = forms.CharField(required=False, max_length=500)
    address_id = forms.CharField(required=False, max_length=100)
    email = forms.EmailField(required=False, max_length=254)
    device_id = forms.CharField(required=False, max_length=200)
    account_id = forms.CharField(required=False, max_length=200)
    first_name = forms.CharField(required=False, max_length=60)
    last_name = forms.CharField(required=False, max_length=60)
    phone = forms.CharField(required=False, max_length=40)
    description = forms.CharField(max_length=DESCRIPTION_LIMIT)
    media_url = forms.URLField(required=False, max_length=1000, assume_scheme="https")

    def clean_phone(self) -> str:
        # The same numbers as the staff and public forms accept (answered 400 otherwise).
        return phones.clean_phone(self.cleaned_data.get("phone") or "")

    def clean(self):
        cleaned = super().clean()
        if self.has_error("lat") or self.has_error("long"):
            return cleaned  # already explained; "send them together" would only confuse
        has_point = cleaned.get("lat") is not None and cleaned.get("long") is not None
        if (cleaned.get("lat") is None) != (cleaned.get("long") is None):
            raise forms.ValidationError(_("lat and long must be sent together."))
        if not (has_point or cleaned.get("address_string") or cleaned.get("address_id")):
            raise forms.ValidationError(
                _("A location is required: lat and long, address_string or address_id.")
            )
        return cleaned


_ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")


def _attributes(post) -> tuple[dict[str, str], list[str]]:
    known = {a["code"]: a for a in ATTRIBUTES}
    values: dict[str, str] = {}
    problems: list[str] = []
    for key in post:
        match = _ATTRIBUTE_KEY.match(key)
        if not key.startswith("attribute"):
            continue
        if match is None or match.group(1) not in known:
            problems.append(_("Unknown attribute %(key)s.") % {"key": key[:100]})
            continue
        code, value = match.group(1), post.get(key, "").strip()
        spec = known[code]
        if "values" in spec and value and value not in {k for k, _n in spec["values"]}:
            problems.append(
                _("attribute[%(code)s] must be one of: %(keys)s.")
                % {"code": code, "keys": ", ".join(k for k, _n in spec["values"])}
            )
        elif len(value) > ATTRIBUTE_LIMITS.get(code, 1000):
            problems.append(_("attribute[%(code)s] is too long.") % {"code": code})
        else:
            values[code] = value
    return values, problems


def _api_key_ok(key: str) -> bool:
    return bool(key) and any(
        hmac.compare_digest(key.encode(), allowed.encode())
        for allowed in settings.REDRESS_OPEN311_API_KEYS
    )


class _Refused(Exception):
    """A create_request the spec says to refuse: the status and the error descriptions."""

    def __init__(self, status: int, *descriptions: str) -> None:
        super().__init__(*descriptions)
        self.status = status
        self.descriptions = descriptions


def _create(request, fmt: str) -> HttpResponse:
    """POST requests: check the request (the first check that fails answers: a NUL byte,
    the api_key, the service, the arguments, the Idempotency-Key), register the complaint and
    answer with its reference and tracking code.

    A retry with the same Idempotency-Key answers as the first attempt did (201, the same
    body), so a client that lost the first answer reads the same outcome from the second.
    """
    post = request.POST
    try:
        api_key = _checked_api_key(post)
        category = _requested_service(post)
        data, attributes = _checked_arguments(post)
        key = _idempotency_key(request)
    except _Refused as refused:
        return error(fmt, refused.status, *refused.descriptions)
    complaint, _created = intake_services.register_open311(
        channel=Channel.APP if data["device_id"] else Channel.WEB,
        description=_description(data),
        category=category,
        location=_location(data, attributes),
        complainant_name=" ".join(p for p in (data["first_name"], data["last_name"]) if p)[:120],
        complainant_email=data["email"],
        complainant_phone=data["phone"],
        complainant_language=request.LANGUAGE_CODE,
        request=attributes.get("request", ""),
        subject_description=attributes.get("subject", ""),
        confidential=attributes.get("confidential") == "yes",
        idempotency_key=key,
        # A key is the client's: two clients may well both send "1".
        idempotency_scope="open311:" + hashlib.sha256(api_key.encode()).hexdigest()[:16],
    )
    return render(fmt, _created_payload(complaint, data), root="service_requests", status=201)


def _checked_api_key(post) -> str:
    if any("\x00" in key or any("\x00" in v for v in post.getlist(key)) for key in post):
        raise _Refused(400, _("The request contains a NUL character."))
    api_key = post.get("api_key", "")
    if not _api_key_ok(api_key):
        raise _Refused(403, _("Invalid api_key received -- can't proceed with create_request."))
    return api_key


def _requested_service(post):
    """The active leaf category the request's ``service_code`` names."""
    service_code = post.get("service_code", "").strip()
    if not service_code:
        raise _Refused(400, _("service_code was not provided."))
    category = leaf_categories().filter(code=service_code).first()
    if category is None:
        raise _Refused(
            404, _("service_code %(code)s was not found.") % {"code": service_code[:100]}
        )
    return category


def _checked_arguments(post) -> tuple[dict, dict[str, str]]:
    """The form's cleaned data and the attributes; every problem of both in one 400."""
    form = ServiceRequestForm(post)
    attributes, problems = _attributes(post)
    if not form.is_valid() or problems:
        messages = [
            f"{name}: {message}" if name != "__all__" else message
            for name, errors in form.errors.items()
            for message in errors
        ]
        raise _Refused(400, *(messages + problems))
    return form.cleaned_data, attributes


def _idempotency_key(request) -> str:
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > 200:
        raise _Refused(400, _("The Idempotency-Key header is longer than 200 characters."))
    return key


def _description(data: dict) -> str:
    """The complainant's text, then the location and media link (the complaint has no columns
    for them; staff read them here, clients in the Open311Request row)."""
    location_lines = [
        line
        for line in (
            data["address_string"],
            f"{data['lat']}, {data['long']}" if data["lat"] is not None else "",
            data["media_url"],
        )
        if line
    ]
    return "\n\n".join([data["description"], "\n".join(location_lines)]).strip()


def _location(data: dict, attributes: dict[str, str]) -> dict:
    """The ``Open311Request`` columns."""
    return {
        "lat": data["lat"],
        "long": data["long"],
        "address_string": data["address_string"],
        "address_id": data["address_id"],
        "media_url": data["media_url"],
        "device_id": data["device_id"],
        "account_id": data["account_id"],
        "attributes": attributes,
    }


def _created_payload(complaint: Complaint, data: dict) -> list[dict]:
    notice = _(
        "Registered as %(reference)s. Tracking code %(code)s: with it the complainant can follow "
        "the complaint at %(url)s."
    ) % {
        "reference": complaint.reference,
        "code": complaint.tracking_code,
        "url": f"{settings.REDRESS_PUBLIC_BASE_URL}/track/",
    }
    return [
        {
            "service_request_id": complaint.reference,
            "service_notice": notice,
            "account_id": data["account_id"] or None,
        }
    ]


def _status_notes(complaint: Complaint) -> str:
    notes = selectors.public_status(complaint)
    reason = complaint.get_reject_reason_display() or complaint.get_withdraw_reason_display()
    if complaint.state in (State.REJECTED, State.WITHDRAWN) and reason:
        notes = f"{notes}: {reason}"
    return notes


def _request_payload(row: Open311Request) -> dict:
    complaint = row.complaint
    closed = complaint.state in CLOSED_STATUS_STATES
    finished = (
        complaint.closed_at
        or complaint.rejected_at
        or complaint.withdrawn_at
        or complaint.followed_up_at
        or complaint.resolved_at
    )
    category = complaint.category
    return {
        "service_request_id": complaint.reference,
        "status": "closed" if closed else "open",
        "status_notes": _status_notes(complaint),
        "service_name": category.name if category else None,
        "service_code": category.code if category else row.service_code,
        "description": (
            complaint.description[:DESCRIPTION_LIMIT]
            if settings.REDRESS_OPEN311_PUBLIC_DESCRIPTIONS
            else None
        ),
        "agency_responsible": complaint.department.name if complaint.department else None,
        "service_notice": None,
        "requested_datetime": _w3c(complaint.received_at),
        "updated_datetime": _w3c(finished if closed and finished else complaint.updated_at),
        "expected_datetime": _w3c(complaint.resolution_due_at),
        "address": row.address_string or None,
        "address_id": row.address_id or None,
        "zipcode": None,
        "lat": row.lat,
        "long": row.long,
        "media_url": row.media_url or None,
    }


def _rows():
    return Open311Request.objects.select_related(
        "complaint", "complaint__category", "complaint__department"
    )


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _parse_date(name: str, value: str):
    # A "+08:00" offset arrives as " 08:00" when the client did not encode the "+".
    message = _("%(name)s must be a W3C datetime with a time zone, e.g. 2010-01-01T00:00:00Z.")
    parsed = parse_datetime(value.strip().replace(" ", "+"))
    if parsed is None or timezone.is_naive(parsed):
        raise ValueError(message % {"name": name})
    try:
        # In UTC: PostgreSQL refuses offsets beyond ±15:59, which ISO 8601 allows.
        return parsed.astimezone(dt.UTC)
    except OverflowError:
        raise ValueError(message % {"name": name}) from None


def _list(request, fmt: str) -> HttpResponse:
    query = request.GET
    ids = _split(query.get("service_request_id"))
    rows = _rows()
    if ids:
        # "This overrides all other arguments."
        rows = rows.filter(complaint__reference__in=ids[:MAX_RESULTS])
    else:
        try:
            end = _parse_date("end_date", query["end_date"]) if query.get("end_date") else None
            start = (
                _parse_date("start_date", query["start_date"]) if query.get("start_date") else None
            )
        except ValueError as exc:
            return error(fmt, 400, str(exc))
        if start and end and end - start > MAX_SPAN:
            return error(fmt, 400, _("start_date and end_date may not span more than 90 days."))
        if start and end and end < start:
            return error(fmt, 400, _("end_date is before start_date."))
        try:
            end = end or (start + MAX_SPAN if start else timezone.now())
            start = start or end - MAX_SPAN
        except OverflowError:
            # 90 days past 9999-12-31 or before 0001-01-01: nothing was filed then anyway.
            return render(fmt, [], root="service_requests")
        rows = rows.filter(created_at__gte=start, created_at__lte=end)
        statuses = _split(query.get("status"))
        if set(statuses) - {"open", "closed"}:
            return error(fmt, 400, _("status must be open, closed or both."))
        if statuses == ["open"]:
            rows = rows.filter(complaint__state__in=OPEN_STATUS_STATES)
        elif statuses == ["closed"]:
            rows = rows.filter(complaint__state__in=CLOSED_STATUS_STATES)
        codes = _split(query.get("service_code"))
        if codes:
            rows = rows.filter(complaint__category__code__in=codes)
    payload = [_request_payload(row) for row in rows.order_by("-created_at", "-id")[:MAX_RESULTS]]
    return render(fmt, payload, root="service_requests")


@csrf_exempt
def requests(request, fmt: str) -> HttpResponse:
    if problem := _method_error(request, fmt, ("GET", "HEAD", "POST")) or _jurisdiction_error(
        request, fmt
    ):
        return problem
    if request.method == "POST":
        return _create(request, fmt)
    return _list(request, fmt)


@csrf_exempt
def request_detail(request, service_request_id: str, fmt: str) -> HttpResponse:
    if problem := _method_error(request, fmt, ("GET", "HEAD")) or _jurisdiction_error(request, fmt):
        return problem
    row = _rows().filter(complaint__reference=service_request_id.upper()).first()
    if row is None:
        return error(
            fmt,
            404,
            _("service_request_id %(id)s was not found.") % {"id": service_request_id[:100]},
        )
    return render(fmt, [_request_payload(row)], root="service_requests")


@csrf_exempt
def unknown(request, rest: str = "") -> HttpResponse:
    fmt = "xml" if rest.endswith(".xml") else "json"
    return error(fmt, 404, _("No such Open311 resource; the formats are .json and .xml."))
