"""REST API reference data: the departments, categories and root causes a client needs to
fill in a complaint or a resolution."""

from __future__ import annotations

from typing import Any

from django.db.models import F
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response

from complaints.api import serializers as s
from complaints.api.errors import error_responses
from complaints.models import Category, Department, RootCause


class DepartmentListView(generics.ListAPIView):
    serializer_class = s.DepartmentSerializer
    pagination_class = None
    filter_backends: list = []
    queryset = Department.objects.order_by("name", "id")

    @extend_schema(
        operation_id="departments_list",
        tags=["reference data"],
        summary=_("Departments"),
        responses={200: s.DepartmentSerializer(many=True), **error_responses(401)},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class CategoryListView(generics.ListAPIView):
    serializer_class = s.CategorySerializer
    pagination_class = None
    filter_backends: list = []
    queryset = Category.objects.select_related("parent").order_by("parent__name", "name", "id")

    @extend_schema(
        operation_id="categories_list",
        tags=["reference data"],
        summary=_("Categories (two levels)"),
        responses={200: s.CategorySerializer(many=True), **error_responses(401)},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class RootCauseListView(generics.ListAPIView):
    """The root-cause catalogue in use: active causes, top-level and finer, with their parent.
    A handler chooses a finer one at resolution (``cause`` of the resolve action)."""

    serializer_class = s.RootCauseSerializer
    pagination_class = None
    filter_backends: list = []
    queryset = (
        RootCause.objects.filter(active=True)
        .select_related("parent")
        .order_by(F("parent__code").asc(nulls_first=True), "code", "id")
    )

    @extend_schema(
        operation_id="root_causes_list",
        tags=["reference data"],
        summary=_("Root causes (two levels, active ones)"),
        responses={200: s.RootCauseSerializer(many=True), **error_responses(401)},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
