"""The users of the load benchmark (a locustfile, run by bench/bench_load.py in a process of its own).

One district in the last week of a round: clerks entering questionnaires,
leaders reading the ranking and unit pages, staff importing files and
leaders exporting the ranking workbook. Everything they need (sessions, CSRF
secrets, ids) is prepared by bench_load.py and read from the JSON file named
by BENCH_LOAD_CONFIG; this process never touches the database.
"""

import csv
import io
import itertools
import json
import os
import random
import re
import time

from locust import HttpUser, between, task

CONFIG = json.loads(open(os.environ["BENCH_LOAD_CONFIG"], encoding="utf-8").read())  # noqa: SIM115
POLL_SECONDS = 1.0  # as the pages poll (htmx every 1s)
JOB_WAIT_SECONDS = 600
LABELS = ["满意", "基本满意", "不满意", "不了解"]
_next_account = {kind: itertools.count() for kind in ("clerks", "leaders", "importers", "reporters")}


class ManyiUser(HttpUser):
    abstract = True
    accounts = ""

    def on_start(self) -> None:
        n = next(_next_account[self.accounts])
        self.number = n
        account = CONFIG[self.accounts][n % len(CONFIG[self.accounts])]
        self.csrf = account["csrf"]
        # The Cookie header is written by hand: the server's cookies are Secure (DEBUG=0) and this is plain HTTP.
        self.cookie = {"Cookie": f"sessionid={account['session']}; csrftoken={account['csrf']}"}
        self.round = CONFIG["round"]

    def get(self, url: str, name: str, **headers):
        return self._checked("GET", url, name, None, None, headers, expect=200)

    def post(self, url: str, name: str, data: dict, files: dict | None = None, expect: int = 302, **headers):
        data = {**data, "csrfmiddlewaretoken": self.csrf}
        return self._checked("POST", url, name, data, files, headers, expect=expect)

    def _checked(self, method: str, url: str, name: str, data, files, headers: dict, expect: int):
        """A request that fails unless it got the expected status (never a redirect to the sign-in page)."""
        with self.client.request(method, url, name=name, data=data, files=files, headers={**self.cookie, **headers},
                                 allow_redirects=False, catch_response=True) as response:  # fmt: skip
            if response.status_code != expect or "/login/" in response.headers.get("Location", ""):
                response.failure(f"HTTP {response.status_code} {response.headers.get('Location', '')}")
        return response


class Clerk(ManyiUser):
    """Enters paper questionnaires one by one: the form, then the save (a redirect to a blank form)."""

    fixed_count = CONFIG["counts"]["clerks"]
    accounts = "clerks"
    wait_time = between(2, 5)

    def on_start(self) -> None:
        super().on_start()
        self.saved = itertools.count()

    @task
    def enter(self) -> None:
        url = f"/rounds/{self.round}/enter/"
        self.get(url, "entry: form")
        data = {
            "unit": random.choice(CONFIG["schools"])["id"], "respondent_type": "parent", "channel": "paper",
            "date": CONFIG["today"], "number": f"L{CONFIG['run']}-{self.number}-{next(self.saved)}",
        }  # fmt: skip
        data.update({f"answer_{i}": random.choices((1, 2, 3, 4), (70, 20, 5, 5))[0] for i in CONFIG["indicators"]})
        self.post(url, "entry: save", data)


class Leader(ManyiUser):
    """Reads the district's ranking of schools and the page of one school."""

    fixed_count = CONFIG["counts"]["leaders"]
    accounts = "leaders"
    wait_time = between(3, 8)

    @task(2)
    def ranking(self) -> None:
        self.get(f"/rounds/{self.round}/ranking/?scope={CONFIG['district']}&level=school", "ranking")

    @task(1)
    def unit(self) -> None:
        school = random.choice(CONFIG["schools"])["code"]
        self.get(f"/rounds/{self.round}/ranking/units/{school}/", "unit page")


class Importer(ManyiUser):
    """Uploads a file of questionnaires, follows its progress as the page does, then the next file."""

    fixed_count = CONFIG["counts"]["importers"]
    accounts = "importers"
    wait_time = between(5, 10)

    def on_start(self) -> None:
        super().on_start()
        self.files = itertools.count()

    def _file(self) -> bytes:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CONFIG["import_header"])
        prefix = f"I{CONFIG['run']}-{self.number}-{next(self.files)}"
        for i in range(CONFIG["import_rows"]):
            answers = random.choices(LABELS, (70, 20, 5, 5), k=6)
            school = random.choice(CONFIG["schools"])["code"]
            writer.writerow([f"{prefix}-{i}", school, "家长", "电话", CONFIG["today"], "", *answers])
        return buffer.getvalue().encode()

    @task
    def upload(self) -> None:
        files = {"file": ("questionnaires.csv", self._file(), "text/csv")}
        response = self.post(f"/imports/round/{self.round}/", "import: upload", {"kind": "questionnaires"}, files)
        job = re.search(r"/imports/job/(\d+)/", response.headers.get("Location", ""))
        if job is None:
            return
        deadline = time.monotonic() + JOB_WAIT_SECONDS
        while time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
            progress = self.get(f"/imports/job/{job[1]}/progress/", "import: progress", **{"HX-Request": "true"})
            if progress.headers.get("HX-Refresh") == "true" or progress.status_code != 200:
                break


class Reporter(ManyiUser):
    """Asks for the district's ranking workbook, waits for it as the page does, downloads it."""

    fixed_count = CONFIG["counts"]["reporters"]
    accounts = "reporters"
    wait_time = between(5, 10)

    @task
    def export(self) -> None:
        data = {"scope": CONFIG["district"], "level": "school"}
        response = self.post(
            f"/rounds/{self.round}/ranking/export/", "report: request", data, expect=200, **{"HX-Request": "true"}
        )
        job = re.search(r'id="report-job-(\d+)"', response.text)
        if job is None:
            return
        deadline = time.monotonic() + JOB_WAIT_SECONDS
        while time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
            status = self.get(f"/reports/{job[1]}/", "report: status", **{"HX-Request": "true"})
            if "/download/" in status.text:
                self.get(f"/reports/{job[1]}/download/", "report: download")
                break
            if status.status_code != 200 or "hx-get" not in status.text:
                break
