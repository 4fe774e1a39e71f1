#!/usr/bin/env python3
"""A stand-in for the Hugging Face Hub, serving a local folder with the Hub's URL layout.

  GET /api/models/OWNER/REPO/tree/main?recursive=true   file listing (size, lfs.oid = sha256)
  GET /OWNER/REPO/resolve/main/PATH                     file bytes, honouring Range requests

Options: --token T requires "Authorization: Bearer T"; --flaky makes the first download of each
file stop half-way (the connection is closed), to exercise resuming; --corrupt NAME lists a wrong
sha256 for files named NAME; --evil-path P adds an entry whose path is P (a traversal the client
must refuse); --evil-digest NAME lists a digest that is a path (../../x) for files named NAME. Prints the port it listens on, then serves until killed. Every request
is logged to stderr as "METHOD PATH RANGE".
"""
import argparse, hashlib, http.server, json, os, sys, urllib.parse

parser = argparse.ArgumentParser()
parser.add_argument("root")
parser.add_argument("--token")
parser.add_argument("--flaky", action="store_true")
parser.add_argument("--corrupt", action="append", default=[])
parser.add_argument("--evil-path", action="append", default=[])
parser.add_argument("--evil-digest", action="append", default=[])
args = parser.parse_args()
served_once = set()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def fail(self, status, message):
        body = json.dumps({"error": message}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        sys.stderr.write("GET %s %s\n" % (self.path, self.headers.get("Range", "-")))
        sys.stderr.flush()
        if args.token and self.headers.get("Authorization") != "Bearer " + args.token:
            return self.fail(401, "Invalid credentials in Authorization header")
        url = urllib.parse.urlparse(self.path)
        parts = [urllib.parse.unquote(p) for p in url.path.split("/") if p]
        if len(parts) >= 6 and parts[:2] == ["api", "models"] and parts[4:6] == ["tree", "main"]:
            return self.listing(parts[2], parts[3])
        if len(parts) >= 5 and parts[2:4] == ["resolve", "main"]:
            return self.file(parts[0], parts[1], "/".join(parts[4:]))
        self.fail(404, "not found")

    def repo_dir(self, owner, repo):
        path = os.path.join(args.root, owner, repo)
        return path if os.path.isdir(path) else None

    def listing(self, owner, repo):
        base = self.repo_dir(owner, repo)
        if base is None:
            return self.fail(404, "Repository not found")
        entries = []
        for folder, _, files in os.walk(base):
            for name in sorted(files):
                full = os.path.join(folder, name)
                rel = os.path.relpath(full, base)
                data = open(full, "rb").read()
                sha = hashlib.sha256(data).hexdigest()
                if name in args.corrupt:
                    sha = "0" * 64
                if name in args.evil_digest:
                    sha = "../../../" + sha[:40]
                entry = {"type": "file", "path": rel, "size": len(data), "oid": hashlib.sha1(data).hexdigest()}
                if not name.endswith(".json"):
                    entry["lfs"] = {"oid": sha, "size": len(data), "pointerSize": 134}
                entries.append(entry)
        for path in args.evil_path:
            entries.append({"type": "file", "path": path, "size": 4, "oid": "0" * 40,
                            "lfs": {"oid": "0" * 64, "size": 4, "pointerSize": 134}})
        body = json.dumps(entries).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def file(self, owner, repo, rel):
        base = self.repo_dir(owner, repo)
        full = os.path.normpath(os.path.join(base or "/nonexistent", rel))
        if base is None or not full.startswith(base) or not os.path.isfile(full):
            return self.fail(404, "Entry not found")
        data = open(full, "rb").read()
        start = 0
        status = 200
        requested = self.headers.get("Range")
        if requested and requested.startswith("bytes=") and requested.endswith("-"):
            start = int(requested[6:-1])
            if start >= len(data):
                return self.fail(416, "Range Not Satisfiable")
            status = 206
        body = data[start:]
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        if status == 206:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        if args.flaky and full not in served_once and len(body) > 1:
            served_once.add(full)
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self.wfile.write(body)


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
