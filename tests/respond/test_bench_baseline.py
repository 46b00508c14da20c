"""The baseline view of bench/bench_online.py exists only on the benchmark's own server."""

import pytest
from django.urls import NoReverseMatch, reverse

pytestmark = pytest.mark.django_db


def test_the_benchmarks_baseline_view_is_not_mounted_unless_the_benchmark_asks(client, link, settings):
    assert settings.MANYI_BENCH_BASELINE is False
    with pytest.raises(NoReverseMatch):
        reverse("bench_baseline", args=[link.token])
    assert client.get(f"/bench/s/{link.token}/").status_code == 404
