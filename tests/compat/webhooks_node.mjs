// The official `@composio/core` 0.17.0, unmodified, with composio-server's webhooks:
// subscribes with `triggers.setWebhookSubscription`, approves one Connect Link and denies
// another, and verifies each delivery the server posts with `triggers.verifyWebhook`; a
// tampered body, a wrong secret and a stale timestamp are refused.
// Needs COMPOSIO_API_KEY, COMPOSIO_BASE_URL and COMPOSIO_CLI (for `composio sandbox`).
import { execFileSync } from "node:child_process";
import { createServer } from "node:http";
import assert from "node:assert/strict";
import {
  Composio,
  ComposioWebhookPayloadError,
  ComposioWebhookSignatureVerificationError,
} from "@composio/core";

const composio = new Composio({
  apiKey: process.env.COMPOSIO_API_KEY,
  baseURL: process.env.COMPOSIO_BASE_URL,
  allowTracking: false,
  disableVersionCheck: true,
});

const waiting = [];
const arrived = [];
const receiver = createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const delivery = { headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
    const next = waiting.shift();
    if (next) next(delivery);
    else arrived.push(delivery);
    res.writeHead(200).end();
  });
});
await new Promise((ok) => receiver.listen(0, "127.0.0.1", ok));
const url = `http://127.0.0.1:${receiver.address().port}/hooks`;

function nextDelivery() {
  if (arrived.length) return Promise.resolve(arrived.shift());
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error("no delivery within 20 s")), 20_000);
    waiting.push((d) => {
      clearTimeout(timer);
      ok(d);
    });
  });
}

function sandbox(action, link) {
  execFileSync(process.env.COMPOSIO_CLI, ["sandbox", action, link], { encoding: "utf8", timeout: 60_000 });
}

const events = ["composio.connected_account.active", "composio.connected_account.failed"];
const sub = await composio.triggers.setWebhookSubscription({ webhookUrl: url, enabledEvents: events });
assert.ok(sub.secret?.startsWith("wsk_"), JSON.stringify(sub));
const again = await composio.triggers.setWebhookSubscription({ webhookUrl: url, enabledEvents: events });
assert.equal(again.id, sub.id);

const session = await composio.create("ts_hook_user", { manageConnections: false });
const approved = await session.authorize("gmail");
sandbox("approve", approved.redirectUrl);
const denied = await session.authorize("github");
sandbox("deny", denied.redirectUrl);

const seen = {};
for (let i = 0; i < 2; i++) {
  const { headers, body } = await nextDelivery();
  const args = {
    id: headers["webhook-id"],
    payload: body,
    secret: sub.secret,
    signature: headers["webhook-signature"],
    timestamp: headers["webhook-timestamp"],
  };
  const result = await composio.triggers.verifyWebhook(args);
  assert.equal(result.version, "V3");
  assert.equal(result.rawPayload.id, headers["webhook-id"]);
  seen[result.rawPayload.type] = result.rawPayload.data;

  for (const bad of [
    { payload: body.replace('"status"', '"statvs"') },
    { secret: "wsk_wrong" },
    { timestamp: String(Number(headers["webhook-timestamp"]) - 3600) },
  ]) {
    await assert.rejects(
      composio.triggers.verifyWebhook({ ...args, ...bad }),
      (e) => e instanceof ComposioWebhookSignatureVerificationError || e instanceof ComposioWebhookPayloadError,
      `accepted a bad delivery: ${JSON.stringify(Object.keys(bad))}`,
    );
  }
}
assert.equal(seen["composio.connected_account.active"].id, approved.id);
assert.equal(seen["composio.connected_account.active"].status, "ACTIVE");
assert.equal(seen["composio.connected_account.failed"].status, "FAILED");
receiver.close();
console.log("official @composio/core 0.17.0 webhooks: setWebhookSubscription + verifyWebhook OK");
