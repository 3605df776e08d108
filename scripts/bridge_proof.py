"""Proof of the LLM bridge with the real component: LiteLLM's proxy, run with the config.yaml
napgen renders, translates Anthropic /v1/messages (streaming and not) and Responses API
/v1/responses requests into Chat Completions calls to an upstream, and refuses clients without
the master key.

Run by scripts/bridge-proof, which installs the pinned, hash-checked litellm[proxy] first.

The upstream is a small fake Chat Completions server on 127.0.0.1 that records every request.
napgen's URL validation refuses loopback upstreams (inside a pod, loopback is the pod itself), so
the bundle is rendered with values/bridge.env's upstream (https://llm.example.com/v1), the script
checks that every model's api_base is exactly that value, and then rewrites only that field to
the fake server. Everything else in config.yaml is used as rendered; the secrets come from the
rendered Secret and reach LiteLLM as the environment variables the Deployment names.
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

import yaml

ANSWER = "Hello from the fake upstream."
TIMEOUT = 60  # seconds for one request through the proxy


class Upstream(http.server.ThreadingHTTPServer):
    """A fake OpenAI Chat Completions server that records what it receives."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.requests: list[dict] = []
        self.lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


class Handler(http.server.BaseHTTPRequestHandler):
    server: Upstream

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {"unparsable": raw.decode("utf-8", "replace")}
        with self.server.lock:
            self.server.requests.append(
                {"path": self.path, "authorization": self.headers.get("Authorization"), "body": body}
            )
        if self.path.rstrip("/") != "/v1/chat/completions":
            self.send_response(404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"error":{"message":"only /v1/chat/completions is served here"}}')
            return
        model = body.get("model", "")
        created = int(time.time())
        if body.get("stream"):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            words = ANSWER.split(" ")
            chunks = [{"role": "assistant", "content": ""}] + [
                {"content": w if i == 0 else " " + w} for i, w in enumerate(words)
            ]
            for i, delta in enumerate(chunks):
                chunk = {
                    "id": "chatcmpl-fake",
                    "object": "chat.completion.chunk",
                    "created": created,
                    "model": model,
                    "choices": [{"index": 0, "delta": delta, "finish_reason": None}],
                }
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            last = {
                "id": "chatcmpl-fake",
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 5, "completion_tokens": len(words), "total_tokens": 5 + len(words)},
            }
            self.wfile.write(f"data: {json.dumps(last)}\n\n".encode())
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
            return
        answer = {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": created,
            "model": model,
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": ANSWER}, "finish_reason": "stop"}
            ],
            "usage": {"prompt_tokens": 5, "completion_tokens": 5, "total_tokens": 10},
        }
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(url: str, body: dict, headers: dict) -> tuple[int, bytes]:
    req = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json", **headers}
    )
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def sse_events(raw: bytes) -> list[tuple[str | None, dict]]:
    """(event name, data) of each server-sent event with JSON data."""
    events = []
    for block in raw.decode().split("\n\n"):
        name, data = None, []
        for line in block.splitlines():
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())
        text = "\n".join(data)
        if text and text != "[DONE]":
            events.append((name, json.loads(text)))
    return events


class Proof:
    def __init__(self) -> None:
        self.failures: list[str] = []
        self.timings: list[tuple[str, float]] = []

    def check(self, ok: bool, what: str) -> None:
        print(("ok   " if ok else "FAIL ") + what, flush=True)
        if not ok:
            self.failures.append(what)


def render(napgen: str, values: str, sets: list[str]) -> list[dict]:
    cmd = [napgen, "render", "-f", values]
    for s in sets:
        cmd += ["--set", s]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=60).stdout
    return [d for d in yaml.safe_load_all(out) if d]


def find(objects: list[dict], kind: str, name: str) -> dict:
    for o in objects:
        if o.get("kind") == kind and o["metadata"]["name"] == name:
            return o
    raise SystemExit(f"bridge-proof: the bundle has no {kind} {name}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--napgen", required=True)
    ap.add_argument("--values", required=True)
    ap.add_argument("--litellm", required=True, help="the litellm executable of the venv")
    args = ap.parse_args()
    proof = Proof()

    upstream_key = "sk-upstream-" + secrets.token_hex(16)
    master_key = "sk-" + secrets.token_hex(32)
    t0 = time.monotonic()
    objects = render(
        args.napgen,
        args.values,
        [f"BRIDGE_UPSTREAM_API_KEY={upstream_key}", f"BRIDGE_MASTER_KEY={master_key}"],
    )
    proof.timings.append(("napgen render", time.monotonic() - t0))
    config_map = find(objects, "ConfigMap", "nap-llm-bridge-config")
    deployment = find(objects, "Deployment", "nap-llm-bridge")
    secret = find(objects, "Secret", "nap-secrets")
    config_text = config_map["data"]["config.yaml"]
    proof.check(
        upstream_key not in config_text and master_key not in config_text,
        "the ConfigMap's config.yaml holds no secret",
    )
    config = yaml.safe_load(config_text)
    rendered_upstream = "https://llm.example.com/v1"
    mapping = {m["model_name"]: m["litellm_params"]["model"] for m in config["model_list"]}
    proof.check(
        all(m["litellm_params"]["api_base"] == rendered_upstream for m in config["model_list"]),
        f"every model's api_base is the rendered BRIDGE_UPSTREAM_URL ({rendered_upstream})",
    )

    upstream = Upstream()
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    for m in config["model_list"]:
        # The only change to the rendered config: loopback upstreams are refused by napgen.
        m["litellm_params"]["api_base"] = upstream.base_url

    container = deployment["spec"]["template"]["spec"]["containers"][0]
    env = {"PATH": os.environ["PATH"]}
    for var in container["env"]:
        if "value" in var:
            env[var["name"]] = var["value"]
        elif "secretKeyRef" in var.get("valueFrom", {}):
            ref = var["valueFrom"]["secretKeyRef"]
            env[var["name"]] = secret["stringData"][ref["key"]]
    proof.check(
        env.get("BRIDGE_UPSTREAM_API_KEY") == upstream_key and env.get("BRIDGE_MASTER_KEY") == master_key,
        "the Deployment gives LiteLLM the upstream and master keys from the Secret",
    )
    with tempfile.TemporaryDirectory(prefix="bridge-proof-") as scratch:
        # The pod's writable places are on its /tmp emptyDir; here they go to a scratch folder.
        for name, value in env.items():
            if value == "/tmp" or value.startswith("/tmp/"):
                env[name] = scratch + value[len("/tmp"):]
        config_path = os.path.join(scratch, "config.yaml")
        with open(config_path, "w") as f:
            yaml.safe_dump(config, f)
        port = free_port()
        cli = list(container["args"])
        cli[cli.index("--config") + 1] = config_path
        cli[cli.index("--port") + 1] = str(port)
        log_path = os.path.join(scratch, "litellm.log")
        log = open(log_path, "w")
        t0 = time.monotonic()
        proc = subprocess.Popen(
            [args.litellm, *cli, "--host", "127.0.0.1"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            ready = False
            while time.monotonic() - t0 < 180 and proc.poll() is None:
                try:
                    with urllib.request.urlopen(base + "/health/liveliness", timeout=2) as r:
                        ready = r.status == 200
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    pass
                if ready:
                    break
                time.sleep(0.5)
            proof.timings.append(("litellm start-up", time.monotonic() - t0))
            proof.check(ready, "LiteLLM answers /health/liveliness")
            if not ready:
                log.flush()
                print(open(log_path).read()[-4000:], file=sys.stderr)
                return 1
            run_requests(proof, base, upstream, mapping, upstream_key, master_key)
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            log.close()
            upstream.shutdown()
            if proof.failures:
                print("--- litellm log (tail)", file=sys.stderr)
                print(open(log_path).read()[-4000:], file=sys.stderr)
    for what, seconds in proof.timings:
        print(f"time {what}: {seconds:.2f}s")
    if proof.failures:
        print(f"bridge-proof: {len(proof.failures)} check(s) failed", file=sys.stderr)
        return 1
    print("bridge-proof: all checks passed")
    return 0


def run_requests(proof, base, upstream, mapping, upstream_key, master_key) -> None:
    def upstream_saw(before: int, agent_model: str, stream: bool) -> None:
        new = upstream.requests[before:]
        want = mapping[agent_model].split("/", 1)[1]
        proof.check(
            len(new) >= 1
            and all(r["path"] == "/v1/chat/completions" for r in new)
            and all(r["body"].get("model") == want for r in new)
            and all(r["authorization"] == f"Bearer {upstream_key}" for r in new)
            and all(bool(r["body"].get("stream")) == stream for r in new),
            f"  the upstream got Chat Completions for {want!r} (mapped from {agent_model!r}), "
            f"stream={stream}, with the upstream key",
        )

    anthropic = {"x-api-key": master_key, "anthropic-version": "2023-06-01"}
    message = {
        "model": "claude-sonnet-4-5",
        "max_tokens": 64,
        "messages": [{"role": "user", "content": "Say hello."}],
    }

    before = len(upstream.requests)
    t0 = time.monotonic()
    status, raw = post(base + "/v1/messages", message, anthropic)
    proof.timings.append(("/v1/messages", time.monotonic() - t0))
    body = json.loads(raw) if status == 200 else {}
    text = "".join(c.get("text", "") for c in body.get("content", []) if c.get("type") == "text")
    proof.check(
        status == 200 and body.get("type") == "message" and body.get("role") == "assistant" and text == ANSWER,
        f"/v1/messages answers in Anthropic format (status {status}: {raw[:200]!r})",
    )
    upstream_saw(before, "claude-sonnet-4-5", False)

    before = len(upstream.requests)
    t0 = time.monotonic()
    status, raw = post(base + "/v1/messages", {**message, "stream": True}, anthropic)
    proof.timings.append(("/v1/messages stream", time.monotonic() - t0))
    events = sse_events(raw) if status == 200 else []
    kinds = [e.get("type") for _, e in events]
    streamed = "".join(
        e["delta"].get("text", "") for _, e in events if e.get("type") == "content_block_delta"
    )
    proof.check(
        status == 200
        and kinds[:1] == ["message_start"]
        and "content_block_delta" in kinds
        and kinds[-1:] == ["message_stop"]
        and streamed == ANSWER,
        f"/v1/messages streams Anthropic events message_start … message_stop (got {kinds[:3]}…{kinds[-2:]}, text {streamed!r})",
    )
    upstream_saw(before, "claude-sonnet-4-5", True)

    before = len(upstream.requests)
    t0 = time.monotonic()
    status, raw = post(
        base + "/v1/responses",
        {"model": "gpt-5-codex", "input": "Say hello."},
        {"Authorization": f"Bearer {master_key}"},
    )
    proof.timings.append(("/v1/responses", time.monotonic() - t0))
    body = json.loads(raw) if status == 200 else {}
    out_text = "".join(
        c.get("text", "")
        for item in body.get("output", [])
        if item.get("type") == "message"
        for c in item.get("content", [])
        if c.get("type") == "output_text"
    )
    proof.check(
        status == 200 and body.get("object") == "response" and out_text == ANSWER,
        f"/v1/responses answers in Responses format (status {status}: {raw[:200]!r})",
    )
    upstream_saw(before, "gpt-5-codex", False)

    before = len(upstream.requests)
    status, raw = post(base + "/v1/messages", message, {"anthropic-version": "2023-06-01"})
    proof.check(status in (401, 403), f"a request without a key is refused (status {status})")
    # Without a database LiteLLM knows only the master key; any other key is refused with
    # 400 "No connected db." (it cannot look virtual keys up), never passed on.
    status, raw = post(
        base + "/v1/messages",
        message,
        {"x-api-key": "sk-" + secrets.token_hex(32), "anthropic-version": "2023-06-01"},
    )
    proof.check(
        status in (400, 401, 403) and b'"error"' in raw,
        f"a request with a wrong key is refused (status {status}: {raw[:120]!r})",
    )
    status, raw = post(base + "/v1/responses", {"model": "gpt-5-codex", "input": "x"}, {})
    proof.check(status in (401, 403), f"/v1/responses without a key is refused (status {status})")
    proof.check(len(upstream.requests) == before, "refused requests never reach the upstream")


if __name__ == "__main__":
    sys.exit(main())
