"""Renders the templates of homeassistant/packages/lifeops.yaml the way Home
Assistant does, over a fake entity and device registry, with Jinja2 itself
(the engine HA's templates run on). Input on stdin (JSON): the templates and
the cases; output on stdout (JSON): what each case rendered.

Only the template functions the package uses are provided, with HA's
documented behaviour (https://www.home-assistant.io/docs/configuration/templating/):
integration_entities, device_id (function and filter), device_attr,
device_entities, states, state_attr and the regex_replace filter. A result
that reads as a Python literal becomes that value, as HA's native-type
rendering does (ast.literal_eval).
"""
import ast
import json
import re
import sys

from jinja2.sandbox import ImmutableSandboxedEnvironment


def native(text):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, TypeError):
        return text


def main():
    job = json.load(sys.stdin)
    reg = job["registry"]
    devices = {d["id"]: d for d in reg["devices"]}
    entities = reg["entities"]  # entity_id -> {device, platform, state, attributes}

    def integration_entities(name):
        return [e for e, v in entities.items() if v["platform"] == name]

    def device_id(entity_or_name):
        if entity_or_name in entities:
            return entities[entity_or_name]["device"]
        for d in devices.values():
            if (d.get("name_by_user") or d["name"]) == entity_or_name:
                return d["id"]
        return None

    def device_attr(dev, attr):
        d = devices.get(dev) or devices.get(device_id(dev))
        if d is None:
            return None
        if attr == "identifiers":
            return {tuple(i) for i in d["identifiers"]}
        return d.get(attr)

    def device_entities(dev):
        return [e for e, v in entities.items() if v["device"] == dev]

    def states(e):
        v = entities.get(e)
        if v is None:
            return "unknown"
        return v["state"]

    def state_attr(e, a):
        v = entities.get(e)
        return None if v is None else v.get("attributes", {}).get(a)

    def regex_replace(value="", find="", replace="", ignorecase=False):
        return re.sub(find, replace, str(value), flags=re.I if ignorecase else 0)

    env = ImmutableSandboxedEnvironment()
    env.globals.update(integration_entities=integration_entities, device_id=device_id, device_attr=device_attr,
                       device_entities=device_entities, states=states, state_attr=state_attr)
    env.filters.update(device_id=device_id, regex_replace=regex_replace)

    out = []
    for case in job["cases"]:
        variables = dict(case.get("variables", {}))
        steps = {}
        for name, tpl in case["steps"]:
            value = native(env.from_string(tpl).render(**variables).strip())
            variables[name] = value
            steps[name] = value
        out.append({"name": case["name"], "steps": steps})
    json.dump(out, sys.stdout)


main()
