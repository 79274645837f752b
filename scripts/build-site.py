#!/usr/bin/env python3
"""Builds the deployable planner (`make site`): one folder of real files (no links) that any
static host serves as it is, at the root of a domain or under a sub-path such as /planner/.

It copies the site (www/), the browser module (pkg/), the bundle and, when the bundle was
embedded with it, the model; checks every bundle file and the model against the bundle's
manifest; writes the service worker with the list of the app's files and their sha256 (so the
offline copy's version is derived from the content, never bumped by hand); writes a `_headers`
file for hosts that read one (Netlify, Cloudflare Pages); and prints the bytes a first visit
downloads.
"""

import argparse
import gzip
import hashlib
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from serve import CSP, FRAMEABLE  # noqa: E402  (one policy for the test server and deployed sites)

# The browser module's files the site loads (pkg/ holds the package's types and docs too).
MODULE = ["wayfinder.js", "worker.js", "wasm-file.js", "wayfinder_wasm.js", "wayfinder_embed.js", "wayfinder_wasm_bg.wasm"]
# The two builds of the embedder module; a browser downloads the one it runs (pkg/wasm-file.js).
WASM = ["wayfinder_embed_bg.wasm", "wayfinder_embed_relaxed_bg.wasm"]
MODEL = ["model.onnx", "tokenizer.json"]
# Files of www/ that are not part of the site: its docs, and the generated parts' local links.
SKIP = {"README.md", "pkg", "model", "bundle", "sw.js"}
# Marks a folder this script wrote, so that it never deletes anything else.
MARK = ".wayfinder-site"
SW_PLACEHOLDER = "const BUILD = null; // written by scripts/build-site.py"


class SiteError(Exception):
    pass


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fresh_dir(out):
    if out.exists():
        if any(out.iterdir()) and not (out / MARK).exists():
            raise SiteError(f"{out} exists and was not written by make site; remove it or choose another --out")
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / MARK).write_text("written by scripts/build-site.py; make site replaces this folder\n")


def copy_site(www, out):
    for path in sorted(www.rglob("*")):
        rel = path.relative_to(www)
        if rel.parts[0] in SKIP or path.is_dir():
            continue
        if path.is_symlink():
            raise SiteError(f"www/{rel} is a link; the site must be real files")
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, out / rel)


def copy_checked(src, dest, expected, what):
    if not src.is_file():
        raise SiteError(f"{src}: {what} not found")
    if expected is not None and sha256(src) != expected:
        raise SiteError(f"{src}: sha256 does not match the bundle manifest ({what})")
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)


def copy_parts(args, out):
    for name in MODULE + WASM:
        copy_checked(args.pkg / name, out / "pkg" / name, None, "the browser module (make wasm)")
    manifest_path = args.bundle / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text())
        files = manifest["files"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise SiteError(f"{manifest_path}: not a bundle manifest ({e})") from e
    for name, entry in files.items():
        if "/" in name or name.startswith("."):
            raise SiteError(f"{manifest_path}: file name {name!r} is not a plain file name")
        copy_checked(args.bundle / name, out / "bundle" / name, entry.get("sha256"), f"bundle file {name}")
    shutil.copyfile(manifest_path, out / "bundle" / "manifest.json")
    embedder = manifest.get("embedder")
    if embedder:
        for name, field in zip(MODEL, ["model_sha256", "tokenizer_sha256"]):
            copy_checked(args.model / name, out / "model" / name, embedder.get(field), "the model (make model)")
    return manifest


def precache_list(out):
    """Every file of the app with its sha256, the service worker's own file and the host-side
    example aside."""
    files = {}
    for path in sorted(out.rglob("*")):
        rel = path.relative_to(out).as_posix()
        if path.is_dir() or rel in ("sw.js", "_headers", MARK) or rel.startswith("embed/example"):
            continue
        files[rel] = sha256(path)
    return files


def write_service_worker(www, out, files):
    source = (www / "sw.js").read_text()
    if source.count(SW_PLACEHOLDER) != 1:
        raise SiteError(f"{www}/sw.js: the line {SW_PLACEHOLDER!r} must appear once")
    version = hashlib.sha256("\n".join(f"{p} {h}" for p, h in files.items()).encode()).hexdigest()[:16]
    build = {"version": version, "files": files, "wasm": [f"pkg/{w}" for w in WASM]}
    (out / "sw.js").write_text(source.replace(SW_PLACEHOLDER, f"const BUILD = {json.dumps(build, indent=1)};"))
    return version


def write_headers(out, base):
    """Netlify's and Cloudflare Pages' `_headers`: the policy on every file, the types a
    static host may not know, and revalidation for the files that name the current version."""
    # A host joins the policies of every rule a path matches, and a browser enforces each:
    # every file gets the site's policy, and each page but the widget's frame a second one
    # that forbids framing it (serve.py's `policy`, FRAMEABLE).
    pages = ("", "index.html", "embed/example.html")
    lines = [
        f"{base}*",
        f"  Content-Security-Policy: {CSP}",
        "  X-Content-Type-Options: nosniff",
        "  Referrer-Policy: no-referrer",
        f"{base}*.wasm",
        "  Content-Type: application/wasm",
        f"{base}*.webmanifest",
        "  Content-Type: application/manifest+json",
    ]
    for path in ("sw.js", "index.html", "", "bundle/manifest.json"):
        lines += [f"{base}{path}", "  Cache-Control: no-cache"]
    for path in pages:
        lines += [f"{base}{path}", "  Content-Security-Policy: frame-ancestors 'none'"]
    for path in FRAMEABLE:
        lines += [f"{base}{path}", "  Content-Security-Policy: frame-ancestors *"]
    (out / "_headers").write_text("\n".join(lines) + "\n")


def first_visit_bytes(out, files):
    """What a first visit downloads: every precached file but the embedder build this browser
    does not run (the larger, relaxed one counted), raw and gzipped as a host compresses it."""
    raw = gz = 0
    for rel in files:
        if rel == f"pkg/{WASM[0]}":
            continue
        data = (out / rel).read_bytes()
        raw += len(data)
        gz += len(gzip.compress(data, 6)) if not rel.endswith((".png",)) else len(data)
    return raw, gz


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    parser.add_argument("--bundle", type=Path, required=True, help="bundle folder (wayfinder build --out)")
    parser.add_argument("--www", type=Path, default=ROOT / "www")
    parser.add_argument("--pkg", type=Path, default=ROOT / "pkg")
    parser.add_argument("--model", type=Path, default=ROOT / "model")
    parser.add_argument("--base", default="/", help="the URL path the site is served under, for _headers (default /)")
    args = parser.parse_args()
    base = "/" + args.base.strip("/") + "/" if args.base.strip("/") else "/"
    try:
        fresh_dir(args.out)
        copy_site(args.www, args.out)
        manifest = copy_parts(args, args.out)
        files = precache_list(args.out)
        version = write_service_worker(args.www, args.out, files)
        write_headers(args.out, base)
    except SiteError as e:
        sys.exit(f"make site: {e}")
    raw, gz = first_visit_bytes(args.out, files)
    model = "with the model" if manifest.get("embedder") else "no model"
    print(f"site: {args.out} ({len(files)} files, version {version}, {manifest['counts']['courses']} courses, {model})")
    print(f"site: a first visit downloads {raw / 1e6:.1f} MB ({gz / 1e6:.1f} MB compressed by the host)")


if __name__ == "__main__":
    main()
