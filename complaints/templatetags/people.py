"""``{{ user|display_name }}``: the one way templates name a person (complaints.people)."""

from django import template

from complaints.people import display_name as _display_name

register = template.Library()


@register.filter
def display_name(user) -> str:
    return _display_name(user)
