#!/usr/bin/env python3
"""Writes loop-export.zip: a Loop Habit Tracker CSV export as the app writes it
(Habits.csv, one "NNN <name>/Checkmarks.csv" per habit, root Checkmarks.csv and
Scores.csv), with three years of history, odd names, commas and quotes in notes,
an archived habit, numerical habits (at least and at most) and non-daily ones.

Scores.csv is computed here with Loop's own formula, independently of LifeOps:
score = previous * m + c * (1 - m), m = 0.5 ** (sqrt(f) / 13), f = num / den,
c the day's completion (1 for YES, min(1, value / target) for a numerical
at-least habit, 0 otherwise); a SKIP day leaves the score as it was.
expected.json holds each habit's current streak on the last day, counted the
way Loop counts it for a daily habit (consecutive YES days). Deterministic
(seeded); run it again to rebuild the fixture:  python3 make_fixture.py
"""
import csv, io, json, math, random, zipfile, datetime as dt

rnd = random.Random(24)
FIRST = dt.date(2023, 1, 9)
LAST = dt.date(2026, 3, 9)
DAYS = [FIRST + dt.timedelta(days=i) for i in range((LAST - FIRST).days + 1)]

habits = [
    # position, name, type, question, description, num, den, unit, target type, target, archived, start offset, p(yes)
    dict(pos=1, name="Meditate, 10 min", type="YES_NO", q="Did you meditate?", d='Sit "quietly", breathe', num=1, den=1, unit="", tt="AT_LEAST", tv=0, arch=False, start=0, p=0.8),
    dict(pos=2, name="Run \u201clong\u201d \U0001F3C3", type="NUMERICAL", q="How far?", d="", num=3, den=7, unit="km", tt="AT_LEAST", tv=5, arch=False, start=40, p=0.45),
    dict(pos=3, name="Floss", type="YES_NO", q="", d="", num=1, den=1, unit="", tt="AT_LEAST", tv=0, arch=True, start=100, p=0.6),
    dict(pos=4, name="Water (glasses)", type="NUMERICAL", q="Glasses of water?", d="8 a day", num=1, den=1, unit="glasses", tt="AT_LEAST", tv=8, arch=False, start=10, p=0.9),
    dict(pos=5, name="Sugar", type="NUMERICAL", q="Sweets?", d="", num=1, den=1, unit="pieces", tt="AT_MOST", tv=2, arch=False, start=0, p=0.7),
    dict(pos=6, name="Gym", type="YES_NO", q="", d="", num=1, den=3, unit="", tt="AT_LEAST", tv=0, arch=False, start=200, p=0.4),
    dict(pos=7, name="Piano", type="YES_NO", q="", d="", num=5, den=9, unit="", tt="AT_LEAST", tv=0, arch=False, start=300, p=0.5),
]
notes = ['', '', '', '', 'felt great, really', 'tired; short "session"', 'with Anna, Bob and "C"', 'rain, then sun']

entries = {}
for h in habits:
    rows = []
    days = DAYS[h["start"]:]
    for i, d in enumerate(days):
        tail = (LAST - d).days
        r = rnd.random()
        note = rnd.choice(notes)
        if tail < 60 and h["num"] == h["den"]:
            r = r * 0.5 if tail < 12 else r  # the last 12 days: a streak to compare
        if h["type"] == "YES_NO":
            if tail >= 60 and rnd.random() < 0.03:
                v = "SKIP"
            elif r < h["p"]:
                v = "YES_MANUAL"
            elif h["num"] != h["den"] and r < h["p"] + 0.2:
                v = "YES_AUTO"
            elif r < 0.97:
                v = "NO"
            else:
                v = "UNKNOWN"
        else:
            if r < h["p"]:
                v = round(h["tv"] * (0.5 + rnd.random()), 1)
            else:
                v = 0 if r < 0.95 else round(h["tv"] * rnd.random() * 0.5, 1)
            v = f"{v:g}"
        rows.append((d, v, note))
    entries[h["pos"]] = rows

def completion(h, v):
    if h["type"] == "YES_NO":
        return 1.0 if v == "YES_MANUAL" else 0.0
    x = float(v)
    if h["tt"] == "AT_MOST":
        return 1.0 if x <= h["tv"] else 0.0
    return min(1.0, x / h["tv"])

def scores(h):
    f = h["num"] / h["den"]
    m = 0.5 ** (math.sqrt(f) / 13)
    out, s = {}, 0.0
    for d, v, _ in entries[h["pos"]]:
        if v == "SKIP":
            out[d] = s
            continue
        s = s * m + completion(h, v) * (1 - m)
        out[d] = s
    return out

def streak(h):
    n = 0
    for d, v, _ in reversed(entries[h["pos"]]):
        if completion(h, v) >= 1:
            n += 1
        else:
            break
    return n

def csv_bytes(rows):
    b = io.StringIO()
    w = csv.writer(b, lineterminator="\n")
    w.writerows(rows)
    return b.getvalue().encode()

with zipfile.ZipFile("loop-export.zip", "w", zipfile.ZIP_DEFLATED) as z:
    hdr = ["Position", "Name", "Type", "Question", "Description", "FrequencyNumerator", "FrequencyDenominator",
           "Color", "Unit", "Target Type", "Target Value", "Archived?"]
    z.writestr("Habits.csv", csv_bytes([hdr] + [[h["pos"], h["name"], h["type"], h["q"], h["d"], h["num"], h["den"],
        "#37474F", h["unit"], h["tt"], h["tv"], "true" if h["arch"] else "false"] for h in habits]))
    for h in habits:
        folder = "%03d %s" % (h["pos"], h["name"])
        z.writestr(folder + "/Checkmarks.csv", csv_bytes([["Date", "Value", "Notes"]] + [[d.isoformat(), v, n] for d, v, n in reversed(entries[h["pos"]])]))
    names = [h["name"] for h in habits]
    sc = {h["pos"]: scores(h) for h in habits}
    byday = {h["pos"]: {d: v for d, v, _ in entries[h["pos"]]} for h in habits}
    z.writestr("Checkmarks.csv", csv_bytes([["Date"] + names] + [[d.isoformat()] + [byday[h["pos"]].get(d, "") for h in habits] for d in reversed(DAYS)]))
    z.writestr("Scores.csv", csv_bytes([["Date"] + names] + [[d.isoformat()] + [("%.6f" % sc[h["pos"]][d]) if d in sc[h["pos"]] else "" for h in habits] for d in reversed(DAYS)]))

with open("expected.json", "w") as f:
    json.dump({"last_day": LAST.isoformat(), "streaks": {h["name"]: streak(h) for h in habits if h["num"] == h["den"]}}, f, indent=1, ensure_ascii=False)
