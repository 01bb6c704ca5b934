"""Build the throw-away guest for the end-to-end test: a root filesystem image and an initramfs.

Stdlib only (runs with the host's python3). The root filesystem (ext4, attached read-only as
/dev/vda) holds busybox, coreutils' env and timeout, dbus-daemon, bluetoothd and bluetoothctl
with every shared library they load, the kernel modules for Bluetooth, the Python interpreter
(its stdlib only) and the two guest venvs (hrcoach's, and the tools venv with bumble) at the
same absolute paths as on the host, every module precompiled to unchecked-hash bytecode so
the guest never recompiles or checks a source. The initramfs only loads virtio and ext4 and
switches to that root.

    python3 e2e/build_image.py --build DIR --kernel-version V --venv VENV [--venv VENV...]
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
STDLIB_SKIP = {"site-packages", "test", "idlelib", "tkinter", "turtledemo", "ensurepip", "lib2to3"}
HOST_BINARIES = [
    "/usr/libexec/bluetooth/bluetoothd",
    "/usr/bin/bluetoothctl",
    "/usr/bin/dbus-daemon",
    "/usr/bin/env",  # coreutils: `env --default-signal=INT` (busybox env has no such option)
    "/usr/bin/timeout",
]
ROOT_MODULES = ["algif_skcipher", "algif_hash", "ecb", "cmac", "hci_vhci"]  # loaded by the guest init
INITRD_MODULES = ["virtio_pci", "virtio_blk", "ext4"]  # loaded by the initramfs to reach it

DBUS_CONF = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=/run/dbus/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_type="method_return"/>
    <allow send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="signal"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
  </policy>
</busconfig>
"""

# bluetoothd's defaults, except the LE supervision timeout: 6 s (the kernel's default is 420 ms),
# long enough that a strap out of range is `stale` to hrcoach before the link is declared lost
MAIN_CONF = """[General]
[LE]
ConnectionSupervisionTimeout=600
"""

INITRAMFS_INIT = """#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /newroot
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs dev /dev
echo "e2e-guest: kernel up, loading virtio and ext4"
for m in $(/bin/busybox cat /modules.list); do /bin/busybox insmod "$m" 2>/dev/null; done
i=0
while [ ! -b /dev/vda ] && [ $i -lt 300 ]; do /bin/busybox sleep 0.1; i=$((i + 1)); done
if ! /bin/busybox mount -t ext4 -o ro /dev/vda /newroot; then
  echo "e2e-guest: FATAL: cannot mount the root image /dev/vda"
  /bin/busybox ls -l /dev
  /bin/busybox reboot -f
fi
/bin/busybox umount /dev
/bin/busybox umount /proc
exec /bin/busybox switch_root /newroot /sbin/e2e-init
"""


def log(msg: str) -> None:
    print(f"build_image: {msg}", flush=True)


class Stage:
    """A directory that becomes a root filesystem: host files are copied to the same paths."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.copied: set[str] = set()

    def path(self, host_path: str | Path) -> Path:
        return self.root / str(host_path).lstrip("/")

    def mirror_top_symlinks(self) -> None:
        """Merged /usr: /bin, /lib... are symlinks on the host; the same in the guest."""
        for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
            host = Path("/") / name
            if host.is_symlink():
                self.path(host).symlink_to(os.readlink(host))
                self.path(host.resolve()).mkdir(parents=True, exist_ok=True)
            elif host.is_dir():
                self.path(host).mkdir(parents=True, exist_ok=True)

    def copy(self, host_path: str) -> None:
        """Copy one file (following and recreating symlinks on its way)."""
        if host_path in self.copied:
            return
        self.copied.add(host_path)
        parent = os.path.realpath(os.path.dirname(host_path))
        if parent != os.path.dirname(host_path):  # a symlinked folder: copy through its real path
            self.copy(os.path.join(parent, os.path.basename(host_path)))
            return
        dest = self.path(host_path)
        dest.parent.mkdir(parents=True, exist_ok=True)
        if os.path.islink(host_path):
            target = os.readlink(host_path)
            if not dest.is_symlink():
                dest.symlink_to(target)
            self.copy(os.path.normpath(os.path.join(os.path.dirname(host_path), target)))
        elif not dest.exists():
            shutil.copy2(host_path, dest)

    def copy_tree(self, host_dir: Path, skip: set[str] | None = None) -> None:
        dest = self.path(host_dir)
        dest.parent.mkdir(parents=True, exist_ok=True)
        ignore = (lambda d, names: [n for n in names if n in skip and d == str(host_dir)]) if skip else None
        shutil.copytree(host_dir, dest, symlinks=True, ignore=ignore, dirs_exist_ok=True)

    def write(self, guest_path: str, text: str, mode: int = 0o644) -> None:
        dest = self.path(guest_path)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(text)
        dest.chmod(mode)


def is_elf(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(4) == b"\x7fELF"
    except OSError:
        return False


def shared_libs(files: list[str]) -> set[str]:
    """Every shared library (absolute host path) that ldd says these ELF files load."""
    libs: set[str] = set()
    for i in range(0, len(files), 50):
        out = subprocess.run(["ldd", *files[i : i + 50]], capture_output=True, text=True).stdout
        for line in out.splitlines():
            parts = line.split()
            if "=>" in parts:
                target = parts[parts.index("=>") + 1]
                if target.startswith("/"):
                    libs.add(target)
            elif parts and parts[0].startswith("/") and not parts[0].endswith(":"):
                libs.add(parts[0])  # the dynamic loader itself
    return libs


def module_paths(kernel_version: str, names: list[str]) -> list[str]:
    """The .ko files (dependencies first) that `modprobe NAME` would insert."""
    paths: list[str] = []
    for name in names:
        out = subprocess.run(
            ["modprobe", "-S", kernel_version, "--show-depends", name],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for line in out.splitlines():
            parts = line.split()
            if parts[:1] == ["insmod"] and parts[1] not in paths:
                paths.append(parts[1])
    return paths


def python_of(venv: Path) -> tuple[str, str, str]:
    """(base prefix, real executable, 'pythonX.Y') of a venv's interpreter."""
    out = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import os, sys; print(sys.base_prefix); print(os.path.realpath(sys.executable));"
            " print(f'python{sys.version_info[0]}.{sys.version_info[1]}')",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    return out[0], out[1], out[2]


def write_cpio(path: Path, entries: list[tuple[str, int, bytes, int]]) -> None:
    """A gzipped newc cpio archive of (name, mode, data, rdev) entries; no root needed."""
    buf = bytearray()

    def add(name: str, mode: int, data: bytes, rdev: int, ino: int) -> None:
        encoded = name.encode() + b"\0"
        fields = [ino, mode, 0, 0, 1, int(time.time()), len(data), 0, 0, rdev >> 8, rdev & 0xFF]
        fields += [len(encoded), 0]
        buf.extend(b"070701" + b"".join(b"%08X" % f for f in fields) + encoded)
        buf.extend(b"\0" * (-len(buf) % 4))
        buf.extend(data)
        buf.extend(b"\0" * (-len(buf) % 4))

    for ino, (name, mode, data, rdev) in enumerate(entries, start=1):
        add(name, mode, data, rdev, ino)
    add("TRAILER!!!", 0, b"", 0, 0)
    path.write_bytes(gzip.compress(bytes(buf), compresslevel=1))


def build_initramfs(out: Path, kernel_version: str) -> None:
    modules = module_paths(kernel_version, INITRD_MODULES)
    entries: list[tuple[str, int, bytes, int]] = [
        (d, stat.S_IFDIR | 0o755, b"", 0) for d in ("bin", "dev", "proc", "sys", "newroot", "modules")
    ]
    entries.append(("dev/console", stat.S_IFCHR | 0o600, b"", (5 << 8) | 1))
    entries.append(("bin/busybox", stat.S_IFREG | 0o755, Path("/bin/busybox").read_bytes(), 0))
    entries.append(("init", stat.S_IFREG | 0o755, INITRAMFS_INIT.encode(), 0))
    listed = []
    for m in modules:
        name = "modules/" + os.path.basename(m)
        entries.append((name, stat.S_IFREG | 0o644, Path(m).read_bytes(), 0))
        listed.append("/" + name)
    entries.append(("modules.list", stat.S_IFREG | 0o644, ("\n".join(listed) + "\n").encode(), 0))
    write_cpio(out, entries)


def check_installed_sources(venv: Path, src: Path, pyver: str) -> None:
    """The guest must run the working tree's hrcoach: every source file as installed."""
    site = venv / "lib" / pyver / "site-packages" / "hrcoach"
    stale = [
        str(f.relative_to(src))
        for f in src.rglob("*")
        if f.is_file()
        and "__pycache__" not in f.parts
        and (
            not (site / f.relative_to(src)).is_file()
            or (site / f.relative_to(src)).read_bytes() != f.read_bytes()
        )
    ]
    if stale:
        sys.exit(f"build_image: the guest venv's hrcoach differs from src/hrcoach: {', '.join(stale[:5])}")


def build_root(args: argparse.Namespace, stage: Stage) -> None:
    venvs = [Path(v).resolve() for v in args.venv]
    base_prefix, executable, pyver = python_of(venvs[0])
    stage.mirror_top_symlinks()
    for d in ("proc", "sys", "dev", "tmp", "run", "var", "root", "e2e-run", "etc/e2e", "usr/local/bin"):
        stage.path(d).mkdir(parents=True, exist_ok=True)

    # the interpreter: executable, the symlinks a venv points through, its stdlib
    stage.copy(executable)
    for name in ("python3", "python", pyver):
        candidate = os.path.join(base_prefix, "bin", name)
        if os.path.lexists(candidate):
            stage.copy(candidate)
    stdlib = Path(base_prefix) / "lib" / pyver
    stage.copy_tree(stdlib, STDLIB_SKIP | {p.name for p in stdlib.glob("config-*")})
    stage.path(stdlib / "site-packages").mkdir(exist_ok=True)
    for venv in venvs:
        stage.copy_tree(venv)
    check_installed_sources(venvs[0], Path(args.src).resolve(), pyver)

    # programs from the host and busybox for everything else
    for binary in HOST_BINARIES:
        stage.copy(binary)
    stage.copy("/bin/busybox")
    applets = subprocess.run(["/bin/busybox", "--list"], capture_output=True, text=True, check=True).stdout
    for applet in applets.split():
        link = stage.path("/usr/bin") / applet
        if not os.path.lexists(link) and not os.path.lexists(stage.path("/usr/sbin") / applet):
            link.symlink_to("busybox" if stage.path("/usr/bin/busybox").exists() else "/bin/busybox")

    # every shared library of every ELF file in the guest
    elves = [str(p) for p in stage.root.rglob("*") if p.is_file() and not p.is_symlink() and is_elf(p)]
    host_elves = [e[len(str(stage.root)) :] for e in elves]
    for lib in sorted(shared_libs([e for e in host_elves if os.path.exists(e)])):
        stage.copy(lib)

    # kernel modules for Bluetooth, in load order
    mods = module_paths(args.kernel_version, ROOT_MODULES)
    for m in mods:
        stage.copy(m)
    stage.write("/etc/e2e/modules.list", "\n".join(mods) + "\n")

    # configuration
    stage.write("/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nmessagebus:x:100:101::/run/dbus:/bin/false\n")
    stage.write("/etc/group", "root:x:0:\nmessagebus:x:101:\nbluetooth:x:102:\n")
    stage.write("/etc/machine-id", "e2e0hrcoach0guest0000000000000001"[:32] + "\n")
    stage.write("/etc/hostname", "e2e-guest\n")
    stage.write("/etc/e2e/dbus.conf", DBUS_CONF)
    stage.write("/etc/bluetooth/main.conf", MAIN_CONF)
    stage.write("/etc/e2e/python", os.path.join(venvs[1], "bin", "python") + "\n" if len(venvs) > 1 else "")
    stage.write("/etc/e2e/hrcoach", os.path.join(venvs[0], "bin", "hrcoach") + "\n")
    for conf in ["/etc/ld.so.conf", *map(str, Path("/etc/ld.so.conf.d").glob("*.conf"))]:
        stage.copy(conf)
    subprocess.run(["ldconfig", "-r", str(stage.root)], check=True)

    # the test itself
    for f in sorted(HERE.glob("*.py")):
        stage.write(f"/e2e/{f.name}", f.read_text())
    stage.write("/sbin/e2e-init", (HERE / "guest_init.sh").read_text(), 0o755)

    # bytecode for everything, valid without looking at the sources
    targets = [str(stage.path(stdlib))] + [str(stage.path(v)) for v in venvs] + [str(stage.path("/e2e"))]
    subprocess.run(
        [
            executable,
            "-m",
            "compileall",
            "-q",
            "-f",
            "-j0",
            "--invalidation-mode",
            "unchecked-hash",
            "-s",
            str(stage.root),
            "-p",
            "/",
            *targets,
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def make_ext4(stage: Path, image: Path) -> None:
    files = sum(len(fs) + len(ds) for _, ds, fs in os.walk(stage))
    size = subprocess.run(["du", "-sm", str(stage)], capture_output=True, text=True, check=True).stdout
    megabytes = int(int(size.split()[0]) * 1.3) + 64
    image.unlink(missing_ok=True)
    fs = ["-t", "ext4", "-L", "e2eroot", "-N", str(files + 4096), "-d", str(stage)]
    subprocess.run(
        ["mke2fs", "-q", "-F", *fs, str(image), f"{megabytes}M"],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", required=True, help="folder for the staging tree and the images")
    p.add_argument("--kernel-version", required=True)
    p.add_argument("--src", required=True, help="src/hrcoach of the working tree (checked against the venv)")
    p.add_argument("--venv", action="append", required=True, help="hrcoach venv first, then the tools venv")
    args = p.parse_args()
    build = Path(args.build)
    stage_dir = build / "rootfs"
    if stage_dir.exists():
        shutil.rmtree(stage_dir)
    stage_dir.mkdir(parents=True)
    t0 = time.monotonic()
    build_root(args, Stage(stage_dir))
    make_ext4(stage_dir, build / "root.img")
    build_initramfs(build / "initrd.gz", args.kernel_version)
    shutil.rmtree(stage_dir)
    mb = (build / "root.img").stat().st_size // 2**20
    log(f"root.img ({mb} MB) and initrd.gz ready in {time.monotonic() - t0:.0f} s")


if __name__ == "__main__":
    main()
