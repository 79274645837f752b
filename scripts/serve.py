#!/usr/bin/env python3
"""Serves Wayfinder's static site (www/) on 127.0.0.1 only, as `make demo` and the browser
tests use it: correct MIME types (the browser compiles .wasm only when it is sent as
application/wasm), the site's Content-Security-Policy on every response, and nothing but GET
and HEAD. With --port 0 the system picks a free port; the first line printed names the URL.
Each request is logged to stderr as `METHOD PATH STATUS`, so a test can audit what the
browser asked for.
"""

import argparse
import http.server
import os
import sys
import urllib.parse
from functools import partial
from pathlib import Path

# The same policy as the <meta http-equiv> in every page: the site's own origin and nothing
# else. 'wasm-unsafe-eval' lets the worker compile WebAssembly; no inline script or style.
CSP = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; "
    "worker-src 'self'; img-src 'self' data:; style-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'none'"
)

# Who may frame a page, sent as a header (a <meta> policy cannot carry frame-ancestors):
# the widget's frame on any host page (it holds nothing a host can read, docs/embed.md),
# every other page of the site on none.
FRAMEABLE = ("embed/frame.html",)


def policy(path, base="/", csp=CSP):
    """The site's policy for a request path, with its frame-ancestors directive."""
    rel = urllib.parse.urlsplit(path).path[len(base) :] if path.startswith(base) else ""
    ancestors = "*" if rel in FRAMEABLE else "'none'"
    return f"{csp}; frame-ancestors {ancestors}"


TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".wasm": "application/wasm",
    ".onnx": "application/octet-stream",
    ".safetensors": "application/octet-stream",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/plain; charset=utf-8",
    ".ts": "text/plain; charset=utf-8",
}


class Handler(http.server.SimpleHTTPRequestHandler):
    base = "/"
    host_dir = None
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **TYPES}

    csp = CSP
    # Another site's pages (--csp): their own policy as given, no frame-ancestors added.
    own_policy = True

    def end_headers(self):
        csp = policy(self.path, self.base, self.csp) if self.own_policy else self.csp
        self.send_header("Content-Security-Policy", csp)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        # Revalidate every time: the service worker, not the HTTP cache, keeps the offline copy.
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def translate_path(self, path):
        """The site under `base`; with a host folder, every other path from that folder (a
        host page beside the planner on one origin, as the service worker's tests need);
        without one, nothing else exists."""
        clean = urllib.parse.urlsplit(path).path
        if clean.startswith(self.base):
            return super().translate_path("/" + path[len(self.base) :])
        if clean == self.base.rstrip("/"):
            return self.directory  # a folder: answered with a redirect to its slash form
        if self.host_dir is None:
            return os.path.join(self.directory, ".not-served")
        site, self.directory = self.directory, self.host_dir
        try:
            return super().translate_path(path)
        finally:
            self.directory = site

    def _refuse(self):
        self.send_error(405, "this server only serves static files")

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse

    def log_request(self, code="-", size="-"):
        sys.stderr.write(f"{self.command} {self.path} {code}\n")
        sys.stderr.flush()

    def log_message(self, format, *args):
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8080, help="port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--dir", default=str(Path(__file__).resolve().parent.parent / "www"), help="folder to serve")
    parser.add_argument("--base", default="/", help="URL path to serve the folder under, such as /planner/")
    parser.add_argument("--host-dir", help="folder served at every other path (a host site beside the planner)")
    parser.add_argument("--csp", help="the Content-Security-Policy header (default: the planner's)")
    args = parser.parse_args()
    root = Path(args.dir)
    if not (root / "index.html").is_file():
        sys.exit(f"serve: {root}/index.html not found")
    base = "/" + args.base.strip("/") + "/" if args.base.strip("/") else "/"
    handler = type(
        "SiteHandler",
        (Handler,),
        {
            "base": base,
            "host_dir": args.host_dir and str(Path(args.host_dir)),
            "csp": args.csp or CSP,
            "own_policy": args.csp is None,
        },
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), partial(handler, directory=str(root)))
    print(f"serving {root} on http://127.0.0.1:{server.server_address[1]}{base} (Ctrl-C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
