#!/usr/bin/env python3
"""Helpers for bench/run.sh: test-data generation and the results report.

  tools.py gen-tree DIR                      deterministic rootfs-like tree (fallback for debootstrap)
  tools.py retag SRC.tar OUT.tar N PREFIX    copy a docker-save archive, its one image carrying N tags
  tools.py big SRC.tar LAYER.tar OUT.tar TAG docker-save archive = SRC's image + LAYER.tar as a new top layer
  tools.py median FILE                       median of the integers in FILE (one per line)
  tools.py report RESULTS_DIR OUT.md         the results table (markdown), also printed
"""
import hashlib
import io
import json
import os
import random
import statistics
import sys
import tarfile
import time


def gen_tree(root):
    """~6,800 paths, ~200 MB, sizes skewed like a distro tree; same bytes every time (seeded)."""
    rng = random.Random(20240601)
    os.makedirs(root, exist_ok=True)
    # size classes (bytes) and weights: many small files, a few large ones
    classes = [0, 300, 2_000, 8_000, 30_000, 120_000, 600_000, 3_000_000]
    weights = [4, 25, 25, 18, 14, 9, 2, 0.3]
    total_files, budget = 5_400, 200 * 1000 * 1000
    dirs = []
    for top in ('bin', 'etc', 'lib', 'sbin', 'usr/bin', 'usr/lib', 'usr/share', 'var/lib'):
        for i in range(175):
            d = os.path.join(root, top, f'pkg{i:03d}' if i else '')
            os.makedirs(d, exist_ok=True)
            dirs.append(d)
    sizes = [rng.choices(classes, weights)[0] for _ in range(total_files)]
    sizes = [s + rng.randrange(0, s // 4 + 1) for s in sizes]
    scale = budget / sum(sizes)
    pool = rng.randbytes(8 * 1024 * 1024)  # slices of one seeded pool: fast, and the same bytes every time
    for n, size in enumerate(sizes):
        size = int(size * scale)
        off = rng.randrange(0, len(pool))
        with open(os.path.join(dirs[n % len(dirs)], f'f{n:05d}'), 'wb') as f:
            while size > 0:
                chunk = pool[off:off + size]
                f.write(chunk)
                size -= len(chunk)
                off = 0
    # busybox-static gives the tree a shell, so `docker run` can build the 3-layer image from it
    bb = '/bin/busybox'
    if os.path.exists(bb):
        import shutil
        shutil.copy2(bb, os.path.join(root, 'bin', 'busybox'))
        for applet in ('sh', 'mkdir', 'seq', 'head', 'rm', 'echo', 'true'):
            p = os.path.join(root, 'bin', applet)
            if not os.path.lexists(p):
                os.symlink('busybox', p)
    os.makedirs(os.path.join(root, 'dev'), exist_ok=True)
    os.makedirs(os.path.join(root, 'tmp'), exist_ok=True)
    os.makedirs(os.path.join(root, 'usr/share/doc'), exist_ok=True)
    with open(os.path.join(root, 'etc', 'passwd'), 'w') as f:
        f.write('root:x:0:0:root:/root:/bin/sh\n')


def read_manifest(src):
    with tarfile.open(src, 'r:') as t:
        manifest = json.load(t.extractfile('manifest.json'))
        config = t.extractfile(manifest[0]['Config']).read()
    return manifest, config


def copy_members(src, out, skip):
    with tarfile.open(src, 'r:') as t:
        for m in t:
            if m.name in skip:
                continue
            out.addfile(m, t.extractfile(m) if m.isreg() else None)


def add_bytes(out, name, data, mode=0o644):
    ti = tarfile.TarInfo(name)
    ti.size, ti.mode, ti.mtime = len(data), mode, 0
    out.addfile(ti, io.BytesIO(data))


def retag(src, dst, n, prefix):
    manifest, _ = read_manifest(src)
    if len(manifest) != 1:
        sys.exit('retag: expected one image in ' + src)
    tags = [f'{prefix}{i // 10:03d}:v{i % 10}' for i in range(n)]
    manifest[0]['RepoTags'] = tags
    tmp = dst + '.tmp'
    with tarfile.open(tmp, 'w', format=tarfile.GNU_FORMAT) as out:
        copy_members(src, out, {'manifest.json', 'repositories'})
        add_bytes(out, 'manifest.json', json.dumps(manifest).encode())
    os.rename(tmp, dst)


def big(src, layer, dst, tag):
    manifest, config_bytes = read_manifest(src)
    h = hashlib.sha256()
    with open(layer, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    diff_id = 'sha256:' + h.hexdigest()
    config = json.loads(config_bytes)
    config['rootfs']['diff_ids'].append(diff_id)
    config.setdefault('history', []).append({'created': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()), 'created_by': 'berth bench: ~800 MB of random data', 'comment': 'bench'})
    new_config = json.dumps(config, separators=(',', ':')).encode()
    config_name = hashlib.sha256(new_config).hexdigest() + '.json'
    layer_name = h.hexdigest() + '/layer.tar'
    item = {'Config': config_name, 'RepoTags': [tag], 'Layers': manifest[0]['Layers'] + [layer_name]}
    tmp = dst + '.tmp'
    with tarfile.open(tmp, 'w', format=tarfile.GNU_FORMAT) as out:
        copy_members(src, out, {'manifest.json', 'repositories', manifest[0]['Config']})
        add_bytes(out, config_name, new_config)
        ti = out.gettarinfo(layer, arcname=layer_name)
        ti.uid = ti.gid = 0
        ti.uname = ti.gname = ''
        ti.mtime = 0
        with open(layer, 'rb') as f:
            out.addfile(ti, f)
        add_bytes(out, 'manifest.json', json.dumps([item]).encode())
    os.rename(tmp, dst)


def ints(path):
    if not os.path.exists(path):
        return []
    out = []
    for line in open(path):
        line = line.strip()
        if line.isdigit():
            out.append(int(line))
    return out


def median_int(path):
    v = ints(path)
    return statistics.median(v) if v else None


def hf(path):
    """Median, min, max wall seconds, run count and mean CPU (user+sys) s of the first command
    of a hyperfine JSON export (None if absent)."""
    if not os.path.exists(path):
        return None
    r = json.load(open(path))['results'][0]
    t = r['times']
    return statistics.median(t), min(t), max(t), len(t), r['user'] + r['system']


def merge(out, parts):
    """Joins one-run hyperfine exports (measure_alternating) into one export of all the runs."""
    runs = [json.load(open(p))['results'][0] for p in parts]
    if not runs:
        sys.exit(f'merge: no runs for {out}')
    times = [t for r in runs for t in r['times']]
    merged = dict(runs[0])
    merged.update(times=times, mean=statistics.mean(times), median=statistics.median(times),
                  min=min(times), max=max(times),
                  stddev=statistics.stdev(times) if len(times) > 1 else 0.0,
                  user=statistics.mean(r['user'] for r in runs), system=statistics.mean(r['system'] for r in runs))
    merged.pop('exit_codes', None)
    with open(out, 'w') as f:
        json.dump({'results': [merged]}, f, indent=1)


def report(d, out_md):
    facts = dict(line.rstrip('\n').split('=', 1) for line in open(os.path.join(d, 'facts.txt')) if '=' in line)
    mib = lambda kib: None if kib is None else kib / 1024
    fmt = lambda x, p=2: '-' if x is None else f'{x:.{p}f}'
    rss_limit_mib = 150e6 / 1048576  # "150 MB" read as 150,000,000 bytes (143.1 MiB)
    lines = []
    w = lines.append
    w(f"# Berth benchmark results\n")
    w(f"Run {facts.get('date')} on {facts.get('host')}: nproc {facts.get('nproc')}, {facts.get('cpu')}, kernel {facts.get('kernel')}, "
      f"{facts.get('mem')} RAM, filesystem {facts.get('fs')}; docker engine {facts.get('docker')} ({facts.get('docker_driver')}), "
      f"node {facts.get('node')}, hyperfine {facts.get('hyperfine')}. Berth {facts.get('berth_rev')}.\n")
    w(f"Test data: {facts.get('rootfs_source')}; {facts.get('rootfs_paths')} paths, rootfs tar {int(facts.get('rootfs_bytes', 0))/1e6:.0f} MB; "
      f"docker save 1-layer (docker import of the rootfs tar) {int(facts.get('save1_bytes', 0))/1e6:.0f} MB, "
      f"3-layer (+ commit of 50 x 1 MiB /dev/urandom files, + commit of `echo third > /etc/third && rm -rf /usr/share/doc`, both `docker run --network none`) "
      f"{int(facts.get('save3_bytes', 0))/1e6:.0f} MB, big (3-layer + one layer of {facts.get('big_mb', '800')} MiB /dev/urandom data, archive written by hand) "
      f"{int(facts.get('big_bytes', 0))/1e6:.0f} MB. Warm page cache; medians of {facts.get('runs')} runs (hyperfine -N, one --prepare per run "
      f"resetting state: fresh berth store / `docker rmi` of every image sharing the layers / rm of the output file, then `sync`; "
      + ("for the measurements that unpack a tree (first run, `tar -x`, import), PREP=aside: nothing deleted before a run, old trees moved aside, "
         "each import reads the rootfs tar with one member made unique in place, and those sections start 70 s after the last delete). "
         if facts.get('prep') == 'aside' else
         "PREP=delete: the trees, stores and images of the previous run deleted before each run, on both sides). ")
      + f"Node runs without the sandbox's NODE_EXTRA_CA_CERTS. Load average at start {facts.get('loadavg_start')}, at end {facts.get('loadavg_end')}.\n")
    try:
        busy = float(facts.get('loadavg_start', '0').split()[0]) > 1.5 or float(facts.get('loadavg_end', '0').split()[0]) > 2.5
    except ValueError:
        busy = False
    if busy:
        w("**Warning: the machine was busy with other work during this run (see load average); wall times are noisy. "
          "The CPU column (user+sys of the berth process) is less sensitive to that.**\n")
    w('| operation | docker median s | berth median s | ratio berth/docker | target | pass/fail | berth peak RSS MiB (median) | berth CPU s (user+sys, mean) |')
    w('|---|---|---|---|---|---|---|---|')
    verdicts = []
    rows = [('load 3-layer', 'load3', 0.35), ('save 3-layer', 'save3', 0.6), ('load 1-layer', 'load1', None), ('save 1-layer', 'save1', None)]
    for label, key, target in rows:
        dk, bt = hf(os.path.join(d, f'docker-{key}.json')), hf(os.path.join(d, f'berth-{key}.json'))
        rss = mib(median_int(os.path.join(d, f'berth-{key}.rss')))
        ratio = bt[0] / dk[0] if dk and bt else None
        tgt, verdict = 'none (info)', '-'
        if target is not None:
            tgt = f'time <= {target}x docker; RSS <= 150 MB'
            ok_t = ratio is not None and ratio <= target
            ok_m = rss is not None and rss <= rss_limit_mib
            verdict = f"{'PASS' if ok_t else 'FAIL'} time, {'PASS' if ok_m else 'FAIL'} RSS"
            verdicts += [ok_t, ok_m]
        w(f'| {label} | {fmt(dk and dk[0])} | {fmt(bt and bt[0])} | {fmt(ratio)} | {tgt} | {verdict} | {fmt(rss, 0)} | {fmt(bt and bt[4])} |')
    w('')
    w('Memory flatness (berth peak RSS, MiB, median; target: the ~1 GB image needs no more than the 3-layer image, '
      'allowing 10% or 8 MiB of noise, whichever is larger):\n')
    w('| operation | 3-layer image RSS MiB | big image RSS MiB | big image berth median s | MB/s | pass/fail |')
    w('|---|---|---|---|---|---|')
    for op in ('load', 'save'):
        small = mib(median_int(os.path.join(d, f'berth-{op}3.rss')))
        bigr = mib(median_int(os.path.join(d, f'berth-{op}big.rss')))
        bt = hf(os.path.join(d, f'berth-{op}big.json'))
        ok = small is not None and bigr is not None and bigr <= small + max(8, 0.1 * small)
        verdicts.append(ok)
        mbs = int(facts.get('big_bytes', 0)) / 1e6 / bt[0] if bt else None
        w(f"| {op} | {fmt(small, 0)} | {fmt(bigr, 0)} | {fmt(bt and bt[0])} | {fmt(mbs, 0)} | {'PASS' if ok else 'FAIL'} |")
    w('')
    st = json.load(open(os.path.join(d, 'startup.json')))['results'] if os.path.exists(os.path.join(d, 'startup.json')) else []
    if len(st) == 2:
        base, imgs = statistics.median(st[0]['times']), statistics.median(st[1]['times'])
        ratio = imgs / base
        ok = ratio <= 1.6
        verdicts.append(ok)
        w(f"Start-up (store with {facts.get('startup_tags')} tags of one image; hyperfine -N, warmup 3, {len(st[1]['times'])} runs, medians):\n")
        cpu = lambda r: (r['user'] + r['system']) * 1000
        w('| command | median ms | min ms | ratio to node -e 0 (medians) | target | pass/fail | CPU ms (user+sys, mean) | CPU ratio |')
        w('|---|---|---|---|---|---|---|---|')
        w(f"| node -e 0 | {base*1000:.1f} | {min(st[0]['times'])*1000:.1f} | 1.00 | | | {cpu(st[0]):.1f} | 1.00 |")
        w(f"| berth images ({facts.get('startup_lines')} lines) | {imgs*1000:.1f} | {min(st[1]['times'])*1000:.1f} | {ratio:.2f} | <= 1.6x | {'PASS' if ok else 'FAIL'} | {cpu(st[1]):.1f} | {cpu(st[1])/cpu(st[0]):.2f} |")
        w('')
    # containers
    untar, first = hf(os.path.join(d, 'untar-layer1.json')), hf(os.path.join(d, 'berth-firstrun.json'))
    runw = json.load(open(os.path.join(d, 'run-warm.json')))['results'] if os.path.exists(os.path.join(d, 'run-warm.json')) else []
    if untar or first or len(runw) == 2:
        w(f"Containers (the 1-layer image, {int(facts.get('save1_bytes', 0))/1e6:.0f} MB; berth with runc + conmon, docker `--network none`):\n")
        w('| operation | baseline | baseline median s | berth median s | ratio | target | pass/fail | berth peak RSS MiB (median) |')
        w('|---|---|---|---|---|---|---|---|')
        if len(runw) == 2:
            dm, bm = statistics.median(runw[0]['times']), statistics.median(runw[1]['times'])
            ok = bm / dm <= 0.75
            verdicts.append(ok)
            w(f"| `run --rm IMG true`, warm image ({len(runw[1]['times'])} runs, warmup 2) | `docker run --rm --network none IMG true` | {dm:.3f} | {bm:.3f} | {bm/dm:.2f} | <= 0.75x | {'PASS' if ok else 'FAIL'} | - |")
        if untar and first:
            rss = mib(median_int(os.path.join(d, 'berth-firstrun.rss')))
            ratio = first[0] / untar[0]
            ok_t, ok_m = ratio <= 1.5, rss is not None and rss <= rss_limit_mib
            verdicts.extend([ok_t, ok_m])
            w(f"| first `run --rm IMG true` after `load` (unpack included) | `tar -xf LAYER -C EMPTYDIR` (same --prepare for both: previous files deleted or moved aside (PREP), fresh store + load, empty dir, sync) | {untar[0]:.3f} | {first[0]:.3f} | {ratio:.2f} | time <= 1.5x; RSS <= 150 MB | "
              f"{'PASS' if ok_t else 'FAIL'} time, {'PASS' if ok_m else 'FAIL'} RSS | {fmt(rss, 0)} |")
        w('')
    # persistence verbs
    prow = [('`import ROOTFS.tar`', 'import', 0.3), ('`import` + first `run --rm IMG true`', 'importrun', 0.6),
            ('`export -o FILE` (stopped container)', 'export', 1.0), ('`commit` of a 50 MB change', 'commit', 1.0)]
    if any(hf(os.path.join(d, f'berth-{k}.json')) for _, k, _ in prow):
        w(f"Persistence (the rootfs tar, {int(facts.get('rootfs_bytes', 0))/1e6:.0f} MB; export sizes: docker {int(facts.get('export_bytes_docker', 0))/1e6:.0f} MB, "
          f"berth {int(facts.get('export_bytes_berth', 0))/1e6:.0f} MB):\n")
        w('| operation | docker median s | berth median s | ratio berth/docker | target | pass/fail | berth peak RSS MiB (median) | berth CPU s (user+sys, mean) |')
        w('|---|---|---|---|---|---|---|---|')
        for label, key, target in prow:
            dk, bt = hf(os.path.join(d, f'docker-{key}.json')), hf(os.path.join(d, f'berth-{key}.json'))
            rss = mib(median_int(os.path.join(d, f'berth-{key}.rss')))
            ratio = bt[0] / dk[0] if dk and bt else None
            ok_t = ratio is not None and ratio <= target
            ok_m = rss is not None and rss <= rss_limit_mib
            verdicts += [ok_t, ok_m]
            w(f"| {label} | {fmt(dk and dk[0])} | {fmt(bt and bt[0])} | {fmt(ratio)} | time <= {target}x docker; RSS <= 150 MB | "
              f"{'PASS' if ok_t else 'FAIL'} time, {'PASS' if ok_m else 'FAIL'} RSS | {fmt(rss, 0)} | {fmt(bt and bt[4])} |")
        w('')
        w('For `import` + first run, both commands run under one `sh -c`; the RSS figure is the largest peak among them (getrusage of waited-for children).\n')
    dk, bt = hf(os.path.join(d, 'docker-load10k.json')), hf(os.path.join(d, 'berth-load10k.json'))
    if dk or bt:
        rss = mib(median_int(os.path.join(d, 'berth-load10k.rss')))
        w(f"10,000 tags (the 1-layer image, {int(facts.get('save1_bytes', 0))/1e6:.0f} MB, with 10,000 RepoTags; docker one run, berth median of 3; "
          f"tags listed afterwards: docker {facts.get('docker_tags10k', '-')}, berth {facts.get('berth_tags10k', '-')}):\n")
        w('| operation | docker s | berth median s | ratio berth/docker | berth peak RSS MiB |')
        w('|---|---|---|---|---|')
        w(f"| `load` with 10,000 tags | {fmt(dk and dk[0])} | {fmt(bt and bt[0])} | {fmt(bt[0] / dk[0] if dk and bt else None)} | {fmt(rss, 0)} |")
        w('')
    w('Spread (min-max s, all runs): ' + '; '.join(
        f"{who} {key}: {fmt(r[1])}-{fmt(r[2])}" for key in ('load3', 'save3', 'load1', 'save1', 'loadbig', 'savebig', 'firstrun', 'layer1', 'import', 'importrun', 'export', 'commit') for who in ('docker', 'berth', 'untar')
        if (r := hf(os.path.join(d, f'{who}-{key}.json'))) is not None))
    w('')
    w(f"Overall: {sum(verdicts)}/{len(verdicts)} checks pass. Reproduce with `npm run bench` (RUNS, BIG_RUNS, STARTUP_RUNS, RUN_RUNS, BIG_MB "
      f"override the defaults; raw hyperfine JSON in .bench/results/). Profiling helpers: `node bench/profile.mjs`.")
    text = '\n'.join(lines) + '\n'
    with open(out_md, 'w') as f:
        f.write(text)
    sys.stdout.write(text)


if __name__ == '__main__':
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == 'gen-tree':
        gen_tree(args[0])
    elif cmd == 'retag':
        retag(args[0], args[1], int(args[2]), args[3])
    elif cmd == 'big':
        big(args[0], args[1], args[2], args[3])
    elif cmd == 'median':
        m = median_int(args[0])
        print('-' if m is None else int(m))
    elif cmd == 'merge':
        merge(args[0], sorted(args[1:], key=lambda p: int(p.rsplit('.run', 1)[1].split('.')[0])))
    elif cmd == 'report':
        report(args[0], args[1])
    else:
        sys.exit(__doc__)
