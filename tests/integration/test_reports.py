"""The fleet report through a real collector over TLS (docs/admin.md "Reports"): agents in two groups
report events dated last week and the week before; `mamorictl report` writes the HTML and CSV with
the right counts for the fleet and for one group; the collector's weekly writer puts last week's
reports in its folder by itself, `mamorictl report list` and `get` find them; a console viewer may
take a report; every report taken is in the audit trail; hostile agent text stays inert."""

import csv
import datetime
import http.client
import io
import json
import os
import ssl
import subprocess
import unittest

from mamori_testkit.harness import MamoriTestCase, binary, uuid7, wait_until

DAY = datetime.timedelta(days=1)
PASSWORD = "correct horse battery"


def last_monday_utc(now):
    """Monday 00:00 UTC of last week (the weekly report's first day at --report-utc-offset 0)."""
    today = datetime.datetime(now.year, now.month, now.day, tzinfo=datetime.timezone.utc)
    return today - datetime.timedelta(days=today.weekday() + 7)


def iso(when):
    return when.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def sections(text):
    """CSV rows by their first cell (the section)."""
    self_check = text.startswith("\ufeff")
    rows = {}
    for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))):
        if row:
            rows.setdefault(row[0], []).append(row[1:])
    return self_check, rows


class ReportsTest(MamoriTestCase):
    def enroll(self, collector, host):
        agent_id = uuid7()
        status, body = collector.api().json("POST", "/api/v1/enroll", {
            "enroll_secret": collector.read_secret("enroll.secret"), "agent_id": agent_id, "host": host, "os": "test",
            "agent_version": "0"}, token="")
        self.assertEqual(status, 200, body)
        return agent_id, body["node_key"]

    def post(self, collector, agent_id, node_key, host, user, events):
        batch = [{"id": uuid7(int(when.timestamp() * 1000)), "type": kind, "time": iso(when), "severity": severity,
                  "agent_id": agent_id, "host": host, "user": user, "details": details}
                 for when, kind, severity, details in events]
        status, body = collector.api().json("POST", "/api/v1/events", {"events": batch}, token=node_key)
        self.assertEqual((status, body.get("accepted")), (200, len(batch)), body)

    def test_reports_for_the_fleet_and_a_group_on_demand_and_weekly(self):
        reports_dir = os.path.join(self.workdir, "reports")
        collector = self.collector(extra=["--reports-dir", reports_dir, "--report-utc-offset", "0"])
        api = collector.api()
        monday = last_monday_utc(datetime.datetime.now(datetime.timezone.utc))
        fin_id, fin_key = self.enroll(collector, "pc-finance")
        eng_id, eng_key = self.enroll(collector, "pc-invoice\u202efdp.exe")
        status, body = api.json("PUT", f"/api/v1/agents/{fin_id}/group", {"group": "finance"})
        self.assertEqual(status, 200, body)
        stick = {"usb.vendor_id": "0781", "usb.product_id": "5581", "usb.manufacturer": "SanDisk",
                 "usb.product": "<script>alert(1)</script>"}
        self.post(collector, fin_id, fin_key, "pc-finance", "山田", [
            (monday + DAY + datetime.timedelta(hours=h), "device.blocked", "medium", stick) for h in range(3)] + [
            (monday - 3 * DAY, "device.blocked", "medium", stick)])  # the week before
        self.post(collector, eng_id, eng_key, "pc-invoice\u202efdp.exe", "sato", [
            (monday + 2 * DAY, "p2p.exec_denied", "high",
             {"process.executable": "/home/sato/bin/ctorrent", "user.name": "sato"}),
            (monday + 2 * DAY + datetime.timedelta(minutes=1), "incident.opened", "high",
             {"incident.id": uuid7(), "incident.score": 42, "user.name": "sato"})])

        # The whole fleet, last week, as CSV.
        out_csv = os.path.join(self.workdir, "fleet.csv")
        code, out, err = collector.ctl("report", "--format", "csv", "--utc-offset", "0", "-o", out_csv)
        self.assertEqual(code, 0, err)
        with open(out_csv, encoding="utf-8") as f:
            bom, rows = sections(f.read())
        self.assertTrue(bom, "a byte-order mark for Excel")
        facts = dict((r[0], r[1]) for r in rows["report"] if len(r) >= 2)
        self.assertEqual((facts["agents"], facts["events"], facts["events_previous"]), ("2", "5", "1"), facts)
        self.assertEqual(facts["since"], monday.strftime("%Y-%m-%d 00:00:00"))
        by_type = {r[0]: r[1:] for r in rows["events_by_type"][1:]}
        self.assertEqual(by_type["device.blocked"], ["medium", "3", "1"])
        self.assertEqual(by_type["p2p.exec_denied"], ["high", "1", "0"])
        days = rows["events_per_day"][1:]
        self.assertEqual(len(days), 7)
        self.assertEqual(days[1], [(monday + DAY).strftime("%Y-%m-%d"), "0", "0", "3", "0", "0"])
        self.assertEqual(rows["device_blocks"][1][:4],
                         ["pc-finance", "山田", "USB 0781:5581 SanDisk <script>alert(1)</script>", "3"])
        self.assertEqual(rows["p2p_stops"][1][2], "/home/sato/bin/ctorrent (refused before it ran)")
        self.assertEqual(rows["incidents"][1][4], "open")

        # One group, as HTML: only its PC; hostile text inert and visible.
        out_html = os.path.join(self.workdir, "finance.html")
        code, out, err = collector.ctl("report", "--group", "finance", "--since", monday.strftime("%Y-%m-%d"),
                                       "--utc-offset", "0", "-o", out_html)
        self.assertEqual(code, 0, err)
        with open(out_html, encoding="utf-8") as f:
            page = f.read()
        self.assertIn("mamori fleet report: group finance", page)
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;", page)
        self.assertNotIn("<script", page)
        self.assertNotIn("ctorrent", page)  # the other group's PC
        self.assertIn("<svg", page)
        code, out, err = collector.ctl("report", "--format", "csv", "--utc-offset", "0", "-o", out_csv)
        with open(out_csv, encoding="utf-8") as f:
            text = f.read()
        self.assertIn("pc-invoice\u202efdp.exe", text, "CSV keeps the exact value; the HTML shows it visibly")
        code, out, err = collector.ctl("report", "--utc-offset", "0", "-o", out_html)
        with open(out_html, encoding="utf-8") as f:
            page = f.read()
        self.assertIn("pc-invoice&lt;U+202E&gt;fdp.exe", page)
        self.assertNotIn("\u202e", page)

        # Usage errors are exit 2 with a message; a refused query names its field.
        code, out, err = collector.ctl("report", "--format", "pdf", "-o", out_csv)
        self.assertEqual(code, 2, out + err)
        code, out, err = collector.ctl("report", "--since", "2026-12-01", "--until", "2026-11-01", "-o", out_csv)
        self.assertEqual(code, 1, out + err)
        self.assertIn("since", err)

        # The weekly writer: last week's reports for the fleet and each group appear by themselves.
        expected = {f"mamori-report-{g}-{monday:%Y-%m-%d}.{x}" for g in ("all", "default", "finance")
                    for x in ("html", "csv")}
        wait_until(lambda: expected <= set(os.listdir(reports_dir)) if os.path.isdir(reports_dir) else False, 60,
                   "the weekly reports to be written")
        code, out, err = collector.ctl("report", "list")
        self.assertEqual(code, 0, err)
        for name in expected:
            self.assertIn(name, out)
        fetched = os.path.join(self.workdir, "weekly.csv")
        code, out, err = collector.ctl("report", "get", f"mamori-report-finance-{monday:%Y-%m-%d}.csv", "-o", fetched)
        self.assertEqual(code, 0, err)
        with open(fetched, encoding="utf-8") as f:
            _, weekly = sections(f.read())
        self.assertEqual(dict((r[0], r[1]) for r in weekly["report"] if len(r) >= 2)["events"], "3")
        code, out, err = collector.ctl("report", "get", "../collector.db")
        self.assertEqual(code, 2, out + err)
        status, _ = api.request("GET", "/api/v1/reports/..%2Fcollector.db")
        self.assertEqual(status, 404)
        code, out, err = collector.ctl("report", "get", "mamori-report-all-2000-01-03.csv", "-o", fetched)
        self.assertEqual(code, 1, out + err)
        self.assertIn("no such report", err)

        # A console viewer may take a report; every report taken is an audit record.
        add = subprocess.run([binary("mamori-collector"), "user", "add", "ops", "--role", "viewer", "--db",
                              "sqlite:" + os.path.join(collector.state_dir, "collector.db")],
                             input=PASSWORD + "\n", capture_output=True, text=True, timeout=60)
        self.assertEqual(add.returncode, 0, add.stderr)
        conn = http.client.HTTPSConnection("127.0.0.1", collector.port,
                                           context=ssl.create_default_context(cafile=collector.ca_file), timeout=30)
        conn.request("POST", "/api/v1/session", body=json.dumps({"user": "ops", "password": PASSWORD}),
                     headers={"Content-Type": "application/json"})
        signed_in = conn.getresponse()
        signed_in.read()
        self.assertEqual(signed_in.status, 200)
        cookie = (signed_in.getheader("Set-Cookie") or "").split(";")[0]
        conn.close()
        status, data = api.request("GET", "/api/v1/report?format=csv&group=finance", headers={"Cookie": cookie},
                                   token="")
        self.assertEqual(status, 200, data)
        self.assertTrue(data.startswith("\ufeff".encode()), data[:40])
        status, records = api.json("GET", "/api/v1/audit?limit=1000")
        self.assertEqual(status, 200, records)
        taken = [(r["action"], r["actor"], r["result"]) for r in records["records"] if r["action"].startswith("report.")]
        self.assertEqual([t for t in taken if t[0] == "report.export" and t[2] == "ok"],
                         [("report.export", "admin-token", "ok")] * 4 + [("report.export", "ops", "ok")], taken)
        self.assertIn(("report.read", "admin-token", "ok"), taken)
        self.assertIn(("report.read", "admin-token", "refused"), taken)  # the week that has no report


if __name__ == "__main__":
    unittest.main()
