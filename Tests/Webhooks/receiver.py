"""A webhook receiver no one at kioskd wrote the parser of: each request's signature is checked
here (HMAC-SHA256 over "<t>.<body>", as kioskd documents it), and its body is parsed and
validated by the CloudEvents SDK for Python (`cloudevents` on PyPI, structured JSON mode).
Usage: receiver.py SECRET_FILE PORT_FILE LOG_FILE FAIL_FLAG [PORT]
/events answers 200 to every valid event; /broken answers 500 while FAIL_FLAG exists. Each
request is one line in LOG_FILE: "OK <path> <id> <type> <attempt>", or "BAD <path> <why>"."""
import hashlib, hmac, json, os, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cloudevents.core.bindings.http import HTTPMessage, from_structured
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

secret_file, port_file, log_file, fail_flag = sys.argv[1:5]
port = int(sys.argv[5]) if len(sys.argv) > 5 else 0
secret = open(secret_file, "rb").read().strip()


def log(line):
    with open(log_file, "a") as f:
        f.write(line + "\n")


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        why = self.check(body)
        if why:
            log(f"BAD {self.path} {why}")
            return self.answer(400)
        if self.path == "/broken" and os.path.exists(fail_flag):
            event = json.loads(body)
            log(f"FAIL {self.path} {event['id']} {event['type']} {self.headers.get('Kioskd-Delivery-Attempt')}")
            return self.answer(500)
        event = from_structured(HTTPMessage(headers=dict(self.headers.items()), body=body), JSONFormat(), CloudEvent)
        log(f"OK {self.path} {event.get_id()} {event.get_type()} {self.headers.get('Kioskd-Delivery-Attempt')}")
        self.answer(200)

    def check(self, body):
        if not self.headers.get("Content-Type", "").startswith("application/cloudevents+json"):
            return "content-type " + self.headers.get("Content-Type", "none")
        fields = dict(p.split("=", 1) for p in self.headers.get("Kioskd-Signature", "").split(",") if "=" in p)
        if "t" not in fields or "v1" not in fields:
            return "no signature"
        if abs(time.time() - int(fields["t"])) > 300:
            return "signature timestamp too far from now"
        expected = hmac.new(secret, fields["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, fields["v1"]):
            return "signature does not match"
        try:
            event = from_structured(HTTPMessage(headers=dict(self.headers.items()), body=body), JSONFormat(), CloudEvent)
        except Exception as e:  # the SDK's own validation: required attributes, their types, the time
            return f"not a valid CloudEvent: {e!r}"
        if event.get_specversion() != "1.0" or not isinstance(event.get_data(), dict) or event.get_time() is None:
            return f"unexpected event {event.get_attributes()}"
        return None

    def answer(self, status):
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
