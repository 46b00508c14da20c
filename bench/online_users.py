"""The respondents of the online load benchmark (a locustfile, run by bench/bench_online.py in a process of its own).

Each task is one new respondent on its own phone: an empty cookie jar and a
network address of its own (X-Forwarded-For; the server trusts one proxy).
It opens the unit's link (GET: the form, its CSRF token, its signed stamp and
a device cookie), answers every indicator, and submits (POST with the cookies
it was given). A submission is accepted when the server redirects to the
thank-you page; the counts are written to BENCH_ONLINE_RESULT at the end, so
that bench_online.py can compare them with the rows in the database. This
process never touches the database.
"""

import itertools
import json
import os
import random
import re

import gevent
from locust import HttpUser, constant, events, task

CONFIG = json.loads(open(os.environ["BENCH_ONLINE_CONFIG"], encoding="utf-8").read())  # noqa: SIM115
HIDDEN = re.compile(r'name="(csrfmiddlewaretoken|stamp)" value="([^"]+)"')
COUNTS = {"sent": 0, "accepted": 0, "refused": 0, "failed": 0}  # sent: POSTs begun
_respondents = itertools.count(1)


class Respondent(HttpUser):
    wait_time = constant(0)  # the next respondent comes as soon as this one has submitted

    @task
    def answer(self) -> None:
        n = next(_respondents)
        token = random.choice(CONFIG["tokens"])
        url = f"{CONFIG['prefix']}{token}/"
        # A new connection per request, as phones make: a kept-alive one that the server closes as the next
        # request leaves fails without telling whether the answer was taken.
        headers = {"X-Forwarded-For": f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}", "User-Agent": "bench-online",
                   "Connection": "close"}  # fmt: skip
        self.client.cookies.clear()  # a new phone: the cookies are sent by hand (they are Secure, this is plain HTTP)
        with self.client.get(url, name="form", headers=headers, catch_response=True) as page:
            fields = dict(HIDDEN.findall(page.text))
            if page.status_code != 200 or len(fields) != 2:
                page.failure(f"HTTP {page.status_code} {page.error or ''}, form fields {sorted(fields)}")
                COUNTS["failed"] += 1
                return
        if CONFIG["answer_seconds"]:  # reading and answering the six questions
            gevent.sleep(random.uniform(0.5, 1.5) * CONFIG["answer_seconds"])
        cookies = "; ".join(f"{name}={value}" for name, value in page.cookies.items())
        data = {**fields, "respondent_type": "parent", "opinion": ""}
        data.update({f"i{i}": random.choice(CONFIG["options"]) for i in CONFIG["indicators"]})
        COUNTS["sent"] += 1
        with self.client.post(url, data=data, name="submit", headers={**headers, "Cookie": cookies},
                              allow_redirects=False, catch_response=True) as sent:  # fmt: skip
            if sent.status_code == 302 and sent.headers.get("Location", "").endswith(f"{token}/thanks/"):
                COUNTS["accepted"] += 1
            else:
                COUNTS["refused" if sent.status_code in (403, 409, 429) else "failed"] += 1
                sent.failure(f"HTTP {sent.status_code} {sent.error or ''}")


@events.quitting.add_listener
def _write_counts(environment, **kwargs) -> None:
    with open(os.environ["BENCH_ONLINE_RESULT"], "w", encoding="utf-8") as handle:
        json.dump(COUNTS, handle)
