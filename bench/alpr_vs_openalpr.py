#!/usr/bin/env python3
"""Accuracy and speed of roadwarden's reader against OpenALPR 2.3 on the shared benchmarks.

Runs `roadwarden bench` for each engine on openalpr-eu and openalpr-us (1 thread), scores
its predictions and OpenALPR's recorded reads (baseline-openalpr.jsonl) with the same
scorer (../shared/tools/score_alpr.py), and prints one table with the ratios.

usage: bench/alpr_vs_openalpr.py [--build build] [--shared ../shared] [--models models]
       [--engine E ...] [--no-malloc-row] [--no-every-crop-row] [--no-zoom-row]
Default engines: learned and classic, run on the same images in this one command; the
"vs classic" column is the speed ratio measured here (classic median ms / engine median ms).
One more row runs the learned engine with glibc's default malloc (ROADWARDEN_MALLOC_TUNING=off,
see src/core/malloc_tuning.hpp), the baseline of the process's malloc tuning; --no-malloc-row
leaves it out. Another runs it reading every crop scale of each plate (the recogniser's sidecar
copied with crop_stop_confidence 1, AlprOptions::crop_stop_confidence), the baseline of the
crop loop's early stop; --no-every-crop-row leaves it out. A last one runs it without the second
look at plates read with confidence up to 0.99 (--zoom-input 0, AlprOptions::zoom_input), its
baseline;
--no-zoom-row leaves it out.
OpenALPR's ms are its own recorded timings on another machine; roadwarden's are measured
here, so the ratios against OpenALPR are indicative only.
"""
import argparse, json, os, shutil, subprocess, sys, tempfile

here = os.path.dirname(os.path.abspath(__file__))


def score(scorer, manifest, pred):
    out = subprocess.run([sys.executable, scorer, manifest, pred, "--json"], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(here, "..", "build"))
    ap.add_argument("--shared", default=os.path.join(here, "..", "..", "shared"))
    ap.add_argument("--engine", action="append", default=None)
    ap.add_argument("--sets", default="openalpr-eu,openalpr-us")
    ap.add_argument("--models", default=os.path.join(here, "..", "models"))
    ap.add_argument("--no-malloc-row", action="store_true")
    ap.add_argument("--no-every-crop-row", action="store_true")
    ap.add_argument("--no-zoom-row", action="store_true")
    a = ap.parse_args()
    engines = a.engine or ["learned", "classic"]
    # (row name, engine, extra environment, extra arguments)
    runs = [(e, e, {}, ["--models", a.models] if e == "learned" else []) for e in engines]
    scorer = os.path.join(a.shared, "tools", "score_alpr.py")
    if not os.path.exists(scorer):
        sys.exit(f"{scorer} not found: the shared benchmarks are needed")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        if not a.no_malloc_row and "learned" in engines:
            runs.append(("learned, glibc malloc", "learned", {"ROADWARDEN_MALLOC_TUNING": "off"},
                         ["--models", a.models]))
        if not a.no_every_crop_row and "learned" in engines:
            every = os.path.join(tmp, "models-every-crop")
            shutil.copytree(a.models, every)
            sidecar = os.path.join(every, "plate_recognizer.json")
            with open(sidecar) as f:
                meta = json.load(f)
            meta["crop_stop_confidence"] = 1.0
            with open(sidecar, "w") as f:
                json.dump(meta, f)
            runs.append(("learned, every crop read", "learned", {}, ["--models", every]))
        if not a.no_zoom_row and "learned" in engines:
            runs.append(("learned, no second look", "learned", {},
                         ["--models", a.models, "--zoom-input", "0"]))
        for s in a.sets.split(","):
            manifest = os.path.join(a.shared, "data", "benchmarks", s, "manifest.csv")
            base = score(scorer, manifest,
                         os.path.join(a.shared, "data", "benchmarks", s, "baseline-openalpr.jsonl"))
            rows.append((s, "OpenALPR 2.3 (recorded)", base, base, None))
            ours = {}
            for k, (name, e, env, args) in enumerate(runs):
                pred = os.path.join(tmp, f"{s}-{k}.jsonl")
                subprocess.run([os.path.join(a.build, "roadwarden"), "bench", manifest, "--engine",
                                e, "--threads", "1", "--out", pred, *args], check=True,
                               stdout=subprocess.DEVNULL, env={**os.environ, **env})
                ours[name] = score(scorer, manifest, pred)
            for name, _, _, _ in runs:
                rows.append((s, f"roadwarden {name}", ours[name], base, ours.get("classic")))
    print(f"{'set':12} {'reader':34} {'read %':>7} {'detected %':>10} {'median ms':>9}"
          f" {'read × OpenALPR':>15} {'speed × OpenALPR':>16} {'speed × classic':>15}")
    for s, name, r, base, classic in rows:
        read_ratio = r["read_pct"] / base["read_pct"] if base["read_pct"] else float("nan")
        speed = base["ms_median"] / r["ms_median"] if r["ms_median"] else float("nan")
        vs_classic = (f"{classic['ms_median'] / r['ms_median']:15.2f}"
                      if classic and r["ms_median"] else f"{'':15}")
        print(f"{s:12} {name:34} {r['read_pct']:7.1f} {r['detected_pct']:10.1f}"
              f" {r['ms_median']:9.1f} {read_ratio:15.2f} {speed:16.2f} {vs_classic}")
    by_set = {}
    for s, name, r, _, _ in rows:
        by_set.setdefault(s, {})[name] = r
    for s, named in by_set.items():
        ours = named.get("roadwarden learned")
        for row, what in (("every crop read", "crop loop's early stop"),
                          ("no second look", "second look")):
            base = named.get(f"roadwarden learned, {row}")
            if ours and base and ours["ms_median"]:
                print(f"{s}: {what}: {ours['ms_median']:.1f} ms against {base['ms_median']:.1f} "
                      f"ms ({row}), {base['ms_median'] / ours['ms_median']:.2f}x as fast; read "
                      f"{ours['read_pct']:.1f} % against {base['read_pct']:.1f} %")


if __name__ == "__main__":
    main()
