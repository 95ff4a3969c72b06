"""URLs of the public satisfaction survey page (included by correspondence.urls)."""

urlpatterns: list = []
