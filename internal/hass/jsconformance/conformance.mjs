// Drives LifeOps' fake HA (internal/hass/hatest) with the official client.
// The Go test (hatest/conformance_test.go) starts the fake, runs this with
// HA_URL and HA_TOKEN, drops the socket after the first call_service and
// sets sensor.lifeops_life_score to "74" once the client has re-subscribed.
// Exit code 0 = the fake speaks HA's protocol as this client expects.
import { WebSocket } from "ws";

globalThis.WebSocket = WebSocket; // Node 20 has no global WebSocket
const ha = await import("home-assistant-js-websocket");

const fail = (msg) => {
  console.error(`FAIL: ${msg}`);
  process.exit(1);
};
setTimeout(() => fail("timed out after 20 s"), 20_000).unref();

const waitFor = (what, pred) =>
  new Promise((resolve) => {
    const tick = () => (pred() ? resolve() : setTimeout(tick, 5));
    tick();
  }).then(() => console.log(`ok: ${what}`));

const auth = ha.createLongLivedTokenAuth(process.env.HA_URL, process.env.HA_TOKEN);
const conn = await ha.createConnection({ auth });
console.log(`ok: connected to HA ${conn.haVersion}`);

let disconnects = 0;
let readies = 0;
conn.addEventListener("disconnected", () => disconnects++);
conn.addEventListener("ready", () => readies++);

let entities = {};
ha.subscribeEntities(conn, (ents) => {
  entities = ents;
});
const state = (id) => entities[id]?.state;

await waitFor("initial state 71", () => state("sensor.lifeops_life_score") === "71");
const attrs = entities["sensor.lifeops_life_score"].attributes;
if (attrs.friendly_name !== "LifeOps Life score") fail(`attributes ${JSON.stringify(attrs)}`);

const res = await ha.callService(conn, "light", "turn_on", { brightness: 120 }, { entity_id: "light.desk" });
if (!res || !res.context || !res.context.id) fail(`call_service result ${JSON.stringify(res)}`);
console.log("ok: call_service answered with a context");

await waitFor("socket dropped by the fake", () => disconnects >= 1);
await waitFor("re-authenticated", () => readies >= 1);
await waitFor("new state 74 after re-subscribe", () => state("sensor.lifeops_life_score") === "74");

const config = await ha.getConfig(conn);
if (!config.time_zone) fail(`get_config ${JSON.stringify(config)}`);
const states = await ha.getStates(conn);
if (!states.some((s) => s.entity_id === "sensor.lifeops_life_score" && s.state === "74")) fail("get_states");
await ha.callService(conn, "notify", "notify", { message: "back" });
console.log("ok: get_config, get_states and call_service after reconnect");
conn.close();
process.exit(0);
