"""Building the benchmark binaries (and this tree's kvssink) with meson."""
from __future__ import annotations

import os
import subprocess


def _configured(build_dir: str) -> bool:
    return os.path.isfile(os.path.join(build_dir, "build.ninja"))


def choose_build_dir(root: str, requested: str | None, quick: bool) -> str:
    """--build-dir if given; else build-bench (release). --quick reuses
    ./build when build-bench does not exist yet (CI has just built it), as
    it measures nothing that needs a release build."""
    if requested:
        return os.path.abspath(requested)
    bench = os.path.join(root, "build-bench")
    plain = os.path.join(root, "build")
    if quick and not _configured(bench) and _configured(plain):
        return plain
    return bench


def build(root: str, build_dir: str, log) -> str:
    """Configures (release, tests off) if needed and compiles. Returns the
    build type."""
    if not _configured(build_dir):
        log(f"bench: configuring {build_dir} (release)")
        subprocess.run(["meson", "setup", "--buildtype=release", "-Dtests=disabled",
                        "-Dbench=enabled", build_dir, root], check=True,
                       stdout=subprocess.DEVNULL)
    log(f"bench: building in {build_dir}")
    proc = subprocess.run(["meson", "compile", "-C", build_dir],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0:
        raise RuntimeError("build failed:\n" + "\n".join(proc.stdout.splitlines()[-30:]))
    for target in ("bench/kvssink-bench-push", "gst/libgstkvssink.so"):
        if not os.path.exists(os.path.join(build_dir, target)):
            raise RuntimeError(f"{build_dir}/{target} was not built "
                               "(is the 'bench' feature disabled there?)")
    return buildtype(build_dir)


def buildtype(build_dir: str) -> str:
    try:
        out = subprocess.run(["meson", "introspect", "--buildoptions", build_dir],
                             capture_output=True, text=True, check=True).stdout
        import json
        for opt in json.loads(out):
            if opt["name"] == "buildtype":
                return opt["value"]
    except (subprocess.CalledProcessError, ValueError):
        pass
    return "unknown"
