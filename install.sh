#!/bin/sh
# Install tend, the process supervisor: one self-contained binary for Linux x86_64 or aarch64,
# glibc or musl. POSIX sh (dash, busybox ash, bash).
#
#   curl -fsSL https://github.com/tend-sh/tend/releases/latest/download/install.sh | sh
#   curl -fsSL .../install.sh | sudo sh -s -- --service systemd
#
# `sh install.sh --help` lists the options. Every download is checked against the release's
# SHA256SUMS, whose signature is checked with tend's release key when minisign or OpenSSL 3 is
# here; a mismatch installs nothing. Files are written to temporary names next to
# their destination and renamed into place; a failure part-way puts back what was there.

set -eu

# Run as `curl … | sh`, the script itself arrives on stdin: every command that might read
# stdin gets </dev/null so it cannot swallow the rest of the script.

RELEASES="https://github.com/tend-sh/tend/releases"
MARKER="# Installed by tend install.sh; \`install.sh --uninstall\` removes it."
CONFIG_PATH="/etc/tend/tend.toml"
# tend's release key (minisign format; also in README.md). SHA256SUMS.minisig is checked with it.
RELEASE_KEY="RWTlm8ES8sluXQvkSsSpn/WjRKg+CQOd9IyEfp8/n80YSFFVP702xoLh"

VERSION=""
BIN_DIR=""
PREFIX=""
ROOT=""
SERVICE=""
UNINSTALL=0
ARCH_OPT=""
LIBC_OPT=""
REQUIRE_SIGNATURE=0

# State for cleanup: temporary files, and files moved into place (for rollback).
TMP_FILES=""
TMP_DIR=""
COMMITTED=""
DONE=0
NL='
'

say() { printf '%s\n' "$*"; }
warn() { printf 'tend install: warning: %s\n' "$*" >&2; }
die() {
	printf 'tend install: error: %s\n' "$*" >&2
	exit 1
}

usage() {
	cat <<'EOF'
Install tend (a process supervisor) for this Linux system: x86_64 or aarch64, glibc or musl.

usage: install.sh [options]            (or: curl -fsSL URL/install.sh | sh -s -- [options])

  --version V        install release V (e.g. 0.1.0) instead of the latest
  --bin-dir DIR      where the binary goes (default /usr/local/bin as root, else ~/.local/bin)
  --prefix DIR       same as --bin-dir DIR/bin
  --root DIR         install into DIR as if it were / (a staging root or an image); nothing
                     outside DIR is touched and no service is enabled with the host's tools
  --service TYPE     also install a boot service (systemd, openrc or sysv) running
                     `tend daemon -c /etc/tend/tend.toml`, and a commented starter config
                     when none exists (an existing config is never overwritten)
  --uninstall        remove the binary and any service this script installed (keeps
                     /etc/tend and the logs)
  --arch ARCH        x86_64 or aarch64 instead of `uname -m` (the binary is then not test-run)
  --libc LIBC        glibc or musl instead of detecting it (likewise)
  --require-signature  refuse to install unless SHA256SUMS's signature is checked (needs
                     minisign or OpenSSL 3; without this flag an unchecked one is a warning)
  -h, --help         this text

Environment:
  TEND_DOWNLOAD_URL  a folder holding the release files and SHA256SUMS (http(s)://, file://
                     or a local path), used instead of https://github.com/tend-sh/tend/releases
  TEND_PUBLIC_KEY    the minisign public key SHA256SUMS.minisig is checked with, instead of
                     tend's release key (for builds you sign yourself)

The smallest file it can unpack is fetched (.xz with xz, .gz with gzip, else the plain
binary); what it downloads and what it installs are both verified against SHA256SUMS, and
SHA256SUMS against its signature. On any failure nothing is left installed.
EOF
}

# ---- cleanup and rollback ---------------------------------------------------------------

add_tmp() { TMP_FILES="$TMP_FILES$1$NL"; }

# shellcheck disable=SC2317 # called from the EXIT trap
rollback() {
	[ -n "$COMMITTED" ] || return 0
	warn "putting back what was there before"
	old_ifs=$IFS
	IFS=$NL
	for entry in $COMMITTED; do
		dest=${entry%%|*}
		backup=${entry#*|}
		if [ -n "$backup" ]; then
			mv -f "$backup" "$dest" 2>/dev/null || warn "could not restore $dest from $backup"
		else
			rm -f "$dest"
		fi
	done
	IFS=$old_ifs
	COMMITTED=""
}

# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() {
	status=$?
	trap - EXIT INT TERM HUP
	if [ "$DONE" -ne 1 ]; then rollback; fi
	old_ifs=$IFS
	IFS=$NL
	for f in $TMP_FILES; do rm -f "$f"; done
	IFS=$old_ifs
	if [ -n "$TMP_DIR" ]; then rm -rf "$TMP_DIR"; fi
	exit "$status"
}

trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# Move a staged file over its destination atomically, keeping a hard link to the old one so
# a later failure can put it back.
commit() {
	tmp=$1
	dest=$2
	backup=""
	if [ -e "$dest" ] || [ -L "$dest" ]; then
		backup="$dest.tend-old.$$"
		ln -f "$dest" "$backup" 2>/dev/null || cp -p "$dest" "$backup" || die "cannot keep a copy of $dest"
		add_tmp "$backup"
	fi
	mv -f "$tmp" "$dest" || die "cannot move $tmp to $dest"
	COMMITTED="$COMMITTED$dest|$backup$NL"
}

# ---- options ----------------------------------------------------------------------------

need_value() {
	if [ $# -lt 2 ] || [ -z "$2" ]; then die "$1 needs a value (see --help)"; fi
}

while [ $# -gt 0 ]; do
	case $1 in
	--version) need_value "$@"; VERSION=$2; shift 2 ;;
	--version=*) VERSION=${1#*=}; shift ;;
	--bin-dir) need_value "$@"; BIN_DIR=$2; shift 2 ;;
	--bin-dir=*) BIN_DIR=${1#*=}; shift ;;
	--prefix) need_value "$@"; PREFIX=$2; shift 2 ;;
	--prefix=*) PREFIX=${1#*=}; shift ;;
	--root) need_value "$@"; ROOT=$2; shift 2 ;;
	--root=*) ROOT=${1#*=}; shift ;;
	--service) need_value "$@"; SERVICE=$2; shift 2 ;;
	--service=*) SERVICE=${1#*=}; shift ;;
	--arch) need_value "$@"; ARCH_OPT=$2; shift 2 ;;
	--arch=*) ARCH_OPT=${1#*=}; shift ;;
	--libc) need_value "$@"; LIBC_OPT=$2; shift 2 ;;
	--libc=*) LIBC_OPT=${1#*=}; shift ;;
	--uninstall) UNINSTALL=1; shift ;;
	--require-signature) REQUIRE_SIGNATURE=1; shift ;;
	-h | --help) usage; DONE=1; exit 0 ;;
	*) die "unknown option: $1 (see --help)" ;;
	esac
done

VERSION=${VERSION#v}
case $SERVICE in
"" | systemd | openrc | sysv) ;;
*) die "--service must be systemd, openrc or sysv, not '$SERVICE'" ;;
esac

IS_ROOT=0
if [ "$(id -u)" = 0 ]; then IS_ROOT=1; fi

if [ -n "$ROOT" ]; then
	[ -d "$ROOT" ] || die "--root $ROOT: no such directory"
	ROOT=$(cd "$ROOT" && pwd) || die "--root $ROOT: cannot enter it"
	[ "$ROOT" != / ] || ROOT=""
fi

if [ -n "$BIN_DIR" ]; then
	:
elif [ -n "$PREFIX" ]; then
	BIN_DIR="${PREFIX%/}/bin"
elif [ "$IS_ROOT" = 1 ] || [ -n "$ROOT" ]; then
	BIN_DIR=/usr/local/bin
else
	[ -n "${HOME:-}" ] || die "HOME is not set: pass --bin-dir DIR"
	BIN_DIR="$HOME/.local/bin"
fi
case $BIN_DIR in
/*) ;;
*) BIN_DIR="$(pwd)/$BIN_DIR" ;;
esac
BIN_DIR=${BIN_DIR%/}
BIN="$BIN_DIR/tend"            # the path on the installed system
DEST_BIN="$ROOT$BIN"           # where this script writes it

case $BIN_DIR in
*[!A-Za-z0-9_./+-]*) [ -z "$SERVICE" ] || die "--service needs a bin dir without spaces or special characters (it goes into the service file): $BIN_DIR" ;;
esac
if [ -n "$SERVICE" ] && [ "$IS_ROOT" != 1 ] && [ -z "$ROOT" ]; then
	die "--service writes to /etc and needs root: run it with sudo (curl ... | sudo sh -s -- --service $SERVICE), or stage into a directory with --root DIR"
fi

# A directory we may write into: create it if needed, then check.
writable_dir() {
	if [ ! -d "$1" ]; then
		mkdir -p "$1" 2>/dev/null || no_permission "$1"
	fi
	[ -w "$1" ] || no_permission "$1"
}

no_permission() {
	if [ "$IS_ROOT" = 1 ]; then
		die "cannot write to $1 (read-only file system?)"
	fi
	die "cannot write to $1: permission denied. Run as root (curl ... | sudo sh), or choose a directory you own with --bin-dir DIR (e.g. --bin-dir \$HOME/.local/bin)"
}

# ---- uninstall --------------------------------------------------------------------------

ours() { [ -f "$1" ] && grep -q "Installed by tend install.sh" "$1" 2>/dev/null; }
on_systemd() { [ -z "$ROOT" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; }

uninstall() {
	removed=0
	unit="$ROOT/etc/systemd/system/tend.service"
	if ours "$unit"; then
		if on_systemd; then
			systemctl disable --now tend.service </dev/null >/dev/null 2>&1 || warn "systemctl disable --now tend failed"
		fi
		rm -f "$ROOT/etc/systemd/system/multi-user.target.wants/tend.service" "$unit"
		if on_systemd; then systemctl daemon-reload </dev/null >/dev/null 2>&1 || true; fi
		say "removed $unit"
		removed=1
	fi
	init="$ROOT/etc/init.d/tend"
	if ours "$init"; then
		if [ -z "$ROOT" ]; then
			"$init" stop </dev/null >/dev/null 2>&1 || true
			if command -v rc-update >/dev/null 2>&1; then rc-update del tend default </dev/null >/dev/null 2>&1 || true; fi
			if command -v update-rc.d >/dev/null 2>&1; then update-rc.d -f tend remove </dev/null >/dev/null 2>&1 || true; fi
			if command -v chkconfig >/dev/null 2>&1; then chkconfig --del tend </dev/null >/dev/null 2>&1 || true; fi
		fi
		for link in "$ROOT"/etc/runlevels/*/tend "$ROOT"/etc/rc[0-6S].d/[SK][0-9][0-9]tend; do
			if [ -L "$link" ]; then rm -f "$link"; fi
		done
		rm -f "$init"
		say "removed $init"
		removed=1
	fi
	if [ -f "$DEST_BIN" ] || [ -L "$DEST_BIN" ]; then
		[ -w "$(dirname "$DEST_BIN")" ] || no_permission "$(dirname "$DEST_BIN")"
		rm -f "$DEST_BIN"
		say "removed $DEST_BIN"
		removed=1
	fi
	if [ "$removed" = 0 ]; then
		say "tend is not installed in $DEST_BIN and no service installed by this script was found; nothing to do"
	elif [ -d "$ROOT/etc/tend" ]; then
		say "kept $ROOT/etc/tend (your config) and the logs in /var/log/tend; remove them yourself if you no longer need them"
	fi
}

if [ "$UNINSTALL" = 1 ]; then
	uninstall
	DONE=1
	exit 0
fi

# ---- platform ---------------------------------------------------------------------------

NATIVE=1
os=$(uname -s 2>/dev/null || echo unknown)
if [ "$os" != Linux ]; then
	die "tend runs on Linux only, and this system is $os. Nothing was installed"
fi

machine=${ARCH_OPT:-$(uname -m)}
[ -z "$ARCH_OPT" ] || NATIVE=0
case $machine in
x86_64 | amd64 | x64) ARCH=x64 ;;
aarch64 | arm64) ARCH=arm64 ;;
*) die "unsupported architecture: $machine. tend is built for x86_64 and aarch64 (64-bit ARM) only. Nothing was installed" ;;
esac

detect_libc() {
	if command -v getconf >/dev/null 2>&1 && getconf GNU_LIBC_VERSION >/dev/null 2>&1; then
		echo glibc
		return
	fi
	if command -v ldd >/dev/null 2>&1; then
		case $(ldd --version 2>&1 || true) in
		*musl*) echo musl; return ;;
		*GLIBC* | *"GNU libc"* | *"GNU C Library"*) echo glibc; return ;;
		esac
	fi
	if [ "$ARCH" = x64 ]; then glibc_ld=/lib64/ld-linux-x86-64.so.2 musl_ld=/lib/ld-musl-x86_64.so.1; else glibc_ld=/lib/ld-linux-aarch64.so.1 musl_ld=/lib/ld-musl-aarch64.so.1; fi
	if [ -e "$glibc_ld" ]; then
		echo glibc
	elif [ -e "$musl_ld" ]; then
		echo musl
	else
		echo unknown
	fi
}

if [ -n "$LIBC_OPT" ]; then
	LIBC=$LIBC_OPT
	NATIVE=0
else
	LIBC=$(detect_libc)
fi
case $LIBC in
glibc | gnu) LIBC=glibc; SUFFIX="" ;;
musl) SUFFIX="-musl" ;;
unknown) die "cannot tell whether this system's C library is glibc or musl (tend needs one of them; it is not a static binary). Pass --libc glibc or --libc musl" ;;
*) die "--libc must be glibc or musl, not '$LIBC'" ;;
esac

TARGET="linux-$ARCH$SUFFIX"
ASSET="tend-$TARGET"

if [ "$NATIVE" = 1 ] && [ "$LIBC" = musl ]; then
	found=0
	for d in /usr/lib /lib /usr/local/lib; do
		if [ -e "$d/libstdc++.so.6" ]; then found=1; fi
	done
	[ "$found" = 1 ] || die "the musl build of tend needs libstdc++ and libgcc: install them first (Alpine: apk add libstdc++ libgcc). Nothing was installed"
fi

# ---- tools ------------------------------------------------------------------------------

if [ -n "${TEND_DOWNLOAD_URL:-}" ]; then
	BASE=${TEND_DOWNLOAD_URL%/}
elif [ -n "$VERSION" ]; then
	BASE="$RELEASES/download/v$VERSION"
else
	BASE="$RELEASES/latest/download"
fi

DOWNLOADER=""
case $BASE in
http://* | https://*)
	if command -v curl >/dev/null 2>&1; then
		DOWNLOADER=curl
	elif command -v wget >/dev/null 2>&1; then
		DOWNLOADER=wget
	else
		die "neither curl nor wget is installed: install one (apt-get install curl, apk add curl), or download $ASSET and SHA256SUMS from $BASE yourself and run this script with TEND_DOWNLOAD_URL=/path/to/that/folder"
	fi
	;;
esac

if command -v sha256sum >/dev/null 2>&1; then
	SHA_TOOL=sha256sum
elif command -v shasum >/dev/null 2>&1; then
	SHA_TOOL=shasum
elif command -v openssl >/dev/null 2>&1; then
	SHA_TOOL=openssl
else
	die "no SHA-256 tool (sha256sum, shasum or openssl) to verify the download with; install coreutils or busybox"
fi

sha256_of() {
	case $SHA_TOOL in
	sha256sum) sha256sum "$1" | cut -d ' ' -f 1 ;;
	shasum) shasum -a 256 "$1" | cut -d ' ' -f 1 ;;
	openssl) openssl dgst -sha256 -r "$1" | cut -d ' ' -f 1 ;;
	esac
}

download() {
	url=$1
	out=$2
	case $url in
	file://*) cp "${url#file://}" "$out" 2>/dev/null ;;
	/*) cp "$url" "$out" 2>/dev/null ;;
	*)
		if [ "$DOWNLOADER" = curl ]; then
			curl -fsSL --retry 2 -o "$out" "$url" </dev/null
		else
			wget -q -O "$out" "$url" </dev/null
		fi
		;;
	esac
}

# ---- signature --------------------------------------------------------------------------

openssl_b64d() { openssl base64 -d -A; }
bytes_hex() { od -An -v -tx1 | tr -d ' \n'; }

# OpenSSL 3 (not LibreSSL, not 1.1: Ed25519 over raw input needs pkeyutl -rawin).
has_openssl3() {
	command -v openssl >/dev/null 2>&1 || return 1
	case $(openssl version 2>/dev/null) in
	"OpenSSL "[3-9].*) return 0 ;;
	*) return 1 ;;
	esac
}

# minisign's prehashed signature ("ED": Ed25519 over the file's BLAKE2b-512) checked with
# OpenSSL 3, both the file's signature and the trusted comment's. Args: FILE MINISIG PUBKEY DIR.
verify_with_openssl() {
	d=$4
	printf '%s' "$3" | openssl_b64d >"$d/pk.bin" 2>/dev/null || return 1
	sed -n 2p "$2" | tr -d '\r\n' | openssl_b64d >"$d/sig.bin" 2>/dev/null || return 1
	[ "$(wc -c <"$d/pk.bin" | tr -d ' ')" = 42 ] && [ "$(wc -c <"$d/sig.bin" | tr -d ' ')" = 74 ] || return 1
	[ "$(dd if="$d/sig.bin" bs=1 count=2 2>/dev/null)" = ED ] || return 1
	[ "$(dd if="$d/pk.bin" bs=1 skip=2 count=8 2>/dev/null | bytes_hex)" = "$(dd if="$d/sig.bin" bs=1 skip=2 count=8 2>/dev/null | bytes_hex)" ] || return 1
	# The key as DER SubjectPublicKeyInfo: the fixed Ed25519 header, then the 32 key bytes.
	{ printf '\060\052\060\005\006\003\053\145\160\003\041\000'; dd if="$d/pk.bin" bs=1 skip=10 count=32 2>/dev/null; } >"$d/pk.der"
	openssl pkey -pubin -inform DER -in "$d/pk.der" -out "$d/pk.pem" 2>/dev/null || return 1
	dd if="$d/sig.bin" bs=1 skip=10 count=64 of="$d/s.bin" 2>/dev/null
	openssl dgst -blake2b512 -binary "$1" >"$d/h.bin" 2>/dev/null || return 1
	openssl pkeyutl -verify -pubin -inkey "$d/pk.pem" -rawin -in "$d/h.bin" -sigfile "$d/s.bin" </dev/null >/dev/null 2>&1 || return 1
	tc=$(sed -n 3p "$2")
	case $tc in "trusted comment: "*) ;; *) return 1 ;; esac
	{ cat "$d/s.bin"; printf '%s' "${tc#trusted comment: }"; } >"$d/g.msg"
	sed -n 4p "$2" | tr -d '\r\n' | openssl_b64d >"$d/g.sig" 2>/dev/null || return 1
	openssl pkeyutl -verify -pubin -inkey "$d/pk.pem" -rawin -in "$d/g.msg" -sigfile "$d/g.sig" </dev/null >/dev/null 2>&1
}

# SHA256SUMS.minisig against the release key: with minisign, else OpenSSL 3. A signature that
# does not verify always stops the install; one that cannot be checked (no signature file, no
# tool) is a warning, or a refusal with --require-signature.
check_signature() {
	key=${TEND_PUBLIC_KEY:-$RELEASE_KEY}
	sums="$TMP_DIR/SHA256SUMS"
	if ! download "$BASE/SHA256SUMS.minisig" "$sums.minisig"; then
		[ "$REQUIRE_SIGNATURE" = 0 ] || die "$BASE has no SHA256SUMS.minisig, and --require-signature was given. Nothing was installed"
		warn "$BASE has no SHA256SUMS.minisig: the download is checked against SHA256SUMS only"
		return 0
	fi
	if command -v minisign >/dev/null 2>&1; then
		minisign -Vm "$sums" -x "$sums.minisig" -P "$key" -q </dev/null >/dev/null 2>&1 ||
			die "SHA256SUMS from $BASE is not signed by tend's release key (minisign -V failed): it was tampered with, or signed by someone else. Nothing was installed"
		say "verified the signature of SHA256SUMS (minisign)"
	elif has_openssl3; then
		mkdir "$TMP_DIR/sig" || die "cannot create $TMP_DIR/sig"
		verify_with_openssl "$sums" "$sums.minisig" "$key" "$TMP_DIR/sig" ||
			die "SHA256SUMS from $BASE is not signed by tend's release key (checked with OpenSSL): it was tampered with, or signed by someone else. Nothing was installed"
		say "verified the signature of SHA256SUMS (OpenSSL)"
	else
		[ "$REQUIRE_SIGNATURE" = 0 ] || die "cannot check the signature of SHA256SUMS: install minisign or OpenSSL 3 (--require-signature was given). Nothing was installed"
		warn "neither minisign nor OpenSSL 3 is installed: the signature of SHA256SUMS is not checked"
	fi
}

# ---- download and verify ----------------------------------------------------------------

writable_dir "$ROOT$BIN_DIR"
SERVICE_FILE=""
if [ -n "$SERVICE" ]; then
	writable_dir "$ROOT/etc"
	case $SERVICE in
	systemd) SERVICE_FILE=/etc/systemd/system/tend.service; gen=systemd_unit; mode=644 ;;
	openrc) SERVICE_FILE=/etc/init.d/tend; gen=openrc_script; mode=755 ;;
	sysv) SERVICE_FILE=/etc/init.d/tend; gen=sysv_script; mode=755 ;;
	esac
	if [ -e "$ROOT$SERVICE_FILE" ] && ! ours "$ROOT$SERVICE_FILE"; then
		die "$ROOT$SERVICE_FILE exists and was not written by this script; move it away or install without --service. Nothing was installed"
	fi
fi

TMP_DIR=$(mktemp -d "${TMPDIR:-/tmp}/tend-install.XXXXXX") || die "cannot create a temporary directory in ${TMPDIR:-/tmp}"

say "tend install: $ASSET${VERSION:+ $VERSION} from $BASE"
download "$BASE/SHA256SUMS" "$TMP_DIR/SHA256SUMS" || die "cannot download $BASE/SHA256SUMS${VERSION:+ (is $VERSION a released version?)}. Nothing was installed"
check_signature
sum_of() { awk -v f="$1" '$2 == f || $2 == "*" f { print $1; exit }' "$TMP_DIR/SHA256SUMS" | tr 'A-F' 'a-f'; }
expected=$(sum_of "$ASSET")
[ -n "$expected" ] || die "SHA256SUMS from $BASE has no entry for $ASSET. Nothing was installed"

# The smallest form this system can unpack: .xz, then .gz, then the plain binary.
FETCH=$ASSET
UNPACK=""
if command -v xz >/dev/null 2>&1 && [ -n "$(sum_of "$ASSET.xz")" ]; then
	FETCH=$ASSET.xz UNPACK=xz
elif command -v gzip >/dev/null 2>&1 && [ -n "$(sum_of "$ASSET.gz")" ]; then
	FETCH=$ASSET.gz UNPACK=gzip
fi

staged_bin=$(mktemp "$ROOT$BIN_DIR/.tend.XXXXXX") || no_permission "$ROOT$BIN_DIR"
add_tmp "$staged_bin"
if [ -n "$UNPACK" ]; then
	packed="$TMP_DIR/$FETCH"
	download "$BASE/$FETCH" "$packed" || die "cannot download $BASE/$FETCH. Nothing was installed"
	want=$(sum_of "$FETCH")
	got=$(sha256_of "$packed")
	if [ "$got" != "$want" ]; then
		die "checksum mismatch for $FETCH: SHA256SUMS says $want, the download is $got. The file is corrupt or was tampered with; nothing was installed"
	fi
	"$UNPACK" -dc <"$packed" >"$staged_bin" || die "cannot unpack $FETCH with $UNPACK. Nothing was installed"
	rm -f "$packed"
else
	download "$BASE/$ASSET" "$staged_bin" || die "cannot download $BASE/$ASSET. Nothing was installed"
fi

# What is installed is checked too, not only what was downloaded.
actual=$(sha256_of "$staged_bin")
if [ "$actual" != "$expected" ]; then
	die "checksum mismatch for $ASSET${UNPACK:+ (unpacked from $FETCH)}: SHA256SUMS says $expected, the file is $actual. The file is corrupt or was tampered with; nothing was installed"
fi
chmod 755 "$staged_bin"

# Run it before it replaces anything: catches a missing library or a wrong build.
if [ "$NATIVE" = 1 ]; then
	if ! reported=$("$staged_bin" version </dev/null 2>&1); then
		reported=$(printf '%s' "$reported" | head -n 3)
		case $LIBC in
		musl) die "the downloaded $ASSET does not run here ($reported). It needs libstdc++ and libgcc (apk add libstdc++ libgcc). Nothing was installed" ;;
		*) die "the downloaded $ASSET does not run here: $reported. Nothing was installed" ;;
		esac
	fi
	# "tend 0.1.0 (abc1234) linux-x64"
	field() { printf '%s\n' "$reported" | awk -v n="$1" 'NR == 1 { print $n }'; }
	if [ "$(field 1)" != tend ]; then
		die "the downloaded $ASSET is not tend (it printed: $reported). Nothing was installed"
	fi
	got_version=$(field 2)
	if [ -n "$VERSION" ] && [ "$got_version" != "$VERSION" ]; then
		die "asked for $VERSION but $BASE/$ASSET is tend $got_version. Nothing was installed"
	fi
	got_target=$(field 4)
	case $got_target in
	linux-*)
		if [ "$got_target" != "$TARGET" ]; then
			die "$ASSET says it was built for $got_target, not $TARGET. Nothing was installed"
		fi
		;;
	esac
	say "verified $ASSET: $reported"
else
	say "verified $ASSET (sha256 $actual; not run: built for another system)"
fi

# ---- service files ----------------------------------------------------------------------

# systemd's version on this machine, or nothing (not on systemd, or installing into --root:
# the target's systemd is unknown).
# shellcheck disable=SC2317 # called from systemd_unit's here-document
systemd_version() {
	if on_systemd; then systemctl --version 2>/dev/null | sed -n '1s/^systemd \([0-9][0-9]*\).*/\1/p'; fi
}

# How systemd learns about reloads. systemd 253+ has Type=notify-reload: `systemctl reload`
# sends SIGHUP and waits for tend's RELOADING=1 ... READY=1. Older ones: Type=notify, and
# ExecReload runs `tend reload`, which returns once the reload is applied (tend sends the same
# RELOADING=1 ... READY=1, so reloads asked for some other way are seen too).
# shellcheck disable=SC2317 # called from systemd_unit's here-document
systemd_reload_lines() {
	v=$(systemd_version) || v=""
	if [ -n "$v" ] && [ "$v" -ge 253 ]; then
		printf '%s\n' "# systemctl reload = SIGHUP: tend re-reads the config; one with a problem changes nothing" \
			"# and is reported in the journal (tend reload prints it directly)." \
			"Type=notify-reload"
	else
		printf '%s\n' "Type=notify" "ExecReload=$BIN -c $CONFIG_PATH reload"
	fi
}

# shellcheck disable=SC2317 # called through stage "$generator"
systemd_unit() {
	cat <<EOF
$MARKER
[Unit]
Description=tend process supervisor
Documentation=https://github.com/tend-sh/tend
After=network-online.target
Wants=network-online.target

[Service]
# tend tells systemd READY=1 once every autostart program has had its outcome, RUNNING or
# failed, and RELOADING=1 ... READY=1 around each reload.
$(systemd_reload_lines)
ExecStart=$BIN daemon -c $CONFIG_PATH
# READY=1 waits for every autostart program's start, priority level by priority level: its
# startsecs (or readiness deadline), and for one that keeps failing, startretries + 1 tries
# with backoffs of 1, 2, 3 ... s. TimeoutStartSec must cover that, or systemd kills tend.
TimeoutStartSec=90
# On SIGTERM tend stops its programs itself, in reverse priority order: signal only tend,
# and SIGKILL what is left in the cgroup only when TimeoutStopSec runs out.
KillMode=mixed
TimeoutStopSec=120
# A program killed by the kernel's OOM killer is tend's to restart; without this, systemd
# would stop tend and every other program with it.
OOMPolicy=continue
Restart=on-failure
RestartSec=2

[Install]
WantedBy=multi-user.target
EOF
}

# shellcheck disable=SC2317 # called through stage "$generator"
openrc_script() {
	cat <<EOF
#!/sbin/openrc-run
$MARKER
# shellcheck shell=sh disable=SC2034 # the variables are read by openrc-run
name="tend"
description="tend process supervisor"
command="$BIN"
command_args="daemon -c $CONFIG_PATH"
command_background=true
pidfile="/run/\${RC_SVCNAME}.pid"
# tend stops its programs itself on SIGTERM; give it time before SIGKILL.
retry="TERM/120/KILL/5"
extra_started_commands="reload"

depend() {
	need localmount
	after net firewall
}

reload() {
	ebegin "Reloading \${name}"
	"\${command}" -c $CONFIG_PATH reload >/dev/null
	eend \$?
}
EOF
}

# shellcheck disable=SC2317 # called through stage "$generator"
sysv_script() {
	cat <<EOF
#!/bin/sh
### BEGIN INIT INFO
# Provides:          tend
# Required-Start:    \$remote_fs \$syslog \$network
# Required-Stop:     \$remote_fs \$syslog \$network
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: tend process supervisor
### END INIT INFO
$MARKER

TEND=$BIN
CONFIG=\${TEND_CONFIG:-$CONFIG_PATH}

[ -x "\$TEND" ] || exit 5

running() {
	# status: 0 all running, 3 some not running, 4 no daemon
	"\$TEND" -c "\$CONFIG" status >/dev/null 2>&1
	rc=\$?
	[ "\$rc" = 0 ] || [ "\$rc" = 3 ]
}

case "\$1" in
start)
	if running; then echo "tend is already running"; exit 0; fi
	# A bad config is reported here, in the foreground (LSB 6: not configured).
	"\$TEND" check -c "\$CONFIG" >/dev/null 2>&1 || { "\$TEND" check -c "\$CONFIG"; exit 6; }
	# Its own session, no terminal; it logs to <log_dir>/tend.log.
	if command -v setsid >/dev/null 2>&1; then
		setsid "\$TEND" daemon -c "\$CONFIG" </dev/null >/dev/null 2>&1 &
	else
		"\$TEND" daemon -c "\$CONFIG" </dev/null >/dev/null 2>&1 &
	fi
	i=0
	while [ "\$i" -lt 100 ]; do
		if running; then echo "tend started (pid \$("\$TEND" -c "\$CONFIG" pid))"; exit 0; fi
		sleep 0.1 2>/dev/null || sleep 1
		i=\$((i + 1))
	done
	echo "tend did not answer on its socket within 10 s; see its log (tend.log in the config's log_dir)" >&2
	exit 1
	;;
stop)
	if ! running; then echo "tend is not running"; exit 0; fi
	"\$TEND" -c "\$CONFIG" shutdown
	;;
restart | force-reload)
	"\$0" stop && "\$0" start
	;;
reload)
	"\$TEND" -c "\$CONFIG" reload
	;;
status)
	if running; then "\$TEND" -c "\$CONFIG" status; exit 0; fi
	echo "tend is not running"
	exit 3
	;;
*)
	echo "usage: \$0 {start|stop|restart|reload|force-reload|status}" >&2
	exit 2
	;;
esac
EOF
}

# shellcheck disable=SC2317 # called through stage "$generator"
starter_config() {
	cat <<'EOF'
# tend's config: a starter written by install.sh (it never overwrites an existing one).
# Declare programs below, then check and apply:
#   tend check -c /etc/tend/tend.toml && tend reload
# Reference: https://github.com/tend-sh/tend#config-reference

[daemon]
socket = "/run/tend/tend.sock"   # the API's unix socket (tend status, tend logs, ...)
log_dir = "/var/log/tend"        # <name>.out.log / <name>.err.log per program, and tend.log
# socket_mode = "0600"
# socket_owner = "root:ops"      # let a group run `tend status` without root
# loglevel = "info"              # debug | info | warn | error

# [program.web]
# command = "python3 -m http.server 8080"   # split like a shell (no shell runs), or an array
# directory = "/srv/app"
# user = "www-data"
# environment = { PORT = "8080" }
# autostart = true
# autorestart = "unexpected"     # true | false | "unexpected"
# startsecs = 1                  # alive this long = RUNNING
# startretries = 3
# stopsignal = "TERM"
# stopwaitsecs = 10              # then SIGKILL

# [program.worker]
# command = ["/srv/app/bin/worker", "--queue", "default"]
# numprocs = 2                   # worker_00, worker_01
# priority = 100                 # lower starts first and stops last
EOF
}

# Stage a file next to its destination (no subshell: the temp file must be registered for
# cleanup in this shell); the temporary name is left in $STAGED.
STAGED=""
stage() {
	dest=$1
	mode=$2
	generator=$3
	dir=$(dirname "$dest")
	writable_dir "$dir"
	STAGED=$(mktemp "$dir/.tend.XXXXXX") || no_permission "$dir"
	add_tmp "$STAGED"
	"$generator" >"$STAGED" || die "cannot write $STAGED"
	chmod "$mode" "$STAGED"
}

STAGED_SERVICE=""
STAGED_CONFIG=""
if [ -n "$SERVICE" ]; then
	stage "$ROOT$SERVICE_FILE" "$mode" "$gen"
	STAGED_SERVICE=$STAGED
	if [ ! -e "$ROOT$CONFIG_PATH" ]; then
		stage "$ROOT$CONFIG_PATH" 644 starter_config
		STAGED_CONFIG=$STAGED
	fi
fi

# ---- commit -----------------------------------------------------------------------------

commit "$staged_bin" "$DEST_BIN"
if [ -n "$STAGED_SERVICE" ]; then commit "$STAGED_SERVICE" "$ROOT$SERVICE_FILE"; fi
if [ -n "$STAGED_CONFIG" ]; then commit "$STAGED_CONFIG" "$ROOT$CONFIG_PATH"; fi

# Everything is in place: from here on nothing is rolled back.
DONE=1
old_ifs=$IFS
IFS=$NL
for entry in $COMMITTED; do
	backup=${entry#*|}
	if [ -n "$backup" ]; then rm -f "$backup"; fi
done
IFS=$old_ifs

say "installed $DEST_BIN"
if [ -n "$STAGED_CONFIG" ]; then say "wrote a starter config to $ROOT$CONFIG_PATH"; fi
if [ -n "$SERVICE" ] && [ -z "$STAGED_CONFIG" ]; then say "kept the existing config $ROOT$CONFIG_PATH"; fi

# ---- enable the service -----------------------------------------------------------------

link() {
	mkdir -p "$(dirname "$2")" && ln -sf "$1" "$2"
}

enable_hint=""
case $SERVICE in
systemd)
	if on_systemd; then
		if ! { systemctl daemon-reload && systemctl enable tend.service; } </dev/null >/dev/null 2>&1; then
			enable_hint="systemctl enable tend"
		fi
	else
		link ../tend.service "$ROOT/etc/systemd/system/multi-user.target.wants/tend.service" || enable_hint="systemctl enable tend"
	fi
	say "installed $ROOT$SERVICE_FILE (enabled at boot); start it now with: systemctl start tend"
	;;
openrc)
	if [ -z "$ROOT" ] && command -v rc-update >/dev/null 2>&1; then
		rc-update add tend default </dev/null >/dev/null 2>&1 || enable_hint="rc-update add tend default"
	else
		link /etc/init.d/tend "$ROOT/etc/runlevels/default/tend" || enable_hint="rc-update add tend default"
	fi
	say "installed $ROOT$SERVICE_FILE (enabled at boot); start it now with: rc-service tend start"
	;;
sysv)
	if [ -z "$ROOT" ] && command -v update-rc.d >/dev/null 2>&1; then
		update-rc.d tend defaults </dev/null >/dev/null 2>&1 || enable_hint="update-rc.d tend defaults"
	elif [ -z "$ROOT" ] && command -v chkconfig >/dev/null 2>&1; then
		chkconfig --add tend </dev/null >/dev/null 2>&1 || enable_hint="chkconfig --add tend"
	else
		for l in 2 3 4 5; do link ../init.d/tend "$ROOT/etc/rc$l.d/S20tend" || enable_hint="update-rc.d tend defaults"; done
		for l in 0 1 6; do link ../init.d/tend "$ROOT/etc/rc$l.d/K20tend" || enable_hint="update-rc.d tend defaults"; done
	fi
	say "installed $ROOT$SERVICE_FILE (enabled at boot); start it now with: /etc/init.d/tend start"
	;;
esac
if [ -n "$enable_hint" ]; then warn "could not enable the service at boot; run: $enable_hint"; fi

if [ -z "$ROOT" ]; then
	case ":${PATH:-}:" in
	*":$BIN_DIR:"*) ;;
	*) say "note: $BIN_DIR is not on your PATH; add it (export PATH=\"$BIN_DIR:\$PATH\") or run $BIN" ;;
	esac
fi
exit 0
