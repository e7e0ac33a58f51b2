#!/usr/bin/env python3
"""Generate the malicious image corpus for tests/image/run.sh.

usage: gen.py OUT CANARY_DIR

Writes archives and OCI layouts into OUT and OUT/cases.tsv with one line per
case: name, the substring the error must contain, extra import flags.
CANARY_DIR is a host directory the archives try to reach; it must be left
untouched.  Everything is deterministic."""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile

out, canary = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
cases = []


def entry(name, kind='file', data=b'x', link=None):
    ti = tarfile.TarInfo(name)
    ti.mtime = 1577836800
    if kind == 'file':
        ti.size = len(data)
        return ti, data
    if kind == 'dir':
        ti.type = tarfile.DIRTYPE
        ti.mode = 0o755
    elif kind == 'sym':
        ti.type = tarfile.SYMTYPE
        ti.linkname = link
    elif kind == 'hard':
        ti.type = tarfile.LNKTYPE
        ti.linkname = link
    return ti, None


def tar_bytes(entries, fmt=tarfile.PAX_FORMAT):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w', format=fmt) as t:
        for ti, data in entries:
            t.addfile(ti, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def write(name, data):
    with open(os.path.join(out, name), 'wb') as f:
        f.write(data)


def case(name, expect, flags=''):
    cases.append((name, expect, flags))


# --- plain rootfs tarballs: the layer unpacker itself ---
write('traversal.tar', tar_bytes([entry('ok'), entry('../../capsa-escape-traversal')]))
case('traversal.tar', "entry '../../capsa-escape-traversal': '..' component refused")

write('absolute.tar', tar_bytes([entry(canary + '/absolute')]))
case('absolute.tar', 'absolute path refused')

write('symlink-write.tar', tar_bytes([entry('evil', 'sym', link=canary), entry('evil/pwned')]))
case('symlink-write.tar', "entry 'evil/pwned': path goes through a symlink")

write('symlink-rel-write.tar',
      tar_bytes([entry('a', 'dir'), entry('a/evil', 'sym', link='../../../../../../../..' + canary),
                 entry('a/evil/pwned')]))
case('symlink-rel-write.tar', "entry 'a/evil/pwned': path goes through a symlink")

write('dir-then-symlink.tar',
      tar_bytes([entry('d', 'dir'), entry('d', 'sym', link=canary), entry('d/pwned')]))
case('dir-then-symlink.tar', "entry 'd/pwned': path goes through a symlink")

write('hardlink-out.tar', tar_bytes([entry('h', 'hard', link='../../../../etc/passwd')]))
case('hardlink-out.tar', "entry 'h': hardlink target")

write('hardlink-abs.tar', tar_bytes([entry('h', 'hard', link=canary + '/file')]))
case('hardlink-abs.tar', 'absolute path refused')

write('hardlink-via-symlink.tar',
      tar_bytes([entry('s', 'sym', link=canary), entry('h', 'hard', link='s/file')]))
case('hardlink-via-symlink.tar', "hardlink target 's/file' goes through a symlink")

write('whiteout-dotdot.tar', tar_bytes([entry('a', 'dir'), entry('a/.wh..')]))
case('whiteout-dotdot.tar', "entry 'a/.wh..': invalid whiteout name")

write('many-entries.tar', tar_bytes([entry('f%05d' % i, data=b'') for i in range(3000)], tarfile.USTAR_FORMAT))
case('many-entries.tar', 'more than 1000 entries', '--max-entries 1000')

write('deep.tar', tar_bytes([entry('/'.join(['d'] * 300) + '/f')]))
case('deep.tar', 'deeper than 256 levels')

good = gzip.compress(tar_bytes([entry('f%03d' % i, data=bytes([i % 256]) * 4096)
                                for i in range(64)]), mtime=0)
write('truncated.tar.gz', good[: len(good) // 2])
case('truncated.tar.gz', 'truncated.tar.gz')

write('garbage.bin', hashlib.sha256(b'capsa').digest() * 64)
case('garbage.bin', 'not a readable tar archive')

# --- OCI layouts ---


def sha(b):
    return hashlib.sha256(b).hexdigest()


def layout(name, layers, mutate=None, index_mutate=None, wrap_index=None):
    """layers: list of (tar bytes, compressed bytes, media type)."""
    d = os.path.join(out, name)
    os.makedirs(os.path.join(d, 'blobs', 'sha256'), exist_ok=True)

    def blob(b):
        h = sha(b)
        with open(os.path.join(d, 'blobs', 'sha256', h), 'wb') as f:
            f.write(b)
        return h

    config = {'architecture': 'amd64', 'os': 'linux',
              'config': {'Cmd': ['/bin/sh']},
              'rootfs': {'type': 'layers', 'diff_ids': ['sha256:' + sha(t) for t, _, _ in layers]}}
    manifest = {'schemaVersion': 2, 'mediaType': 'application/vnd.oci.image.manifest.v1+json',
                'config': None, 'layers': []}
    for t, c, mt in layers:
        manifest['layers'].append({'mediaType': mt, 'digest': 'sha256:' + blob(c), 'size': len(c)})
    if mutate:
        mutate(config, manifest, d)
    cb = json.dumps(config).encode()
    manifest['config'] = {'mediaType': 'application/vnd.oci.image.config.v1+json',
                          'digest': 'sha256:' + blob(cb), 'size': len(cb)}
    mb = json.dumps(manifest).encode()
    desc = {'mediaType': 'application/vnd.oci.image.manifest.v1+json', 'digest': 'sha256:' + blob(mb),
            'size': len(mb)}
    if wrap_index:
        lb = json.dumps({'schemaVersion': 2, 'mediaType': 'application/vnd.oci.image.index.v1+json',
                         'manifests': wrap_index(desc)}).encode()
        desc = {'mediaType': 'application/vnd.oci.image.index.v1+json', 'digest': 'sha256:' + blob(lb),
                'size': len(lb)}
    index = {'schemaVersion': 2, 'manifests': [desc]}
    if index_mutate:
        index_mutate(index, d)
    with open(os.path.join(d, 'index.json'), 'w') as f:
        json.dump(index, f)
    with open(os.path.join(d, 'oci-layout'), 'w') as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')
    return d


plain = tar_bytes([entry('etc', 'dir'), entry('etc/hello', data=b'hello\n')])
gz = gzip.compress(plain, mtime=0)
GZ = 'application/vnd.oci.image.layer.v1.tar+gzip'
TAR = 'application/vnd.oci.image.layer.v1.tar'


def corrupt_blob(config, manifest, d):
    h = manifest['layers'][0]['digest'][7:]
    p = os.path.join(d, 'blobs', 'sha256', h)
    data = bytearray(open(p, 'rb').read())
    data[-1] ^= 0xff
    open(p, 'wb').write(bytes(data))


layout('oci-digest-mismatch', [(plain, plain, TAR)], mutate=corrupt_blob)
case('oci-digest-mismatch', 'digest mismatch')


def drop_blob(config, manifest, d):
    os.unlink(os.path.join(d, 'blobs', 'sha256', manifest['layers'][0]['digest'][7:]))


layout('oci-missing-blob', [(plain, gz, GZ)], mutate=drop_blob)
case('oci-missing-blob', 'blob missing')


def made_up_type(config, manifest, d):
    manifest['layers'][0]['mediaType'] = 'application/vnd.capsa.made-up.layer+lz77'


layout('oci-unknown-layer-type', [(plain, gz, GZ)], mutate=made_up_type)
case('oci-unknown-layer-type', "unsupported media type 'application/vnd.capsa.made-up.layer+lz77'")


def bad_index_type(index, d):
    index['manifests'][0]['mediaType'] = 'application/x-capsa-unknown'


layout('oci-unknown-manifest-type', [(plain, gz, GZ)], index_mutate=bad_index_type)
case('oci-unknown-manifest-type', "unknown media type 'application/x-capsa-unknown'")


def wrong_diff(config, manifest, d):
    config['rootfs']['diff_ids'][0] = 'sha256:' + sha(b'not the layer')


layout('oci-diffid-mismatch', [(plain, gz, GZ)], mutate=wrong_diff)
case('oci-diffid-mismatch', 'diff id mismatch')


def wrong_size(config, manifest, d):
    manifest['layers'][0]['size'] += 1


layout('oci-size-mismatch', [(plain, gz, GZ)], mutate=wrong_size)
case('oci-size-mismatch', 'size mismatch')


def no_amd64(desc):
    return [dict(desc, platform={'architecture': 'arm64', 'os': 'linux'}),
            dict(desc, platform={'architecture': 's390x', 'os': 'linux'})]


layout('oci-no-amd64', [(plain, gz, GZ)], wrap_index=no_amd64)
case('oci-no-amd64', 'no manifest for linux/amd64')

evil_layer = tar_bytes([entry('ok'), entry('../../../capsa-escape-layer')])
layout('oci-evil-layer', [(plain, gz, GZ), (evil_layer, evil_layer, TAR)])
case('oci-evil-layer', "layer 2/2")

big = tar_bytes([entry('f%03d' % i, data=bytes([i % 256]) * 4096) for i in range(64)])
layout('oci-truncated-gzip-layer', [(big, gzip.compress(big, mtime=0)[:300], GZ)])
case('oci-truncated-gzip-layer', 'layer 1/1')

# an oci-archive whose outer tar escapes
write('oci-archive-traversal.tar', tar_bytes([entry('oci-layout', data=b'{}'), entry('../capsa-escape-outer')]))
case('oci-archive-traversal.tar', "'..' component refused")

# a docker-archive pointing its layer outside the archive
cfg = json.dumps({'architecture': 'amd64', 'os': 'linux', 'config': {},
                  'rootfs': {'type': 'layers', 'diff_ids': ['sha256:' + sha(plain)]}}).encode()
write('docker-layer-outside.tar', tar_bytes([
    entry('manifest.json', data=json.dumps([{'Config': 'c.json', 'RepoTags': ['evil:latest'],
                                              'Layers': ['../../../../etc/passwd']}]).encode()),
    entry('c.json', data=cfg)]))
case('docker-layer-outside.tar', "missing from the archive")

with open(os.path.join(out, 'cases.tsv'), 'w') as f:
    for c in cases:
        f.write('\t'.join(c) + '\n')
