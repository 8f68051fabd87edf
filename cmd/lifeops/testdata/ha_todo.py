"""Makes the calls Home Assistant's caldav integration makes (its todo.py
and calendar.py, through python-caldav), against a running LifeOps, and
checks LifeOps' state through its REST API after each step.

Environment: CALDAV_URL (the principal URL), REST_URL, TOKEN (a household
write token, used as the CalDAV password and the REST bearer token)."""

import datetime
import json
import os
import sys
import urllib.request
import zoneinfo

import caldav

CALDAV_URL = os.environ["CALDAV_URL"]
REST_URL = os.environ["REST_URL"]
TOKEN = os.environ["TOKEN"]


def step(msg):
    print("step:", msg, flush=True)


def check(cond, msg):
    if not cond:
        print("FAIL:", msg, flush=True)
        sys.exit(1)


def rest(path):
    req = urllib.request.Request(REST_URL + path, headers={"Authorization": "Bearer " + TOKEN})
    with urllib.request.urlopen(req) as resp:
        return json.load(resp)


def todos():
    return rest("/api/v1/people/alex/todos")["items"]


def comp(obj):
    return obj.icalendar_instance.walk("VTODO")[0]


step("principal and calendars (config flow and set-up)")
client = caldav.DAVClient(url=CALDAV_URL, username="homeassistant", password=TOKEN)
principal = client.principal()
calendars = principal.calendars()
names = sorted(c.name for c in calendars)
check("Alex's to-dos" in names and "Alex's today" in names and "Alex's routine" in names, names)
by_name = {c.name: c for c in calendars}
todo_lists = [c for c in calendars if "VTODO" in c.get_supported_components()]
event_cals = [c for c in calendars if "VEVENT" in c.get_supported_components()]
check(sorted(c.name for c in todo_lists) == ["Alex's to-dos", "Alex's today"], [c.name for c in todo_lists])
check([c.name for c in event_cals] == ["Alex's routine"], [c.name for c in event_cals])
todo_list = by_name["Alex's to-dos"]

step("search todos including completed (empty)")
check(todo_list.search(todo=True, include_completed=True) == [], "list not empty")

step("save_todo (create)")
todo_list.save_todo(summary="Buy shoes", status="NEEDS-ACTION", description="size 43")
items = todos()
check(len(items) == 1 and items[0]["title"] == "Buy shoes" and items[0]["notes"] == "size 43", items)
uid = items[0]["uid"]
found = todo_list.search(todo=True, include_completed=True)
check(len(found) == 1 and str(comp(found[0]).get("uid")) == uid, found)

step("todo_by_uid, set status COMPLETED and save (as HA: DUE and DESCRIPTION dropped)")
todo = todo_list.todo_by_uid(uid)
c = comp(todo)
c["status"] = "COMPLETED"
for key in ("due", "description"):
    if key in c:
        del c[key]
todo.save(no_create=True, obj_type="todo")
items = todos()
check(items[0]["done"] and items[0]["notes"] == "size 43", items)
version = items[0]["version"]

step("the same completion again changes nothing")
todo = todo_list.todo_by_uid(uid)
c = comp(todo)
c["status"] = "COMPLETED"
todo.save(no_create=True, obj_type="todo")
check(todos()[0]["version"] == version, todos())

step("re-open")
todo = todo_list.todo_by_uid(uid)
c = comp(todo)
c["status"] = "NEEDS-ACTION"
todo.save(no_create=True, obj_type="todo")
check(not todos()[0]["done"], todos())

step("set a due date")
todo = todo_list.todo_by_uid(uid)
todo.set_due(datetime.date(2026, 3, 5))
todo.save(no_create=True, obj_type="todo")
check(todos()[0].get("due") == "2026-03-05", todos())

step("set a due date-time in an IANA zone (DUE;TZID=… without VTIMEZONE)")
todo = todo_list.todo_by_uid(uid)
c = comp(todo)
if "due" in c:
    del c["due"]
c.add("due", datetime.datetime(2026, 3, 6, 18, 30, tzinfo=zoneinfo.ZoneInfo("Europe/Amsterdam")))
todo.save(no_create=True, obj_type="todo")
due = todos()[0].get("due")
check(due == "2026-03-06T18:30:00+01:00", todos())

step("the Today list: complete the habit as Assist does")
today = by_name["Alex's today"]
items = today.search(todo=True, include_completed=True)
summaries = sorted(str(comp(i).get("summary")) for i in items)
check(summaries == ["Stretch", "Tidy desk"], summaries)
habit = [i for i in items if str(comp(i).get("summary")) == "Stretch"][0]
hc = comp(habit)
hc["status"] = "COMPLETED"
for key in ("due", "description"):
    if key in hc:
        del hc[key]
habit.save(no_create=True, obj_type="todo")
day = rest("/api/v1/people/alex/today")
check(any(h["status"] == "done" for h in day["habits"]), day["habits"])

step("delete the to-do")
todo = todo_list.todo_by_uid(uid)
todo.delete()
check(todos() == [], todos())

step("calendar search with a time range")
routine = by_name["Alex's routine"]
start = datetime.datetime.now(datetime.timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
events = routine.date_search(start=start, end=start + datetime.timedelta(days=7), expand=True)
check(len(events) == 7, len(events))

print("ok", flush=True)
