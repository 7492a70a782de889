"""Temporary device exceptions at the collector (issue 4): POST /api/v1/exceptions signs a response
code with the policy key, mamorictl exception grant asks for it or signs offline with the key file.
The agent's side (challenge, verification, expiry) runs on a real kernel in tests/e2e/usb."""

import unittest

from mamori_testkit.harness import MamoriTestCase, mamorictl

CHALLENGE = "3f2a91c0-46f40001-9b1c22de"


class ExceptionTest(MamoriTestCase):
    def setUp(self):
        super().setUp()
        self.coll = self.collector()
        self.api = self.coll.api()

    def test_collector_signs_the_response_offline_signing_agrees(self):
        status, body = self.api.json("POST", "/api/v1/exceptions", {"challenge": CHALLENGE, "minutes": 30})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["challenge"], CHALLENGE)
        self.assertEqual(body["minutes"], 30)
        self.assertTrue(body["response"].startswith(CHALLENGE + ".30."))
        # Ed25519 is deterministic: the key file on the collector host gives the same code.
        _, offline, _ = mamorictl("exception", "grant", "--challenge", CHALLENGE, "--minutes", "30",
                                  "--key-file", self.coll.policy_key_file, check=0)
        self.assertEqual(offline.strip(), body["response"])
        # The grammar every mamorictl command shares: --name=value too.
        _, spelled, _ = mamorictl("exception", "grant", f"--challenge={CHALLENGE}", "--minutes=30",
                                  f"--key-file={self.coll.policy_key_file}", check=0)
        self.assertEqual(spelled.strip(), body["response"])
        _, online, _ = self.coll.ctl("exception", "grant", "--challenge", CHALLENGE, "--minutes", "30", check=0)
        self.assertEqual(online.strip(), body["response"])

    def test_bad_requests_are_refused_with_where(self):
        status, _ = self.api.json("POST", "/api/v1/exceptions", {"challenge": CHALLENGE, "minutes": 30}, token="")
        self.assertEqual(status, 401)
        for body, where in [({"challenge": "nope", "minutes": 30}, "/challenge"),
                            ({"challenge": CHALLENGE, "minutes": 0}, "/minutes"),
                            ({"challenge": CHALLENGE, "minutes": 10081}, "/minutes"),
                            ({"challenge": CHALLENGE, "minutes": "30"}, "/minutes"),
                            ({"minutes": 30}, "/challenge")]:
            status, answer = self.api.json("POST", "/api/v1/exceptions", body)
            self.assertEqual(status, 400, body)
            self.assertEqual(answer["where"], where, body)
        code, _, err = self.coll.ctl("exception", "grant", "--challenge", "nope", "--minutes", "30")
        self.assertEqual(code, 2, err)
        code, _, err = mamorictl("exception", "grant", f"--challenge={CHALLENGE}", "--minutes=0",
                                 f"--key-file={self.coll.policy_key_file}")
        self.assertEqual(code, 2, err)
        self.assertIn("exception: --minutes: expects a whole number from 1 to 10080", err)
        code, _, err = self.coll.ctl("agents", "--json=yes")
        self.assertEqual((code, err), (2, "mamorictl: agents: --json: takes no value\nTry 'mamorictl agents --help'.\n"))
        code, _, err = self.coll.ctl("inspections", "--bogus")
        self.assertEqual((code, err), (2, "mamorictl: inspections: --bogus: unknown option (see --help)\n"
                                          "Try 'mamorictl inspections --help'.\n"))


if __name__ == "__main__":
    unittest.main()
