#!/usr/bin/env python3
"""Writes user-data.json: the shape of Habitica's "Export data → User data
(JSON)" with two years of task history: dailies (every day, every 2 days,
chosen weekdays, monthly), habits (up, down, both), open and completed
to-dos, a reward; odd names, commas and quotes in notes. History dates are
milliseconds since the epoch, as Habitica writes them. Deterministic
(seeded):  python3 make_fixture.py
"""
import json, random, datetime as dt

rnd = random.Random(42)
FIRST = dt.date(2024, 3, 1)
LAST = dt.date(2026, 3, 9)
DAYS = [FIRST + dt.timedelta(days=i) for i in range((LAST - FIRST).days + 1)]
WD = ["m", "t", "w", "th", "f", "s", "su"]

def ms(d, hour=19):
    return int(dt.datetime(d.year, d.month, d.day, hour, rnd.randint(0, 59), tzinfo=dt.timezone.utc).timestamp() * 1000)

def daily(text, notes, frequency, every, repeat, p, start=0):
    hist = []
    start_day = DAYS[start]
    for i, d in enumerate(DAYS[start:]):
        due = True
        if frequency == "daily":
            due = i % every == 0
        elif frequency == "weekly":
            due = repeat[WD[d.weekday()]]
        elif frequency == "monthly":
            due = d.day == start_day.day
        if not due:
            continue
        done = rnd.random() < p
        hist.append({"date": ms(d), "value": round(rnd.uniform(-5, 20), 4), "isDue": True, "completed": done})
    return {"_id": f"{rnd.getrandbits(64):016x}", "type": "daily", "text": text, "notes": notes, "frequency": frequency,
            "everyX": every, "repeat": repeat, "startDate": f"{start_day.isoformat()}T00:00:00.000Z", "history": hist,
            "streak": 0, "completed": False}

def habit(text, up, down, p):
    hist = []
    for d in DAYS:
        if rnd.random() < p:
            hist.append({"date": ms(d, 8), "value": round(rnd.uniform(-5, 20), 4),
                         "scoredUp": rnd.randint(1, 3) if up else 0, "scoredDown": rnd.randint(0, 2) if down else 0})
    return {"_id": f"{rnd.getrandbits(64):016x}", "type": "habit", "text": text, "notes": "", "up": up, "down": down, "history": hist}

allweek = {k: True for k in WD}
workdays = {k: k in ("m", "t", "w", "th", "f") for k in WD}
data = {
    "_id": "5c1e0a8e-0000-4000-8000-000000000001",
    "profile": {"name": "Ann"},
    "tasks": {
        "dailys": [
            daily("Meditate, 10\u00a0min", 'Sit "quietly", breathe', "daily", 1, allweek, 0.8),
            daily("Water the plants \U0001F331", "", "daily", 2, allweek, 0.7, start=30),
            daily("Gym (Mon\u2013Fri)", "with Anna, Bob and \"C\"", "weekly", 1, workdays, 0.6, start=10),
            daily("Pay rent", "", "monthly", 1, allweek, 0.95, start=0),
        ],
        "habits": [
            habit("Drink water", True, False, 0.7),
            habit("Snacks", False, True, 0.5),
            habit("Stairs / lift", True, True, 0.4),
        ],
        "todos": [
            {"_id": "t1", "type": "todo", "text": "Renew passport", "notes": "", "completed": False},
            {"_id": "t2", "type": "todo", "text": "Call Mum, ask about \"the box\"", "notes": "", "completed": True},
        ],
        "rewards": [{"_id": "r1", "type": "reward", "text": "Coffee", "value": 10}],
    },
}
with open("user-data.json", "w") as f:
    json.dump(data, f, ensure_ascii=False, indent=1)
done = {t["text"]: sum(1 for h in t["history"] if h["completed"]) for t in data["tasks"]["dailys"]}
ups = {t["text"]: sum(1 for h in t["history"] if h["scoredUp"] > 0) for t in data["tasks"]["habits"] if t["up"]}
with open("expected.json", "w") as f:
    json.dump({"done_days": {**done, **ups}}, f, ensure_ascii=False, indent=1)
