"""URLs of the SMS gateways' delivery reports (included by correspondence.urls)."""

urlpatterns: list = []
